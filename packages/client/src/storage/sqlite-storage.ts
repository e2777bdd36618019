import BetterSqlite3 from 'better-sqlite3';
import createDebug from 'debug';
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
 * `ClientStorage` in one SQLite file per account (better-sqlite3): WAL journal, schema
 * migrations by PRAGMA user_version, every multi-write in one transaction.
 */
export class SqliteStorage extends LockedStorage {
  readonly path: string;

  private constructor(ops: SqliteOps, path: string) {
    super(ops);
    this.path = path;
  }

  /** Opens (creating if needed) and migrates the database at `path`. */
  static open(path: string, options: SqliteStorageOptions = {}): SqliteStorage {
    let db: Db | undefined;
    try {
      db = new BetterSqlite3(path, { readonly: options.readonly ?? false, timeout: options.busyTimeoutMs ?? 5000 });
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
      const storage = new SqliteStorage(new SqliteOps(db), path);
      log('opened %s', path);
      return storage;
    } catch (err) {
      try {
        db?.close();
      } catch {
        // The open error is the one to report.
      }
      throw toStorageError(err, `opening ${path}`);
    }
  }
}
