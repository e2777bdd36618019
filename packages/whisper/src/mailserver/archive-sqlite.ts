// The embedded archive: SQLite through better-sqlite3 (synchronous; calls are short and
// indexed). One table keyed by the status-go DB key, so `ORDER BY id DESC` is newest first
// with the hash as tie-break, and a cursor is an exclusive upper bound on the key.
import { closeSync, fchmodSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import createDebug from 'debug';
import {
  ARCHIVE_ERROR_CODES,
  ARCHIVE_LIMITS,
  ArchiveError,
  _collectRows,
  _databaseError,
  _fromBuffer,
  _pageFromRows,
  _toBuffer,
  _topicMatchesBloom,
  _validatePrune,
  _validateRecord,
  normalizeArchiveQuery,
  type ArchivePage,
  type ArchiveQuery,
  type ArchiveRecord,
  type EnvelopeArchive,
  type NormalizedArchiveQuery,
} from './archive.js';

const log = createDebug('status:whisper:mailserver:sqlite');

export interface SqliteArchiveOptions {
  /** A file path, or `':memory:'` (the default). */
  path?: string;
  /** Table name (letters, digits, underscore); default `whisper_envelopes`. */
  tableName?: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const BLOOM_FUNCTION = 'whisper_topic_in_bloom';
/** Up to this many topics a query merges per-topic index reads; beyond, it scans by time. */
const MERGE_TOPICS_MAX = 64;

type Row = { id: Buffer; data: Buffer };

export class SqliteEnvelopeArchive implements EnvelopeArchive {
  readonly path: string;
  readonly tableName: string;
  private db: Database.Database | undefined;
  private readonly insert: Database.Statement;
  private readonly insertMany: (records: readonly { key: Uint8Array; record: ArchiveRecord }[]) => number;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(options: SqliteArchiveOptions = {}) {
    this.path = options.path ?? ':memory:';
    this.tableName = options.tableName ?? 'whisper_envelopes';
    if (!IDENTIFIER.test(this.tableName)) {
      throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_ARGUMENT, `invalid table name ${JSON.stringify(this.tableName)}`);
    }
    const t = this.tableName;
    try {
      // 0600 before SQLite opens it (it would be 0644 under umask 022; its -wal and -shm take its mode).
      if (this.path !== ':memory:' && this.path !== '') {
        const fd = openSync(this.path, 'a', 0o600);
        try {
          fchmodSync(fd, 0o600);
        } finally {
          closeSync(fd);
        }
      }
      const db = new Database(this.path);
      this.db = db;
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // id = sent (4, BE) ‖ hash (32) ‖ topic (4): its unique index is the (timestamp, hash)
      // index. A rowid table, not WITHOUT ROWID: envelopes of ~1 KB are too large to sit in
      // a key b-tree efficiently (SQLite's guidance), reading them back was 10x slower.
      db.exec(`
        CREATE TABLE IF NOT EXISTS ${t} (
          seq INTEGER PRIMARY KEY,
          id BLOB NOT NULL UNIQUE,
          topic BLOB NOT NULL,
          expiry INTEGER NOT NULL,
          ttl INTEGER NOT NULL,
          archived_at INTEGER NOT NULL,
          data BLOB NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ${t}_topic_idx ON ${t} (topic, id);
        CREATE INDEX IF NOT EXISTS ${t}_expiry_idx ON ${t} (expiry);
      `);
      db.function(BLOOM_FUNCTION, { deterministic: true }, (topic: unknown, bloom: unknown) =>
        topic instanceof Uint8Array && bloom instanceof Uint8Array && _topicMatchesBloom(topic, bloom) ? 1 : 0,
      );
      this.insert = db.prepare(
        `INSERT OR IGNORE INTO ${t} (id, topic, expiry, ttl, archived_at, data) VALUES (?, ?, ?, ?, ?, ?)`,
      );
      const insert = this.insert;
      this.insertMany = db.transaction((items: readonly { key: Uint8Array; record: ArchiveRecord }[]) => {
        let added = 0;
        for (const { key, record } of items) {
          added += insert.run(
            _toBuffer(key),
            _toBuffer(record.topic),
            record.expiry,
            record.ttl,
            record.archivedAt,
            _toBuffer(record.envelope),
          ).changes;
        }
        return added;
      });
    } catch (err) {
      this.db?.close();
      this.db = undefined;
      throw _databaseError(`opening SQLite archive ${this.path}`, err);
    }
    log('opened %s', this.path);
  }

  private open(): Database.Database {
    if (this.db === undefined || !this.db.open) {
      throw new ArchiveError(ARCHIVE_ERROR_CODES.CLOSED, `SQLite archive ${this.path} is closed`);
    }
    return this.db;
  }

  async put(record: ArchiveRecord): Promise<boolean> {
    return (await this.putMany([record])) === 1;
  }

  async putMany(records: readonly ArchiveRecord[]): Promise<number> {
    if (!Array.isArray(records)) {
      throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_ARGUMENT, 'putMany expects an array of records');
    }
    const items = records.map((record) => ({ key: _validateRecord(record), record }));
    this.open();
    try {
      return this.insertMany(items);
    } catch (err) {
      throw _databaseError('archiving envelopes', err);
    }
  }

  async query(query: ArchiveQuery): Promise<ArchivePage> {
    const q = normalizeArchiveQuery(query);
    const db = this.open();
    try {
      const rows =
        q.topics !== undefined && q.topics.length > 1 && q.topics.length <= MERGE_TOPICS_MAX
          ? this.queryTopicsMerged(db, q)
          : this.queryScan(db, q);
      return _pageFromRows(
        rows.map((r) => ({ id: _fromBuffer(r.id), data: _fromBuffer(r.data) })),
        q.limit,
        q.maxBytes,
      );
    } catch (err) {
      throw _databaseError('querying the archive', err);
    }
  }

  private statement(db: Database.Database, sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      stmt = db.prepare(sql);
      if (this.statements.size < 256) this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private rangeWhere(q: NormalizedArchiveQuery, params: unknown[]): string {
    params.push(_toBuffer(q.lowerKey), _toBuffer(q.upperKey));
    if (q.cursor === undefined) return 'id >= ? AND id <= ?';
    params.push(_toBuffer(q.cursor));
    return 'id >= ? AND id <= ? AND id < ?';
  }

  /**
   * Walks the id index downwards from the cursor, filtering: each row is read once over a
   * whole pagination (what status-go's LevelDB iterator does). Used for a bloom, one topic
   * (then the (topic, id) index gives the order directly) and very long topic lists.
   */
  private queryScan(db: Database.Database, q: NormalizedArchiveQuery): Row[] {
    const params: unknown[] = [];
    let where = this.rangeWhere(q, params);
    if (q.topics !== undefined && q.topics.length === 1) {
      where += ' AND topic = ?';
      params.push(_toBuffer(q.topics[0]));
    } else if (q.topics !== undefined) {
      // `+topic`: stay on the id index; the topic index would need a sort of every match.
      where += ` AND +topic IN (${q.topics.map(() => '?').join(', ')})`;
      params.push(...q.topics.map(_toBuffer));
    } else if (q.bloom !== undefined) {
      where += ` AND ${BLOOM_FUNCTION}(topic, ?) = 1`;
      params.push(_toBuffer(q.bloom));
    }
    params.push(q.limit + 1);
    const sql = `SELECT id, data FROM ${this.tableName} WHERE ${where} ORDER BY id DESC LIMIT ?`;
    return _collectRows(this.statement(db, sql).iterate(...params) as IterableIterator<Row>, q.limit, q.maxBytes);
  }

  /**
   * Several topics: the newest `limit + 1` keys of each topic from the (topic, id) index
   * (index only), merged, then the envelopes of the winners. Cost per page is bounded by
   * topics × page size whether the topics are rare or common.
   */
  private queryTopicsMerged(db: Database.Database, q: NormalizedArchiveQuery): Row[] {
    const want = q.limit + 1;
    const ids: Buffer[] = [];
    for (const topic of q.topics ?? []) {
      const params: unknown[] = [_toBuffer(topic)];
      const where = this.rangeWhere(q, params);
      params.push(want);
      const sql = `SELECT id FROM ${this.tableName} WHERE topic = ? AND ${where} ORDER BY id DESC LIMIT ?`;
      for (const row of this.statement(db, sql).all(...params) as { id: Buffer }[]) ids.push(row.id);
    }
    ids.sort((a, b) => Buffer.compare(b, a));
    const winners = ids.slice(0, want);
    if (winners.length === 0) return [];
    const sql = `SELECT id, data FROM ${this.tableName} WHERE id IN (${winners.map(() => '?').join(', ')}) ORDER BY id DESC`;
    return _collectRows(this.statement(db, sql).iterate(...winners) as IterableIterator<Row>, q.limit, q.maxBytes);
  }

  async prune(now: number, retentionSeconds: number = ARCHIVE_LIMITS.DEFAULT_RETENTION_SECONDS): Promise<number> {
    const threshold = _validatePrune(now, retentionSeconds);
    const db = this.open();
    try {
      const removed = db.prepare(`DELETE FROM ${this.tableName} WHERE expiry < ?`).run(threshold).changes;
      log('pruned %d envelopes that expired before %d', removed, threshold);
      return removed;
    } catch (err) {
      throw _databaseError('pruning the archive', err);
    }
  }

  async count(): Promise<number> {
    const db = this.open();
    try {
      const row = db.prepare(`SELECT count(*) AS n FROM ${this.tableName}`).get() as { n: number };
      return row.n;
    } catch (err) {
      throw _databaseError('counting the archive', err);
    }
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    this.statements.clear();
    if (db !== undefined && db.open) {
      try {
        db.close();
      } catch (err) {
        throw _databaseError('closing the archive', err);
      }
      log('closed %s', this.path);
    }
  }
}
