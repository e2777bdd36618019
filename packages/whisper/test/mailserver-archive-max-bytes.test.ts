// `ArchiveQuery.maxBytes`: a page stops once its envelopes go past a byte budget (the first always
// comes), with the cursor after the last one returned, so paging through byte-bounded pages gives
// exactly the unbounded history. Checked against both archives, SQLite and a real PostgreSQL, and
// against a model computed here.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RLP } from '@ethereumjs/rlp';
import { bytesToHex, hexToBytes } from '@status-stack/crypto';
import {
  ARCHIVE_ERROR_CODES,
  ArchiveError,
  archiveRecordFromEnvelope,
  type ArchivePage,
  type ArchiveQuery,
  type EnvelopeArchive,
} from '../src/mailserver/index.js';
import { PostgresEnvelopeArchive } from '../src/archive-postgres.js';
import { SqliteEnvelopeArchive } from '../src/archive-sqlite.js';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from './helpers/postgres.js';

const T1 = hexToBytes('0x11223344');
const T2 = hexToBytes('0xaabbccdd');
const BASE = 1_750_000_000;

/** 60 envelopes of sizes 50…~2000 bytes on two topics, one per second. */
function envelopes(): Uint8Array[] {
  return Array.from({ length: 60 }, (_, i) => {
    const data = new Uint8Array(40 + ((i * 397) % 1960)).fill(i);
    return RLP.encode([BASE + i + 60, 60, i % 2 === 0 ? T1 : T2, data, i + 1]);
  });
}

async function pages(archive: EnvelopeArchive, q: ArchiveQuery): Promise<ArchivePage[]> {
  const out: ArchivePage[] = [];
  let cursor: Uint8Array | undefined;
  for (let n = 0; n < 1000; n++) {
    const page = await archive.query({ ...q, cursor });
    out.push(page);
    if (page.cursor.length === 0) return out;
    cursor = page.cursor;
  }
  throw new Error('pagination did not terminate');
}

let server: EmbeddedPostgresServer | undefined;
let db = '';
let table = 0;
beforeAll(async () => {
  server = await startEmbeddedPostgres();
  db = await server.createDatabase('max_bytes');
});
afterAll(async () => {
  await server?.stop();
});

const kinds: Array<[string, () => Promise<EnvelopeArchive>]> = [
  ['SQLite', async () => new SqliteEnvelopeArchive()],
  ['PostgreSQL', async () => PostgresEnvelopeArchive.open({ connectionString: db, tableName: `max_bytes_${++table}` })],
];

for (const [name, create] of kinds) {
  describe(`ArchiveQuery.maxBytes: ${name}`, () => {
    let archive: EnvelopeArchive;
    const all = envelopes();
    afterEach(() => archive?.close());

    it.each([
      ['a bloom scan', { bloom: new Uint8Array(64).fill(0xff) }],
      ['one topic', { topics: [T1] }],
      ['two topics (merged)', { topics: [T1, T2] }],
    ] as Array<[string, Pick<ArchiveQuery, 'bloom' | 'topics'>]>)('%s: byte-bounded pages add up to the whole history, each within the budget', async (_what, filter) => {
      archive = await create();
      await archive.putMany(all.map((e) => archiveRecordFromEnvelope(e, BASE)));
      const base: ArchiveQuery = { from: BASE, to: BASE + 100, limit: 1000, ...filter };
      const [whole] = await pages(archive, base);
      const expected = filter.topics?.length === 1 ? all.filter((_, i) => i % 2 === 0) : all;
      expect(whole.envelopes).toHaveLength(expected.length);
      for (const maxBytes of [1, 1500, 5000]) {
        const got = await pages(archive, { ...base, maxBytes });
        expect(got.flatMap((p) => p.envelopes.map(bytesToHex))).toEqual(whole.envelopes.map(bytesToHex));
        for (const p of got) {
          const size = p.envelopes.reduce((n, e) => n + e.length, 0);
          // Model: as many as fit, and always at least one.
          expect(p.envelopes.length).toBeGreaterThanOrEqual(1);
          if (p.envelopes.length > 1) expect(size).toBeLessThanOrEqual(maxBytes);
        }
        // Each page but the last stopped because the next envelope would not fit.
        for (let k = 0; k + 1 < got.length; k++) {
          const size = got[k].envelopes.reduce((n, e) => n + e.length, 0);
          expect(size + got[k + 1].envelopes[0].length).toBeGreaterThan(maxBytes);
        }
        if (maxBytes === 1) expect(got).toHaveLength(expected.length);
      }
      // The envelope limit still applies alongside the byte budget.
      const limited = await archive.query({ ...base, limit: 3, maxBytes: 1_000_000 });
      expect(limited.envelopes).toHaveLength(3);
      expect(limited.cursor).toHaveLength(36);
    });

    it('rejects a maxBytes that is not a positive integer', async () => {
      archive = await create();
      for (const maxBytes of [0, -1, 1.5, Number.NaN]) {
        const err = await archive.query({ from: BASE, to: BASE + 1, limit: 10, bloom: new Uint8Array(64), maxBytes }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ArchiveError);
        expect((err as ArchiveError).code).toBe(ARCHIVE_ERROR_CODES.INVALID_LIMIT);
      }
    });
  });
}
