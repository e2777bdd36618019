import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex, generatePrivateKey, getPublicKey, keccak256 } from '@status-stack/crypto';
import { encodeEnvelope, partitionedTopic } from '@status-stack/whisper';
import { APPLICATION_MESSAGE_TYPE, CONTENT_TYPE, MESSAGE_TYPE, emptyChatMessage, publicKeyToHex, sendApplicationMessage } from '@status-stack/payloads';
import { CLIENT_DEFAULTS, type ClientMessage, type DeliveryEvent, type StatusClientTiming } from '../src/index.js';
import { Harness, until, type TestPeer } from './helpers/client-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

/** Envelopes posted on `key`'s partitioned topic since log index `from`: first-contact MVDS payloads to it. */
function toPartitioned(from: number, key: Uint8Array): number {
  const topic = bytesToHex(partitionedTopic(key));
  return h.hub.log.slice(from).filter((e) => bytesToHex(e.topic) === topic).length;
}

function deliveries(p: TestPeer): DeliveryEvent[] {
  const out: DeliveryEvent[] = [];
  p.client.on('delivery', (d) => out.push(d));
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('MVDS resend timing of the client', () => {
  it('by default no resend goes out before 2 s (status-go ACKs within ~0.8 s), whatever the epoch length', async () => {
    h = new Harness();
    const keyB = generatePrivateKey();
    // Default resend schedule (the harness shortens it), on 20 ms epochs: 2 s is 101 epochs, not 1.
    const a = await h.peer({ timing: { mvdsFirstResendMs: undefined, mvdsMaxResendIntervalMs: undefined } });
    const pubB = getPublicKey(keyB); // nobody answers for B
    const before = h.hub.log.length;
    const t0 = Date.now();
    await a.client.sendMessage(publicKeyToHex(pubB), 'anyone there?');
    expect(toPartitioned(before, pubB)).toBe(1);
    await sleep(1800);
    expect(toPartitioned(before, pubB)).toBe(1);
    await until(() => toPartitioned(before, pubB) === 2, 'the first resend', 10_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(CLIENT_DEFAULTS.MVDS_FIRST_RESEND_MS);
    expect(CLIENT_DEFAULTS.MVDS_FIRST_RESEND_MS).toBe(2000);
  });
});

describe('a 1:1 message that is never acknowledged', () => {
  const timing: StatusClientTiming = { mvdsFirstResendMs: 60, mvdsMaxResendIntervalMs: 60, mvdsMaxTransmissions: 3 };

  it('is sent at most mvdsMaxTransmissions times, then becomes failed (event + storage), survives a restart, and resendMessage delivers it', async () => {
    h = new Harness();
    const dir = h.tempDir();
    const keyA = generatePrivateKey();
    const keyB = generatePrivateKey();
    let a = await h.peer({ privateKey: keyA, storage: h.sqlite(join(dir, 'a.db')), timing });
    // B exists but is offline: its client is not started, so nothing ever ACKs.
    const b = await h.peer({ privateKey: keyB, start: false, timing });
    const pubB = getPublicKey(keyB);
    const events = deliveries(a);
    const before = h.hub.log.length;
    const sent = await a.client.sendMessage(publicKeyToHex(pubB), 'into the void');
    expect(sent.deliveryState).toBe('sent');

    await a.client.waitForDelivery(sent.id, 'failed', { signal: AbortSignal.timeout(10_000) });
    expect(toPartitioned(before, pubB)).toBe(3);
    expect(events.filter((e) => e.messageId === sent.id).map((e) => e.state)).toEqual(['sent', 'failed']);
    expect((await a.storage.getMessage(sent.id))?.deliveryState).toBe('failed');
    await sleep(400); // 20 epochs: nothing more goes out
    expect(toPartitioned(before, pubB)).toBe(3);

    // Restart: still failed, and still not retransmitted.
    await h.down(a);
    await a.storage.close();
    a = await h.peer({ privateKey: keyA, storage: h.sqlite(join(dir, 'a.db')), timing });
    expect((await a.client.history(publicKeyToHex(pubB))).messages.map((m) => [m.id, m.deliveryState])).toEqual([[sent.id, 'failed']]);
    const afterRestart = h.hub.log.length;
    await sleep(400);
    expect(toPartitioned(afterRestart, pubB)).toBe(0);

    // B comes online; the user resends: MVDS starts over, B gets it once and ACKs.
    const atB: ClientMessage[] = [];
    b.client.on('message', (m) => atB.push(m));
    await b.client.start();
    const events2 = deliveries(a);
    const again = await a.client.resendMessage(sent.id);
    expect(['sent', 'delivered']).toContain(again.deliveryState);
    await a.client.waitForDelivery(sent.id, 'delivered', { signal: AbortSignal.timeout(10_000) });
    expect(events2.map((e) => e.state)).toEqual(['sent', 'delivered']);
    await until(() => atB.some((m) => m.id === sent.id), 'resent message at B');
    expect(atB.filter((m) => m.id === sent.id)).toHaveLength(1);
    expect((await a.storage.getMessage(sent.id))?.deliveryState).toBe('delivered');
    // Resending a delivered message does nothing.
    const n = h.hub.log.length;
    expect((await a.client.resendMessage(sent.id)).deliveryState).toBe('delivered');
    await sleep(100);
    expect(h.hub.log.length).toBe(n);
    expect(a.errors).toEqual([]);
  });

  it('a late ACK (the peer read it from a mailserver) turns failed into delivered without a resend', async () => {
    h = new Harness();
    const a = await h.peer({ timing });
    const keyB = generatePrivateKey();
    const pubB = getPublicKey(keyB);
    const sent = await a.client.sendMessage(publicKeyToHex(pubB), 'read later');
    await a.client.waitForDelivery(sent.id, 'failed', { signal: AbortSignal.timeout(10_000) });
    const logged = h.hub.log.filter((e) => bytesToHex(e.topic) === bytesToHex(partitionedTopic(pubB)));
    expect(logged).toHaveLength(3);
    // B comes online and is handed A's envelopes again (what a mailserver would serve): it ACKs them.
    const b = await h.peer({ privateKey: keyB, timing });
    const n = h.hub.log.length;
    for (const e of logged) h.hub.broadcast(e, keccak256(encodeEnvelope(e)));
    await a.client.waitForDelivery(sent.id, 'delivered', { signal: AbortSignal.timeout(10_000) });
    await until(async () => (await b.storage.getMessage(sent.id)) !== undefined, 'message stored at B');
    // A did not send the message again: only B's ACK (and B's own traffic) went out after the replay.
    expect(toPartitioned(n + logged.length, pubB)).toBe(0);
    expect(a.errors).toEqual([]);
  });

  it('resendMessage rejects ids that are not our messages', async () => {
    h = new Harness();
    const a = await h.peer();
    await expect(a.client.resendMessage('0x00')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('unsigned envelopes', () => {
  it('a Status payload in an unsigned envelope on our partitioned topic is ignored as UNSIGNED; the same signed is read', async () => {
    h = new Harness();
    const b = await h.peer();
    const c = await h.peer();
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
    const topic = partitionedTopic(b.client.publicKey);
    const unsigned = chat('no envelope signature');
    const pm1 = await c.client.secure.buildDhMessage(b.client.publicKey, unsigned.bytes);
    await c.transport.post({ topic, publicKey: b.client.publicKey, payload: pm1, ttl: 15 });
    await until(() => b.ignored.some((e) => e.reason === 'UNSIGNED'), 'UNSIGNED at B');
    const ev = b.ignored.find((e) => e.reason === 'UNSIGNED')!;
    expect(ev.detail).toContain('partitioned');
    expect(ev.detail).toContain('status requires a signature');
    expect(await b.storage.getMessage(unsigned.id)).toBeUndefined();

    const signed = chat('signed envelope');
    const pm2 = await c.client.secure.buildDhMessage(b.client.publicKey, signed.bytes);
    await c.transport.post({ topic, publicKey: b.client.publicKey, payload: pm2, ttl: 15, sign: c.privateKey });
    await until(async () => (await b.storage.getMessage(signed.id)) !== undefined, 'signed message at B');
    expect(b.ignored.filter((e) => e.reason === 'UNSIGNED')).toHaveLength(1);
    expect(b.errors).toEqual([]);
  });
});
