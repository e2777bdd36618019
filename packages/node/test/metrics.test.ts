// `--metrics`: a node with a mailserver on 127.0.0.1, two Waku clients chatting through it and a
// third fetching history; /metrics scraped before and after shows the counters moving, /health
// answers 503 until the node listens and 200 with peer counts after.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesToUtf8, generatePrivateKey, utf8ToBytes } from '@status-stack/crypto';
import { RlpxOverlay } from '@status-stack/p2p-overlay';
import { publicChatKey, publicChatTopic, WAKU_PACKET, WakuNode, WHISPER_ERROR, type ReceivedMessage } from '@status-stack/whisper';
import { NodeMetrics, startStatusNode, type NodeHealth, type StatusNode } from '../src/index.js';
import { until } from '../../../test-support/index.js';


const closers: Array<() => Promise<unknown> | unknown> = [];
let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'status-node-metrics-'));
});
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await rm(dataDir, { recursive: true, force: true });
});

/** `name{labels} value` lines of a Prometheus text exposition → a map keyed by `name{labels}`. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    out.set(m[1], Number(m[2]));
  }
  return out;
}

async function scrape(node: StatusNode): Promise<Map<string, number>> {
  const res = await fetch(`${node.metrics!.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await res.text());
}

async function health(url: string): Promise<{ status: number; body: NodeHealth }> {
  const res = await fetch(`${url}/health`);
  return { status: res.status, body: (await res.json()) as NodeHealth };
}

async function wakuClient(target: StatusNode): Promise<WakuNode> {
  const overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
  const node = new WakuNode(overlay);
  closers.push(() => overlay.stop());
  closers.push(() => node.stop());
  await node.start();
  await overlay.start();
  await overlay.connect(target.enode);
  await until(() => node.peers().some((p) => p.id === target.nodeId), 'client handshake');
  return node;
}

const get = (m: Map<string, number>, key: string) => m.get(key) ?? 0;

describe('status-node --metrics', () => {
  it('/health is 503 (starting) until the node is ready, then 200; 503 (stopping) once it shuts down', async () => {
    const metrics = await new NodeMetrics().listen({ host: '127.0.0.1', port: 0 });
    closers.push(() => metrics.close());
    expect(metrics.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const before = await health(metrics.url);
    expect(before.status).toBe(503);
    expect(before.body).toMatchObject({ status: 'starting', ready: false });
    const overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
    closers.push(() => overlay.stop());
    await overlay.start();
    metrics.setReady(overlay, overlay.enode);
    const after = await health(metrics.url);
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ status: 'ready', ready: true, enode: overlay.enode, peers: { total: 0 } });
    metrics.setStopping();
    expect((await health(metrics.url)).status).toBe(503);
    expect((await fetch(`${metrics.url}/nope`)).status).toBe(404);
    expect((await fetch(`${metrics.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('counters move as two clients chat through the node and a third fetches history', async () => {
    const node = await startStatusNode({
      listen: { host: '127.0.0.1', port: 0 },
      nodeKey: generatePrivateKey(),
      dataDir,
      mailserver: { archive: { kind: 'sqlite', path: ':memory:' } },
      metrics: { host: '127.0.0.1', port: 0 },
      logLevel: 'silent',
    });
    closers.push(() => node.stop());
    expect(node.metrics?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ready = await health(node.metrics!.url);
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', ready: true, enode: node.enode, peers: { total: 0, waku: 0 } });

    const before = await scrape(node);
    expect(get(before, 'status_node_peers{protocol="waku"}')).toBe(0);
    expect(get(before, 'status_node_envelopes_in_total{protocol="waku",source="peer"}')).toBe(0);
    expect(get(before, 'status_node_archive_envelopes')).toBe(0);
    expect(get(before, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);

    const alice = await wakuClient(node);
    const bob = await wakuClient(node);
    const chat = 'metrics-test';
    const got: ReceivedMessage[] = [];
    bob.subscribe({ topics: [publicChatTopic(chat)], symKey: publicChatKey(chat) }, (m) => got.push(m));
    await alice.post({ topic: publicChatTopic(chat), symKey: publicChatKey(chat), payload: utf8ToBytes('hello bob'), ttl: 60 });
    await until(() => got.length === 1, 'bob receives alice’s message');
    expect(bytesToUtf8(got[0].payload)).toBe('hello bob');
    await until(async () => (await node.archive!.count()) === 1, 'the envelope archived');

    const mid = await health(node.metrics!.url);
    expect(mid.body.peers).toEqual({ total: 2, waku: 2 });

    // A late client asks the mailserver for the history.
    const carol = await wakuClient(node);
    const now = Math.floor(Date.now() / 1000);
    const history = await carol.requestHistory({ peer: node.nodeId, topics: [publicChatTopic(chat)], from: now - 120, to: now + 60 });
    expect(history.envelopes).toBe(1);

    const after = await scrape(node);
    expect(get(after, 'status_node_peers{protocol="waku"}')).toBe(3);
    expect(get(after, 'status_node_overlay_peers{direction="inbound"}')).toBe(3);
    expect(get(after, 'status_node_envelopes_in_total{protocol="waku",source="peer"}')).toBe(1);
    expect(get(after, 'status_node_envelopes_received_total{protocol="waku"}')).toBeGreaterThanOrEqual(1);
    expect(get(after, 'status_node_envelopes_relayed_total{protocol="waku"}')).toBeGreaterThanOrEqual(1);
    // Relayed to bob at least (alice had it; carol got it as history).
    expect(get(after, 'status_node_envelopes_out_total{protocol="waku"}')).toBeGreaterThanOrEqual(1);
    expect(get(after, 'status_node_mailserver_requests_total{protocol="waku",outcome="served"}')).toBe(1);
    expect(get(after, 'status_node_mailserver_envelopes_served_total{protocol="waku"}')).toBe(1);
    expect(get(after, 'status_node_mailserver_archive_query_seconds_count{outcome="ok"}')).toBeGreaterThanOrEqual(1);
    // The request's whole latency, from its arrival to its last envelope sent.
    expect(get(after, 'status_node_mailserver_request_seconds_count{protocol="waku",outcome="served"}')).toBe(1);
    const latency = get(after, 'status_node_mailserver_request_seconds_sum{protocol="waku",outcome="served"}');
    expect(latency).toBeGreaterThan(0);
    expect(latency).toBeLessThan(10);
    expect(get(after, 'status_node_archive_envelopes')).toBe(1);
    expect(get(after, 'status_node_pool_envelopes{protocol="waku"}')).toBe(1);

    // An envelope the node refuses (long expired) is counted by reason.
    const stale = { ...alice.envelopes()[0], expiry: now - 3600 };
    alice.sendEnvelopes(node.nodeId, WAKU_PACKET.MESSAGES, [stale]);
    await until(async () => {
      const m = await scrape(node);
      return [...m].some(([k, v]) => k.startsWith('status_node_envelopes_rejected_total{protocol="waku",reason="') && v === 1);
    }, 'a rejection counted');
    const rejected = [...(await scrape(node))].filter(([k]) => k.startsWith('status_node_envelopes_rejected_total'));
    expect(rejected).toHaveLength(1);
    expect(Object.values(WHISPER_ERROR)).toContain(/reason="(\w+)"/.exec(rejected[0][0])![1]);

    await node.stop();
    await expect(fetch(`${node.metrics!.url}/health`)).rejects.toThrow();
  });
});
