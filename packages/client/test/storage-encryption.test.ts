// The encrypted SQLite storage: whole file and WAL encrypted (SQLCipher 4 page format), a wrong key
// is a typed error, a plain file is encrypted in place on its first open with a key, and the key
// comes from the key store's scrypt.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import Cipher from 'better-sqlite3-multiple-ciphers';
import { bytesToHex, randomBytes } from '@status-stack/crypto';
import {
  KEYSTORE_ERROR,
  SCHEMA_VERSION,
  STORAGE_CIPHER,
  STORAGE_ERROR,
  SqliteStorage,
  StorageError,
  createAccount,
  sealKeystore,
  unlockKeystore,
  unlockKeystoreFile,
  writeKeystore,
  type ClientStorage,
} from '../src/index.js';
import { chat, message } from './helpers/records.js';

const dir = mkdtempSync(join(tmpdir(), 'client-encrypted-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(dir, `db-${n++}.sqlite`);
const toClose: ClientStorage[] = [];
afterEach(async () => {
  for (const s of toClose.splice(0)) if (!s.closed) await s.close();
});
const open = (path: string, options?: Parameters<typeof SqliteStorage.open>[1]): SqliteStorage => {
  const s = SqliteStorage.open(path, options);
  toClose.push(s);
  return s;
};
const KDF = { N: 1024 };
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const MARKER = 'marker-7f3c1d: meet at the old bridge at nine';
const SECRET = Uint8Array.from({ length: 32 }, (_, i) => 0xc0 ^ i);

function errorOf(fn: () => unknown): StorageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StorageError);
    return err as StorageError;
  }
  throw new Error('expected a StorageError');
}

/** Every file of the database (main, -wal, -shm, -journal) that exists, as bytes. */
function filesOf(path: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const suffix of ['', '-wal', '-shm', '-journal']) if (existsSync(path + suffix)) out.set(path + suffix, readFileSync(path + suffix));
  return out;
}
/** Which of the needles (raw bytes, their hex, UTF-8 text) occur in any of the files. */
function found(path: string, needles: (Uint8Array | string)[]): string[] {
  const hits: string[] = [];
  for (const [file, bytes] of filesOf(path)) {
    for (const needle of needles) {
      const forms = typeof needle === 'string' ? [Buffer.from(needle, 'utf8')] : [Buffer.from(needle), Buffer.from(bytesToHex(needle), 'latin1')];
      if (forms.some((f) => bytes.includes(f))) hits.push(`${typeof needle === 'string' ? needle : bytesToHex(needle)} in ${file}`);
    }
  }
  return hits;
}

async function fill(s: SqliteStorage): Promise<void> {
  await s.putChat(chat('status', { lastClock: 7n }));
  await s.insertMessage(message('0x01', 'status', 7n, { text: MARKER, payload: SECRET }));
  await s.kvPut('st.our-prekey', 'k1', Buffer.from(JSON.stringify({ privateKey: { $b: bytesToHex(SECRET) } })));
  await s.putSetting('note', MARKER);
}
async function expectFilled(s: SqliteStorage): Promise<void> {
  expect((await s.getChat('status'))?.lastClock).toBe(7n);
  expect((await s.getMessage('0x01'))?.text).toBe(MARKER);
  expect((await s.getMessage('0x01'))?.payload).toEqual(SECRET);
  expect(await s.getSetting('note')).toBe(MARKER);
}

describe('SqliteStorage with a key', () => {
  it('encrypts the file and its WAL: no plaintext while open, none after close, and it reopens with the key', async () => {
    const path = fresh();
    const key = randomBytes(32);
    const s = open(path, { key });
    expect(s.encrypted).toBe(true);
    await fill(s);
    // While open, the writes sit in the WAL.
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(readFileSync(`${path}-wal`).length).toBeGreaterThan(0);
    expect(found(path, [MARKER, SECRET])).toEqual([]);
    await s.close();
    expect(found(path, [MARKER, SECRET])).toEqual([]);
    expect(readFileSync(path).subarray(0, 16).equals(SQLITE_MAGIC)).toBe(false);

    const again = open(path, { key });
    await expectFilled(again);
  });

  it('the same writes without a key leave them readable in the file: the grep above would see them', async () => {
    const path = fresh();
    const s = open(path);
    expect(s.encrypted).toBe(false);
    await fill(s);
    await s.close();
    expect(found(path, [MARKER, SECRET]).length).toBeGreaterThanOrEqual(2);
  });

  it('a wrong key is WRONG_KEY, and leaves the file as it was', async () => {
    const path = fresh();
    const key = randomBytes(32);
    const s = open(path, { key });
    await fill(s);
    await s.close();
    const before = readFileSync(path);
    const wrong = Uint8Array.from(key);
    wrong[0] ^= 1;
    const err = errorOf(() => SqliteStorage.open(path, { key: wrong }));
    expect(err.code).toBe(STORAGE_ERROR.WRONG_KEY);
    expect(err.message).toMatch(/key does not open/);
    expect(readFileSync(path).equals(before)).toBe(true);
    await expectFilled(open(path, { key }));
  });

  it('an encrypted file opened without a key is CORRUPT, saying it may be encrypted; plain SQLite cannot read it either', async () => {
    const path = fresh();
    const s = open(path, { key: randomBytes(32) });
    await fill(s);
    await s.close();
    const err = errorOf(() => SqliteStorage.open(path));
    expect(err.code).toBe(STORAGE_ERROR.CORRUPT);
    expect(err.message).toMatch(/encrypted/);
    const raw = new BetterSqlite3(path, { readonly: true });
    try {
      expect(() => raw.prepare('SELECT * FROM messages').all()).toThrow(/not a database/);
    } finally {
      raw.close();
    }
  });

  it('refuses a key that is not 32 bytes, and a key for an in-memory database, with INVALID_ARGUMENT', () => {
    expect(errorOf(() => SqliteStorage.open(fresh(), { key: new Uint8Array(16) })).code).toBe(STORAGE_ERROR.INVALID_ARGUMENT);
    expect(errorOf(() => SqliteStorage.open(':memory:', { key: randomBytes(32) })).code).toBe(STORAGE_ERROR.INVALID_ARGUMENT);
  });

  it('encrypts a plain database in place on its first open with a key, WAL content included, keeping every row', async () => {
    const path = fresh();
    const plain = open(path);
    await fill(plain);
    await plain.close();
    // Rows committed to the WAL by a process that died before any checkpoint: killed, not closed.
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import D from 'better-sqlite3'; const db = new D(${JSON.stringify(path)}); db.pragma('journal_mode = WAL'); db.pragma('wal_autocheckpoint = 0');
         db.prepare("INSERT INTO settings (key, value) VALUES ('late', ?)").run(${JSON.stringify(`${MARKER} (late)`)}); process.kill(process.pid, 'SIGKILL');`,
      ],
      { cwd: process.cwd() },
    );
    expect(child.signal).toBe('SIGKILL');
    expect(found(`${path}`, [`${MARKER} (late)`]).some((h) => h.endsWith('-wal'))).toBe(true);

    const key = randomBytes(32);
    const s = open(path, { key });
    expect(s.encrypted).toBe(true);
    await expectFilled(s);
    expect(await s.getSetting('late')).toBe(`${MARKER} (late)`);
    await s.close();
    expect(found(path, [MARKER, SECRET])).toEqual([]);
    expect(existsSync(`${path}.encrypting`)).toBe(false);
    const reopened = open(path, { key });
    await expectFilled(reopened);
    await reopened.close();
    expect(errorOf(() => SqliteStorage.open(path)).code).toBe(STORAGE_ERROR.CORRUPT);
  });

  it('an encryption interrupted before its rename starts over: the plain file was never touched', async () => {
    const path = fresh();
    const plain = open(path);
    await fill(plain);
    await plain.close();
    // What a crash mid-copy leaves: a half-written encrypted file beside the plain one.
    writeFileSync(`${path}.encrypting`, randomBytes(8192));
    const key = randomBytes(32);
    const s = open(path, { key });
    await expectFilled(s);
    await s.close();
    expect(existsSync(`${path}.encrypting`)).toBe(false);
    expect(found(path, [MARKER, SECRET])).toEqual([]);
  });

  it('read-only with a key reads a plain file as it is, and an encrypted one with its key', async () => {
    const plainPath = fresh();
    const p = open(plainPath);
    await fill(p);
    await p.close();
    const ro = open(plainPath, { key: randomBytes(32), readonly: true, exclusive: false });
    expect(ro.encrypted).toBe(false);
    await expectFilled(ro);

    const encPath = fresh();
    const key = randomBytes(32);
    const e = open(encPath, { key });
    await fill(e);
    await e.close();
    const roEnc = open(encPath, { key, readonly: true, exclusive: false });
    await expectFilled(roEnc);
    expect(errorOf(() => SqliteStorage.open(encPath, { key: randomBytes(32), readonly: true, exclusive: false })).code).toBe(STORAGE_ERROR.WRONG_KEY);
  });

  it('is SQLCipher 4 with a raw key, at the current schema version: what another SQLCipher reader needs', async () => {
    const path = fresh();
    const key = randomBytes(32);
    const s = open(path, { key });
    await s.putSetting('x', 'y');
    await s.close();
    const db = new Cipher(path, { readonly: true });
    try {
      db.pragma(`cipher = '${STORAGE_CIPHER.cipher}'`);
      db.pragma(`legacy = ${STORAGE_CIPHER.legacy}`);
      db.pragma(`key = "x'${bytesToHex(key)}'"`);
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.pragma('cipher', { simple: true })).toBe('sqlcipher');
      expect(Number(db.pragma('legacy', { simple: true }))).toBe(4);
      expect(Number(db.pragma('page_size', { simple: true }))).toBe(STORAGE_CIPHER.pageSize);
      expect(db.prepare("SELECT value FROM settings WHERE key = 'x'").pluck().get()).toBe('y');
    } finally {
      db.close();
    }
  });
});

describe('the storage key of a key store', () => {
  it('is derived with the key store scrypt: the same on every unlock, 32 bytes, not the password, and it opens the database', async () => {
    const account = createAccount();
    const sealed = await sealKeystore(account, 'pw one', { kdf: KDF });
    expect(sealed.storageKey).toHaveLength(32);
    const unlocked = await unlockKeystore(sealed.text, 'pw one');
    expect(unlocked.account.publicKeyHex).toBe(account.publicKeyHex);
    expect(unlocked.storageKey).toEqual(sealed.storageKey);
    // Nothing of the storage key is in the key store file.
    expect(sealed.text.includes(bytesToHex(sealed.storageKey))).toBe(false);

    const path = fresh();
    const s = open(path, { key: sealed.storageKey });
    await fill(s);
    await s.close();
    await expectFilled(open(path, { key: unlocked.storageKey }));
  });

  it('differs between key stores (another salt or password), so a database follows its key store', async () => {
    const account = createAccount();
    const a = await sealKeystore(account, 'pw', { kdf: KDF });
    const b = await sealKeystore(account, 'pw', { kdf: KDF });
    const c = await sealKeystore(account, 'other', { kdf: KDF, salt: new Uint8Array(32).fill(1) });
    const d = await sealKeystore(account, 'pw', { kdf: KDF, salt: new Uint8Array(32).fill(1) });
    expect(bytesToHex(a.storageKey)).not.toBe(bytesToHex(b.storageKey));
    expect(bytesToHex(c.storageKey)).not.toBe(bytesToHex(d.storageKey));
    const path = fresh();
    await open(path, { key: a.storageKey }).close();
    expect(errorOf(() => SqliteStorage.open(path, { key: b.storageKey })).code).toBe(STORAGE_ERROR.WRONG_KEY);
  });

  it('writeKeystore returns it and unlockKeystoreFile finds it again; a wrong password is WRONG_PASSWORD before any database is touched', async () => {
    const account = createAccount();
    const file = join(dir, `ks-${n++}.json`);
    const key = await writeKeystore(file, account, 'pw', { kdf: KDF });
    expect((await unlockKeystoreFile(file, 'pw')).storageKey).toEqual(key);
    await expect(unlockKeystoreFile(file, 'nope')).rejects.toMatchObject({ code: KEYSTORE_ERROR.WRONG_PASSWORD });
  });
});
