// status-node in-process: real RLPx on 127.0.0.1 between the node and client nodes; relaying
// (Waku, Whisper, and the bridge between them), mailserver history from SQLite, clean stop.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesToHex, generatePrivateKey, getPublicKey, utf8ToBytes, bytesToUtf8 } from '@status-stack/crypto';
import { createEnr, RlpxOverlay } from '@status-stack/p2p-overlay';
import {
  ArchiveError,
  MailserverClient,
  publicChatKey,
  publicChatTopic,
  WakuNode,
  WhisperNode,
  type EnvelopeNode,
  type ReceivedMessage,
} from '@status-stack/whisper';
import { parseNodeOptions, startStatusNode, type NodeLogger, type RawNodeOptions, type StatusNode } from '../src/index.js';
import { until } from '../../../test-support/index.js';


const closers: Array<() => Promise<unknown> | unknown> = [];
let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'status-node-'));
});
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) {
    try {
      await c();
    } catch {
      // best effort
    }
  }
  await rm(dataDir, { recursive: true, force: true });
});

interface Logged {
  level: string;
  message: string;
}

async function startNode(raw: RawNodeOptions): Promise<{ node: StatusNode; logs: Logged[] }> {
  const logs: Logged[] = [];
  const logger: NodeLogger = (level, message) => logs.push({ level, message });
  const node = await startStatusNode(parseNodeOptions({ listen: '127.0.0.1:0', dataDir, ...raw }), { logger });
  closers.push(() => node.stop());
  return { node, logs };
}

type Client<N extends EnvelopeNode> = N & { overlay: RlpxOverlay };

/** A client node on its own overlay, connected to the status-node and past the protocol handshake. */
async function client<N extends EnvelopeNode>(make: (o: RlpxOverlay) => N, target: StatusNode): Promise<Client<N>> {
  const overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
  const node = make(overlay);
  closers.push(() => overlay.stop());
  closers.push(() => node.stop());
  await node.start();
  await overlay.start();
  await overlay.connect(target.enode);
  await until(() => node.peers().some((p) => p.id === target.nodeId), 'client handshake');
  return Object.assign(node, { overlay });
}

function inbox(node: EnvelopeNode, chat: string): ReceivedMessage[] {
  const got: ReceivedMessage[] = [];
  node.subscribe({ topics: [publicChatTopic(chat)], symKey: publicChatKey(chat) }, (m) => got.push(m));
  return got;
}

function post(node: EnvelopeNode, chat: string, text: string, sign?: Uint8Array): Promise<Uint8Array> {
  return node.post({ topic: publicChatTopic(chat), symKey: publicChatKey(chat), payload: utf8ToBytes(text), sign, ttl: 60 });
}

const texts = (ms: ReceivedMessage[]) => ms.map((m) => bytesToUtf8(m.payload));

describe('startStatusNode (in-process, RLPx on 127.0.0.1)', () => {
  it('Waku relay + SQLite mailserver: relays between two clients, logs peers, serves the history to a late client', async () => {
    const key = generatePrivateKey();
    const { node, logs } = await startNode({ nodeKeyHex: bytesToHex(key), mailserver: true });
    expect(node.enode).toMatch(/^enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+$/);
    expect(node.nodeId).toBe(bytesToHex(getPublicKey(key).subarray(1)));
    expect(node.waku).toBeInstanceOf(WakuNode);
    expect(node.whisper).toBeUndefined();
    expect(Number(node.enode.split(':').pop())).toBeGreaterThan(0);

    const alice = await client((o) => new WakuNode(o), node);
    const bob = await client((o) => new WakuNode(o), node);
    await until(() => logs.filter((l) => l.message.startsWith('peer joined')).length === 2, 'two "peer joined" logs');
    expect(logs.find((l) => l.message.startsWith('peer joined'))!.message).toContain('waku/1');

    const bobGot = inbox(bob, 'status-node-test');
    const signer = generatePrivateKey();
    const hash = await post(alice, 'status-node-test', 'hello through the relay', signer);
    await until(() => bobGot.length === 1, 'bob receives');
    expect(texts(bobGot)).toEqual(['hello through the relay']);
    expect(bobGot[0].hash).toEqual(hash);
    expect(bobGot[0].signer).toEqual(getPublicKey(signer));
    expect(bobGot[0].p2p).toBe(false);

    // The archive has it; a client that was not there asks the mailserver.
    await until(async () => (await node.archive!.count()) === 1, 'archived');
    const now = Math.floor(Date.now() / 1000);
    const carol = await client((o) => new WakuNode(o), node);
    const carolGot = inbox(carol, 'status-node-test');
    const result = await carol.requestHistory({ peer: node.nodeId, topics: [publicChatTopic('status-node-test')], from: now - 120, to: now + 60 });
    expect(result.envelopes).toBe(1);
    expect(result.cursor).toHaveLength(0);
    await until(() => carolGot.length === 1, 'carol gets history');
    expect(texts(carolGot)).toEqual(['hello through the relay']);
    expect(carolGot[0].p2p).toBe(true);
    expect(carolGot[0].hash).toEqual(hash);
    await until(() => logs.some((l) => l.message.includes('served 1 envelopes')), 'served log');

    await carol.overlay.stop();
    await until(() => logs.some((l) => l.message.startsWith('peer left')), '"peer left" log');
  });

  it('--mailserver-key: an older-form request encrypted to that key is served; a bad key file stops the start', async () => {
    const msKey = generatePrivateKey();
    const keyFile = join(dataDir, 'mailserver.key');
    await writeFile(keyFile, `${bytesToHex(msKey)}\n`);
    const { node } = await startNode({ mailserver: true, mailserverKey: keyFile });
    const sender = await client((o) => new WakuNode(o), node);
    await post(sender, 'status-node-asym', 'kept for later');
    await until(async () => (await node.archive!.count()) === 1, 'archived');

    const nodeKey = generatePrivateKey();
    const overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0, privateKey: nodeKey });
    const late = new WakuNode(overlay);
    closers.push(() => overlay.stop());
    closers.push(() => late.stop());
    await late.start();
    await overlay.start();
    await overlay.connect(node.enode);
    await until(() => late.peers().some((p) => p.id === node.nodeId), 'late client handshake');
    const got = inbox(late, 'status-node-asym');
    const now = Math.floor(Date.now() / 1000);
    const result = await late.requestHistory({
      peer: node.nodeId,
      topics: [publicChatTopic('status-node-asym')],
      from: now - 120,
      to: now + 60,
      envelopeForm: { mailserverPublicKey: getPublicKey(msKey), nodeKey },
    });
    expect(result.envelopes).toBe(1);
    await until(() => got.length === 1, 'history through the asymmetric request');
    expect(texts(got)).toEqual(['kept for later']);

    await writeFile(keyFile, 'not a key');
    await expect(startStatusNode(parseNodeOptions({ listen: '127.0.0.1:0', dataDir, mailserver: true, archive: 'sqlite::memory:', mailserverKey: keyFile }), { logger: () => undefined })).rejects.toMatchObject({
      code: 'INVALID_NODE_KEY',
    });
  });

  it('Whisper only: relays between two shh/6 clients; the Whisper mailserver client gets history', async () => {
    const { node } = await startNode({ whisper: true, mailserver: true, archive: 'sqlite::memory:' });
    expect(node.whisper).toBeInstanceOf(WhisperNode);
    expect(node.waku).toBeUndefined();
    const a = await client((o) => new WhisperNode(o), node);
    const b = await client((o) => new WhisperNode(o), node);
    const got = inbox(b, 'whisper-room');
    await post(a, 'whisper-room', 'over shh/6');
    await until(() => got.length === 1, 'relayed over whisper');
    expect(texts(got)).toEqual(['over shh/6']);

    await until(async () => (await node.archive!.count()) === 1, 'archived');
    const now = Math.floor(Date.now() / 1000);
    const late = await client((o) => new WhisperNode(o), node);
    const lateGot = inbox(late, 'whisper-room');
    const history = await new MailserverClient(late).requestHistory({ peer: node.nodeId, topics: [publicChatTopic('whisper-room')], from: now - 120, to: now + 60 });
    expect(history.envelopes).toBe(1);
    await until(() => lateGot.length === 1, 'whisper history');
    expect(texts(lateGot)).toEqual(['over shh/6']);
  });

  it('--whisper --waku bridges: Whisper → Waku and Waku → Whisper through one node', async () => {
    const { node } = await startNode({ whisper: true, waku: true });
    expect(node.bridge).toBeDefined();
    const shh = await client((o) => new WhisperNode(o), node);
    const waku = await client((o) => new WakuNode(o), node);
    const shhGot = inbox(shh, 'bridged');
    const wakuGot = inbox(waku, 'bridged');
    await post(shh, 'bridged', 'from whisper');
    await until(() => wakuGot.length === 1, 'whisper → waku');
    await post(waku, 'bridged', 'from waku');
    await until(() => texts(shhGot).includes('from waku'), 'waku → whisper');
    expect(texts(wakuGot)).toContain('from whisper');
    // Each side sees each message once: the bridge does not echo a message back to where it came from.
    expect(texts(shhGot).sort()).toEqual(['from waku', 'from whisper']);
    expect(texts(wakuGot).sort()).toEqual(['from waku', 'from whisper']);
    expect(node.bridge!.stats.toWaku).toBeGreaterThanOrEqual(1);
    expect(node.bridge!.stats.toWhisper).toBeGreaterThanOrEqual(1);
  });

  it('PoW, rate limits and light mode reach the handshake peers see (Waku and Whisper)', async () => {
    const { node } = await startNode({ whisper: true, waku: true, minPow: '0.001', rateLimitIp: '100', rateLimitPeer: '40', rateLimitTopic: '7', light: true });
    const waku = await client((o) => new WakuNode(o), node);
    const shh = await client((o) => new WhisperNode(o), node);
    for (const c of [waku, shh]) {
      const seen = c.peer(node.nodeId)!;
      expect(seen.powRequirement).toBe(0.001);
      expect(seen.lightNode).toBe(true);
      expect(seen.rateLimits).toEqual({ ipLimits: 100n, peerIdLimits: 40n, topicLimits: 7n });
    }
    // The defaults: Status's minimum PoW, a full (non-light) relay, no limits advertised as zeros.
    const { node: plain } = await startNode({ dataDir: join(dataDir, 'plain') });
    const seen = (await client((o) => new WakuNode(o), plain)).peer(plain.nodeId)!;
    expect(seen.powRequirement).toBe(0.000002);
    expect(seen.lightNode).toBe(false);
  });

  it('--discovery discv5 with an ENR --bootstrap: two nodes that only know a third find each other', async () => {
    const hubKey = generatePrivateKey();
    const { node: hub } = await startNode({ nodeKeyHex: bytesToHex(hubKey), discovery: ['discv5'] });
    const port = Number(hub.enode.split(':').pop());
    const hubEnr = createEnr(hubKey, { ip: '127.0.0.1', tcp: port, udp: port }).text;
    const seeded = { discovery: ['discv5'], bootstrap: [hubEnr] };
    const { node: b } = await startNode({ ...seeded, dataDir: join(dataDir, 'b') });
    const { node: c, logs: cLogs } = await startNode({ ...seeded, dataDir: join(dataDir, 'c') });
    expect(cLogs.map((l) => l.message)).toContain(`discovery: discv5 on udp 127.0.0.1:${c.enode.split(':').pop()}`);
    await until(() => b.overlay.peers().some((p) => p.id === c.nodeId) || c.overlay.peers().some((p) => p.id === b.nodeId), 'b and c connected through discv5', 20_000);
    expect(hub.overlay.peers().map((p) => p.id).sort()).toEqual([b.nodeId, c.nodeId].sort());
  });

  it('stop() disconnects peers, closes the archive and frees the port; a second stop is a no-op', async () => {
    const { node, logs } = await startNode({ mailserver: true });
    const c = await client((o) => new WakuNode(o), node);
    const port = Number(node.enode.split(':').pop());
    await node.stop();
    await node.stop();
    await until(() => c.peers().length === 0, 'client sees the node go');
    await expect(node.archive!.count()).rejects.toBeInstanceOf(ArchiveError);
    expect(logs.at(-1)).toEqual({ level: 'info', message: 'stopped' });
    // The port is free again.
    const server: Server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise((r) => server.close(r));
  });

  it('a node that cannot start rejects with a typed error and leaves nothing running', async () => {
    // PostgreSQL that is not there: ArchiveError DATABASE, the overlay never listens.
    const logs: Logged[] = [];
    await expect(
      startStatusNode(parseNodeOptions({ listen: '127.0.0.1:0', dataDir, mailserver: true, archive: 'postgres://nobody:pw@127.0.0.1:1/none' }), {
        logger: (level, message) => logs.push({ level, message }),
      }),
    ).rejects.toMatchObject({ name: 'ArchiveError', code: 'DATABASE' });
    // A port already taken: the error surfaces; the archive opened before it is closed again.
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    closers.push(() => new Promise((r) => blocker.close(r)));
    const port = (blocker.address() as { port: number }).port;
    await expect(startStatusNode(parseNodeOptions({ listen: `127.0.0.1:${port}`, dataDir, mailserver: true }), { logger: () => undefined })).rejects.toThrow(/EADDRINUSE|in use/);
    // The same data dir (node key, SQLite file) is usable by the next start.
    const { node } = await startNode({ mailserver: true });
    expect(await node.archive!.count()).toBe(0);
  });
});
