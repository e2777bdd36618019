// One contract for every EnvelopeArchive: SQLite (in memory and on disk) and PostgreSQL
// (a real server started by this file). Expected pages are computed here from first
// principles (sort by sent time then hash, both descending; cursor = sent BE ‖ hash), not by
// the code under test.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { RLP } from '@ethereumjs/rlp';
import { bytesToHex, compareBytes, concatBytes, equalBytes, hexToBytes, keccak256, uintToBytesBE } from '@status-stack/crypto';
import {
  ARCHIVE_ERROR_CODES,
  ARCHIVE_LIMITS,
  ArchiveError,
  archiveRecordFromEnvelope,
  decodeMailserverCursor,
  encodeMailserverCursor,
  mailserverDbKey,
  type ArchivePage,
  type ArchiveQuery,
  type ArchiveRecord,
  type EnvelopeArchive,
} from '../src/mailserver/index.js';
import { PostgresEnvelopeArchive } from '../src/archive-postgres.js';
import { SqliteEnvelopeArchive } from '../src/archive-sqlite.js';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from './helpers/postgres.js';

interface GethVector {
  name: string;
  ttl: number;
  expiry: number;
  topic: string;
  envelope_rlp: string;
  envelope_hash: string;
}
const gethVectors = (
  JSON.parse(
    readFileSync(new URL('../../../vectors/whisper-mailserver/whisper6-envelopes.geth-v1.9.7.json', import.meta.url), 'utf8'),
  ) as { vectors: GethVector[] }
).vectors;
const bloomVectors = (
  JSON.parse(readFileSync(new URL('../../../vectors/whisper-mailserver/whisper-v6.json', import.meta.url), 'utf8')) as {
    topic_to_bloom: {
      vectors: { topic: string; expected_bloom: string }[];
      computed_independently: { topic: string; bloom: string }[];
    };
  }
).topic_to_bloom;

// ---------------------------------------------------------------------------------------------
// Independent model

function makeEnvelope(sent: number, ttl: number, topic: Uint8Array, data: Uint8Array, nonce = 7): Uint8Array {
  return RLP.encode([sent + ttl, ttl, topic, data, nonce]);
}

function record(sent: number, topic: Uint8Array, seed: number, ttl = 60): ArchiveRecord {
  const data = new TextEncoder().encode(`envelope ${seed} at ${sent}`);
  const envelope = makeEnvelope(sent, ttl, topic, data, seed);
  return { envelope, hash: keccak256(envelope), topic, expiry: sent + ttl, ttl, archivedAt: 1_700_000_000 };
}

/** Whisper topic bloom, written out from the EIP-627 rule (byte assigned, as go-ethereum does). */
function modelBloom(topic: Uint8Array): Uint8Array {
  const b = new Uint8Array(64);
  for (let j = 0; j < 3; j++) {
    let idx = topic[j];
    if (topic[3] & (1 << j)) idx += 256;
    b[Math.floor(idx / 8)] = 1 << idx % 8;
  }
  return b;
}
function orBlooms(topics: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(64);
  for (const t of topics) modelBloom(t).forEach((v, i) => (out[i] |= v));
  return out;
}
function modelMatches(r: ArchiveRecord, q: ArchiveQuery): boolean {
  const sent = r.expiry - r.ttl;
  if (sent < q.from || sent > q.to) return false;
  if (q.topics !== undefined && q.topics.length > 0) return q.topics.some((t) => equalBytes(t, r.topic));
  const own = modelBloom(r.topic);
  return own.every((v, i) => (v & q.bloom![i]) === v);
}
function modelOrder(a: ArchiveRecord, b: ArchiveRecord): number {
  const sa = a.expiry - a.ttl;
  const sb = b.expiry - b.ttl;
  return sa !== sb ? sb - sa : compareBytes(b.hash, a.hash);
}
function modelCursor(r: ArchiveRecord): Uint8Array {
  return concatBytes(uintToBytesBE(r.expiry - r.ttl, 4), r.hash);
}
/** Every page of a query, following cursors until one comes back empty. */
async function allPages(archive: EnvelopeArchive, q: ArchiveQuery): Promise<ArchivePage[]> {
  const pages: ArchivePage[] = [];
  let cursor: Uint8Array | undefined;
  for (let i = 0; i < 10_000; i++) {
    const page = await archive.query({ ...q, cursor });
    pages.push(page);
    if (page.cursor.length === 0) return pages;
    cursor = page.cursor;
  }
  throw new Error('pagination did not terminate');
}
const hexes = (list: Uint8Array[]) => list.map((b) => bytesToHex(b));

const T1 = hexToBytes('0x11223344');
const T2 = hexToBytes('0xaabbccdd');
const T3 = hexToBytes('0x0000ff06');
const BASE = 1_750_000_000;

async function expectArchiveError(p: Promise<unknown>, code: string): Promise<ArchiveError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ArchiveError);
  expect((err as ArchiveError).code).toBe(code);
  return err as ArchiveError;
}

// ---------------------------------------------------------------------------------------------
// The contract

function archiveContract(name: string, create: () => Promise<EnvelopeArchive>): void {
  describe(`EnvelopeArchive contract: ${name}`, () => {
    const open: EnvelopeArchive[] = [];
    const fresh = async () => {
      const a = await create();
      open.push(a);
      return a;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((a) => a.close()));
    });

    it('stores, deduplicates by hash and counts', async () => {
      const a = await fresh();
      const r1 = record(BASE, T1, 1);
      const r2 = record(BASE + 1, T2, 2);
      expect(await a.count()).toBe(0);
      expect(await a.put(r1)).toBe(true);
      expect(await a.put(r1)).toBe(false);
      expect(await a.putMany([r1, r2, r2])).toBe(1);
      expect(await a.putMany([])).toBe(0);
      expect(await a.count()).toBe(2);
    });

    it('returns the exact bytes of real go-ethereum envelopes, selected by sent time = expiry - ttl', async () => {
      const a = await fresh();
      const records = gethVectors.map((v) => archiveRecordFromEnvelope(hexToBytes(v.envelope_rlp), 1));
      gethVectors.forEach((v, i) => {
        expect(bytesToHex(records[i].hash)).toBe(bytesToHex(hexToBytes(v.envelope_hash)));
        expect(records[i].expiry).toBe(v.expiry);
        expect(records[i].ttl).toBe(v.ttl);
      });
      expect(await a.putMany(records)).toBe(gethVectors.length);
      const sentTimes = gethVectors.map((v) => v.expiry - v.ttl);
      const lo = Math.min(...sentTimes);
      const hi = Math.max(...sentTimes);
      const page = await a.query({ from: lo, to: hi, topics: [hexToBytes('0xaabbccdd')], limit: 100 });
      const expected = [...records].sort(modelOrder).map((r) => r.envelope);
      expect(hexes(page.envelopes)).toEqual(hexes(expected));
      expect(page.cursor.length).toBe(0);
      // The range is on the sent time, not on expiry: a window ending before expiry still finds them.
      expect((await a.query({ from: lo, to: lo, topics: [T2], limit: 100 })).envelopes.length).toBe(
        sentTimes.filter((s) => s === lo).length,
      );
      expect((await a.query({ from: hi + 1, to: hi + 3600, topics: [T2], limit: 100 })).envelopes.length).toBe(0);
    });

    it('treats both ends of the range as inclusive', async () => {
      const a = await fresh();
      const rs = [BASE - 1, BASE, BASE + 5, BASE + 10, BASE + 11].map((s, i) => record(s, T1, i));
      await a.putMany(rs);
      const page = await a.query({ from: BASE, to: BASE + 10, topics: [T1], limit: 10 });
      expect(hexes(page.envelopes)).toEqual(hexes([rs[3], rs[2], rs[1]].map((r) => r.envelope)));
    });

    it('pages newest first through cursors, breaking ties by hash, with status-go cursors', async () => {
      const a = await fresh();
      // Many envelopes share a second: order within it must come from the hash.
      const rs: ArchiveRecord[] = [];
      for (let i = 0; i < 53; i++) rs.push(record(BASE + (i % 5), i % 2 === 0 ? T1 : T2, i));
      await a.putMany(rs);
      const q: ArchiveQuery = { from: BASE, to: BASE + 4, topics: [T1, T2], limit: 10 };
      const pages = await allPages(a, q);
      const expected = [...rs].sort(modelOrder);
      expect(pages.length).toBe(6);
      expect(hexes(pages.flatMap((p) => p.envelopes))).toEqual(hexes(expected.map((r) => r.envelope)));
      pages.forEach((p, i) => {
        const lastOfPage = expected[Math.min(i * 10 + 9, expected.length - 1)];
        expect(bytesToHex(p.lastEnvelopeHash)).toBe(bytesToHex(lastOfPage.hash));
        if (i < pages.length - 1) {
          expect(p.envelopes.length).toBe(10);
          expect(bytesToHex(p.cursor)).toBe(bytesToHex(modelCursor(lastOfPage)));
        } else {
          expect(p.envelopes.length).toBe(3);
          expect(p.cursor.length).toBe(0);
        }
      });
    });

    it('gives no cursor when the last page is exactly full', async () => {
      const a = await fresh();
      await a.putMany([0, 1, 2, 3].map((i) => record(BASE + i, T1, i)));
      const page = await a.query({ from: BASE, to: BASE + 3, topics: [T1], limit: 4 });
      expect(page.envelopes.length).toBe(4);
      expect(page.cursor.length).toBe(0);
    });

    it('accepts a whole 40-byte status-go DB key as cursor, like the 36-byte one', async () => {
      const a = await fresh();
      const rs = [0, 1, 2, 3, 4].map((i) => record(BASE + i, T1, i));
      await a.putMany(rs);
      const third = [...rs].sort(modelOrder)[2];
      const key = concatBytes(uintToBytesBE(third.expiry - third.ttl, 4), third.hash, third.topic);
      const q = { from: BASE, to: BASE + 10, topics: [T1], limit: 10 };
      const viaKey = await a.query({ ...q, cursor: key });
      const viaCursor = await a.query({ ...q, cursor: modelCursor(third) });
      expect(hexes(viaKey.envelopes)).toEqual(hexes([rs[1], rs[0]].map((r) => r.envelope)));
      expect(hexes(viaCursor.envelopes)).toEqual(hexes(viaKey.envelopes));
    });

    it('filters by topics and then ignores the bloom', async () => {
      const a = await fresh();
      const rs = [T1, T2, T3, T1, T2].map((t, i) => record(BASE + i, t, i));
      await a.putMany(rs);
      const page = await a.query({ from: BASE, to: BASE + 10, topics: [T2, T2], bloom: orBlooms([T1]), limit: 10 });
      expect(hexes(page.envelopes)).toEqual(hexes([rs[4], rs[1]].map((r) => r.envelope)));
    });

    it('pages through a query on many topics (more than are merged per topic) like the model', async () => {
      const a = await fresh();
      const topics = Array.from({ length: 100 }, (_, i) => uintToBytesBE(0x01000000 + i * 7919, 4));
      const rs = Array.from({ length: 150 }, (_, i) => record(BASE + (i % 40), topics[(i * 13) % 100], i));
      await a.putMany(rs);
      const asked = topics.slice(0, 90);
      const q: ArchiveQuery = { from: BASE + 3, to: BASE + 35, topics: asked, limit: 7 };
      const expected = rs.filter((r) => modelMatches(r, q)).sort(modelOrder);
      expect(expected.length).toBeGreaterThan(50);
      const pages = await allPages(a, q);
      expect(hexes(pages.flatMap((p) => p.envelopes))).toEqual(hexes(expected.map((r) => r.envelope)));
      expect(pages.length).toBe(Math.ceil(expected.length / 7));
    });

    it('filters by bloom (topic bloom contained in the requested one), per the go-ethereum bloom vectors', async () => {
      const a = await fresh();
      const topics = [
        ...bloomVectors.vectors.map((v) => hexToBytes(v.topic)),
        ...bloomVectors.computed_independently.map((v) => hexToBytes(v.topic)),
      ];
      const rs = topics.map((t, i) => record(BASE + i, t, i));
      await a.putMany(rs);
      const known = [
        ...bloomVectors.vectors.map((v) => ({ topic: v.topic, bloom: v.expected_bloom })),
        ...bloomVectors.computed_independently,
      ];
      for (const { topic, bloom } of known) {
        const page = await a.query({ from: BASE, to: BASE + 100, bloom: hexToBytes(bloom), limit: 100 });
        const expected = rs.filter((r) => modelMatches(r, { from: BASE, to: BASE + 100, bloom: hexToBytes(bloom), limit: 1 }));
        expect(expected.some((r) => bytesToHex(r.topic) === bytesToHex(hexToBytes(topic)))).toBe(true);
        expect(hexes(page.envelopes)).toEqual(hexes(expected.sort(modelOrder).map((r) => r.envelope)));
      }
      const all = await a.query({ from: BASE, to: BASE + 100, bloom: new Uint8Array(64).fill(0xff), limit: 100 });
      expect(all.envelopes.length).toBe(rs.length);
      const none = await a.query({ from: BASE, to: BASE + 100, bloom: new Uint8Array(64), limit: 100 });
      expect(none.envelopes.length).toBe(0);
    });

    it('reports an empty page with no cursor and a zero last hash', async () => {
      const a = await fresh();
      await a.put(record(BASE, T1, 1));
      const page = await a.query({ from: BASE + 1, to: BASE + 2, topics: [T1], limit: 5 });
      expect(page.envelopes).toEqual([]);
      expect(page.cursor.length).toBe(0);
      expect(bytesToHex(page.lastEnvelopeHash)).toBe(bytesToHex(new Uint8Array(32)));
    });

    it('covers the whole uint32 time range', async () => {
      const a = await fresh();
      const rs = [record(0, T1, 1), record(ARCHIVE_LIMITS.MAX_UINT32 - 60, T1, 2, 60)];
      await a.putMany(rs);
      const page = await a.query({ from: 0, to: ARCHIVE_LIMITS.MAX_UINT32, topics: [T1], limit: 1 });
      expect(hexes(page.envelopes)).toEqual([bytesToHex(rs[1].envelope)]);
      const rest = await a.query({ from: 0, to: ARCHIVE_LIMITS.MAX_UINT32, topics: [T1], limit: 1, cursor: page.cursor });
      expect(hexes(rest.envelopes)).toEqual([bytesToHex(rs[0].envelope)]);
      expect(rest.cursor.length).toBe(0);
    });

    it('prunes envelopes whose expiry is older than now - retention (30 days by default)', async () => {
      const a = await fresh();
      const day = 86_400;
      const now = BASE + 100 * day;
      const old = record(now - 40 * day, T1, 1, 60); // expired 40 days ago
      const recent = record(now - 10 * day, T1, 2, 60); // expired 10 days ago
      const live = record(now - 30, T1, 3, 60); // not expired
      await a.putMany([old, recent, live]);
      expect(await a.prune(now)).toBe(1);
      expect(await a.count()).toBe(2);
      expect(await a.prune(now, 5 * day)).toBe(1);
      const left = await a.query({ from: 0, to: now, topics: [T1], limit: 10 });
      expect(hexes(left.envelopes)).toEqual([bytesToHex(live.envelope)]);
      expect(await a.prune(now, 0)).toBe(0);
      await expectArchiveError(a.prune(-1), ARCHIVE_ERROR_CODES.INVALID_ARGUMENT);
      await expectArchiveError(a.prune(now, 1.5), ARCHIVE_ERROR_CODES.INVALID_ARGUMENT);
    });

    it('rejects absurd queries and records with typed errors, and stays consistent', async () => {
      const a = await fresh();
      const ok: ArchiveQuery = { from: BASE, to: BASE + 10, topics: [T1], limit: 10 };
      await a.put(record(BASE, T1, 1));
      const cases: [ArchiveQuery, string][] = [
        [{ ...ok, from: BASE + 11 }, ARCHIVE_ERROR_CODES.INVALID_RANGE],
        [{ ...ok, from: -1 }, ARCHIVE_ERROR_CODES.INVALID_RANGE],
        [{ ...ok, to: 2 ** 32 }, ARCHIVE_ERROR_CODES.INVALID_RANGE],
        [{ ...ok, to: Number.NaN }, ARCHIVE_ERROR_CODES.INVALID_RANGE],
        [{ ...ok, limit: 0 }, ARCHIVE_ERROR_CODES.INVALID_LIMIT],
        [{ ...ok, limit: ARCHIVE_LIMITS.MAX_QUERY_LIMIT + 1 }, ARCHIVE_ERROR_CODES.INVALID_LIMIT],
        [{ ...ok, limit: 2.5 }, ARCHIVE_ERROR_CODES.INVALID_LIMIT],
        [{ ...ok, cursor: new Uint8Array(35) }, ARCHIVE_ERROR_CODES.INVALID_CURSOR],
        [{ ...ok, cursor: new Uint8Array(41) }, ARCHIVE_ERROR_CODES.INVALID_CURSOR],
        [{ ...ok, topics: [new Uint8Array(3)] }, ARCHIVE_ERROR_CODES.INVALID_FILTER],
        [{ ...ok, topics: Array.from({ length: 1001 }, (_, i) => uintToBytesBE(i, 4)) }, ARCHIVE_ERROR_CODES.INVALID_FILTER],
        [{ ...ok, topics: undefined }, ARCHIVE_ERROR_CODES.INVALID_FILTER],
        [{ ...ok, topics: [], bloom: new Uint8Array(63) }, ARCHIVE_ERROR_CODES.INVALID_FILTER],
      ];
      for (const [q, code] of cases) await expectArchiveError(a.query(q), code);
      const good = record(BASE + 1, T1, 2);
      const badRecords: ArchiveRecord[] = [
        { ...good, ttl: good.expiry + 1 },
        { ...good, hash: good.hash.subarray(0, 31) },
        { ...good, topic: new Uint8Array(5) },
        { ...good, expiry: 2 ** 32 },
        { ...good, envelope: new Uint8Array(0) },
        { ...good, archivedAt: -5 },
      ];
      for (const bad of badRecords) await expectArchiveError(a.put(bad), ARCHIVE_ERROR_CODES.INVALID_RECORD);
      // One bad record rejects the whole batch before anything is written.
      await expectArchiveError(a.putMany([good, badRecords[0]]), ARCHIVE_ERROR_CODES.INVALID_RECORD);
      expect(await a.count()).toBe(1);
      expect((await a.query(ok)).envelopes.length).toBe(1);
    });

    it('rejects every call after close, and close is idempotent', async () => {
      const a = await create();
      await a.put(record(BASE, T1, 1));
      await a.close();
      await a.close();
      await expectArchiveError(a.count(), ARCHIVE_ERROR_CODES.CLOSED);
      await expectArchiveError(a.put(record(BASE, T1, 2)), ARCHIVE_ERROR_CODES.CLOSED);
      await expectArchiveError(a.query({ from: 0, to: 1, topics: [T1], limit: 1 }), ARCHIVE_ERROR_CODES.CLOSED);
      await expectArchiveError(a.prune(BASE), ARCHIVE_ERROR_CODES.CLOSED);
    });

    it('agrees with the model on random archives and queries, page by page', async () => {
      const a = await fresh();
      const topicPool = [T1, T2, T3, hexToBytes('0x01020304'), hexToBytes('0xf26e7779')];
      let generation = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ dt: fc.integer({ min: 0, max: 20 }), topic: fc.integer({ min: 0, max: 4 }) }), {
            minLength: 0,
            maxLength: 40,
          }),
          fc.record({
            from: fc.integer({ min: 0, max: 20 }),
            span: fc.integer({ min: 0, max: 20 }),
            limit: fc.integer({ min: 1, max: 12 }),
            topics: fc.subarray([0, 1, 2, 3, 4]),
            bloomOf: fc.subarray([0, 1, 2, 3, 4]),
          }),
          async (items, qs) => {
            generation++;
            const base = BASE + generation * 1000;
            const rs = items.map((it, i) => record(base + it.dt, topicPool[it.topic], generation * 100 + i));
            await a.putMany(rs);
            const q: ArchiveQuery = {
              from: base + qs.from,
              to: base + qs.from + qs.span,
              limit: qs.limit,
              ...(qs.topics.length > 0
                ? { topics: qs.topics.map((i) => topicPool[i]) }
                : { bloom: orBlooms(qs.bloomOf.map((i) => topicPool[i])) }),
            };
            const unique = new Map(rs.map((r) => [bytesToHex(r.hash), r]));
            const expected = [...unique.values()].filter((r) => modelMatches(r, q)).sort(modelOrder);
            const pages = await allPages(a, q);
            expect(hexes(pages.flatMap((p) => p.envelopes))).toEqual(hexes(expected.map((r) => r.envelope)));
            expect(pages.length).toBe(Math.max(1, Math.ceil(expected.length / qs.limit)));
          },
        ),
        { numRuns: 25, seed: 0x5eed },
      );
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Implementations

archiveContract('SQLite in memory', async () => new SqliteEnvelopeArchive());

const sqliteDirs: string[] = [];
afterAll(async () => {
  await Promise.all(sqliteDirs.map((d) => rm(d, { recursive: true, force: true })));
});
archiveContract('SQLite file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'status-stack-sqlite-'));
  sqliteDirs.push(dir);
  return new SqliteEnvelopeArchive({ path: join(dir, 'archive.db') });
});

let server: EmbeddedPostgresServer | undefined;
let contractDb = '';
let tableCounter = 0;
beforeAll(async () => {
  server = await startEmbeddedPostgres();
  contractDb = await server.createDatabase('contract');
});
afterAll(async () => {
  await server?.stop();
});
archiveContract('PostgreSQL', async () =>
  PostgresEnvelopeArchive.open({ connectionString: contractDb, tableName: `envelopes_${++tableCounter}` }),
);

// ---------------------------------------------------------------------------------------------
// Implementation specifics

describe('SqliteEnvelopeArchive', () => {
  it('keeps its data in WAL mode on disk across reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'status-stack-sqlite-'));
    sqliteDirs.push(dir);
    const path = join(dir, 'archive.db');
    const a = new SqliteEnvelopeArchive({ path });
    const r = record(BASE, T1, 1);
    await a.put(r);
    await a.close();
    const check = new Database(path, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('wal');
    check.close();
    const b = new SqliteEnvelopeArchive({ path });
    expect(await b.count()).toBe(1);
    expect(hexes((await b.query({ from: BASE, to: BASE, topics: [T1], limit: 1 })).envelopes)).toEqual([
      bytesToHex(r.envelope),
    ]);
    await b.close();
  });

  it('surfaces a database failure as ArchiveError DATABASE, not as an empty page', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'status-stack-sqlite-'));
    sqliteDirs.push(dir);
    const path = join(dir, 'archive.db');
    const a = new SqliteEnvelopeArchive({ path, tableName: 'envelopes' });
    await a.put(record(BASE, T1, 1));
    // Another process drops the table under the archive.
    const other = new Database(path);
    other.exec('DROP TABLE envelopes');
    other.close();
    const err = await expectArchiveError(a.query({ from: 0, to: BASE, topics: [T1], limit: 1 }), ARCHIVE_ERROR_CODES.DATABASE);
    expect(err.message).toMatch(/no such table/);
    await expectArchiveError(a.put(record(BASE, T1, 2)), ARCHIVE_ERROR_CODES.DATABASE);
    await a.close();
  });

  it('rejects a table name that is not a plain identifier', () => {
    expect(() => new SqliteEnvelopeArchive({ tableName: 'x; DROP TABLE y' })).toThrow(ArchiveError);
  });
});

describe('archive keys and cursors', () => {
  it('lays out the status-go DB key as sent ‖ hash ‖ topic and the cursor as its first 36 bytes', () => {
    const hash = keccak256(new Uint8Array([1, 2, 3]));
    const key = mailserverDbKey(0x01020304, hash, T2);
    expect(bytesToHex(key)).toBe(`01020304${bytesToHex(hash)}aabbccdd`);
    const cursor = encodeMailserverCursor(0x01020304, hash);
    expect(bytesToHex(cursor)).toBe(bytesToHex(key.subarray(0, 36)));
    expect(decodeMailserverCursor(cursor)).toEqual({ sent: 0x01020304, hash });
    expect(decodeMailserverCursor(key)).toEqual({ sent: 0x01020304, hash });
    expect(() => decodeMailserverCursor(new Uint8Array(20))).toThrow(ArchiveError);
    expect(() => encodeMailserverCursor(2 ** 32, hash)).toThrow(ArchiveError);
  });

  it('rejects malformed envelopes when making records', () => {
    const bad = [
      new Uint8Array([0x01]),
      RLP.encode([1, 2, T1, new Uint8Array(0)]),
      RLP.encode([1, 2, new Uint8Array(3), new Uint8Array(0), 0]),
      RLP.encode([2 ** 32, 2, T1, new Uint8Array(0), 0]),
      RLP.encode([5, 6, T1, new Uint8Array(0), 0]),
      RLP.encode([new Uint8Array([0, 5]), 2, T1, new Uint8Array(0), 0]),
      new Uint8Array([0xc5, 0x01]),
    ];
    for (const b of bad) {
      expect(() => archiveRecordFromEnvelope(b)).toThrow(ArchiveError);
    }
  });
});
