import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePrivateKey } from '@status-stack/crypto';
import { MemoryHub, MemoryTransport, type EnvelopeTransport } from '@status-stack/whisper';
import { MemoryStorage, SqliteStorage, StatusClient, type ClientError, type ClientStorage, type IgnoredEvent, type StatusClientTiming } from '../../src/index.js';

export { until } from '../../../../test-support/index.js';

export interface TestPeer {
  client: StatusClient;
  storage: ClientStorage;
  transport: MemoryTransport;
  privateKey: Uint8Array;
  errors: ClientError[];
  ignored: IgnoredEvent[];
}

/** Tracks everything a test opens so afterEach can close it. */
export class Harness {
  readonly hub = new MemoryHub();
  private readonly clients: StatusClient[] = [];
  private readonly storages: ClientStorage[] = [];
  private readonly transports: MemoryTransport[] = [];
  private readonly dirs: string[] = [];

  tempDir(): string {
    const d = mkdtempSync(join(tmpdir(), 'status-client-'));
    this.dirs.push(d);
    return d;
  }

  sqlite(path: string): SqliteStorage {
    const s = SqliteStorage.open(path);
    this.storages.push(s);
    return s;
  }

  async peer(
    opts: {
      privateKey?: Uint8Array;
      storage?: ClientStorage;
      installationId?: string;
      timing?: StatusClientTiming;
      start?: boolean;
      wrap?: (t: MemoryTransport) => EnvelopeTransport;
      now?: () => number;
    } = {},
  ): Promise<TestPeer> {
    const privateKey = opts.privateKey ?? generatePrivateKey();
    const storage = opts.storage ?? new MemoryStorage();
    if (!opts.storage) this.storages.push(storage);
    const transport = new MemoryTransport(this.hub);
    this.transports.push(transport);
    const client = new StatusClient({
      identity: { privateKey, installationId: opts.installationId },
      storage,
      transport: opts.wrap ? opts.wrap(transport) : transport,
      now: opts.now,
      // Fast epochs and resends for tests (defaults: 300 ms epochs, first resend after 2 s, doubling to 5 min);
      // the give-up bounds keep their defaults. Pass `timing` with `undefined` values to get a default back.
      options: { mvdsEpochMs: 20, mvdsFirstResendMs: 100, mvdsMaxResendIntervalMs: 1000, ...opts.timing },
    });
    this.clients.push(client);
    const errors: ClientError[] = [];
    const ignored: IgnoredEvent[] = [];
    client.on('error', (e) => errors.push(e));
    client.on('ignored', (e) => ignored.push(e));
    if (opts.start ?? true) await client.start();
    return { client, storage, transport, privateKey, errors, ignored };
  }

  /** Stops a peer as a crash would leave it: client stopped, transport off the hub; storage kept. */
  async down(p: TestPeer): Promise<void> {
    await p.client.stop();
    p.transport.close();
  }

  async close(): Promise<void> {
    for (const c of this.clients.splice(0)) await c.stop();
    for (const t of this.transports.splice(0)) t.close();
    for (const s of this.storages.splice(0)) await s.close();
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** An EnvelopeTransport that fails every post while `failing` is set: a peer that vanished, a full socket. */
export class FlakyTransport {
  failing = true;
  constructor(private readonly inner: MemoryTransport) {}
  post(message: Parameters<MemoryTransport['post']>[0]): ReturnType<MemoryTransport['post']> {
    if (this.failing) return Promise.reject(new Error('network unreachable'));
    return this.inner.post(message);
  }
  subscribe(...args: Parameters<MemoryTransport['subscribe']>): ReturnType<MemoryTransport['subscribe']> {
    return this.inner.subscribe(...args);
  }
}
