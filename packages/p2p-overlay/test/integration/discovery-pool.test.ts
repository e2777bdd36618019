import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { generatePrivateKey, keccak256, randomBytes, utf8ToBytes } from '@status-stack/crypto';
import {
  Discv5Discovery,
  DnsDiscovery,
  JsonFilePeerCache,
  PeerPool,
  RlpxOverlay,
  OVERLAY_ERROR,
  buildEnrTree,
  createEnr,
  decodeEnr,
  enrToEnode,
  mapDnsResolver,
  type Capability,
} from '../../src/index.js';
import { SHH6, WAKU1, recordLinks, trackProcessErrors, until } from '../helpers.js';

interface Node {
  key: Uint8Array;
  overlay: RlpxOverlay;
  discv5?: Discv5Discovery;
}

describe('discovery and the peer pool over TCP/UDP on 127.0.0.1', () => {
  const stops: Array<() => Promise<void> | void> = [];
  let tracker: ReturnType<typeof trackProcessErrors>;
  afterEach(async () => {
    for (const s of stops.splice(0).reverse()) await s();
    tracker?.dispose();
  });

  async function rlpxNode(caps: Capability[], key = generatePrivateKey()): Promise<Node> {
    const overlay = new RlpxOverlay({ privateKey: key, handshakeTimeoutMs: 3000 });
    for (const c of caps) overlay.register(c, () => {});
    await overlay.start();
    stops.push(() => overlay.stop());
    return { key, overlay };
  }

  async function withDiscv5(n: Node, caps: Capability[], bootstrapEnrs: string[] = []): Promise<Discv5Discovery> {
    const d = new Discv5Discovery({
      privateKey: n.key,
      tcpPort: n.overlay.port,
      advertise: caps,
      capability: WAKU1,
      bootstrapEnrs,
      lookupIntervalMs: 200,
    });
    n.discv5 = d;
    await d.start(() => {});
    stops.push(() => d.stop());
    return d;
  }

  it('a third node finds two waku/1 nodes through discv5 and connects; a shh-only node is not dialled', async () => {
    tracker = trackProcessErrors();
    const a = await rlpxNode([SHH6, WAKU1]);
    const da = await withDiscv5(a, [SHH6, WAKU1]);
    const b = await rlpxNode([SHH6, WAKU1]);
    await withDiscv5(b, [SHH6, WAKU1], [da.enr]);
    const d = await rlpxNode([SHH6]);
    await withDiscv5(d, [SHH6], [da.enr]);
    // Garbage datagrams at A's discovery port are dropped without harm.
    const udp = createSocket('udp4');
    for (let i = 0; i < 20; i++) udp.send(randomBytes(i * 30), da.udpPort, '127.0.0.1');
    await new Promise<void>((r) => udp.close(() => r()));
    // Let A learn B and D (they contact A when they start their lookups).
    await until(() => da.knownEnrs().length >= 2, 'A knows B and D');

    const c = await rlpxNode([SHH6, WAKU1]);
    const dc = new Discv5Discovery({ privateKey: c.key, tcpPort: c.overlay.port, advertise: [WAKU1], capability: WAKU1, bootstrapEnrs: [da.enr], lookupIntervalMs: 200 });
    const pool = new PeerPool(c.overlay, { minPeers: 2, maxPeers: 2, discovery: [dc], backoffInitialMs: 200 });
    await pool.start();
    stops.push(() => pool.stop());
    await until(() => c.overlay.peers().length === 2, 'C connected to A and B', 20_000);
    expect(c.overlay.peers().map((p) => p.id).sort()).toEqual([a.overlay.nodeId, b.overlay.nodeId].sort());
    await until(() => !pool.discoveryActive, 'discovery suspended once full');
    expect(d.overlay.peers()).toEqual([]);
    expect(tracker.errors).toEqual([]);
  });

  it('behind NAT: advertises the public address while bound to a local one; an address the machine lacks fails start, not hangs', async () => {
    tracker = trackProcessErrors();
    const publicHost = '203.0.113.7'; // TEST-NET-3: not an address of this machine
    const nat = new Discv5Discovery({ host: publicHost, bindHost: '127.0.0.1', tcpPort: 30303 });
    await nat.start(() => {});
    stops.push(() => nat.stop());
    const record = decodeEnr(nat.enr);
    expect(record.ip).toBe(publicHost);
    expect(enrToEnode(record)).toContain(`@${publicHost}:30303`);
    expect(record.udp).toBe(nat.udpPort);
    // The socket really is on 127.0.0.1 at that port: a second bind there is refused.
    const probe = createSocket('udp4');
    const bindError = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      probe.once('error', (e) => resolve(e));
      probe.bind(nat.udpPort, '127.0.0.1', () => resolve(null));
    });
    probe.close();
    expect(bindError?.code).toBe('EADDRINUSE');

    // Without bindHost the bind never completes: start gives up after startTimeoutMs.
    const stuck = new Discv5Discovery({ host: publicHost, udpPort: nat.udpPort + 1, startTimeoutMs: 300 });
    await expect(stuck.start(() => {})).rejects.toMatchObject({ code: OVERLAY_ERROR.DISCOVERY_FAILED });
    await stuck.stop();
    expect(tracker.errors).toEqual([]);
  });

  it('a DNS list served by a local resolver yields the same peers', async () => {
    const a = await rlpxNode([SHH6, WAKU1]);
    const b = await rlpxNode([SHH6, WAKU1]);
    const enrs = [a, b].map((n) => createEnr(n.key, { ip: '127.0.0.1', tcp: n.overlay.port, udp: n.overlay.port, capabilities: [WAKU1] }));
    const tree = buildEnrTree(keccak256(utf8ToBytes('test list signer')), 'nodes.test', { enrs });
    const c = await rlpxNode([SHH6, WAKU1]);
    const pool = new PeerPool(c.overlay, {
      minPeers: 2,
      maxPeers: 4,
      discovery: [new DnsDiscovery({ urls: [tree.url], resolver: mapDnsResolver(tree.records), refreshMs: 0, capability: WAKU1 })],
    });
    await pool.start();
    stops.push(() => pool.stop());
    await until(() => c.overlay.peers().length === 2, 'C connected to A and B');
    expect(c.overlay.peers().map((p) => p.id).sort()).toEqual([a.overlay.nodeId, b.overlay.nodeId].sort());
  });

  it('keeps its target count when a peer is killed, and reconnects from its cache after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pool-'));
    stops.push(() => rmSync(dir, { recursive: true, force: true }));
    const servers = [];
    for (let i = 0; i < 4; i++) servers.push(await rlpxNode([SHH6, WAKU1]));
    const staticList = servers.map((s) => s.overlay.enode);
    const key = generatePrivateKey();
    const cacheFile = join(dir, 'peers.json');

    const self1 = new RlpxOverlay({ privateKey: key });
    const r1 = recordLinks(self1, [WAKU1]);
    await self1.start();
    const pool1 = new PeerPool(self1, {
      minPeers: 2,
      maxPeers: 2,
      bootstrapNodes: staticList,
      cache: new JsonFilePeerCache(cacheFile),
      backoffInitialMs: 100,
    });
    await pool1.start();
    await until(() => self1.peers().length === 2, 'two peers');
    const victimId = self1.peers()[0].id;
    const victim = servers.find((s) => s.overlay.nodeId === victimId)!;
    await victim.overlay.stop();
    await until(() => self1.peers().length === 2 && !self1.peers().some((p) => p.id === victimId), 'replaced the killed peer', 15_000);
    // The replacement is a working peer: a message goes through.
    const other = self1.peers().find((p) => p.id !== victimId)!;
    await until(() => r1.link(other.id, 'waku') !== undefined, 'link');
    const keep = self1.peers().map((p) => p.id).sort();
    await pool1.stop();
    await self1.stop();

    const cached = await new JsonFilePeerCache(cacheFile).load();
    expect(cached.length).toBe(3);
    // Restart: no bootstrap, no discovery; only the cache.
    const self2 = new RlpxOverlay({ privateKey: key });
    self2.register(WAKU1, () => {});
    await self2.start();
    stops.push(() => self2.stop());
    const pool2 = new PeerPool(self2, { minPeers: 2, maxPeers: 2, cache: new JsonFilePeerCache(cacheFile), backoffInitialMs: 100 });
    await pool2.start();
    stops.push(() => pool2.stop());
    await until(() => self2.peers().length === 2, 'reconnected from cache', 15_000);
    expect(self2.peers().map((p) => p.id).sort()).toEqual(keep);
  });
});
