// Mailserver archive benchmark: how fast a mailserver can write envelopes to its store and
// read them back the way it serves history (pages of 100 through cursors, newest first).
// The read rate is the baseline the node-level mailserver benchmark compares against.
//
// Each figure is printed beside a baseline measured in the same run on the same database:
// the driver doing the same work with one plain statement (no paging, no filters, no indexes).
//
//   npm run bench:mailserver -w @status-stack/whisper
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { RLP } from '@ethereumjs/rlp';
import {
  archiveRecordFromEnvelope,
  type ArchiveRecord,
  type EnvelopeArchive,
} from '../src/mailserver/index.js';
import { PostgresEnvelopeArchive } from '../src/archive-postgres.js';
import { SqliteEnvelopeArchive } from '../src/archive-sqlite.js';
import { startEmbeddedPostgres } from '../test/helpers/postgres.js';

const ENVELOPES = 10_000;
const DATA_BYTES = 1024;
const WRITE_BATCH = 100;
const PAGE = 100;
const BASE = 1_750_000_000;
const TOPICS = [Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd), Uint8Array.of(0x11, 0x22, 0x33, 0x44), Uint8Array.of(0x5c, 0x6e, 0x9a, 0x01)];
/** status-go v0.62.18 mailserver, server side, from ARCHITECTURE.md (550 envelopes in pages of 100). */
const STATUS_GO_SERVER_RATE = 3_800;

function makeRecords(): ArchiveRecord[] {
  const records: ArchiveRecord[] = [];
  for (let i = 0; i < ENVELOPES; i++) {
    const sent = BASE + Math.floor(i / 3); // ties on the second, like a busy network
    const envelope = RLP.encode([sent + 60, 60, TOPICS[i % TOPICS.length], randomBytes(DATA_BYTES), i]);
    records.push(archiveRecordFromEnvelope(envelope, sent));
  }
  return records;
}

async function timeIt(fn: () => Promise<number>): Promise<{ seconds: number; count: number }> {
  const start = process.hrtime.bigint();
  const count = await fn();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, count };
}

async function writeAll(archive: EnvelopeArchive, records: ArchiveRecord[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < records.length; i += WRITE_BATCH) n += await archive.putMany(records.slice(i, i + WRITE_BATCH));
  return n;
}

async function readAll(archive: EnvelopeArchive): Promise<number> {
  let cursor: Uint8Array | undefined;
  let n = 0;
  for (;;) {
    const page = await archive.query({ from: BASE, to: BASE + ENVELOPES, topics: TOPICS, limit: PAGE, cursor });
    n += page.envelopes.length;
    if (page.cursor.length === 0) return n;
    cursor = page.cursor;
  }
}

const rows: string[][] = [];
function report(store: string, what: string, ours: { seconds: number; count: number }, base: { seconds: number; count: number }, baseName: string) {
  if (ours.count !== ENVELOPES || base.count !== ENVELOPES) {
    throw new Error(`${store} ${what}: expected ${ENVELOPES} envelopes, got ${ours.count} (baseline ${base.count})`);
  }
  const rate = ours.count / ours.seconds;
  const baseRate = base.count / base.seconds;
  rows.push([store, what, `${Math.round(rate).toLocaleString('en-US')} env/s`, `${Math.round(baseRate).toLocaleString('en-US')} env/s (${baseName})`, `${(rate / baseRate).toFixed(2)}x`]);
}

async function benchSqlite(records: ArchiveRecord[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'status-stack-bench-sqlite-'));
  try {
    const archive = new SqliteEnvelopeArchive({ path: join(dir, 'archive.db') });
    const write = await timeIt(() => writeAll(archive, records));
    const read = await timeIt(() => readAll(archive));
    await archive.close();

    const raw = new Database(join(dir, 'raw.db'));
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.exec('CREATE TABLE raw (id BLOB, data BLOB)');
    const insert = raw.prepare('INSERT INTO raw (id, data) VALUES (?, ?)');
    const insertBatch = raw.transaction((batch: ArchiveRecord[]) => {
      for (const r of batch) insert.run(Buffer.from(r.hash), Buffer.from(r.envelope));
    });
    const rawWrite = await timeIt(async () => {
      for (let i = 0; i < records.length; i += WRITE_BATCH) insertBatch(records.slice(i, i + WRITE_BATCH));
      return records.length;
    });
    const rawRead = await timeIt(async () => raw.prepare('SELECT data FROM raw').all().length);
    raw.close();
    report('SQLite (file, WAL)', `write, batches of ${WRITE_BATCH}`, write, rawWrite, 'plain INSERTs, no index');
    report('SQLite (file, WAL)', `read, pages of ${PAGE} by cursor`, read, rawRead, 'one SELECT of all rows');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function benchPostgres(records: ArchiveRecord[]): Promise<void> {
  const server = await startEmbeddedPostgres({ durable: true });
  try {
    const archive = await PostgresEnvelopeArchive.open(server.connectionString);
    const write = await timeIt(() => writeAll(archive, records));
    const read = await timeIt(() => readAll(archive));
    await archive.close();

    const pool = new pg.Pool({ connectionString: server.connectionString });
    await pool.query('CREATE TABLE raw (id BYTEA, data BYTEA)');
    const rawWrite = await timeIt(async () => {
      for (let i = 0; i < records.length; i += WRITE_BATCH) {
        const batch = records.slice(i, i + WRITE_BATCH);
        await pool.query('INSERT INTO raw (id, data) SELECT * FROM unnest($1::bytea[], $2::bytea[])', [
          batch.map((r) => Buffer.from(r.hash)),
          batch.map((r) => Buffer.from(r.envelope)),
        ]);
      }
      return records.length;
    });
    const rawRead = await timeIt(async () => (await pool.query('SELECT data FROM raw')).rows.length);
    await pool.end();
    report('PostgreSQL (embedded, fsync on)', `write, batches of ${WRITE_BATCH}`, write, rawWrite, 'plain INSERTs, no index');
    report('PostgreSQL (embedded, fsync on)', `read, pages of ${PAGE} by cursor`, read, rawRead, 'one SELECT of all rows');
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`mailserver archive: ${ENVELOPES.toLocaleString('en-US')} envelopes with ${DATA_BYTES}-byte data on ${TOPICS.length} topics`);
  const records = makeRecords();
  await benchSqlite(records);
  await benchPostgres(records);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
  const reads = rows.filter((r) => r[1].startsWith('read'));
  for (const r of reads) {
    const rate = Number(r[2].replace(/[^0-9]/g, ''));
    console.log(`${r[0]} read vs status-go mailserver server side (${STATUS_GO_SERVER_RATE.toLocaleString('en-US')} env/s, ARCHITECTURE.md): ${(rate / STATUS_GO_SERVER_RATE).toFixed(2)}x`);
  }
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
