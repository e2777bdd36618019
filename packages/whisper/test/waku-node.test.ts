import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex, equalBytes, hexToBytes, utf8ToBytes } from '@status-stack/crypto';
import { DISCONNECT_REASON, MemoryNetwork } from '@status-stack/p2p-overlay';
import {
  decodeMessagesPacket,
  decodeWakuStatus,
  decodeWakuStatusOptions,
  encodeMessagesPacket,
  encodeWakuStatus,
  encodeWakuStatusOptions,
  hexToTopic,
  publicChatKey,
  publicChatTopic,
  topicToBloom,
  topicToHex,
  WAKU0_CAPABILITY,
  WAKU_CAPABILITY,
  WAKU_PACKET,
  WakuNode,
  wrapMessage,
  type ReceivedMessage,
  type WakuNodeOptions,
} from '../src/index.js';
import { loadVector, type RealEnvelopeVector } from './helpers.js';
import { connect, rawPeer, Resources, until } from './helpers/nodes.js';

const res = new Resources();
afterEach(() => res.closeAll());

const topic = publicChatTopic('waku-topic-interest');
const other = publicChatTopic('waku-not-interested');
const symKey = publicChatKey('waku-topic-interest');
const text = (s: string) => utf8ToBytes(s);
const waku = (opts: WakuNodeOptions = {}) => res.node((o) => new WakuNode(o, opts));

function collect(node: WakuNode, topics = [topic], key = symKey): ReceivedMessage[] {
  const got: ReceivedMessage[] = [];
  node.subscribe({ topics, symKey: key }, (m) => got.push(m));
  return got;
}

describe('WakuNode over RlpxOverlay on 127.0.0.1', () => {
  it('two Waku nodes exchange envelopes using topic interest, and only the topics asked for travel', async () => {
    const a = await waku({ bloomMode: 'subscriptions' });
    const b = await waku({ bloomMode: 'subscriptions', lightNode: true });
    const atA = collect(a);
    const atB = collect(b);
    await connect(a, b);
    // Each side learned the other's exact topics, in the handshake (subscribed before connecting).
    expect(a.peerTopicInterest(b.overlay.nodeId)?.map(topicToHex)).toEqual([topicToHex(topic)]);
    expect(b.peerTopicInterest(a.overlay.nodeId)?.map(topicToHex)).toEqual([topicToHex(topic)]);

    const skipped = await a.post({ topic: other, payload: text('not for B'), symKey });
    const fromA = await a.post({ topic, payload: text('A to B'), symKey });
    await until(() => atB.length === 1, 'message at B');
    expect(atB[0].hash).toEqual(fromA);
    expect(atB[0].payload).toEqual(text('A to B'));
    const fromB = await b.post({ topic, payload: text('B to A'), symKey });
    await until(() => atA.some((m) => equalBytes(m.hash, fromB)), 'message at A');
    expect(b.hasEnvelope(skipped)).toBe(false);

    // A new subscription at B is announced as a status update (code 22) with the new topic list.
    const atB2 = collect(b, [other]);
    await until(() => (a.peerTopicInterest(b.overlay.nodeId)?.length ?? 0) === 2, 'topic interest update at A');
    const later = await a.post({ topic: other, payload: text('now wanted'), symKey });
    await until(() => atB2.length === 1, 'the newly wanted topic at B');
    expect(atB2[0].hash).toEqual(later);
  });

  it('a bloom-mode Waku node is sent what matches its bloom; status updates carry PoW changes', async () => {
    const a = await waku();
    const b = await waku({ bloomMode: 'subscriptions', interestMode: 'bloom' });
    const atB = collect(b);
    await connect(a, b);
    expect(a.peerTopicInterest(b.overlay.nodeId)).toBeUndefined();
    expect(a.peer(b.overlay.nodeId)?.bloom).toBeDefined();
    await a.post({ topic: hexToTopic('0x00000001'), payload: text('outside the bloom'), symKey });
    const h = await a.post({ topic, payload: text('inside'), symKey });
    await until(() => atB.length === 1, 'message at B');
    expect(atB[0].hash).toEqual(h);
    b.setMinPow(0.5);
    await until(() => a.peer(b.overlay.nodeId)?.powRequirement === 0.5, 'PoW update at A');
    // A full node in topic-interest mode advertises neither bloom nor topics: "everything".
    expect(b.peer(a.overlay.nodeId)?.bloom).toBeUndefined();
    expect(b.peerTopicInterest(a.overlay.nodeId)).toBeUndefined();
  });

  it('sends the status-go handshake: an option list with PoW, light node, confirmations, rate limits, topics', async () => {
    const node = await waku({ bloomMode: 'subscriptions', rateLimits: { peerIdLimits: 50 }, bytesRateLimits: { ipLimits: 1_000_000 } });
    collect(node);
    const peer = await rawPeer(res, WAKU_CAPABILITY, node);
    const status = decodeWakuStatus(await peer.next(WAKU_PACKET.STATUS), 1);
    expect(status).toEqual({
      powRequirement: 0.000002,
      lightNode: false,
      confirmationsEnabled: true,
      packetRateLimits: { ipLimits: 0n, peerIdLimits: 50n, topicLimits: 0n },
      topicInterest: [topic],
      bytesRateLimits: { ipLimits: 1_000_000n, peerIdLimits: 0n, topicLimits: 0n },
    });
  });

  it('prefers a peer’s topic interest over the bloom it sends alongside; a later bloom alone replaces it', async () => {
    const node = await waku();
    const peer = await rawPeer(res, WAKU_CAPABILITY, node);
    // Topics [topic]; bloom: only `other` (ignored while topic interest is set).
    peer.link.send(WAKU_PACKET.STATUS, encodeWakuStatusOptions({ powRequirement: 0, topicInterest: [topic], bloom: topicToBloom(other) }));
    await until(() => node.peers().length === 1, 'handshake');
    const sentTopics = (from: number) =>
      peer.received.slice(from).filter(([c]) => c === WAKU_PACKET.MESSAGES).flatMap(([, p]) => decodeMessagesPacket(p).map((e) => topicToHex(e.topic)));
    const a = peer.received.length;
    await node.post({ topic: other, payload: text('not wanted'), symKey });
    await node.post({ topic, payload: text('wanted'), symKey });
    await until(() => sentTopics(a).length === 1, 'one envelope sent');
    await new Promise((r) => setTimeout(r, 50));
    expect(sentTopics(a)).toEqual([topicToHex(topic)]);
    // Bloom only, for `other`: topic interest is discarded, the bloom now decides.
    peer.link.send(WAKU_PACKET.STATUS_UPDATE, encodeWakuStatusOptions({ bloom: topicToBloom(other) }));
    await until(() => node.peerTopicInterest(peer.overlay.nodeId) === undefined, 'topic interest discarded');
    const b = peer.received.length;
    await node.post({ topic, payload: text('now outside'), symKey });
    await node.post({ topic: other, payload: text('now inside'), symKey });
    await until(() => sentTopics(b).length === 1, 'one envelope sent after the update');
    await new Promise((r) => setTimeout(r, 50));
    expect(sentTopics(b)).toEqual([topicToHex(other)]);
  });

  it('a full node’s handshake is byte for byte the known answer (no bloom, no topics: "everything")', async () => {
    const known = loadVector<{ encoding_cases: Array<{ waku1_status: string }> }>('waku-status.json').encoding_cases[0].waku1_status;
    const node = await waku({ minPow: 0.002 });
    const peer = await rawPeer(res, WAKU_CAPABILITY, node);
    expect(bytesToHex(await peer.next(WAKU_PACKET.STATUS))).toBe(known.slice(2));
  });

  it('accepts a waku/0 peer: [version, options] status with string keys, both ways', async () => {
    const node = await waku();
    const got = collect(node);
    const peer = await rawPeer(res, WAKU0_CAPABILITY, node);
    expect(peer.link.capability.version).toBe(0);
    const status = await peer.next(WAKU_PACKET.STATUS);
    expect(decodeWakuStatus(status, 0)).toMatchObject({ powRequirement: 0.000002, lightNode: false });
    peer.link.send(WAKU_PACKET.STATUS, encodeWakuStatus({ powRequirement: 0.001, confirmationsEnabled: false }, 0));
    await until(() => node.peers().length === 1, 'waku/0 handshake');
    expect(node.peer(peer.overlay.nodeId)?.powRequirement).toBe(0.001);
    const env = wrapMessage({ topic, payload: text('from waku/0'), symKey, ttl: 30, powTarget: 0.01 });
    peer.link.send(WAKU_PACKET.MESSAGES, encodeMessagesPacket([env]));
    await until(() => got.length === 1, 'message from the waku/0 peer');
    const seen = peer.received.length;
    node.setMinPow(0.25);
    const update = await peer.next(WAKU_PACKET.STATUS_UPDATE, seen);
    expect(update[0]).toBeGreaterThanOrEqual(0xc0);
    expect(decodeWakuStatusOptions(update, 0)).toEqual({ powRequirement: 0.25 });
  });

  it('opens the real status-go v0.62.18 Waku envelopes sent in a messages packet', async () => {
    const vectors = loadVector<{ waku1_envelopes: RealEnvelopeVector[] }>('waku1-envelopes-and-status-derivations.status-go-v0.62.18.json').waku1_envelopes;
    for (const v of vectors) {
      // Their expiry has passed: the node's clock is set to when they were sent.
      const sentMs = (v.expiry - v.ttl) * 1000 + 500;
      const node = await waku({ now: () => sentMs });
      const got: ReceivedMessage[] = [];
      node.subscribe(
        v.sym_key ? { topics: [hexToBytes(v.topic)], symKey: hexToBytes(v.sym_key) } : { topics: [hexToBytes(v.topic)], privateKey: hexToBytes(v.recipient_private_key!) },
        (m) => got.push(m),
      );
      const peer = await rawPeer(res, WAKU_CAPABILITY, node);
      peer.link.send(WAKU_PACKET.STATUS, encodeWakuStatusOptions({ powRequirement: 0.002 }));
      await until(() => node.peers().length === 1, 'handshake');
      peer.link.send(WAKU_PACKET.MESSAGES, hexToBytes(v.messages_packet_rlp));
      await until(() => got.length === 1, `${v.name} delivered`);
      expect(got[0].payload).toEqual(hexToBytes(v.decoded_payload));
      expect(got[0].hash).toEqual(hexToBytes(v.envelope_hash));
      if (v.decoded_signer_public_key) expect(got[0].signer).toEqual(hexToBytes(v.decoded_signer_public_key));
      expect(got[0].p2p).toBe(false);
    }
  });

  it('drops a peer whose status or status update is malformed; ignores unknown codes and late status packets', async () => {
    const node = await waku();
    const bad = await rawPeer(res, WAKU_CAPABILITY, node);
    bad.link.send(WAKU_PACKET.STATUS, Uint8Array.of(0xc2, 0x01, 0x02));
    expect(await bad.link.closed).toBe(DISCONNECT_REASON.SUBPROTOCOL_ERROR);

    const peer = await rawPeer(res, WAKU_CAPABILITY, node);
    peer.link.send(WAKU_PACKET.STATUS, encodeWakuStatusOptions({}));
    await until(() => node.peers().some((p) => p.id === peer.overlay.nodeId), 'handshake');
    // status-go WithDefaults: an absent PoW requirement means 0.001.
    expect(node.peer(peer.overlay.nodeId)?.powRequirement).toBe(0.001);
    peer.link.send(100, Uint8Array.of(0x80));
    peer.link.send(WAKU_PACKET.STATUS, encodeWakuStatusOptions({ powRequirement: 7 }));
    peer.link.send(WAKU_PACKET.STATUS_UPDATE, encodeWakuStatusOptions({ powRequirement: 0.3 }));
    await until(() => node.peer(peer.overlay.nodeId)?.powRequirement === 0.3, 'status update applied');
    // A bloom of 10 bytes in a status update is a protocol violation.
    peer.link.send(WAKU_PACKET.STATUS_UPDATE, Uint8Array.of(0xcd, 0xcc, 0x01, 0x8a, ...new Uint8Array(10)));
    expect(await peer.link.closed).toBe(DISCONNECT_REASON.SUBPROTOCOL_ERROR);
    expect(node.stats.malformedPackets).toBe(2);
  });

  it('enforces the bytes-per-second limit it advertises: one large packet passes on a full bucket, a flood drops the peer', async () => {
    const node = await waku({ bytesRateLimits: { peerIdLimits: 4000 } });
    const got = collect(node);
    const peer = await rawPeer(res, WAKU_CAPABILITY, node);
    peer.link.send(WAKU_PACKET.STATUS, encodeWakuStatusOptions({ powRequirement: 0 }));
    await until(() => node.peers().length === 1, 'handshake');
    expect(decodeWakuStatusOptions(await peer.next(WAKU_PACKET.STATUS)).bytesRateLimits?.peerIdLimits).toBe(4000n);
    const seal = (payload: Uint8Array) => wrapMessage({ topic, payload, symKey, ttl: 20, powTarget: 0.002 });
    // About 6 KB in one packet, above the 4,000 bytes/s limit: allowed, as the bucket is full.
    peer.link.send(WAKU_PACKET.MESSAGES, encodeMessagesPacket([seal(new Uint8Array(6000).fill(1))]));
    await until(() => got.length === 1, 'the large envelope delivered');
    expect(node.stats.rateLimited).toBe(0);
    // The bucket is now in debt: the next packets are over the limit and the peer is dropped.
    for (let i = 0; i < 5 && !peer.link.isClosed; i++) peer.link.send(WAKU_PACKET.MESSAGES, encodeMessagesPacket([seal(text(`flood ${i}`))]));
    expect(await peer.link.closed).toBe(DISCONNECT_REASON.USELESS_PEER);
    expect(node.stats.rateLimited).toBe(1);
    expect(got).toHaveLength(1);
  });

  it('ignores P2P messages (127) from a peer it does not trust, delivers them (expired too) from one it does', async () => {
    const now = Date.now();
    const node = await waku();
    const got = collect(node);
    const peer = await rawPeer(res, WAKU_CAPABILITY, node);
    peer.link.send(WAKU_PACKET.STATUS, encodeWakuStatusOptions({}));
    await until(() => node.peers().length === 1, 'handshake');
    const old = wrapMessage({ topic, payload: text('history'), symKey, ttl: 10, powTarget: 0, now: () => now - 3_600_000 });
    peer.link.send(WAKU_PACKET.P2P_MESSAGE, encodeMessagesPacket([old]));
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toHaveLength(0);
    node.setTrusted(peer.overlay.nodeId);
    peer.link.send(WAKU_PACKET.P2P_MESSAGE, encodeMessagesPacket([old]));
    await until(() => got.length === 1, 'p2p delivery');
    expect(got[0].p2p).toBe(true);
    expect(node.hasEnvelope(got[0].hash)).toBe(false);
  });
});

describe('WakuNode over MemoryOverlay', () => {
  it('negotiates waku/1 (not waku/0) between two WakuNodes and relays A → B → C', async () => {
    const net = new MemoryNetwork();
    const overlays = [net.createOverlay(), net.createOverlay(), net.createOverlay()];
    const nodes = overlays.map((o) => new WakuNode(o));
    for (const o of overlays) res.add(() => o.stop());
    for (const n of nodes) res.add(() => n.stop());
    for (const n of nodes) await n.start();
    for (const o of overlays) await o.start();
    await overlays[0].connect(overlays[1].enode);
    await overlays[1].connect(overlays[2].enode);
    await until(() => nodes[1].peers().length === 2, 'handshakes');
    const got = collect(nodes[2]);
    const h = await nodes[0].post({ topic, payload: text('over memory'), symKey });
    await until(() => got.length === 1, 'delivery at C');
    expect(got[0].hash).toEqual(h);
    expect(overlays[1].peers().every((p) => p.capabilities.some((c) => c.name === 'waku' && c.version === 1))).toBe(true);
  });
});
