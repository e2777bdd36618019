// A PostgreSQL archive whose server goes away must report it (ArchiveError DATABASE), never
// answer with an empty history. The server here is stopped while a query is blocked inside it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RLP } from '@ethereumjs/rlp';
import type { Client as PgClient, ClientConfig } from 'pg';
import { hexToBytes } from '@status-stack/crypto';
import { ARCHIVE_ERROR_CODES, ArchiveError, archiveRecordFromEnvelope } from '../src/mailserver/index.js';
import { PostgresEnvelopeArchive } from '../src/archive-postgres.js';
import { freePort, startEmbeddedPostgres, type EmbeddedPostgresServer } from './helpers/postgres.js';

// pg's Client class directly: the `pg` entry point cannot load in these vitest workers (see helpers/postgres.ts).
const PG_CLIENT_MODULE: string = 'pg/lib/client.js';
async function adminClient(connectionString: string): Promise<PgClient> {
  const { default: Client } = (await import(PG_CLIENT_MODULE)) as { default: new (c: ClientConfig) => PgClient };
  const client = new Client({ connectionString });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

const TOPIC = hexToBytes('0x5a5a5a5a');
const records = Array.from({ length: 20 }, (_, i) =>
  archiveRecordFromEnvelope(RLP.encode([1_750_000_060 + i, 60, TOPIC, new Uint8Array([i]), i]), 1_750_000_000),
);
const QUERY = { from: 1_750_000_000, to: 1_750_000_100, topics: [TOPIC], limit: 5 };

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (value) => ({ resolvedWith: value }),
    (err: unknown) => err,
  );
}

describe('PostgresEnvelopeArchive when the database fails', () => {
  let server: EmbeddedPostgresServer | undefined;
  beforeAll(async () => {
    server = await startEmbeddedPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('rejects open() with ArchiveError DATABASE when no server listens', async () => {
    const port = await freePort();
    const err = await rejection(
      PostgresEnvelopeArchive.open({ connectionString: `postgres://postgres:x@127.0.0.1:${port}/postgres` }),
    );
    expect(err).toBeInstanceOf(ArchiveError);
    expect((err as ArchiveError).code).toBe(ARCHIVE_ERROR_CODES.DATABASE);
    expect((err as ArchiveError).message).toMatch(/ECONNREFUSED/);
  });

  it('fails a query whose server connection dies mid-request, and every call after the server stops, with ArchiveError DATABASE', async () => {
    const s = server!;
    const archive = await PostgresEnvelopeArchive.open({ connectionString: s.connectionString, tableName: 'doomed' });
    expect(await archive.putMany(records)).toBe(records.length);
    expect((await archive.query(QUERY)).envelopes.length).toBe(5);

    // Hold the table so the archive's next query blocks inside the server.
    const admin = await adminClient(s.connectionString);
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE doomed IN ACCESS EXCLUSIVE MODE');
    const pending = rejection(archive.query(QUERY));
    for (let i = 0; ; i++) {
      const waiting = await admin.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid() AND query LIKE '%FROM doomed%'",
      );
      if ((waiting.rows[0] as { n: number }).n === 1) break;
      if (i > 3000) throw new Error('the archive query never reached the server');
      await new Promise((r) => setTimeout(r, 10));
    }

    // The server side of the blocked query goes away first (stopping the whole server races: the
    // lock holder may die first and let the query finish), then the server itself.
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid() AND query LIKE '%FROM doomed%'",
    );
    const err = await pending;
    expect(err).toBeInstanceOf(ArchiveError);
    expect((err as ArchiveError).code).toBe(ARCHIVE_ERROR_CODES.DATABASE);
    await s.stop();
    for (const call of [archive.query(QUERY), archive.count(), archive.putMany(records.slice(0, 2)), archive.prune(2_000_000_000)]) {
      const later = await rejection(call);
      expect(later).toBeInstanceOf(ArchiveError);
      expect((later as ArchiveError).code).toBe(ARCHIVE_ERROR_CODES.DATABASE);
    }
    await archive.close();
    await admin.end().catch(() => undefined);
  });
});
