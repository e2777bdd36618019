import { STORAGE_ERROR, StorageError } from '../errors.js';

/** What a migration needs of a connection: better-sqlite3 and its multiple-ciphers build both fit. */
export interface Database {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  exec(source: string): unknown;
  transaction(fn: () => void): { immediate(): void };
}

/** One schema step; `version` is the PRAGMA user_version after it. */
export interface Migration {
  version: number;
  sql: string;
}

/** The schema, step by step. Never edit a released step: append a new one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE accounts (
        public_key TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      CREATE TABLE chats (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL CHECK (type IN ('public', 'one-to-one', 'private-group')),
        name TEXT NOT NULL,
        joined INTEGER NOT NULL,
        last_clock INTEGER NOT NULL,
        members TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        chat_id TEXT NOT NULL,
        clock INTEGER NOT NULL,
        timestamp INTEGER NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        content_type INTEGER NOT NULL,
        response_to TEXT,
        content TEXT,
        outgoing INTEGER NOT NULL,
        delivery_state TEXT NOT NULL,
        payload BLOB,
        received_at INTEGER NOT NULL
      );
      CREATE INDEX messages_by_chat_order ON messages (chat_id, clock, id);
      CREATE TABLE contacts (
        public_key TEXT PRIMARY KEY,
        name TEXT,
        added INTEGER NOT NULL,
        blocked INTEGER NOT NULL,
        last_updated INTEGER NOT NULL
      );
      CREATE TABLE installations (
        identity TEXT NOT NULL,
        installation_id TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        metadata TEXT,
        PRIMARY KEY (identity, installation_id)
      );
      CREATE TABLE kv (
        ns TEXT NOT NULL,
        key TEXT NOT NULL,
        value BLOB NOT NULL,
        PRIMARY KEY (ns, key)
      ) WITHOUT ROWID;
    `,
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database to the last step of `migrations`, each step in its own transaction
 * together with its user_version bump, so a crash mid-migration leaves the previous version.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = userVersion(db);
  const latest = migrations.length ? migrations[migrations.length - 1].version : 0;
  if (current > latest) {
    throw new StorageError(STORAGE_ERROR.UNSUPPORTED_VERSION, `database schema version ${current} is newer than this code knows (${latest})`);
  }
  for (const step of migrations) {
    if (step.version <= current) continue;
    db.transaction(() => {
      db.exec(step.sql);
      db.pragma(`user_version = ${step.version}`);
    }).immediate();
  }
  return userVersion(db);
}
