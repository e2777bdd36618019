// The operators' archive: PostgreSQL through a `pg` Pool. Same key layout as the SQLite
// archive and as status-go's own PostgreSQL mailserver (id = sent ‖ hash ‖ topic, bloom as
// bit(512)); the bloom is matched in SQL (`bloom & requested = bloom`), passed as a parameter.
import type { Pool, PoolClient, PoolConfig } from 'pg';
import createDebug from 'debug';
import {
  ARCHIVE_ERROR_CODES,
  ARCHIVE_LIMITS,
  ArchiveError,
  _bloomToBitString,
  _databaseError,
  _fromBuffer,
  _pageFromRows,
  _toBuffer,
  _topicBloom,
  _validatePrune,
  _validateRecord,
  normalizeArchiveQuery,
  type ArchivePage,
  type ArchiveQuery,
  type ArchiveRecord,
  type EnvelopeArchive,
} from './archive.js';

const log = createDebug('status:whisper:mailserver:postgres');

type PoolConstructor = new (config: PoolConfig, client: unknown) => Pool;

// `pg`'s pool and client classes, loaded separately rather than through `import pg from 'pg'`:
// the `pg` entry point cannot load when Node runs with the `import` export condition (as this
// repository's vitest workers do, via --conditions), because its CommonJS `require('pg-pool')`
// then receives the ES module wrapper instead of the class. The pool is the same class
// `pg.Pool` extends, given `pg`'s Client explicitly.
const PG_POOL_MODULE: string = 'pg-pool';
const PG_CLIENT_MODULE: string = 'pg/lib/client.js';
let driver: Promise<{ Pool: PoolConstructor; Client: unknown }> | undefined;
function loadDriver(): Promise<{ Pool: PoolConstructor; Client: unknown }> {
  driver ??= (async () => {
    const poolModule = (await import(PG_POOL_MODULE)) as { default: PoolConstructor };
    const clientModule = (await import(PG_CLIENT_MODULE)) as { default: unknown };
    return { Pool: poolModule.default, Client: clientModule.default };
  })();
  return driver;
}

export interface PostgresArchiveOptions {
  /** e.g. `postgres://user:password@host:5432/db`. */
  connectionString?: string;
  /** Any other `pg` Pool settings (host, port, user, password, database, ssl, max…). */
  pool?: PoolConfig;
  /** Table name (letters, digits, underscore); default `whisper_envelopes`. Created if missing. */
  tableName?: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** Rows per INSERT statement inside a batch transaction (7 parameters each, arrays via unnest). */
const INSERT_CHUNK = 1000;

type Row = { id: Buffer; data: Buffer };

export class PostgresEnvelopeArchive implements EnvelopeArchive {
  readonly tableName: string;
  private readonly pool: Pool;
  private closed = false;

  private constructor(pool: Pool, tableName: string) {
    this.pool = pool;
    this.tableName = tableName;
  }

  /**
   * Connects (a connection string, or options) and creates the table and indexes if missing.
   * Rejects with {@link ArchiveError} (code `DATABASE`) when the server cannot be reached.
   */
  static async open(options: string | PostgresArchiveOptions): Promise<PostgresEnvelopeArchive> {
    const opts: PostgresArchiveOptions = typeof options === 'string' ? { connectionString: options } : options;
    const tableName = opts.tableName ?? 'whisper_envelopes';
    if (!IDENTIFIER.test(tableName)) {
      throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_ARGUMENT, `invalid table name ${JSON.stringify(tableName)}`);
    }
    let pool: Pool;
    try {
      const { Pool: PoolClass, Client } = await loadDriver();
      pool = new PoolClass(
        {
          connectionTimeoutMillis: 10_000,
          // A server that stops answering surfaces as an error rather than a request that never ends.
          query_timeout: 30_000,
          ...opts.pool,
          ...(opts.connectionString !== undefined ? { connectionString: opts.connectionString } : {}),
        },
        Client,
      );
    } catch (err) {
      throw _databaseError('loading the PostgreSQL driver', err);
    }
    // An idle client whose server goes away emits 'error' on the pool; unhandled, it would crash
    // the process. The next query then fails and reports it.
    pool.on('error', (err) => log('idle connection failed: %s', err.message));
    // Every archive query wants the newest few rows along an index, then stops. Until the table
    // has statistics the planner prefers a bitmap scan plus a sort of every match instead,
    // 15x slower per page; it is never the right plan here. Queued before the first query.
    pool.on('connect', (client) => {
      client.query('SET enable_bitmapscan = off').catch((err: Error) => log('SET failed: %s', err.message));
    });
    const archive = new PostgresEnvelopeArchive(pool, tableName);
    try {
      await archive.createSchema();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw _databaseError('opening the PostgreSQL archive', err);
    }
    log('opened table %s', tableName);
    return archive;
  }

  private async createSchema(): Promise<void> {
    const t = this.tableName;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Serialises concurrent first starts: CREATE ... IF NOT EXISTS alone can race.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`status-stack:${t}`]);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${t} (
          id BYTEA PRIMARY KEY,
          topic BYTEA NOT NULL,
          bloom BIT(512) NOT NULL,
          expiry BIGINT NOT NULL,
          ttl BIGINT NOT NULL,
          archived_at BIGINT NOT NULL,
          data BYTEA NOT NULL
        )`);
      await client.query(`CREATE INDEX IF NOT EXISTS ${t}_topic_idx ON ${t} (topic, id)`);
      await client.query(`CREATE INDEX IF NOT EXISTS ${t}_expiry_idx ON ${t} (expiry)`);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new ArchiveError(ARCHIVE_ERROR_CODES.CLOSED, `PostgreSQL archive ${this.tableName} is closed`);
  }

  async put(record: ArchiveRecord): Promise<boolean> {
    return (await this.putMany([record])) === 1;
  }

  async putMany(records: readonly ArchiveRecord[]): Promise<number> {
    if (!Array.isArray(records)) {
      throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_ARGUMENT, 'putMany expects an array of records');
    }
    const keys = records.map(_validateRecord);
    this.checkOpen();
    if (records.length === 0) return 0;
    const sql = `
      INSERT INTO ${this.tableName} (id, topic, bloom, expiry, ttl, archived_at, data)
      SELECT id, topic, bloom::bit(512), expiry, ttl, archived_at, data
      FROM unnest($1::bytea[], $2::bytea[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bytea[])
        AS r(id, topic, bloom, expiry, ttl, archived_at, data)
      ON CONFLICT (id) DO NOTHING`;
    let client: PoolClient | undefined;
    let failure: Error | undefined;
    try {
      client = await this.pool.connect();
      await client.query('BEGIN');
      let added = 0;
      for (let start = 0; start < records.length; start += INSERT_CHUNK) {
        const chunk = records.slice(start, start + INSERT_CHUNK);
        const chunkKeys = keys.slice(start, start + INSERT_CHUNK);
        const result = await client.query(sql, [
          chunkKeys.map(_toBuffer),
          chunk.map((r) => _toBuffer(r.topic)),
          chunk.map((r) => _bloomToBitString(_topicBloom(r.topic))),
          chunk.map((r) => r.expiry),
          chunk.map((r) => r.ttl),
          chunk.map((r) => r.archivedAt),
          chunk.map((r) => _toBuffer(r.envelope)),
        ]);
        added += result.rowCount ?? 0;
      }
      await client.query('COMMIT');
      return added;
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
      await client?.query('ROLLBACK').catch(() => undefined);
      throw _databaseError('archiving envelopes', err);
    } finally {
      // A client that failed mid-transaction is discarded rather than reused.
      client?.release(failure);
    }
  }

  async query(query: ArchiveQuery): Promise<ArchivePage> {
    const q = normalizeArchiveQuery(query);
    this.checkOpen();
    const t = this.tableName;
    const params: unknown[] = [_toBuffer(q.lowerKey), _toBuffer(q.upperKey)];
    let range = 'id >= $1 AND id <= $2';
    if (q.cursor !== undefined) {
      params.push(_toBuffer(q.cursor));
      range += ` AND id < $${params.length}`;
    }
    params.push(q.limit + 1);
    const limit = `$${params.length}`;
    // The ids of the page (and one more), newest first.
    let picked: string;
    let scan: string | undefined;
    if (q.topics !== undefined) {
      // The newest keys of each topic from the (topic, id) index, merged: per page the work is
      // bounded by topics × page size, for rare and common topics alike.
      params.push(q.topics.map(_toBuffer));
      picked = `
          SELECT s.id FROM unnest($${params.length}::bytea[]) AS u(topic)
          CROSS JOIN LATERAL (
            SELECT id FROM ${t} WHERE topic = u.topic AND ${range} ORDER BY id DESC LIMIT ${limit}
          ) s
          ORDER BY s.id DESC LIMIT ${limit}`;
    } else {
      // Walks the primary key downwards from the cursor, as status-go's PostgreSQL mailserver does.
      params.push(_bloomToBitString(q.bloom ?? new Uint8Array(ARCHIVE_LIMITS.BLOOM_LENGTH)));
      const where = `${range} AND (bloom & $${params.length}::bit(512)) = bloom ORDER BY id DESC LIMIT ${limit}`;
      picked = `SELECT id FROM ${t} WHERE ${where}`;
      scan = `SELECT id, data FROM ${t} WHERE ${where}`;
    }
    let sql: string;
    if (q.maxBytes === undefined) {
      sql = scan ?? `SELECT e.id, e.data FROM ${t} e WHERE e.id IN (${picked}) ORDER BY e.id DESC`;
    } else {
      // Only the envelopes up to the first that goes past maxBytes (and at least two) are read:
      // octet_length of a bytea reads its stored size, not the value.
      params.push(q.maxBytes);
      sql = `
        WITH w AS (
          SELECT p.id,
                 row_number() OVER (ORDER BY p.id DESC) AS rn,
                 coalesce(sum(octet_length(x.data)) OVER (ORDER BY p.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
          FROM (${picked}) p JOIN ${t} x ON x.id = p.id
        )
        SELECT e.id, e.data FROM w JOIN ${t} e ON e.id = w.id
        WHERE w.rn <= 2 OR w.before <= $${params.length}
        ORDER BY e.id DESC`;
    }
    try {
      const result = await this.pool.query<Row>(sql, params);
      return _pageFromRows(
        result.rows.map((r) => ({ id: _fromBuffer(r.id), data: _fromBuffer(r.data) })),
        q.limit,
        q.maxBytes,
      );
    } catch (err) {
      throw _databaseError('querying the archive', err);
    }
  }

  async prune(now: number, retentionSeconds: number = ARCHIVE_LIMITS.DEFAULT_RETENTION_SECONDS): Promise<number> {
    const threshold = _validatePrune(now, retentionSeconds);
    this.checkOpen();
    try {
      const result = await this.pool.query(`DELETE FROM ${this.tableName} WHERE expiry < $1`, [threshold]);
      const removed = result.rowCount ?? 0;
      log('pruned %d envelopes that expired before %d', removed, threshold);
      return removed;
    } catch (err) {
      throw _databaseError('pruning the archive', err);
    }
  }

  async count(): Promise<number> {
    this.checkOpen();
    try {
      const result = await this.pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${this.tableName}`);
      return Number(result.rows[0]?.n ?? 0);
    } catch (err) {
      throw _databaseError('counting the archive', err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.pool.end();
    } catch (err) {
      throw _databaseError('closing the archive', err);
    }
    log('closed table %s', this.tableName);
  }
}
