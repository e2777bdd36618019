import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey, getPublicKey, bytesToHex } from '@status-stack/crypto';
import {
  DISCONNECT_REASON,
  JsonFilePeerCache,
  MemoryNetwork,
  MemoryPeerCache,
  OVERLAY_ERROR,
  PeerPool,
  StaticDiscovery,
  type DiscoverySource,
  type MemoryOverlay,
} from '../src/index.js';
import { SHH6, until } from './helpers.js';

class RecordingDiscovery implements DiscoverySource {
  readonly name = 'recording';
  calls: string[] = [];
  constructor(private readonly enodes: string[] = []) {}
  start(onPeer: (enode: string) => void): void {
    this.calls.push('start');
    for (const e of this.enodes) onPeer(e);
  }
  stop(): void {
    this.calls.push('stop');
  }
}

describe('PeerPool (on a MemoryNetwork)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function nodes(net: MemoryNetwork, n: number): Promise<MemoryOverlay[]> {
    const out: MemoryOverlay[] = [];
    for (let i = 0; i < n; i++) {
      const o = net.createOverlay();
      o.register(SHH6, () => {});
      await o.start();
      cleanups.push(() => o.stop());
      out.push(o);
    }
    return out;
  }

  it('fills up to maxPeers from discovery, suspends discovery when full and resumes below minPeers', async () => {
    const net = new MemoryNetwork();
    const [self, ...others] = await nodes(net, 5);
    const disc = new RecordingDiscovery(others.map((o) => o.enode));
    const pool = new PeerPool(self, { minPeers: 1, maxPeers: 2, discovery: [disc], backoffInitialMs: 60_000 });
    await pool.start();
    cleanups.push(() => pool.stop());
    await until(() => self.peers().length === 2, 'two peers');
    await until(() => !pool.discoveryActive, 'discovery suspended');
    expect(disc.calls).toEqual(['start', 'stop']);
    // One left: between min and max, discovery stays off; the pool dials a known candidate instead.
    const first = self.peers()[0].id;
    self.disconnect(first, DISCONNECT_REASON.USELESS_PEER);
    await until(() => self.peers().length === 2 && !self.peers().some((p) => p.id === first), 'replacement');
    expect(disc.calls).toEqual(['start', 'stop']);
    // Lose everyone, with nothing left to dial: discovery resumes.
    for (const o of others) await o.stop();
    await until(() => pool.discoveryActive, 'discovery resumed');
    expect(disc.calls).toEqual(['start', 'stop', 'start']);
  });

  it('redials a failing node with exponential backoff up to the cap', async () => {
    const net = new MemoryNetwork();
    const [self] = await nodes(net, 1);
    const ghost = `enode://${bytesToHex(getPublicKey(generatePrivateKey())).slice(2)}@memory:9`;
    const pool = new PeerPool(self, { staticNodes: [ghost], backoffInitialMs: 5, backoffMaxMs: 40, backoffJitter: 0 });
    const waits: number[] = [];
    pool.on('peer:dial-failed', (enode, err, wait) => {
      expect(enode).toBe(ghost);
      expect((err as { code?: string }).code).toBe(OVERLAY_ERROR.DIAL_FAILED);
      waits.push(wait);
    });
    await pool.start();
    cleanups.push(() => pool.stop());
    await until(() => waits.length >= 6, 'six attempts');
    expect(waits.slice(0, 6)).toEqual([5, 10, 20, 40, 40, 40]);
  });

  it('spreads each delay by the jitter, within its bounds', async () => {
    const net = new MemoryNetwork();
    const [self] = await nodes(net, 1);
    const ghost = `enode://${bytesToHex(getPublicKey(generatePrivateKey())).slice(2)}@memory:9`;
    const pool = new PeerPool(self, { staticNodes: [ghost], backoffInitialMs: 8, backoffMaxMs: 8, backoffJitter: 0.25 });
    const waits: number[] = [];
    pool.on('peer:dial-failed', (_e, _err, wait) => waits.push(wait));
    await pool.start();
    cleanups.push(() => pool.stop());
    await until(() => waits.length >= 12, 'twelve attempts');
    for (const w of waits) {
      expect(w).toBeGreaterThanOrEqual(6);
      expect(w).toBeLessThanOrEqual(10);
    }
    expect(new Set(waits).size).toBeGreaterThan(1);
  });

  it('a peer that accepts us and drops us at once is backed off like a failed dial, not redialled in a loop', async () => {
    const net = new MemoryNetwork();
    const [self, rude] = await nodes(net, 2);
    // As statusd did with our old Hello: the handshake completes, then the connection is closed.
    rude.on('peer:added', (p) => setTimeout(() => rude.disconnect(p.id, DISCONNECT_REASON.PROTOCOL_ERROR), 1));
    const pool = new PeerPool(self, { staticNodes: [rude.enode], backoffInitialMs: 20, backoffMaxMs: 320, backoffJitter: 0, stableAfterMs: 10_000 });
    const waits: number[] = [];
    pool.on('peer:lost', (id, reason, wait) => {
      expect(id).toBe(rude.nodeId);
      expect(reason).toBe(DISCONNECT_REASON.PROTOCOL_ERROR);
      waits.push(wait);
    });
    let connections = 0;
    rude.on('peer:added', () => connections++);
    await pool.start();
    cleanups.push(() => pool.stop());
    await new Promise((r) => setTimeout(r, 1200));
    // 20, 40, 80, 160, 320, 320 …: about six connections in 1.2 s, where a reset per connection made sixty.
    expect(connections).toBeGreaterThanOrEqual(4);
    expect(connections).toBeLessThanOrEqual(8);
    expect(waits.slice(0, 5)).toEqual([20, 40, 80, 160, 320]);
  });

  it('forgets the failures of a peer that stayed connected for stableAfterMs', async () => {
    const net = new MemoryNetwork();
    const [self, other] = await nodes(net, 2);
    const pool = new PeerPool(self, { staticNodes: [other.enode], backoffInitialMs: 20, backoffJitter: 0, stableAfterMs: 100 });
    const waits: number[] = [];
    pool.on('peer:lost', (_id, _reason, wait) => waits.push(wait));
    await pool.start();
    cleanups.push(() => pool.stop());
    for (let i = 0; i < 3; i++) {
      await until(() => self.peers().length === 1, 'connected');
      other.disconnect(self.nodeId, DISCONNECT_REASON.TOO_MANY_PEERS);
      await until(() => waits.length === i + 1, 'lost');
    }
    expect(waits).toEqual([20, 40, 80]);
    await until(() => self.peers().length === 1, 'connected');
    await new Promise((r) => setTimeout(r, 150));
    other.disconnect(self.nodeId, DISCONNECT_REASON.TOO_MANY_PEERS);
    await until(() => waits.length === 4, 'lost after a stable connection');
    expect(waits[3]).toBe(20);
  });

  it('keeps static and trusted peers connected beyond maxPeers and reports trust', async () => {
    const net = new MemoryNetwork();
    const [self, mail, s1, d1, d2] = await nodes(net, 5);
    const pool = new PeerPool(self, {
      minPeers: 1,
      maxPeers: 1,
      trustedNodes: [mail.enode],
      staticNodes: [s1.enode],
      discovery: [new StaticDiscovery([d1.enode, d2.enode])],
      backoffInitialMs: 5,
    });
    await pool.start();
    cleanups.push(() => pool.stop());
    await until(() => self.peers().length >= 2, 'trusted and static');
    const ids = () => self.peers().map((p) => p.id).sort();
    expect(ids()).toEqual([mail.nodeId, s1.nodeId].sort());
    expect(pool.isTrusted(mail.nodeId)).toBe(true);
    expect(pool.isTrusted(s1.nodeId)).toBe(false);
    // The mailserver drops us: it comes back (after backoff) since it is trusted.
    mail.disconnect(self.nodeId, DISCONNECT_REASON.TOO_MANY_PEERS);
    await until(() => !self.peers().some((p) => p.id === mail.nodeId), 'mailserver gone');
    await until(() => self.peers().some((p) => p.id === mail.nodeId), 'mailserver back');
    expect(self.peers().some((p) => p.id === d1.nodeId || p.id === d2.nodeId)).toBe(false);
  });

  it('resumes discovery when the mailserver disconnects, even with enough peers', async () => {
    const net = new MemoryNetwork();
    const [self, mail, s1] = await nodes(net, 3);
    const disc = new RecordingDiscovery();
    const pool = new PeerPool(self, { minPeers: 1, maxPeers: 3, trustedNodes: [mail.enode], staticNodes: [s1.enode], discovery: [disc], backoffInitialMs: 60_000 });
    await pool.start();
    cleanups.push(() => pool.stop());
    await until(() => self.peers().length === 2, 'mailserver and static peer');
    expect(disc.calls).toEqual([]);
    mail.disconnect(self.nodeId, DISCONNECT_REASON.CLIENT_QUITTING);
    await until(() => disc.calls.length === 1, 'discovery resumed');
    expect(disc.calls).toEqual(['start']);
    expect(self.peers().map((p) => p.id)).toEqual([s1.nodeId]);
  });

  it('starts discovery at once when nothing is known, and when every known peer fails', async () => {
    const net = new MemoryNetwork();
    const [self] = await nodes(net, 1);
    const disc = new RecordingDiscovery();
    const pool = new PeerPool(self, { minPeers: 1, maxPeers: 2, discovery: [disc] });
    await pool.start();
    cleanups.push(() => pool.stop());
    expect(disc.calls).toEqual(['start']);

    const [self2] = await nodes(net, 1);
    const disc2 = new RecordingDiscovery();
    const ghost = `enode://${bytesToHex(getPublicKey(generatePrivateKey())).slice(2)}@memory:9`;
    const pool2 = new PeerPool(self2, { minPeers: 1, maxPeers: 2, cache: new MemoryPeerCache([ghost]), discovery: [disc2], backoffInitialMs: 60_000 });
    await pool2.start();
    cleanups.push(() => pool2.stop());
    await until(() => disc2.calls.length === 1, 'discovery after the cached peer failed');
  });

  it('drops surplus inbound peers with TOO_MANY_PEERS, never trusted ones', async () => {
    const net = new MemoryNetwork();
    const [self, mail, a, b] = await nodes(net, 4);
    const pool = new PeerPool(self, { minPeers: 1, maxPeers: 1, trustedNodes: [mail.enode], backoffInitialMs: 60_000 });
    await pool.start();
    cleanups.push(() => pool.stop());
    await until(() => self.peers().length === 1, 'trusted');
    const reasons: number[] = [];
    a.on('peer:removed', (_p, r) => reasons.push(r));
    b.on('peer:removed', (_p, r) => reasons.push(r));
    await a.connect(self.enode);
    await b.connect(self.enode);
    await until(() => reasons.length === 2, 'surplus dropped');
    expect(reasons).toEqual([DISCONNECT_REASON.TOO_MANY_PEERS, DISCONNECT_REASON.TOO_MANY_PEERS]);
    expect(self.peers().map((p) => p.id)).toEqual([mail.nodeId]);
  });

  it('remembers reached peers and reconnects from the cache after a restart, without discovery', async () => {
    const net = new MemoryNetwork();
    const [a, b, c] = await nodes(net, 3);
    const key = generatePrivateKey();
    const cache = new MemoryPeerCache();
    const self1 = net.createOverlay({ privateKey: key });
    self1.register(SHH6, () => {});
    await self1.start();
    const pool1 = new PeerPool(self1, { minPeers: 2, maxPeers: 2, cache, discovery: [new StaticDiscovery([a.enode, b.enode])] });
    await pool1.start();
    await until(() => self1.peers().length === 2, 'first run');
    await pool1.stop();
    await self1.stop();
    expect((await cache.load()).sort()).toEqual([a.enode, b.enode].sort());

    const self2 = net.createOverlay({ privateKey: key });
    self2.register(SHH6, () => {});
    await self2.start();
    cleanups.push(() => self2.stop());
    // The cache fills the pool: discovery (which would offer c) is never started.
    const disc = new RecordingDiscovery([c.enode]);
    const pool2 = new PeerPool(self2, { minPeers: 2, maxPeers: 2, cache, discovery: [disc] });
    await pool2.start();
    cleanups.push(() => pool2.stop());
    await until(() => self2.peers().length === 2, 'second run');
    expect(self2.peers().map((p) => p.id).sort()).toEqual([a.nodeId, b.nodeId].sort());
    expect(disc.calls).toEqual([]);
  });
});

describe('JsonFilePeerCache', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const ID = 'a979fb575495b8d6db44f750317d0f4622bf4c2aa3365d6af7c284339968eef29b69ad0dce72a4d8db5ebb4968de0e3bec910127f134779fbcb0cb6d3331163c';

  it('saves atomically and loads what it saved; a missing file is empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peer-cache-'));
    dirs.push(dir);
    const file = join(dir, 'sub', 'peers.json');
    const cache = new JsonFilePeerCache(file);
    expect(await cache.load()).toEqual([]);
    const enodes = [`enode://${ID}@127.0.0.1:30303`, `enode://${ID}@10.0.0.1:1?discport=2`];
    await cache.save(enodes);
    expect(await cache.load()).toEqual(enodes);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, peers: enodes });
    expect(readdirSync(join(dir, 'sub'))).toEqual(['peers.json']);
  });

  it('skips invalid entries and reports a corrupt file as CACHE_FAILED', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peer-cache-'));
    dirs.push(dir);
    const file = join(dir, 'peers.json');
    writeFileSync(file, JSON.stringify({ version: 1, peers: ['nonsense', 7, `enode://${ID}@127.0.0.1:1`] }));
    expect(await new JsonFilePeerCache(file).load()).toEqual([`enode://${ID}@127.0.0.1:1`]);
    writeFileSync(file, '{"peers": ');
    await expect(new JsonFilePeerCache(file).load()).rejects.toMatchObject({ code: OVERLAY_ERROR.CACHE_FAILED });
    writeFileSync(file, '{"nodes": []}');
    await expect(new JsonFilePeerCache(file).load()).rejects.toMatchObject({ code: OVERLAY_ERROR.CACHE_FAILED });
  });
});
