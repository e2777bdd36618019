import { afterEach, describe, expect, it } from 'vitest';
import { RLP } from '@ethereumjs/rlp';
import fc from 'fast-check';
import { bytesToHex, equalBytes, utf8ToBytes } from '@status-stack/crypto';
import { DISCONNECT_REASON, MemoryNetwork, type Overlay } from '@status-stack/p2p-overlay';
import {
  decodeBatchAckPacket,
  decodeMessageResponsePacket,
  decodeWhisperStatus,
  encodeMessagesPacket,
  encodeWhisperStatus,
  ENVELOPE_ERROR_CODE,
  envelopeHash,
  hexToTopic,
  powToUint64,
  publicChatKey,
  publicChatTopic,
  topicToBloom,
  wrapMessage,
  WHISPER_ERROR,
  WHISPER_PACKET,
  type Envelope,
} from '../src/index.js';
import { collector, identity, link, rawPeer, startNode, until, type TestNode } from './harness.js';

const topic = publicChatTopic('node-tests');
const symKey = publicChatKey('node-tests');
const otherTopic = hexToTopic('0x0badf00d');
const text = (s: string) => utf8ToBytes(s);

let network: MemoryNetwork;
const overlays: Overlay[] = [];
const nodes: TestNode[] = [];

function overlay(): Overlay {
  network ??= new MemoryNetwork();
  const o = network.createOverlay();
  overlays.push(o);
  return o;
}

async function node(opts: Parameters<typeof startNode>[1] = {}): Promise<TestNode> {
  const n = await startNode(overlay(), opts);
  nodes.push(n);
  return n;
}

async function line(optsA = {}, optsB = {}, optsC = {}): Promise<[TestNode, TestNode, TestNode]> {
  const a = await node(optsA);
  const b = await node(optsB);
  const c = await node(optsC);
  await link(a, b);
  await link(b, c);
  return [a, b, c];
}

afterEach(async () => {
  for (const n of nodes.splice(0)) await n.node.stop();
  for (const o of overlays.splice(0)) await o.stop();
  network = new MemoryNetwork();
});

describe('WhisperNode over MemoryOverlay', () => {
  it('handshake: each side learns the other’s PoW, bloom, light flag, confirmations and rate limits', async () => {
    const a = await node({ minPow: 0.01, rateLimits: { ipLimits: 0, peerIdLimits: 50, topicLimits: 7 } });
    const b = await node({ lightNode: true, confirmations: false });
    b.node.subscribe({ topics: [topic], symKey }, () => {});
    await link(a, b);
    const bAtA = a.node.peer(b.overlay.nodeId)!;
    expect(bAtA.lightNode).toBe(true);
    expect(bAtA.confirmationsEnabled).toBe(false);
    expect(bAtA.bloom).toEqual(topicToBloom(topic));
    const aAtB = b.node.peer(a.overlay.nodeId)!;
    expect(aAtB.powRequirement).toBe(0.01);
    expect(aAtB.bloom).toBeUndefined(); // a full node
    expect(aAtB.confirmationsEnabled).toBe(true);
    expect(aAtB.rateLimits).toEqual({ ipLimits: 0n, peerIdLimits: 50n, topicLimits: 7n });
  });

  it('a message A posts reaches C’s filter through B, with every field', async () => {
    const [a, b, c] = await line();
    const signer = identity();
    const got = collector();
    c.node.subscribe({ topics: [topic], symKey }, got.handler);
    const hash = await a.node.post({ topic, payload: text('hello C'), symKey, sign: signer.privateKey, ttl: 20 });
    await until(() => got.messages.length === 1, 'message at C');
    const m = got.messages[0];
    expect(m.payload).toEqual(text('hello C'));
    expect(m.topic).toEqual(topic);
    expect(m.signer).toEqual(signer.publicKey);
    expect(m.ttl).toBe(20);
    expect(m.sent).toBe(m.expiry - 20);
    expect(m.hash).toEqual(hash);
    expect(envelopeHash(m.envelope)).toEqual(hash);
    expect(m.openedWith.kind).toBe('symmetric');
    expect(m.p2p).toBe(false);
    expect(m.pow).toBeGreaterThanOrEqual(0.002 / 2);
    expect(b.node.hasEnvelope(hash)).toBe(true);
    // Relayed forward, never back: B received it from A and sent it only to C.
    expect(b.node.stats.relayed).toBe(1);
    expect(a.node.stats.duplicates).toBe(0);
    expect(b.node.stats.duplicates).toBe(0);
  });

  it('asymmetric messages open only with the recipient’s key', async () => {
    const [a, , c] = await line();
    const bob = identity();
    const eve = identity();
    const forBob = collector();
    const forEve = collector();
    c.node.subscribe({ topics: [topic], privateKey: bob.privateKey }, forBob.handler);
    c.node.subscribe({ topics: [topic], privateKey: eve.privateKey }, forEve.handler);
    await a.node.post({ topic, payload: text('to bob'), publicKey: bob.publicKey });
    await until(() => forBob.messages.length === 1, 'asymmetric message');
    expect(forBob.messages[0].payload).toEqual(text('to bob'));
    expect(forBob.messages[0].signer).toBeUndefined();
    expect(forEve.messages).toHaveLength(0);
  });

  it('in a triangle each node gets the message once', async () => {
    const a = await node();
    const b = await node();
    const c = await node();
    await link(a, b);
    await link(b, c);
    await link(a, c);
    const got = collector();
    c.node.subscribe({ topics: [topic], symKey }, got.handler);
    const control = collector();
    b.node.subscribe({ topics: [topic], symKey }, control.handler);
    await a.node.post({ topic, payload: text('once'), symKey });
    await until(() => got.messages.length >= 1 && control.messages.length >= 1, 'deliveries');
    await until(() => b.node.stats.duplicates + c.node.stats.duplicates >= 1, 'the duplicate to arrive');
    expect(got.messages).toHaveLength(1);
    expect(control.messages).toHaveLength(1);
  });

  it('a light B does not relay, but still receives and sends its own', async () => {
    const [a, b, c] = await line({}, { lightNode: true, bloomMode: 'full' });
    const atB = collector();
    const atC = collector();
    b.node.subscribe({ topics: [topic], symKey }, atB.handler);
    c.node.subscribe({ topics: [topic], symKey }, atC.handler);
    const fromA = await a.node.post({ topic, payload: text('from A'), symKey });
    await until(() => atB.messages.length === 1, 'A’s message at B');
    const fromB = await b.node.post({ topic, payload: text('from B'), symKey });
    await until(() => atC.messages.length === 1, 'B’s own message at C');
    expect(atC.messages[0].hash).toEqual(fromB);
    expect(c.node.hasEnvelope(fromA)).toBe(false);
    expect(b.node.stats.relayed).toBe(0);
  });

  it('C with a bloom that excludes the topic gets nothing, until it subscribes and tells B', async () => {
    const [a, b, c] = await line({}, {}, { bloomMode: 'subscriptions' });
    const other = collector();
    c.node.subscribe({ topics: [otherTopic], symKey }, other.handler);
    await until(() => equalBytes(b.node.peer(c.overlay.nodeId)!.bloom ?? new Uint8Array(), topicToBloom(otherTopic)), 'C’s bloom at B');
    const excluded = await a.node.post({ topic, payload: text('not for C'), symKey });
    await a.node.post({ topic: otherTopic, payload: text('control'), symKey });
    await until(() => other.messages.length === 1, 'control message at C');
    expect(c.node.hasEnvelope(excluded)).toBe(false);
    expect(b.node.hasEnvelope(excluded)).toBe(true);

    const wanted = collector();
    c.node.subscribe({ topics: [topic], symKey }, wanted.handler);
    await until(() => bloomHas(b.node.peer(c.overlay.nodeId)!.bloom, topic), 'bloom update at B');
    await a.node.post({ topic, payload: text('now for C'), symKey });
    await until(() => wanted.messages.length === 1, 'message after the bloom update');
    expect(wanted.messages[0].payload).toEqual(text('now for C'));
  });

  it('a peer’s envelope outside our bloom is rejected and the peer dropped; our own posts outside it still go out', async () => {
    const a = await node();
    const c = await node({ bloomMode: 'subscriptions' });
    c.node.subscribe({ topics: [otherTopic], symKey }, () => {});
    const raw = await rawPeer(overlay(), c);
    raw.link.send(WHISPER_PACKET.STATUS, encodeWhisperStatus({ version: 6 }));
    const env = wrapMessage({ topic, payload: text('outside'), symKey, ttl: 10, powTarget: 0.002 });
    const rejected: string[] = [];
    c.node.on('envelope:rejected', (e) => rejected.push(e.code));
    raw.link.send(WHISPER_PACKET.MESSAGES, encodeMessagesPacket([env]));
    expect(await raw.link.closed).toBe(DISCONNECT_REASON.SUBPROTOCOL_ERROR);
    expect(rejected).toEqual([WHISPER_ERROR.BLOOM_MISMATCH]);
    await link(c, a);
    const got = collector();
    a.node.subscribe({ topics: [topic], symKey }, got.handler);
    await c.node.post({ topic, payload: text('from C'), symKey });
    await until(() => got.messages.length === 1, 'C’s post at A');
  });

  it('an envelope below C’s PoW requirement never reaches C; setMinPow tells peers', async () => {
    const [a, b, c] = await line({}, {}, { minPow: 1e6 });
    expect(b.node.peer(c.overlay.nodeId)!.powRequirement).toBe(1e6);
    const got = collector();
    c.node.subscribe({ topics: [topic], symKey }, got.handler);
    const low = await a.node.post({ topic, payload: text('cheap'), symKey, powTarget: 0.002 });
    await until(() => b.node.hasEnvelope(low), 'envelope at B');
    // B forwards what it received on its next flush (a setImmediate scheduled when `low` came in)
    // and checks each peer's requirement then: let that flush pass before C lowers its own.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(c.node.hasEnvelope(low)).toBe(false);
    c.node.setMinPow(0.001);
    await until(() => b.node.peer(c.overlay.nodeId)!.powRequirement === 0.001, 'PoW requirement update at B');
    const ok = await a.node.post({ topic, payload: text('now ok'), symKey, powTarget: 0.002 });
    await until(() => got.messages.length === 1, 'message after lowering the requirement');
    expect(got.messages[0].hash).toEqual(ok);
    expect(c.node.hasEnvelope(low)).toBe(false);
  });

  it('expired envelopes vanish from the pool', async () => {
    let now = 1_800_000_000_000;
    const clock = () => now;
    const a = await node({ now: clock });
    const b = await node({ now: clock });
    await link(a, b);
    const expired: Uint8Array[] = [];
    b.node.on('envelope:expired', (h) => expired.push(h));
    const hash = await a.node.post({ topic, payload: text('short-lived'), symKey, ttl: 5 });
    await until(() => b.node.hasEnvelope(hash), 'envelope at B');
    expect(b.node.expire()).toBe(0);
    now += 6_000;
    expect(b.node.expire()).toBe(1);
    expect(a.node.expire()).toBe(1);
    expect(b.node.hasEnvelope(hash)).toBe(false);
    expect(b.node.envelopes()).toHaveLength(0);
    expect(b.node.stats.poolBytes).toBe(0);
    expect(expired).toEqual([hash]);
  });

  it('a confirmation arrives at A when B has processed A’s batch', async () => {
    const a = await node();
    const b = await node();
    await link(a, b);
    const acks: Array<{ peer: string; hashes: Uint8Array[] }> = [];
    a.node.on('batch:acknowledged', (peer, _batch, hashes) => acks.push({ peer, hashes }));
    const responses: number[] = [];
    a.node.on('message:response', (_p, r) => responses.push(r.errors.length));
    const hash = await a.node.post({ topic, payload: text('confirm me'), symKey });
    await until(() => acks.length === 1, 'batch acknowledgement');
    expect(acks[0].peer).toBe(b.overlay.nodeId);
    expect(acks[0].hashes).toEqual([hash]);
    expect(responses).toEqual([0]);
  });

  it('we respect the rate limit a peer advertises, so a strict peer never drops us', async () => {
    const a = await node();
    const b = await node({ rateLimits: { peerIdLimits: 3 } });
    await link(a, b);
    expect(a.node.peer(b.overlay.nodeId)!.rateLimits).toEqual({ ipLimits: 0n, peerIdLimits: 3n, topicLimits: 0n });
    const got = collector();
    b.node.subscribe({ topics: [topic], symKey }, got.handler);
    for (let i = 0; i < 12; i++) {
      await a.node.post({ topic, payload: text(`m${i}`), symKey, powTarget: 0 });
      await new Promise((r) => setImmediate(r));
    }
    await until(() => got.messages.length === 12, 'all twelve messages at B');
    expect(b.node.stats.rateLimited).toBe(0);
    expect(b.node.peers().map((p) => p.id)).toEqual([a.overlay.nodeId]);
  });

  it('a rate limits packet (code 20) updates what we know of the peer', async () => {
    const v = await node();
    const raw = await rawPeer(overlay(), v);
    raw.link.send(WHISPER_PACKET.STATUS, encodeWhisperStatus({ version: 6 }));
    raw.link.send(WHISPER_PACKET.RATE_LIMITS, RLP.encode([10, 5, 100]));
    await until(() => v.node.peers()[0]?.rateLimits !== undefined, 'rate limits');
    expect(v.node.peers()[0].rateLimits).toEqual({ ipLimits: 10n, peerIdLimits: 5n, topicLimits: 100n });
  });

  it('no confirmations to a peer that did not ask for them', async () => {
    const a = await node({ confirmations: false });
    const b = await node();
    await link(a, b);
    let acks = 0;
    a.node.on('batch:acknowledged', () => acks++);
    const got = collector();
    a.node.subscribe({ topics: [topic], symKey }, got.handler);
    await a.node.post({ topic, payload: text('1'), symKey });
    await b.node.post({ topic, payload: text('2'), symKey });
    await until(() => got.messages.length === 2, 'round trip');
    expect(acks).toBe(0);
  });
});

function bloomHas(bloom: Uint8Array | undefined, t: Uint8Array): boolean {
  if (!bloom) return true;
  const s = topicToBloom(t);
  return s.every((x, i) => (bloom[i] & x) === x);
}

describe('bad input: rejected, counted, the node keeps serving', () => {
  async function victim(opts = {}): Promise<{ v: TestNode; honest: TestNode; got: ReturnType<typeof collector> }> {
    const v = await node(opts);
    const honest = await node();
    await link(honest, v);
    const got = collector();
    v.node.subscribe({ topics: [topic], symKey }, got.handler);
    return { v, honest, got };
  }

  async function stillServes(honest: TestNode, got: ReturnType<typeof collector>, label: string): Promise<void> {
    const before = got.messages.length;
    await honest.node.post({ topic, payload: text(label), symKey });
    await until(() => got.messages.length === before + 1, `honest message after ${label}`);
  }

  function envelope(opts: { expiryOffset?: number; ttl?: number; powTarget?: number; payload?: Uint8Array } = {}): Envelope {
    const ttl = opts.ttl ?? 20;
    return wrapMessage({ topic, payload: opts.payload ?? text('raw'), symKey, ttl, powTarget: opts.powTarget ?? 0.002, expiry: Math.floor(Date.now() / 1000) + ttl + (opts.expiryOffset ?? 0) });
  }

  async function dropped(v: TestNode, raw: { link: { closed: Promise<number> } }): Promise<number> {
    const reason = await raw.link.closed;
    expect(v.node.stats.peersDropped).toBeGreaterThanOrEqual(1);
    return reason;
  }

  it('status handshake: our status is sent first and carries our settings', async () => {
    const { v } = await victim({ minPow: 0.5 });
    const raw = await rawPeer(overlay(), v);
    await until(() => raw.received.length >= 1, 'status from the node');
    expect(raw.received[0][0]).toBe(WHISPER_PACKET.STATUS);
    const s = decodeWhisperStatus(raw.received[0][1]);
    expect(s.version).toBe(6);
    expect(s.powRequirement).toBe(0.5);
    expect(s.confirmationsEnabled).toBe(true);
  });

  it.each([
    ['a packet before the status packet', WHISPER_PACKET.MESSAGES, encodeMessagesPacket([])],
    ['a malformed status packet', WHISPER_PACKET.STATUS, new Uint8Array([0xc3, 0x01])],
    ['a wrong protocol version', WHISPER_PACKET.STATUS, encodeWhisperStatus({ version: 5 })],
    ['a NaN PoW requirement in the status', WHISPER_PACKET.STATUS, RLP.encode([6, powToUint64(NaN)])],
  ])('%s: disconnected', async (_n, code, payload) => {
    const { v, honest, got } = await victim();
    const raw = await rawPeer(overlay(), v);
    raw.link.send(code, payload);
    expect(await dropped(v, raw)).toBe(DISCONNECT_REASON.SUBPROTOCOL_ERROR);
    await stillServes(honest, got, 'after bad status');
  });

  it.each([
    ['malformed RLP in a messages packet', WHISPER_PACKET.MESSAGES, new Uint8Array([0xf9, 0x01])],
    ['an envelope with a 3-byte topic', WHISPER_PACKET.MESSAGES, RLP.encode([[1, 2, new Uint8Array(3), new Uint8Array(1), 0]])],
    ['a malformed PoW requirement', WHISPER_PACKET.POW_REQUIREMENT, RLP.encode(new Uint8Array(9))],
    ['a bloom of the wrong size', WHISPER_PACKET.BLOOM_FILTER, RLP.encode(new Uint8Array(63))],
    ['a malformed batch ack', WHISPER_PACKET.BATCH_ACKNOWLEDGED, RLP.encode([1, 2])],
  ])('%s after the handshake: disconnected', async (_n, code, payload) => {
    const { v, honest, got } = await victim();
    const raw = await rawPeer(overlay(), v);
    raw.link.send(WHISPER_PACKET.STATUS, encodeWhisperStatus({ version: 6 }));
    raw.link.send(code, payload);
    expect(await dropped(v, raw)).toBe(DISCONNECT_REASON.SUBPROTOCOL_ERROR);
    expect(v.node.stats.malformedPackets).toBe(1);
    await stillServes(honest, got, 'after malformed packet');
  });

  it('an envelope below our PoW requirement: reported, and the peer is disconnected', async () => {
    const { v, honest, got } = await victim({ minPow: 50 });
    const raw = await rawPeer(overlay(), v);
    raw.link.send(WHISPER_PACKET.STATUS, encodeWhisperStatus({ version: 6, powRequirement: 0, confirmationsEnabled: true }));
    const rejected: string[] = [];
    v.node.on('envelope:rejected', (e) => rejected.push(e.code));
    const env = envelope({ powTarget: 0 });
    raw.link.send(WHISPER_PACKET.MESSAGES, encodeMessagesPacket([env]));
    expect(await dropped(v, raw)).toBe(DISCONNECT_REASON.SUBPROTOCOL_ERROR);
    // The response (code OTHER) goes out just before the disconnect; over memory links it is cut off.
    expect(rejected).toEqual([WHISPER_ERROR.POW_TOO_LOW]);
    expect(v.node.hasEnvelope(envelopeHash(env))).toBe(false);
    expect(v.node.stats.rejected).toBe(1);
    v.node.setMinPow(0.000002);
    await stillServes(honest, got, 'after low PoW');
  });

  it('envelopes from the future or very old: a time-sync error, no disconnect; barely expired: dropped silently', async () => {
    const { v, honest, got } = await victim();
    const raw = await rawPeer(overlay(), v);
    raw.link.send(WHISPER_PACKET.STATUS, encodeWhisperStatus({ version: 6, powRequirement: 0, confirmationsEnabled: true }));
    const future = envelope({ expiryOffset: 60 });
    const old = envelope({ expiryOffset: -200 });
    const barely = envelope({ expiryOffset: -25 });
    const packet = encodeMessagesPacket([future, old, barely]);
    raw.link.send(WHISPER_PACKET.MESSAGES, packet);
    await until(() => raw.received.some(([c]) => c === WHISPER_PACKET.BATCH_ACKNOWLEDGED), 'batch ack');
    const r = decodeMessageResponsePacket(raw.received.find(([c]) => c === WHISPER_PACKET.MESSAGE_RESPONSE)![1]);
    expect(r.errors.map((e) => e.code)).toEqual([ENVELOPE_ERROR_CODE.TIME_NOT_SYNCED, ENVELOPE_ERROR_CODE.TIME_NOT_SYNCED]);
    expect(r.errors.map((e) => bytesToHex(e.hash))).toEqual([bytesToHex(envelopeHash(future)), bytesToHex(envelopeHash(old))]);
    const ack = decodeBatchAckPacket(raw.received.find(([c]) => c === WHISPER_PACKET.BATCH_ACKNOWLEDGED)![1]);
    expect(ack).toEqual(r.batchHash);
    expect(raw.link.isClosed).toBe(false);
    for (const e of [future, old, barely]) expect(v.node.hasEnvelope(envelopeHash(e))).toBe(false);
    await stillServes(honest, got, 'after time-sync errors');
  });

  it('an oversized packet or envelope: disconnected', async () => {
    const { v, honest, got } = await victim({ maxMessageSize: 4096 });
    const raw = await rawPeer(overlay(), v);
    raw.link.send(WHISPER_PACKET.STATUS, encodeWhisperStatus({ version: 6 }));
    raw.link.send(WHISPER_PACKET.MESSAGES, encodeMessagesPacket([envelope({ payload: new Uint8Array(5000), powTarget: 0 })]));
    expect(await dropped(v, raw)).toBe(DISCONNECT_REASON.SUBPROTOCOL_ERROR);
    await stillServes(honest, got, 'after oversized');
  });

  it('a flooding peer is dropped by its rate limit while A keeps receiving', async () => {
    const { v, honest, got } = await victim({ rateLimits: { peerIdLimits: 20 } });
    const raw = await rawPeer(overlay(), v);
    raw.link.send(WHISPER_PACKET.STATUS, encodeWhisperStatus({ version: 6 }));
    const env = envelope({ powTarget: 0.002 });
    for (let i = 0; i < 200 && !raw.link.isClosed; i++) raw.link.send(WHISPER_PACKET.MESSAGES, encodeMessagesPacket([env]));
    expect(await dropped(v, raw)).toBe(DISCONNECT_REASON.USELESS_PEER);
    expect(v.node.stats.rateLimited).toBe(1);
    await stillServes(honest, got, 'after the flood');
  });

  it('a per-topic limit drops a peer flooding one topic', async () => {
    const { v, honest, got } = await victim({ rateLimits: { topicLimits: 5 } });
    const raw = await rawPeer(overlay(), v);
    raw.link.send(WHISPER_PACKET.STATUS, encodeWhisperStatus({ version: 6 }));
    const envs = Array.from({ length: 10 }, (_, i) => envelope({ payload: text(`flood ${i}`), powTarget: 0 }));
    raw.link.send(WHISPER_PACKET.MESSAGES, encodeMessagesPacket(envs));
    expect(await dropped(v, raw)).toBe(DISCONNECT_REASON.USELESS_PEER);
    await stillServes(honest, got, 'after the topic flood');
  });

  it('trusted peers: may push p2p envelopes (even expired); others are ignored; custom packet hooks', async () => {
    const { v } = await victim();
    const raw = await rawPeer(overlay(), v);
    raw.link.send(WHISPER_PACKET.STATUS, encodeWhisperStatus({ version: 6 }));
    await until(() => v.node.peers().length === 2, 'raw handshake');
    const rawNodeId = v.node.peers().map((p) => p.id).find((id) => id !== nodes[1].overlay.nodeId)!;
    const got = collector();
    v.node.subscribe({ topics: [topic], symKey }, got.handler);
    const history = envelope({ expiryOffset: -3600, powTarget: 0 });
    raw.link.send(WHISPER_PACKET.P2P_MESSAGE, encodeMessagesPacket([history]));
    const seen: number[] = [];
    v.node.setPacketHandler(WHISPER_PACKET.P2P_REQUEST_COMPLETE, (peer, payload) => seen.push(payload.length, peer.trusted ? 1 : 0));
    raw.link.send(WHISPER_PACKET.P2P_REQUEST_COMPLETE, RLP.encode(new Uint8Array(64)));
    await until(() => seen.length === 2, 'custom handler');
    expect(got.messages).toHaveLength(0); // untrusted: ignored
    v.node.setTrusted(rawNodeId);
    raw.link.send(WHISPER_PACKET.P2P_MESSAGE, encodeMessagesPacket([history]));
    await until(() => got.messages.length === 1, 'p2p envelope');
    expect(got.messages[0].p2p).toBe(true);
    expect(got.messages[0].hash).toEqual(envelopeHash(history));
    expect(v.node.hasEnvelope(envelopeHash(history))).toBe(false);
    expect(raw.link.isClosed).toBe(false);
  });

  it('the pool is bounded in bytes: the soonest-expiring envelopes make room', async () => {
    const v = await node({ maxPoolBytes: 3000 });
    const hashes: Uint8Array[] = [];
    for (let i = 0; i < 10; i++) hashes.push(await v.node.post({ topic, payload: new Uint8Array(200), symKey, ttl: 10 + i, powTarget: 0 }));
    expect(v.node.stats.poolBytes).toBeLessThanOrEqual(3000);
    expect(v.node.stats.evicted).toBeGreaterThan(0);
    expect(v.node.hasEnvelope(hashes[9])).toBe(true);
    expect(v.node.hasEnvelope(hashes[0])).toBe(false);
  });
});

describe('robustness', () => {
  it('a peer that never sends its status is dropped after the handshake timeout', async () => {
    const v = await node({ handshakeTimeoutMs: 50 });
    const raw = await rawPeer(overlay(), v);
    expect(await raw.link.closed).toBe(DISCONNECT_REASON.TIMEOUT);
    expect(v.node.peers()).toHaveLength(0);
  });

  it('random and mutated packets from many peers never crash the node, which keeps serving', async () => {
    const v = await node();
    const honest = await node();
    await link(honest, v);
    const got = collector();
    v.node.subscribe({ topics: [topic], symKey }, got.handler);
    const errors: Error[] = [];
    v.node.on('error', (e) => errors.push(e));
    const good = encodeMessagesPacket([wrapMessage({ topic, payload: text('seed'), symKey, ttl: 20, powTarget: 0.002 })]);
    const codes = [0, 1, 2, 3, 11, 12, 123, 125, 126, 127];
    const samples = fc.sample(
      fc.tuple(fc.constantFrom(...codes), fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }).map((edits) => {
        const b = good.slice();
        for (const [i, x] of edits) b[i % b.length] = x;
        return b;
      }))),
      { numRuns: 60, seed: 42 },
    );
    for (const [code, payload] of samples) {
      const raw = await rawPeer(overlay(), v);
      raw.link.send(WHISPER_PACKET.STATUS, encodeWhisperStatus({ version: 6 }));
      raw.link.send(code, payload);
      raw.link.send(WHISPER_PACKET.MESSAGES, good);
      await new Promise((r) => setTimeout(r, 0));
      if (!raw.link.isClosed) raw.link.close();
    }
    expect(errors).toEqual([]);
    const before = got.messages.length;
    await honest.node.post({ topic, payload: text('still serving'), symKey });
    await until(() => got.messages.length === before + 1, 'honest message after the fuzzing');
  });
});
