// A mailserver under greedy peers, over real RLPx on 127.0.0.0/8: 20 peers (each from its own
// loopback address) each send 4 concurrent full-range history requests against an archive of
// 3000 envelopes (~18 MB); 14 of them never read their socket, 6 swallow everything. The server
// must keep what it holds bounded (per-peer send buffers, bytes read from the archive, requests in
// flight), serve an honest client meanwhile, and hold nothing once the greedy peers are gone.
import { afterEach, describe, expect, it } from 'vitest';
import { RLP } from '@ethereumjs/rlp';
import { randomBytes } from '@status-stack/crypto';
import { RlpxOverlay } from '@status-stack/p2p-overlay';
import {
  archiveRecordFromEnvelope,
  decodeRequestComplete,
  encodeMessagesRequest,
  encodeWakuStatus,
  fullBloom,
  MailServer,
  POOL_ENTRY_OVERHEAD,
  publicChatTopic,
  sealEnvelope,
  WAKU_PACKET,
  WakuNode,
  type EnvelopeArchive,
  type MailServerLoad,
  type MailServerOptions,
} from '../src/index.js';
import { SqliteEnvelopeArchive } from '../src/archive-sqlite.js';
import { connect, Resources, until } from './helpers/nodes.js';
import { wirePeer, type WirePeer } from './helpers/wire-peer.js';

const res = new Resources();
afterEach(() => res.closeAll());

const TOPIC = publicChatTopic('history under attack');
const ENVELOPES = 3000;
const DATA_BYTES = 6000;
const BOUND = 256 * 1024;
const PACKET = 64 * 1024;
const RESPONSE = 4 * 1024 * 1024;

interface Mailserver {
  node: WakuNode & { overlay: RlpxOverlay };
  server: MailServer;
  port: number;
  now: number;
}

async function mailserver(options: Partial<MailServerOptions> = {}, envelopes = ENVELOPES, wrap = (a: EnvelopeArchive) => a): Promise<Mailserver> {
  // Pings far apart: a peer that does not read is not dropped by the overlay during the test, so
  // only the mailserver's own bounds are at work.
  const overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0, maxPeers: 40, pingIntervalMs: 300_000 });
  res.add(() => overlay.stop());
  const node = Object.assign(new WakuNode(overlay), { overlay });
  res.add(() => node.stop());
  await node.start();
  await overlay.start();
  const archive = new SqliteEnvelopeArchive();
  res.add(() => archive.close());
  const now = Math.floor(Date.now() / 1000);
  const records = [];
  for (let i = 0; i < envelopes; i++) {
    const sent = now - 3600 + Math.floor((i * 3500) / envelopes);
    // Random data: snappy cannot shrink it, so what is buffered is what was read.
    records.push(archiveRecordFromEnvelope(RLP.encode([sent + 60, 60, TOPIC, randomBytes(DATA_BYTES), i + 1]), now));
  }
  await archive.putMany(records);
  const server = new MailServer(node, {
    archive: wrap(archive),
    maxBufferedBytesPerPeer: BOUND,
    maxPacketBytes: PACKET,
    maxResponseBytes: RESPONSE,
    pruneIntervalMs: 0,
    ...options,
  });
  res.add(() => server.close());
  return { node, server, port: Number(/:(\d+)$/.exec(overlay.enode)![1]), now };
}

function fullRangeRequest(now: number): Uint8Array {
  return encodeMessagesRequest({ id: randomBytes(32), from: now - 7200, to: now + 60, limit: 1000, cursor: new Uint8Array(0), bloom: fullBloom(), topics: [] });
}

async function joinedPeer(ms: Pick<Mailserver, 'node' | 'port'>, localAddress: string): Promise<WirePeer> {
  const p = await wirePeer(ms.port, ms.node.overlay.nodeId, { localAddress });
  res.add(() => p.destroy());
  p.send(WAKU_PACKET.STATUS, encodeWakuStatus({ powRequirement: 0, lightNode: false, confirmationsEnabled: false }));
  await until(() => ms.node.peers().some((h) => h.id === p.nodeId), 'status exchange');
  return p;
}

describe('mailserver memory bound under greedy peers', () => {
  it('keeps buffers, reads and requests bounded, serves an honest client meanwhile, and holds nothing after the attack', async () => {
    const ms = await mailserver();
    const { node, server, now } = ms;
    const greedy: WirePeer[] = [];
    for (let i = 0; i < 20; i++) greedy.push(await joinedPeer(ms, `127.0.0.${i + 2}`));
    const sleepers = greedy.slice(0, 14);
    const swallowers = greedy.slice(14);
    for (const p of sleepers) p.stopReading();
    for (const p of swallowers) p.swallow();

    // What the server holds, sampled all through the attack.
    const max = { peerBuffered: 0, held: 0, requests: 0 };
    const sample = () => {
      const l = server.load();
      max.held = Math.max(max.held, l.heldBytes);
      max.requests = Math.max(max.requests, l.requests);
      for (const p of node.peers()) max.peerBuffered = Math.max(max.peerBuffered, p.bufferedBytes);
    };
    const sampler = setInterval(sample, 5);
    res.add(() => clearInterval(sampler));

    for (const p of greedy) for (let k = 0; k < 4; k++) p.send(WAKU_PACKET.P2P_REQUEST, fullRangeRequest(now));
    // Every request is read at once: two per peer are taken, the rest refused (the per-peer cap bites).
    await until(() => server.stats.requests === 80, 'all 80 requests read');
    expect(server.stats.busy).toBe(40);
    // The sleepers' responses fill their sockets and pause: 2 × 4 MiB each is more than the kernel takes.
    await until(() => server.load().paused === 28, 'the sleepers’ 28 responses paused', 30_000);

    // An honest client asks for the whole history while the attack goes on.
    const honest = await res.node((o) => new WakuNode(o));
    await connect(honest, node);
    const result = await honest.requestHistory({ peer: node.overlay.nodeId, topics: [TOPIC], from: now - 7200, to: now + 60, timeoutMs: 20_000 });
    const during: MailServerLoad = server.load();
    expect(result.envelopes).toBe(ENVELOPES);
    expect(result.cursor).toHaveLength(0);
    // No response is larger than maxResponseBytes: ~18 MB comes in at least 5 pages, not 3 of 1000.
    expect(result.pages).toBeGreaterThanOrEqual(Math.ceil((ENVELOPES * DATA_BYTES) / RESPONSE));
    // …and it was served while the sleepers were still holding their requests.
    expect(during.paused).toBe(28);

    // The swallowers get everything they asked for: 12 responses, cut at maxResponseBytes.
    await until(() => server.stats.served === 12 + result.pages, 'the swallowers’ 12 responses', 60_000);
    sample();
    clearInterval(sampler);
    expect(server.stats.paused).toBeGreaterThanOrEqual(28);
    // Bounds: a peer's buffer goes past the bound by at most one chunk per request of its own;
    // what was read from the archive and not yet written is a chunk per worker at most.
    expect(max.peerBuffered).toBeGreaterThan(BOUND);
    expect(max.peerBuffered).toBeLessThanOrEqual(BOUND + 2 * (PACKET + DATA_BYTES + 1024));
    expect(max.held).toBeLessThanOrEqual(4 * (PACKET + DATA_BYTES + 64));
    expect(max.requests).toBeLessThanOrEqual(20 * 2 + 1);

    // The greedy peers leave: their requests are dropped and nothing stays behind.
    for (const p of greedy) p.destroy();
    await until(() => server.load().requests === 0 && node.peers().length === 1, 'greedy peers gone', 20_000);
    expect(server.load()).toEqual({ requests: 0, queued: 0, active: 0, paused: 0, peers: 0, heldBytes: 0, bufferedBytes: 0 });
    expect(server.stats.cancelled).toBe(28);
    // The server still serves.
    const again = await honest.requestHistory({ peer: node.overlay.nodeId, topics: [TOPIC], from: now - 3600, to: now - 3590 });
    expect(again).toMatchObject({ envelopes: 10, pages: 1 });
  }, 120_000);

  it('drops a response whose peer stops reading for stallTimeoutMs, freeing its slots while the peer stays', async () => {
    const ms = await mailserver({ stallTimeoutMs: 400, maxConcurrentRequests: 2 }, 2000);
    const sleeper = await joinedPeer(ms, '127.0.0.30');
    sleeper.stopReading();
    sleeper.send(WAKU_PACKET.P2P_REQUEST, fullRangeRequest(ms.now));
    sleeper.send(WAKU_PACKET.P2P_REQUEST, fullRangeRequest(ms.now));
    await until(() => ms.server.load().paused === 2, 'both responses paused', 20_000);
    // The server's total is taken: another peer is told it is busy.
    const other = await joinedPeer(ms, '127.0.0.31');
    other.send(WAKU_PACKET.P2P_REQUEST, fullRangeRequest(ms.now));
    await until(() => ms.server.stats.busy === 1, 'busy answer');
    await until(() => ms.server.load().requests === 0, 'stalled responses dropped', 10_000);
    expect(ms.server.stats.cancelled).toBe(2);
    expect(ms.node.peers().some((p) => p.id === sleeper.nodeId)).toBe(true);
    // With the slots free, the other peer is served.
    other.send(WAKU_PACKET.P2P_REQUEST, fullRangeRequest(ms.now));
    await until(() => ms.server.stats.served === 1, 'served after the stall', 30_000);
  }, 60_000);

  it('caps a response at maxResponseBytes even when the archive ignores maxBytes', async () => {
    let largest = 0;
    const ms = await mailserver({}, 1500, (inner) => ({
      put: (r) => inner.put(r),
      putMany: (r) => inner.putMany(r),
      // A store that reads whole pages whatever it is asked: the server cuts them itself.
      query: async (q) => {
        const page = await inner.query({ ...q, maxBytes: undefined });
        largest = Math.max(largest, page.envelopes.reduce((n, e) => n + e.length, 0));
        return page;
      },
      prune: (n, r) => inner.prune(n, r),
      count: () => inner.count(),
      close: () => inner.close(),
    }));
    const reader = await joinedPeer(ms, '127.0.0.40');
    reader.send(WAKU_PACKET.P2P_REQUEST, fullRangeRequest(ms.now));
    await until(() => reader.received.some(([c]) => c === WAKU_PACKET.P2P_REQUEST_COMPLETE), 'request complete', 30_000);
    const bytes = reader.received.filter(([c]) => c === WAKU_PACKET.P2P_MESSAGE).reduce((n, [, p]) => n + p.length, 0);
    expect(largest).toBeGreaterThan(RESPONSE);
    expect(bytes).toBeGreaterThan(RESPONSE - 2 * (DATA_BYTES + 64));
    // The envelopes never add up to more than the cap: only the packets' list headers come on top.
    expect(bytes).toBeLessThanOrEqual(RESPONSE + 8 * Math.ceil(RESPONSE / PACKET));
    const complete = decodeRequestComplete(reader.received.find(([c]) => c === WAKU_PACKET.P2P_REQUEST_COMPLETE)![1]);
    expect(complete.kind === 'completed' && complete.cursor).toHaveLength(36);
    // Paging on through the cursors gives every envelope exactly once.
    const honest = await res.node((o) => new WakuNode(o));
    await connect(honest, ms.node);
    const result = await honest.requestHistory({ peer: ms.node.overlay.nodeId, topics: [TOPIC], from: ms.now - 7200, to: ms.now + 60 });
    expect(result.envelopes).toBe(1500);
    expect(result.pages).toBe(Math.ceil((1500 * (DATA_BYTES + 14)) / RESPONSE));
  }, 60_000);
});

describe('relay memory bound', () => {
  it('stops relaying to a peer whose send buffer is full and goes on once it drains', async () => {
    const overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0, pingIntervalMs: 300_000 });
    res.add(() => overlay.stop());
    const node = new WakuNode(overlay, { maxBufferedBytesPerPeer: BOUND });
    res.add(() => node.stop());
    await node.start();
    await overlay.start();
    const ms = { node: Object.assign(node, { overlay }), port: Number(/:(\d+)$/.exec(overlay.enode)![1]) };
    const sleeper = await joinedPeer(ms, '127.0.0.50');
    sleeper.stopReading();
    const sent = new Set<string>();
    node.on('envelope:sent', (h, peerId) => peerId === sleeper.nodeId && sent.add(Buffer.from(h).toString('hex')));
    const expiry = Math.floor(Date.now() / 1000) + 30;
    let maxBuffered = 0;
    for (let i = 0; i < 3000; i++) {
      node.postEnvelope(sealEnvelope({ expiry, ttl: 30, topic: TOPIC, data: randomBytes(DATA_BYTES) }, { powTarget: 0, powTime: 1 }));
      if (i % 100 === 99) {
        await new Promise((r) => setImmediate(r));
        maxBuffered = Math.max(maxBuffered, node.peer(sleeper.nodeId)!.bufferedBytes);
      }
    }
    await new Promise((r) => setTimeout(r, 200));
    maxBuffered = Math.max(maxBuffered, node.peer(sleeper.nodeId)!.bufferedBytes);
    // ~18 MB posted: the kernel takes a few, our buffer stops near the bound (one bundle of ≤ 1 MiB past it).
    expect(maxBuffered).toBeGreaterThan(BOUND);
    expect(maxBuffered).toBeLessThanOrEqual(BOUND + 1024 * 1024 + 64 * 1024);
    expect(sent.size).toBeLessThan(3000);
    // It reads again: everything still in the pool reaches it.
    sleeper.swallow();
    sleeper.socket.resume();
    await until(() => sent.size === 3000, 'all 3000 relayed after the drain', 30_000);
  }, 60_000);

  it('the pool bound counts what an envelope costs in memory, so tiny envelopes cannot multiply it', async () => {
    const node = await res.node((o) => new WakuNode(o, { maxPoolBytes: 1024 * 1024 }));
    const expiry = Math.floor(Date.now() / 1000) + 30;
    for (let i = 0; i < 5000; i++) node.postEnvelope(sealEnvelope({ expiry: expiry + (i % 7), ttl: 30, topic: TOPIC, data: randomBytes(16) }, { powTarget: 0, powTime: 1 }));
    // Each costs ~1.6 KB of objects however small its data: ~650 fit in 1 MiB, not 29 000 at 36 bytes each.
    expect(node.stats.poolSize).toBeLessThanOrEqual(Math.floor((1024 * 1024) / POOL_ENTRY_OVERHEAD));
    expect(node.stats.poolSize).toBeGreaterThan(500);
    expect(node.stats.poolBytes).toBeLessThanOrEqual(1024 * 1024);
    expect(node.stats.evicted).toBe(5000 - node.stats.poolSize);
  });
});
