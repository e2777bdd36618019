import { closeSync, existsSync, fsyncSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3-multiple-ciphers';
import createDebug from 'debug';
import { bytesToHex } from '@status-stack/crypto';
import { STORAGE_ERROR, StorageError, type StorageErrorCode } from '../errors.js';
import type {
  AccountRecord,
  ChatRecord,
  ChatType,
  ContactRecord,
  DeliveryState,
  InstallationRecord,
  KvEntry,
  MessageRecord,
  SqliteStorageOptions,
} from '../types.js';
import { migrate } from './migrations.js';
import { ensurePrivateFile, tightenIfExists } from './private-files.js';
import { LockedStorage, type StorageOps } from './storage-base.js';

const log = createDebug('status:client:storage');

type Db = BetterSqlite3.Database;
type Statement = BetterSqlite3.Statement;
type Row = Record<string, unknown>;

/** SQLite result codes (extended codes start with the primary name) → our codes. */
const SQLITE_CODES: readonly [string, StorageErrorCode][] = [
  ['SQLITE_BUSY', STORAGE_ERROR.BUSY],
  ['SQLITE_LOCKED', STORAGE_ERROR.LOCKED],
  ['SQLITE_FULL', STORAGE_ERROR.DISK_FULL],
  ['SQLITE_CORRUPT', STORAGE_ERROR.CORRUPT],
  ['SQLITE_NOTADB', STORAGE_ERROR.CORRUPT],
  ['SQLITE_CANTOPEN', STORAGE_ERROR.IO],
  ['SQLITE_READONLY', STORAGE_ERROR.IO],
  ['SQLITE_IOERR', STORAGE_ERROR.IO],
  ['SQLITE_PERM', STORAGE_ERROR.IO],
  ['SQLITE_CONSTRAINT', STORAGE_ERROR.CONSTRAINT],
];

/** Maps a better-sqlite3 error to a StorageError; passes StorageErrors through. */
export function toStorageError(err: unknown, context = ''): unknown {
  if (err instanceof StorageError) return err;
  if (err instanceof BetterSqlite3.SqliteError) {
    const hit = SQLITE_CODES.find(([prefix]) => err.code.startsWith(prefix));
    const where = context ? ` (${context})` : '';
    return new StorageError(hit ? hit[1] : STORAGE_ERROR.INTERNAL, `${err.code}: ${err.message}${where}`, { cause: err });
  }
  if (err instanceof Error && /database connection is not open/.test(err.message)) {
    return new StorageError(STORAGE_ERROR.CLOSED, 'storage is closed', { cause: err });
  }
  if (err instanceof TypeError && /Cannot open database/.test(err.message)) {
    return new StorageError(STORAGE_ERROR.IO, `${err.message}${context ? ` (${context})` : ''}`, { cause: err });
  }
  return err;
}

const num = (v: unknown): number => Number(v as bigint);
const big = (v: unknown): bigint => BigInt(v as bigint);
const bool = (v: unknown): boolean => Number(v as bigint) !== 0;
const str = (v: unknown): string => v as string;
const nstr = (v: unknown): string | null => (v === null ? null : (v as string));
const bytes = (v: unknown): Uint8Array => {
  const b = v as Buffer;
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};

function rowToMessage(r: Row): MessageRecord {
  return {
    id: str(r.id),
    chatId: str(r.chat_id),
    clock: big(r.clock),
    timestamp: num(r.timestamp),
    from: str(r.author),
    text: str(r.text),
    contentType: num(r.content_type),
    responseTo: nstr(r.response_to),
    content: nstr(r.content),
    outgoing: bool(r.outgoing),
    deliveryState: str(r.delivery_state) as DeliveryState,
    payload: r.payload === null ? null : bytes(r.payload),
    receivedAt: num(r.received_at),
  };
}
function rowToChat(r: Row): ChatRecord {
  return {
    id: str(r.id),
    type: str(r.type) as ChatType,
    name: str(r.name),
    joined: bool(r.joined),
    lastClock: big(r.last_clock),
    members: nstr(r.members),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}
function rowToContact(r: Row): ContactRecord {
  return {
    publicKey: str(r.public_key),
    name: nstr(r.name),
    added: bool(r.added),
    blocked: bool(r.blocked),
    lastUpdated: big(r.last_updated),
  };
}
function rowToInstallation(r: Row): InstallationRecord {
  return {
    identity: str(r.identity),
    installationId: str(r.installation_id),
    enabled: bool(r.enabled),
    lastSeen: num(r.last_seen),
    metadata: nstr(r.metadata),
  };
}
function rowToAccount(r: Row): AccountRecord {
  return { publicKey: str(r.public_key), name: str(r.name), createdAt: num(r.created_at) };
}

/** The smallest string above every string that starts with `prefix` (UTF-8 order), or undefined if there is none. */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = [...prefix];
  while (points.length > 0) {
    const last = (points.pop() as string).codePointAt(0) as number;
    let next = last + 1;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
    if (next <= 0x10ffff) return points.join('') + String.fromCodePoint(next);
  }
  return undefined;
}

const B = (v: boolean): number => (v ? 1 : 0);
const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

class SqliteOps implements StorageOps {
  private readonly s: Record<string, Statement>;

  constructor(private readonly db: Db) {
    const prep = (sql: string, safe = true): Statement => {
      const st = db.prepare(sql);
      return st.reader && safe ? st.safeIntegers(true) : st;
    };
    this.s = {
      putAccount: prep(`INSERT INTO accounts (public_key, name, created_at) VALUES (?, ?, ?)
        ON CONFLICT (public_key) DO UPDATE SET name = excluded.name, created_at = excluded.created_at`),
      getAccount: prep('SELECT * FROM accounts WHERE public_key = ?'),
      listAccounts: prep('SELECT * FROM accounts ORDER BY public_key'),
      getSetting: prep('SELECT value FROM settings WHERE key = ?'),
      putSetting: prep('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      deleteSetting: prep('DELETE FROM settings WHERE key = ?'),
      putChat: prep(`INSERT INTO chats (id, type, name, joined, last_clock, members, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET type = excluded.type, name = excluded.name, joined = excluded.joined,
        last_clock = excluded.last_clock, members = excluded.members, created_at = excluded.created_at, updated_at = excluded.updated_at`),
      getChat: prep('SELECT * FROM chats WHERE id = ?'),
      listChats: prep('SELECT * FROM chats ORDER BY id'),
      deleteChat: prep('DELETE FROM chats WHERE id = ?'),
      insertMessage: prep(`INSERT OR IGNORE INTO messages (id, chat_id, clock, timestamp, author, text, content_type, response_to, content,
        outgoing, delivery_state, payload, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      getMessage: prep('SELECT * FROM messages WHERE id = ?'),
      pageForwardFirst: prep('SELECT * FROM messages WHERE chat_id = ? ORDER BY clock, id LIMIT ?'),
      pageForward: prep('SELECT * FROM messages WHERE chat_id = ? AND (clock, id) > (?, ?) ORDER BY clock, id LIMIT ?'),
      pageBackwardLast: prep('SELECT * FROM messages WHERE chat_id = ? ORDER BY clock DESC, id DESC LIMIT ?'),
      pageBackward: prep('SELECT * FROM messages WHERE chat_id = ? AND (clock, id) < (?, ?) ORDER BY clock DESC, id DESC LIMIT ?'),
      countMessages: prep('SELECT count(*) AS n FROM messages WHERE chat_id = ?'),
      updateDeliveryState: prep('UPDATE messages SET delivery_state = ? WHERE id = ?'),
      deleteMessage: prep('DELETE FROM messages WHERE id = ?'),
      putContact: prep(`INSERT INTO contacts (public_key, name, added, blocked, last_updated) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (public_key) DO UPDATE SET name = excluded.name, added = excluded.added, blocked = excluded.blocked,
        last_updated = excluded.last_updated`),
      getContact: prep('SELECT * FROM contacts WHERE public_key = ?'),
      listContacts: prep('SELECT * FROM contacts ORDER BY public_key'),
      deleteContact: prep('DELETE FROM contacts WHERE public_key = ?'),
      putInstallation: prep(`INSERT INTO installations (identity, installation_id, enabled, last_seen, metadata) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (identity, installation_id) DO UPDATE SET enabled = excluded.enabled, last_seen = excluded.last_seen,
        metadata = excluded.metadata`),
      getInstallation: prep('SELECT * FROM installations WHERE identity = ? AND installation_id = ?'),
      listInstallations: prep('SELECT * FROM installations WHERE identity = ? ORDER BY installation_id'),
      deleteInstallation: prep('DELETE FROM installations WHERE identity = ? AND installation_id = ?'),
      kvGet: prep('SELECT value FROM kv WHERE ns = ? AND key = ?'),
      kvPut: prep('INSERT INTO kv (ns, key, value) VALUES (?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value'),
      kvDelete: prep('DELETE FROM kv WHERE ns = ? AND key = ?'),
      kvListAll: prep('SELECT key, value FROM kv WHERE ns = ? ORDER BY key'),
      kvListFrom: prep('SELECT key, value FROM kv WHERE ns = ? AND key >= ? ORDER BY key'),
      kvListRange: prep('SELECT key, value FROM kv WHERE ns = ? AND key >= ? AND key < ? ORDER BY key'),
      kvCountAll: prep('SELECT count(*) AS n FROM kv WHERE ns = ?'),
      kvCountFrom: prep('SELECT count(*) AS n FROM kv WHERE ns = ? AND key >= ?'),
      kvCountRange: prep('SELECT count(*) AS n FROM kv WHERE ns = ? AND key >= ? AND key < ?'),
      kvDeleteAll: prep('DELETE FROM kv WHERE ns = ?'),
      kvDeleteFrom: prep('DELETE FROM kv WHERE ns = ? AND key >= ?'),
      kvDeleteRange: prep('DELETE FROM kv WHERE ns = ? AND key >= ? AND key < ?'),
    };
  }

  putAccount(a: AccountRecord): void {
    this.s.putAccount.run(a.publicKey, a.name, a.createdAt);
  }
  getAccount(publicKey: string): AccountRecord | undefined {
    const r = this.s.getAccount.get(publicKey) as Row | undefined;
    return r ? rowToAccount(r) : undefined;
  }
  listAccounts(): AccountRecord[] {
    return (this.s.listAccounts.all() as Row[]).map(rowToAccount);
  }
  getSetting(key: string): string | undefined {
    const r = this.s.getSetting.get(key) as Row | undefined;
    return r ? str(r.value) : undefined;
  }
  putSetting(key: string, value: string): void {
    this.s.putSetting.run(key, value);
  }
  deleteSetting(key: string): boolean {
    return this.s.deleteSetting.run(key).changes > 0;
  }

  putChat(c: ChatRecord): void {
    this.s.putChat.run(c.id, c.type, c.name, B(c.joined), c.lastClock, c.members, c.createdAt, c.updatedAt);
  }
  getChat(id: string): ChatRecord | undefined {
    const r = this.s.getChat.get(id) as Row | undefined;
    return r ? rowToChat(r) : undefined;
  }
  listChats(): ChatRecord[] {
    return (this.s.listChats.all() as Row[]).map(rowToChat);
  }
  deleteChat(id: string): boolean {
    return this.s.deleteChat.run(id).changes > 0;
  }

  insertMessage(m: MessageRecord): boolean {
    const info = this.s.insertMessage.run(
      m.id, m.chatId, m.clock, m.timestamp, m.from, m.text, m.contentType, m.responseTo, m.content,
      B(m.outgoing), m.deliveryState, m.payload === null ? null : buf(m.payload), m.receivedAt,
    );
    return info.changes > 0;
  }
  getMessage(id: string): MessageRecord | undefined {
    const r = this.s.getMessage.get(id) as Row | undefined;
    return r ? rowToMessage(r) : undefined;
  }
  listMessages(chatId: string, limit: number, direction: 'forward' | 'backward', cursor: { clock: bigint; id: string } | undefined): MessageRecord[] {
    let rows: Row[];
    if (direction === 'forward') {
      rows = (cursor ? this.s.pageForward.all(chatId, cursor.clock, cursor.id, limit) : this.s.pageForwardFirst.all(chatId, limit)) as Row[];
    } else {
      rows = (cursor ? this.s.pageBackward.all(chatId, cursor.clock, cursor.id, limit) : this.s.pageBackwardLast.all(chatId, limit)) as Row[];
    }
    return rows.map(rowToMessage);
  }
  countMessages(chatId: string): number {
    return num((this.s.countMessages.get(chatId) as Row).n);
  }
  updateDeliveryState(id: string, state: DeliveryState): boolean {
    return this.s.updateDeliveryState.run(state, id).changes > 0;
  }
  deleteMessage(id: string): boolean {
    return this.s.deleteMessage.run(id).changes > 0;
  }

  putContact(c: ContactRecord): void {
    this.s.putContact.run(c.publicKey, c.name, B(c.added), B(c.blocked), c.lastUpdated);
  }
  getContact(publicKey: string): ContactRecord | undefined {
    const r = this.s.getContact.get(publicKey) as Row | undefined;
    return r ? rowToContact(r) : undefined;
  }
  listContacts(): ContactRecord[] {
    return (this.s.listContacts.all() as Row[]).map(rowToContact);
  }
  deleteContact(publicKey: string): boolean {
    return this.s.deleteContact.run(publicKey).changes > 0;
  }

  putInstallation(i: InstallationRecord): void {
    this.s.putInstallation.run(i.identity, i.installationId, B(i.enabled), i.lastSeen, i.metadata);
  }
  getInstallation(identity: string, installationId: string): InstallationRecord | undefined {
    const r = this.s.getInstallation.get(identity, installationId) as Row | undefined;
    return r ? rowToInstallation(r) : undefined;
  }
  listInstallations(identity: string): InstallationRecord[] {
    return (this.s.listInstallations.all(identity) as Row[]).map(rowToInstallation);
  }
  deleteInstallation(identity: string, installationId: string): boolean {
    return this.s.deleteInstallation.run(identity, installationId).changes > 0;
  }

  kvGet(ns: string, key: string): Uint8Array | undefined {
    const r = this.s.kvGet.get(ns, key) as Row | undefined;
    return r ? Uint8Array.from(bytes(r.value)) : undefined;
  }
  kvPut(ns: string, key: string, value: Uint8Array): void {
    this.s.kvPut.run(ns, key, buf(value));
  }
  kvDelete(ns: string, key: string): boolean {
    return this.s.kvDelete.run(ns, key).changes > 0;
  }
  /** Runs the all / from / range variant of a prefix query: keys with the prefix are exactly [prefix, upper bound). */
  private byPrefix(kind: 'kvList' | 'kvCount' | 'kvDelete', ns: string, prefix: string, method: 'all' | 'get' | 'run'): unknown {
    if (prefix === '') return this.s[`${kind}All`][method](ns);
    const upper = prefixUpperBound(prefix);
    return upper === undefined ? this.s[`${kind}From`][method](ns, prefix) : this.s[`${kind}Range`][method](ns, prefix, upper);
  }
  kvList(ns: string, prefix: string): KvEntry[] {
    const rows = this.byPrefix('kvList', ns, prefix, 'all') as Row[];
    return rows.map((r) => ({ key: str(r.key), value: Uint8Array.from(bytes(r.value)) }));
  }
  kvCount(ns: string, prefix: string): number {
    return num((this.byPrefix('kvCount', ns, prefix, 'get') as Row).n);
  }
  kvDeletePrefix(ns: string, prefix: string): number {
    return (this.byPrefix('kvDelete', ns, prefix, 'run') as BetterSqlite3.RunResult).changes;
  }

  inTransaction(): boolean {
    return this.db.inTransaction;
  }
  begin(): void {
    this.db.exec('BEGIN IMMEDIATE');
  }
  commit(): void {
    if (!this.db.inTransaction) {
      throw new StorageError(STORAGE_ERROR.INTERNAL, 'the transaction was rolled back by SQLite after an earlier error; nothing was written');
    }
    try {
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }
  rollback(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }
  savepoint(name: string): void {
    this.db.exec(`SAVEPOINT ${name}`);
  }
  release(name: string): void {
    this.db.exec(`RELEASE ${name}`);
  }
  rollbackTo(name: string): void {
    if (!this.db.inTransaction) return;
    this.db.exec(`ROLLBACK TO ${name}`);
    this.db.exec(`RELEASE ${name}`);
  }
  close(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.db.close();
  }
  mapError(err: unknown): unknown {
    return toStorageError(err);
  }
}

/**
 * How the file is encrypted when a key is given: SQLCipher 4's page format (SQLite3 Multiple
 * Ciphers' `sqlcipher` scheme, `legacy = 4`): AES-256-CBC per 4096-byte page with a random IV and
 * an HMAC-SHA512 tag per page, a random 16-byte salt in the first page, no plaintext header. The
 * key is raw (`PRAGMA key = "x'…'"`), so SQLCipher's own PBKDF2 (256,000 iterations) never runs:
 * the password's one slow KDF is the key store's scrypt. status-go encrypts its database with SQLCipher too.
 */
export const STORAGE_CIPHER = { cipher: 'sqlcipher', legacy: 4, pageSize: 4096, kdf: 'none (raw 32-byte key)', hmac: 'HMAC-SHA512' } as const;

/** Length of the raw key of an encrypted database. */
export const STORAGE_KEY_LENGTH = 32;

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
const isFilePath = (path: string): boolean => path !== '' && path !== ':memory:';

/** Keys a fresh connection: must run before anything reads the file. */
function applyKey(db: Db, key: Uint8Array): void {
  db.pragma(`cipher = '${STORAGE_CIPHER.cipher}'`);
  db.pragma(`legacy = ${STORAGE_CIPHER.legacy}`);
  db.pragma(`key = "x'${bytesToHex(key)}'"`);
}

/** True when `path` is a plain (unencrypted) SQLite file: its first 16 bytes are SQLite's magic. */
function isPlainDatabase(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(SQLITE_HEADER);
  } finally {
    closeSync(fd);
  }
}

function fsyncPath(path: string): void {
  try {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on a folder; the rename has happened all the same.
  }
}

/**
 * Encrypts a plain database in place, crash-safely: the plain file is brought to the current schema
 * and checkpointed; a new encrypted file beside it (0600) gets the same schema and every row, in one
 * transaction; then it is renamed over the plain file. A crash before the rename leaves the plain file
 * as it was (the next open starts over); after it, the encrypted one. The plain bytes may survive in
 * free blocks of the file system: see docs/client.md.
 */
function encryptPlainDatabase(path: string, key: Uint8Array, timeout: number): void {
  const tmp = `${path}.encrypting`;
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(tmp + suffix, { force: true });
  const plain = new BetterSqlite3(path, { timeout });
  try {
    plain.pragma('locking_mode = EXCLUSIVE');
    migrate(plain);
    plain.pragma('wal_checkpoint(TRUNCATE)');
    // Leaves WAL mode: the -wal file goes, and the plain file is self-contained.
    plain.pragma('journal_mode = DELETE');
  } finally {
    plain.close();
  }
  ensurePrivateFile(tmp);
  const enc = new BetterSqlite3(tmp, { timeout });
  let tables: string[];
  try {
    applyKey(enc, key);
    migrate(enc);
    enc.prepare("ATTACH DATABASE ? AS plain KEY ''").run(path);
    tables = enc
      .prepare("SELECT name FROM plain.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
      .pluck()
      .all() as string[];
    enc.transaction(() => {
      for (const t of tables) {
        const q = `"${t.replaceAll('"', '""')}"`;
        enc.exec(`DELETE FROM main.${q}; INSERT INTO main.${q} SELECT * FROM plain.${q}`);
      }
    }).immediate();
    enc.exec('DETACH DATABASE plain');
  } catch (err) {
    enc.close();
    rmSync(tmp, { force: true });
    throw err;
  }
  enc.close();
  fsyncPath(tmp);
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
  renameSync(tmp, path);
  fsyncPath(dirname(path));
  log('encrypted the plain database %s in place (%d tables)', path, tables.length);
}

/**
 * `ClientStorage` in one SQLite file per account (better-sqlite3, SQLite3 Multiple Ciphers build):
 * WAL journal, schema migrations by PRAGMA user_version, every multi-write in one transaction;
 * with `options.key`, the whole file (and its WAL) encrypted. The file and its -wal/-journal are 0600.
 */
export class SqliteStorage extends LockedStorage {
  readonly path: string;
  /** Whether the file is encrypted (opened with a key). */
  readonly encrypted: boolean;

  private constructor(ops: SqliteOps, path: string, encrypted: boolean) {
    super(ops);
    this.path = path;
    this.encrypted = encrypted;
  }

  /**
   * Opens (creating if needed) and migrates the database at `path`. With `options.key`: a new file
   * is created encrypted, a plain one is encrypted in place first (not when read-only: it is then
   * read as it is), and a key that does not open the file fails with WRONG_KEY.
   */
  static open(path: string, options: SqliteStorageOptions = {}): SqliteStorage {
    let db: Db | undefined;
    const readonly = options.readonly ?? false;
    const timeout = options.busyTimeoutMs ?? 5000;
    let key = options.key;
    try {
      if (key !== undefined && key.length !== STORAGE_KEY_LENGTH) {
        throw new StorageError(STORAGE_ERROR.INVALID_ARGUMENT, `the storage key must be ${STORAGE_KEY_LENGTH} bytes, got ${key.length}`);
      }
      if (key !== undefined && !isFilePath(path)) {
        throw new StorageError(STORAGE_ERROR.INVALID_ARGUMENT, `a key encrypts a database file; ${JSON.stringify(path)} is not one (SQLite cannot key an in-memory database)`);
      }
      if (isFilePath(path)) {
        // SQLite would create the file 0644 under umask 022 and give its -wal/-shm/-journal the same mode.
        if (readonly) {
          if (!existsSync(path)) throw new StorageError(STORAGE_ERROR.IO, `cannot open ${path}: no such file`);
        } else {
          ensurePrivateFile(path);
          for (const suffix of ['-wal', '-shm', '-journal']) tightenIfExists(path + suffix);
        }
        if (key !== undefined && isPlainDatabase(path)) {
          if (readonly) key = undefined;
          else encryptPlainDatabase(path, key, timeout);
        }
      }
      db = new BetterSqlite3(path, { readonly, timeout });
      if (key !== undefined) applyKey(db, key);
      if (options.exclusive ?? true) db.pragma('locking_mode = EXCLUSIVE');
      if (!options.readonly) {
        const mode = db.pragma('journal_mode = WAL', { simple: true });
        if (mode !== 'wal' && path !== ':memory:') log('journal mode is %s, not wal', mode);
        db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      }
      db.pragma('foreign_keys = ON');
      if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.floor(options.maxPageCount)}`);
      // A damaged file often opens fine and fails on first read: make it fail here, with a code.
      db.pragma('schema_version', { simple: true });
      if (!options.readonly) migrate(db);
      const storage = new SqliteStorage(new SqliteOps(db), path, key !== undefined);
      log('opened %s%s', path, key !== undefined ? ' (encrypted)' : '');
      return storage;
    } catch (err) {
      try {
        db?.close();
      } catch {
        // The open error is the one to report.
      }
      throw openError(err, path, key !== undefined);
    }
  }
}

function openError(err: unknown, path: string, keyed: boolean): unknown {
  if (err instanceof BetterSqlite3.SqliteError && err.code === 'SQLITE_NOTADB') {
    if (keyed) {
      return new StorageError(
        STORAGE_ERROR.WRONG_KEY,
        `the key does not open ${path}: it was encrypted under another key (another password or key store, e.g. an account recovered anew), or its first page is damaged`,
        { cause: err },
      );
    }
    return new StorageError(STORAGE_ERROR.CORRUPT, `${path} is not a database: damaged, or encrypted (open it with its key)`, { cause: err });
  }
  if (err instanceof StorageError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new StorageError(STORAGE_ERROR.IO, `cannot open ${path}: ${(err as Error).message}`, { cause: err });
  }
  return toStorageError(err, `opening ${path}`);
}
