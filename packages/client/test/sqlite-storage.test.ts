import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { SCHEMA_VERSION, STORAGE_ERROR, SqliteStorage, StorageError } from '../src/index.js';
import { MIGRATIONS, migrate, userVersion } from '../src/storage/migrations.js';
import { chat, message } from './helpers/records.js';

const dir = mkdtempSync(join(tmpdir(), 'client-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(dir, `db-${n++}.sqlite`);
const toClose: { close(): unknown }[] = [];
afterEach(async () => {
  for (const c of toClose.splice(0)) await c.close();
});
const open = (path: string, options?: Parameters<typeof SqliteStorage.open>[1]): SqliteStorage => {
  const s = SqliteStorage.open(path, options);
  toClose.push(s);
  return s;
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StorageError);
    return (err as StorageError).code;
  }
  return undefined;
}
async function codeOfAsync(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (err: unknown) => {
      expect(err).toBeInstanceOf(StorageError);
      return (err as StorageError).code;
    },
  );
}

describe('SqliteStorage', () => {
  it('persists across close and reopen, in WAL mode at the current schema version', async () => {
    const path = fresh();
    const s = SqliteStorage.open(path);
    await s.putChat(chat('status', { lastClock: 42n }));
    await s.insertMessage(message('0x01', 'status', 42n, { payload: Uint8Array.from([1, 2, 3]) }));
    await s.kvPut('cursors', 'topic-1', Uint8Array.from([5]));
    await s.close();

    const raw = new BetterSqlite3(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(userVersion(raw)).toBe(SCHEMA_VERSION);
    raw.close();

    const again = open(path);
    expect((await again.getChat('status'))?.lastClock).toBe(42n);
    expect((await again.getMessage('0x01'))?.payload).toEqual(Uint8Array.from([1, 2, 3]));
    expect(await again.kvGet('cursors', 'topic-1')).toEqual(Uint8Array.from([5]));
  });

  it('keeps clocks up to 2^63-1 exactly', async () => {
    const s = open(fresh());
    const big = 2n ** 63n - 1n;
    await s.insertMessage(message('0xff', 'c', big, { timestamp: 1 }));
    await s.insertMessage(message('0xfe', 'c', 2n ** 53n + 1n, { timestamp: 2 }));
    expect((await s.listMessages('c', { limit: 5 })).messages.map((m) => m.clock)).toEqual([2n ** 53n + 1n, big]);
  });

  it('migrates step by step, each step atomic, and refuses a newer schema', () => {
    const path = fresh();
    const db = new BetterSqlite3(path);
    toClose.push(db);
    expect(migrate(db, MIGRATIONS.slice(0, 1))).toBe(1);
    db.prepare("INSERT INTO settings (key, value) VALUES ('kept', 'yes')").run();
    const step2 = { version: 2, sql: 'CREATE TABLE extra (id INTEGER PRIMARY KEY); ALTER TABLE settings ADD COLUMN note TEXT;' };
    const broken3 = { version: 3, sql: 'CREATE TABLE partial (id INTEGER); THIS IS NOT SQL;' };
    expect(() => migrate(db, [...MIGRATIONS, step2, broken3])).toThrow();
    // step 2 landed, step 3 left nothing behind
    expect(userVersion(db)).toBe(2);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('extra', 'partial')").all()).toEqual([{ name: 'extra' }]);
    expect(db.prepare("SELECT value FROM settings WHERE key = 'kept'").get()).toEqual({ value: 'yes' });
    db.pragma('user_version = 99');
    db.close();
    toClose.pop();
    expect(codeOf(() => SqliteStorage.open(path))).toBe(STORAGE_ERROR.UNSUPPORTED_VERSION);
  });

  it('reopens an already migrated file without changing it', async () => {
    const path = fresh();
    const s = SqliteStorage.open(path);
    await s.putSetting('a', '1');
    await s.close();
    const again = open(path);
    expect(await again.getSetting('a')).toBe('1');
  });

  it('fails with BUSY when the account is already open in another connection', () => {
    const path = fresh();
    const first = open(path);
    expect(first.closed).toBe(false);
    expect(codeOf(() => SqliteStorage.open(path, { busyTimeoutMs: 50 }))).toBe(STORAGE_ERROR.BUSY);
  });

  it('reports DISK_FULL, rolls the transaction back whole, and stays usable', async () => {
    const s = open(fresh(), { maxPageCount: 40 });
    await s.putChat(chat('c'));
    await s.insertMessage(message('0x00', 'c', 0n));
    const blob = new Uint8Array(4096).fill(7);
    const code = await codeOfAsync(
      s.transaction(async (tx) => {
        for (let i = 0; i < 200; i++) await tx.kvPut('big', `k${i}`, blob);
      }),
    );
    expect(code).toBe(STORAGE_ERROR.DISK_FULL);
    expect(await s.kvList('big')).toEqual([]);
    const batch = Array.from({ length: 300 }, (_, i) => message(`0xb${i}`, 'c', BigInt(i + 1), { payload: blob }));
    expect(await codeOfAsync(s.insertMessages(batch))).toBe(STORAGE_ERROR.DISK_FULL);
    expect(await s.countMessages('c')).toBe(1);
    await s.insertMessage(message('0x01', 'c', 1n));
    expect(await s.countMessages('c')).toBe(2);
  });

  it('never lets writes after a swallowed DISK_FULL escape the transaction', async () => {
    const s = open(fresh(), { maxPageCount: 40 });
    const blob = new Uint8Array(4096).fill(7);
    const outcome = await codeOfAsync(
      s.transaction(async (tx) => {
        await tx.putSetting('before', '1');
        try {
          for (let i = 0; i < 200; i++) await tx.kvPut('big', `k${i}`, blob);
        } catch {
          // a careless caller swallows the error and carries on
        }
        await tx.putSetting('after', '1').catch(() => undefined);
      }),
    );
    // either SQLite kept the transaction (it commits without the failed statement) or it ended it
    // (everything is gone); never 'after' without 'before'
    const before = await s.getSetting('before');
    const after = await s.getSetting('after');
    if (outcome === undefined) expect([before, after]).toEqual(['1', '1']);
    else expect([before, after]).toEqual([undefined, undefined]);
  });

  it('reports CORRUPT for a file that is not a database', () => {
    const path = fresh();
    writeFileSync(path, Buffer.alloc(8192, 0x5a));
    expect(codeOf(() => SqliteStorage.open(path))).toBe(STORAGE_ERROR.CORRUPT);
  });

  it('reports CORRUPT for a database whose pages were overwritten', async () => {
    const path = fresh();
    const s = SqliteStorage.open(path, { exclusive: false });
    await s.insertMessages(Array.from({ length: 200 }, (_, i) => message(`0x${i}`, 'c', BigInt(i), { text: 'x'.repeat(200) })));
    await s.close();
    const raw = new BetterSqlite3(path);
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.close();
    const bytes = readFileSync(path);
    bytes.fill(0xa5, 4096 * 2, bytes.length); // every page after the second
    writeFileSync(path, bytes);
    let code: string | undefined;
    try {
      const broken = open(path);
      code = await codeOfAsync(broken.listMessages('c', { limit: 500 }));
    } catch (err) {
      code = (err as StorageError).code;
    }
    expect(code).toBe(STORAGE_ERROR.CORRUPT);
  });

  it('opens read-only for reading, and refuses writes with IO', async () => {
    const path = fresh();
    const s = SqliteStorage.open(path);
    await s.putSetting('k', 'v');
    await s.close();
    const ro = open(path, { readonly: true, exclusive: false });
    expect(await ro.getSetting('k')).toBe('v');
    expect(await codeOfAsync(ro.putSetting('k', 'w'))).toBe(STORAGE_ERROR.IO);
  });

  it('reports IO when the file cannot be opened', () => {
    expect(codeOf(() => SqliteStorage.open(join(dir, 'no-such-dir', 'x.db')))).toBe(STORAGE_ERROR.IO);
  });
});
