import { afterEach, describe, expect, it } from 'vitest';
import { utf8ToBytes } from '@status-stack/crypto';
import { DISCONNECT_REASON, RlpxOverlay, type Overlay } from '@status-stack/p2p-overlay';
import { encodeMessagesPacket, encodeWhisperStatus, hexToTopic, publicChatKey, publicChatTopic, wrapMessage, WHISPER_PACKET, type EnvelopeNodeOptions } from '../../src/index.js';
import { collector, identity, link, rawPeer, startNode, until, type TestNode } from '../harness.js';

// Acceptance: nodes A–B–C in a line over real RLPx (TCP on 127.0.0.1, OS-chosen ports).
const topic = publicChatTopic('acceptance');
const symKey = publicChatKey('acceptance');
const otherTopic = hexToTopic('0x0badf00d');
const text = (s: string) => utf8ToBytes(s);

const overlays: Overlay[] = [];
const nodes: TestNode[] = [];

function overlay(): Overlay {
  const o = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
  overlays.push(o);
  return o;
}

async function node(opts: EnvelopeNodeOptions = {}): Promise<TestNode> {
  const n = await startNode(overlay(), opts);
  nodes.push(n);
  return n;
}

async function line(optsA: EnvelopeNodeOptions = {}, optsB: EnvelopeNodeOptions = {}, optsC: EnvelopeNodeOptions = {}): Promise<[TestNode, TestNode, TestNode]> {
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
});

describe('A–B–C over RlpxOverlay on 127.0.0.1', () => {
  it('a message A posts reaches C’s filter through B', async () => {
    const [a, b, c] = await line();
    const signer = identity();
    const got = collector();
    c.node.subscribe({ topics: [topic], symKey }, got.handler);
    const hash = await a.node.post({ topic, payload: text('A to C'), symKey, sign: signer.privateKey, ttl: 10 });
    await until(() => got.messages.length === 1, 'message at C');
    expect(got.messages[0].payload).toEqual(text('A to C'));
    expect(got.messages[0].signer).toEqual(signer.publicKey);
    expect(got.messages[0].hash).toEqual(hash);
    expect(b.node.stats.relayed).toBe(1);
  });

  it('a light B does not relay', async () => {
    const [a, b, c] = await line({}, { lightNode: true, bloomMode: 'full' });
    const atB = collector();
    const atC = collector();
    b.node.subscribe({ topics: [topic], symKey }, atB.handler);
    c.node.subscribe({ topics: [topic], symKey }, atC.handler);
    const fromA = await a.node.post({ topic, payload: text('from A'), symKey });
    await until(() => atB.messages.length === 1, 'message at B');
    const fromB = await b.node.post({ topic, payload: text('from B'), symKey });
    await until(() => atC.messages.length === 1, 'B’s own message at C');
    expect(atC.messages[0].hash).toEqual(fromB);
    expect(c.node.hasEnvelope(fromA)).toBe(false);
  });

  it('C with a bloom that excludes the topic gets nothing', async () => {
    const [a, b, c] = await line({}, {}, { bloomMode: 'subscriptions' });
    const other = collector();
    c.node.subscribe({ topics: [otherTopic], symKey }, other.handler);
    await until(() => b.node.peer(c.overlay.nodeId)?.bloom !== undefined, 'C’s bloom at B');
    const excluded = await a.node.post({ topic, payload: text('not for C'), symKey });
    await a.node.post({ topic: otherTopic, payload: text('control'), symKey });
    await until(() => other.messages.length === 1, 'control at C');
    expect(b.node.hasEnvelope(excluded)).toBe(true);
    expect(c.node.hasEnvelope(excluded)).toBe(false);
  });

  it('an envelope below C’s PoW requirement never reaches C', async () => {
    const [a, b, c] = await line({}, {}, { minPow: 1e6 });
    const low = await a.node.post({ topic, payload: text('cheap'), symKey, powTarget: 0.002 });
    await until(() => b.node.hasEnvelope(low), 'envelope at B');
    c.node.setMinPow(0.001);
    await until(() => b.node.peer(c.overlay.nodeId)!.powRequirement === 0.001, 'requirement update');
    const got = collector();
    c.node.subscribe({ topics: [topic], symKey }, got.handler);
    const ok = await a.node.post({ topic, payload: text('ok'), symKey });
    await until(() => got.messages.length === 1, 'message after the update');
    expect(got.messages[0].hash).toEqual(ok);
    expect(c.node.hasEnvelope(low)).toBe(false);
  });

  it('expired envelopes vanish from the pool', async () => {
    let now = Date.now();
    const clock = () => now;
    const [a, b, c] = await line({ now: clock }, { now: clock }, { now: clock });
    const hash = await a.node.post({ topic, payload: text('short'), symKey, ttl: 3 });
    await until(() => c.node.hasEnvelope(hash), 'envelope at C');
    now += 4_000;
    for (const n of [a, b, c]) {
      expect(n.node.expire()).toBe(1);
      expect(n.node.hasEnvelope(hash)).toBe(false);
    }
    expect(b.node.stats.poolSize).toBe(0);
  });

  it('a confirmation arrives at A when B has processed A’s batch', async () => {
    const [a, b] = await line();
    const acks: Array<{ peer: string; hashes: Uint8Array[] }> = [];
    a.node.on('batch:acknowledged', (peer, _h, hashes) => acks.push({ peer, hashes }));
    const hash = await a.node.post({ topic, payload: text('confirm'), symKey });
    await until(() => acks.length === 1, 'batch ack');
    expect(acks[0]).toEqual({ peer: b.overlay.nodeId, hashes: [hash] });
  });

  it('a flooding peer is dropped by its rate limit while A keeps receiving', async () => {
    const [a, b, c] = await line({}, { rateLimits: { peerIdLimits: 30 } });
    const got = collector();
    c.node.subscribe({ topics: [topic], symKey }, got.handler);
    const flood = await rawPeer(overlay(), b);
    flood.link.send(WHISPER_PACKET.STATUS, encodeWhisperStatus({ version: 6 }));
    const env = wrapMessage({ topic: otherTopic, payload: text('flood'), symKey, ttl: 10, powTarget: 0.002 });
    const packet = encodeMessagesPacket([env]);
    for (let i = 0; i < 300 && !flood.link.isClosed; i++) flood.link.send(WHISPER_PACKET.MESSAGES, packet);
    expect(await flood.link.closed).toBe(DISCONNECT_REASON.USELESS_PEER);
    expect(b.node.stats.rateLimited).toBeGreaterThanOrEqual(1);
    await a.node.post({ topic, payload: text('still here'), symKey });
    await until(() => got.messages.length === 1, 'A’s message at C after the flood');
    expect(b.node.peers().map((p) => p.id).sort()).toEqual([a.overlay.nodeId, c.overlay.nodeId].sort());
  });
});
