import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex } from '@status-stack/crypto';
import { partitionedTopic } from '@status-stack/whisper';
import { emptyPayload, encodePayload, messageId, oneToOneGroupId } from '@status-stack/mvds';
import { APPLICATION_MESSAGE_TYPE, CONTENT_TYPE, MESSAGE_TYPE, emptyChatMessage, sendApplicationMessage } from '@status-stack/payloads';
import { CLIENT_NS, MVDS_NS, MemoryStorage, type ClientMessage, type ClientStorage } from '../src/index.js';
import { Harness, until } from './helpers/client-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

/** A storage whose MVDS message writes fail from the `failFrom`-th one on while `armed.on` is set. */
function failingMvdsWrites(storage: ClientStorage, failFrom: number): { storage: ClientStorage; armed: { on: boolean } } {
  const armed = { on: false };
  let writes = 0;
  const wrapped = new Proxy(storage, {
    get(target, prop, receiver) {
      if (prop !== 'transaction') return Reflect.get(target, prop, receiver) as unknown;
      return <T>(fn: (tx: ClientStorage) => Promise<T>) =>
        target.transaction((tx) =>
          fn(
            new Proxy(tx, {
              get(t, p2, r) {
                if (p2 !== 'kvPut') return Reflect.get(t, p2, r) as unknown;
                return (ns: string, key: string, value: Uint8Array) => {
                  if (armed.on && ns === MVDS_NS.MESSAGE && ++writes >= failFrom) return Promise.reject(new Error('disk full'));
                  return t.kvPut(ns, key, value);
                };
              },
            }),
          ),
        );
    },
  });
  return { storage: wrapped, armed };
}

describe('MVDS payloads in', () => {
  it('a message MVDS took in is shown at once even when MVDS fails later in the same payload (no silent drop)', async () => {
    h = new Harness();
    const memory = new MemoryStorage();
    const { storage, armed } = failingMvdsWrites(memory, 2);
    const b = await h.peer({ storage });
    const c = await h.peer();
    const atB: ClientMessage[] = [];
    b.client.on('message', (m) => atB.push(m));
    const chat = (text: string) =>
      sendApplicationMessage(
        {
          kind: 'chatMessage',
          type: APPLICATION_MESSAGE_TYPE.CHAT_MESSAGE,
          value: {
            ...emptyChatMessage(),
            clock: BigInt(Date.now()),
            timestamp: BigInt(Date.now()),
            text,
            chatId: b.client.publicKeyHex,
            messageType: MESSAGE_TYPE.ONE_TO_ONE,
            contentType: CONTENT_TYPE.TEXT_PLAIN,
          },
        },
        c.privateKey,
      );
    // One MVDS payload carrying two messages: B's MVDS stores the first, then fails to store the second.
    const first = chat('stored before the failure');
    const second = chat('not stored');
    const groupId = oneToOneGroupId(c.client.publicKey, b.client.publicKey);
    const timestamp = BigInt(Math.floor(Date.now() / 1000));
    const payload = { ...emptyPayload(), messages: [first, second].map((m) => ({ groupId, timestamp, body: m.bytes })) };
    const pm = await c.client.secure.buildDhMessage(b.client.publicKey, encodePayload(payload));
    armed.on = true;
    await c.transport.post({ topic: partitionedTopic(b.client.publicKey), publicKey: b.client.publicKey, payload: pm, ttl: 15, sign: c.privateKey });

    await until(() => b.errors.some((e) => e.code === 'SYNC_FAILED'), 'SYNC_FAILED at B');
    await until(() => atB.some((m) => m.id === first.id), 'first message shown at B');
    armed.on = false;
    const shown = atB.find((m) => m.id === first.id)!;
    expect(shown.text).toBe('stored before the failure');
    expect(shown.via).toEqual({ channel: 'partitioned', method: 'dh', history: false });
    // Processed now, not left for the next start; the second is not MVDS's (C retransmits it).
    const firstMvdsId = bytesToHex(messageId(payload.messages[0]!));
    expect(await memory.kvGet(CLIENT_NS.MVDS_DONE, firstMvdsId)).toBeDefined();
    expect(await memory.kvGet(MVDS_NS.MESSAGE, bytesToHex(messageId(payload.messages[1]!)))).toBeUndefined();
    expect(atB.some((m) => m.id === second.id)).toBe(false);
  });
});
