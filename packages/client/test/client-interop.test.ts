import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '@status-stack/crypto';
import { decodeEnvelope, negotiatedSecret } from '@status-stack/whisper';
import { decodeProtocolMessage } from '@status-stack/secure-transport';
import { MemoryStorage, StatusClient, type ClientError, type ClientMessage, type IgnoredEvent } from '../src/index.js';
import { until } from './helpers/client-harness.js';
import { ReplayTransport } from './helpers/client-replay.js';

// Real envelopes between two status-go v0.62.18 messengers, replayed into our client.
interface Captured {
  identities: Record<'A' | 'B', { private_key: string; public_key: string }>;
  envelopes: { envelope_rlp: string }[];
}
const vectors = JSON.parse(readFileSync(new URL('../../../vectors/status-client/status-fullstack-captured-waku1.json', import.meta.url), 'utf8')) as Captured;
const envelopes = vectors.envelopes.map((e) => decodeEnvelope(hexToBytes(e.envelope_rlp)));

const clients: StatusClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.stop();
});

async function replayInto(who: 'A' | 'B'): Promise<{ client: StatusClient; transport: ReplayTransport; got: ClientMessage[]; errors: ClientError[]; ignored: IgnoredEvent[] }> {
  const transport = new ReplayTransport();
  const client = new StatusClient({ identity: { privateKey: hexToBytes(vectors.identities[who].private_key) }, storage: new MemoryStorage(), transport });
  clients.push(client);
  const got: ClientMessage[] = [];
  const errors: ClientError[] = [];
  const ignored: IgnoredEvent[] = [];
  client.on('message', (m) => got.push(m));
  client.on('error', (e) => errors.push(e));
  client.on('ignored', (e) => ignored.push(e));
  await client.start();
  await client.joinPublicChat('interop-test');
  // Listen on the other side's negotiated topic and contact code, as after starting the 1:1 chat.
  await client.startOneToOne(vectors.identities[who === 'A' ? 'B' : 'A'].public_key);
  transport.replay(envelopes);
  return { client, transport, got, errors, ignored };
}

describe('StatusClient reading real status-go v0.62.18 traffic', () => {
  it('as A: both public messages, and B’s first-contact 1:1 (partitioned topic, DH header, MVDS); the rest is typed, never a crash', async () => {
    const a = await replayInto('A');
    const B = vectors.identities.B.public_key;
    await until(() => a.got.length === 3 && a.ignored.length >= 2, 'three messages and two ignored envelopes');
    const byId = new Map(a.got.map((m) => [m.id, m]));
    const pub = byId.get('0xbce772b17c1e18b08800b1f622fee23fb83db0d1e356461d0e809f105a688820');
    expect(pub).toMatchObject({ chatId: 'interop-test', text: 'hello from B', from: B, outgoing: false, clock: 1795592980447n });
    expect(pub?.via).toEqual({ channel: 'public', method: null, history: true });
    const direct = byId.get('0x7c31c7e55f3fa06bb31f06ad8fe5af665f817a32704f7cfceca9bab0e9fc4661');
    expect(direct).toMatchObject({ chatId: B, text: 'hello from B', from: B, outgoing: false });
    expect(direct?.via).toEqual({ channel: 'partitioned', method: 'dh', history: true });
    // A's own public message, sent by A's other (real) installation: shown as ours.
    const own = byId.get('0x1d9a1bc55547ee278fa91aabdfccc877bbc961252044730686f8158381ea3053');
    expect(own).toMatchObject({ chatId: 'interop-test', text: 'hello from A (public chat)', outgoing: true });
    expect((await a.client.history('interop-test')).messages.map((m) => m.text)).toEqual(['hello from B', 'hello from A (public chat)']);
    // The negotiated-topic envelopes are for the real installations: one from B (we answer with our bundle),
    // one from A's other device we are not paired with.
    expect(a.ignored.map((e) => e.reason).sort()).toEqual(['NOT_FOR_THIS_DEVICE', 'NOT_FOR_THIS_DEVICE']);
    // To B's message with no entry for us we answered, as status-go does, with our bundle (DH entry, empty
    // payload); B had already written to us, so on the negotiated topic.
    const negotiated = negotiatedSecret(hexToBytes(vectors.identities.A.private_key), hexToBytes(B));
    const advert = a.transport.posted.find((p) => bytesToHex(p.topic) === bytesToHex(negotiated.topic) && decodeProtocolMessage(p.payload).directMessage.has('none'));
    expect(advert).toBeDefined();
    expect(advert!.symKey).toEqual(negotiated.symKey);
    const pm = decodeProtocolMessage(advert!.payload);
    expect(pm.installationId).toBe(a.client.installationId);
    expect([...pm.directMessage.keys()]).toEqual(['none']);
    expect(pm.bundles).toHaveLength(1);
    expect(a.errors).toEqual([]);
  });

  it('as B: both public messages; the 1:1 to A cannot be opened and is not delivered', async () => {
    const b = await replayInto('B');
    await until(() => b.got.length === 2, 'two public messages');
    expect(b.got.map((m) => m.text).sort()).toEqual(['hello from A (public chat)', 'hello from B']);
    expect(b.got.find((m) => m.text === 'hello from B')?.outgoing).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(b.got).toHaveLength(2);
    expect(b.errors).toEqual([]);
  });
});
