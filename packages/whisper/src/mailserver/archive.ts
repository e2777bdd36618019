// The query rules and key layout both mailserver archives share. The port itself (EnvelopeArchive,
// what a mailserver needs from the store that keeps every envelope it has seen) is in types.ts.
//
// Keys and cursors follow status-go v0.62.18 (`mailserver/db_key.go`) so cursors are
// interchangeable with its mailservers:
//   DB key  = sent (4 bytes, big-endian Unix seconds) ‖ envelope hash (32) ‖ topic (4)
//   cursor  = the first 36 bytes of the key (sent ‖ hash) of the last envelope returned;
//             status-go drops the topic "for backward compatibility".
// `sent` is expiry − ttl, the time the envelope was posted, which is what history requests
// select on. Sorting keys bytewise therefore sorts by (sent, hash), and the next page is
// everything strictly below the cursor.
import { bytesToHex, keccak256 } from '@status-stack/crypto';
import { bloomMatch, topicToBloom } from '../bloom.js';
import { decodeEnvelope } from '../envelope.js';
import { ARCHIVE_ERROR_CODES, ArchiveError, WhisperError } from '../errors.js';
import type { ArchivePage, ArchiveQuery, ArchiveRecord } from '../types.js';

export { ARCHIVE_ERROR_CODES, ArchiveError, type ArchiveErrorCode } from '../errors.js';
export type { ArchivePage, ArchiveQuery, ArchiveRecord, EnvelopeArchive } from '../types.js';

export const ARCHIVE_LIMITS = {
  /** status-go `MaxLimitInMessagesRequest` / `maxMessagesRequestPayloadLimit`. */
  MAX_QUERY_LIMIT: 1000,
  /** Bounds the SQL parameter list; a Status client has far fewer topics than this. */
  MAX_QUERY_TOPICS: 1000,
  /** Expired envelopes are kept this long before `prune` removes them (30 days). */
  DEFAULT_RETENTION_SECONDS: 30 * 24 * 60 * 60,
  TIMESTAMP_LENGTH: 4,
  HASH_LENGTH: 32,
  TOPIC_LENGTH: 4,
  BLOOM_LENGTH: 64,
  /** status-go `CursorLength`: sent ‖ hash. */
  CURSOR_LENGTH: 36,
  /** status-go `DBKeyLength`: sent ‖ hash ‖ topic. */
  DB_KEY_LENGTH: 40,
  MAX_UINT32: 0xffffffff,
} as const;

/** A query after validation, in the form both implementations use. */
export interface NormalizedArchiveQuery {
  /** Smallest key in range: sent(from) as 4 bytes (shorter than any key with that prefix). */
  lowerKey: Uint8Array;
  /** Largest key in range: sent(to) ‖ 0xff × 36. */
  upperKey: Uint8Array;
  /** Exclusive upper bound from the cursor, if any. */
  cursor: Uint8Array | undefined;
  /** Deduplicated topics, or undefined when filtering by bloom. */
  topics: Uint8Array[] | undefined;
  /** The bloom, when not filtering by topics. */
  bloom: Uint8Array | undefined;
  limit: number;
  /** Bound on the page's envelope bytes, if any. */
  maxBytes: number | undefined;
}

export const EMPTY_BYTES = new Uint8Array(0);
const ZERO_HASH = new Uint8Array(32);

function isUint32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= ARCHIVE_LIMITS.MAX_UINT32;
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `${v.length} bytes 0x${bytesToHex(v.subarray(0, 48))}${v.length > 48 ? '…' : ''}`;
  if (typeof v === 'bigint') return `${v}n`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function writeUint32BE(out: Uint8Array, offset: number, v: number): void {
  out[offset] = (v >>> 24) & 0xff;
  out[offset + 1] = (v >>> 16) & 0xff;
  out[offset + 2] = (v >>> 8) & 0xff;
  out[offset + 3] = v & 0xff;
}

function readUint32BE(b: Uint8Array, offset: number): number {
  return ((b[offset] << 24) | (b[offset + 1] << 16) | (b[offset + 2] << 8) | b[offset + 3]) >>> 0;
}

/** status-go DB key: sent (4, BE) ‖ hash (32) ‖ topic (4). */
export function mailserverDbKey(sent: number, hash: Uint8Array, topic: Uint8Array): Uint8Array {
  if (!isUint32(sent)) throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_RECORD, `sent time is not a uint32: ${show(sent)}`);
  if (!(hash instanceof Uint8Array) || hash.length !== ARCHIVE_LIMITS.HASH_LENGTH) {
    throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_RECORD, `hash must be 32 bytes, got ${show(hash)}`);
  }
  if (!(topic instanceof Uint8Array) || topic.length !== ARCHIVE_LIMITS.TOPIC_LENGTH) {
    throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_RECORD, `topic must be 4 bytes, got ${show(topic)}`);
  }
  const key = new Uint8Array(ARCHIVE_LIMITS.DB_KEY_LENGTH);
  writeUint32BE(key, 0, sent);
  key.set(hash, 4);
  key.set(topic, 36);
  return key;
}

/** The cursor status-go hands out for an envelope: sent (4, BE) ‖ hash (32). */
export function encodeMailserverCursor(sent: number, hash: Uint8Array): Uint8Array {
  if (!isUint32(sent)) throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_CURSOR, `sent time is not a uint32: ${show(sent)}`);
  if (!(hash instanceof Uint8Array) || hash.length !== ARCHIVE_LIMITS.HASH_LENGTH) {
    throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_CURSOR, `hash must be 32 bytes, got ${show(hash)}`);
  }
  const out = new Uint8Array(ARCHIVE_LIMITS.CURSOR_LENGTH);
  writeUint32BE(out, 0, sent);
  out.set(hash, 4);
  return out;
}

/** Splits a 36-byte cursor (or a 40-byte status-go DB key) into its sent time and envelope hash. */
export function decodeMailserverCursor(cursor: Uint8Array): { sent: number; hash: Uint8Array } {
  if (
    !(cursor instanceof Uint8Array) ||
    (cursor.length !== ARCHIVE_LIMITS.CURSOR_LENGTH && cursor.length !== ARCHIVE_LIMITS.DB_KEY_LENGTH)
  ) {
    throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_CURSOR, `cursor must be 36 or 40 bytes, got ${show(cursor)}`);
  }
  return { sent: readUint32BE(cursor, 0), hash: cursor.slice(4, 36) };
}

/** Whisper bloom of a topic (whisper's `topicToBloom`, byte-identical to status-go's). */
export function _topicBloom(topic: Uint8Array): Uint8Array {
  return topicToBloom(topic);
}

/** True when the topic's bloom is contained in `bloom` (status-go `BloomFilterMatch`). */
export function _topicMatchesBloom(topic: Uint8Array, bloom: Uint8Array): boolean {
  return bloomMatch(bloom, topicToBloom(topic));
}

/** The bloom as PostgreSQL's bit(512) text: bytes in order, each most significant bit first (as status-go stores it). */
export function _bloomToBitString(bloom: Uint8Array): string {
  let s = '';
  for (const byte of bloom) s += byte.toString(2).padStart(8, '0');
  return s;
}

/** Throws unless `record` is a well-formed archive record; returns its status-go DB key. */
export function _validateRecord(record: ArchiveRecord): Uint8Array {
  if (typeof record !== 'object' || record === null) {
    throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_RECORD, `record must be an object, got ${show(record)}`);
  }
  const { envelope, expiry, ttl, archivedAt } = record;
  if (!(envelope instanceof Uint8Array) || envelope.length === 0) {
    throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_RECORD, `envelope must be non-empty bytes, got ${show(envelope)}`);
  }
  if (!isUint32(expiry)) throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_RECORD, `expiry is not a uint32: ${show(expiry)}`);
  if (!isUint32(ttl)) throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_RECORD, `ttl is not a uint32: ${show(ttl)}`);
  if (ttl > expiry) {
    throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_RECORD, `ttl ${ttl} exceeds expiry ${expiry}: sent time would be negative`);
  }
  if (typeof archivedAt !== 'number' || !Number.isSafeInteger(archivedAt) || archivedAt < 0) {
    throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_RECORD, `archivedAt must be Unix seconds, got ${show(archivedAt)}`);
  }
  return mailserverDbKey(expiry - ttl, record.hash, record.topic);
}

/** Validates a query and turns it into key bounds and filters. */
export function normalizeArchiveQuery(query: ArchiveQuery): NormalizedArchiveQuery {
  if (typeof query !== 'object' || query === null) {
    throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_ARGUMENT, `query must be an object, got ${show(query)}`);
  }
  const { from, to, limit, cursor, topics, bloom, maxBytes } = query;
  if (maxBytes !== undefined && (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 1)) {
    throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_LIMIT, `maxBytes must be a positive integer, got ${show(maxBytes)}`);
  }
  if (!isUint32(from)) throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_RANGE, `from is not a uint32 Unix time: ${show(from)}`);
  if (!isUint32(to)) throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_RANGE, `to is not a uint32 Unix time: ${show(to)}`);
  if (from > to) throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_RANGE, `from ${from} is after to ${to}`);
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > ARCHIVE_LIMITS.MAX_QUERY_LIMIT) {
    throw new ArchiveError(
      ARCHIVE_ERROR_CODES.INVALID_LIMIT,
      `limit must be an integer in 1..${ARCHIVE_LIMITS.MAX_QUERY_LIMIT}, got ${show(limit)}`,
    );
  }
  let exclusiveUpper: Uint8Array | undefined;
  if (cursor !== undefined && cursor !== null) {
    if (!(cursor instanceof Uint8Array)) {
      throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_CURSOR, `cursor must be bytes, got ${show(cursor)}`);
    }
    if (cursor.length > 0) {
      decodeMailserverCursor(cursor);
      exclusiveUpper = cursor.slice();
    }
  }
  let normalizedTopics: Uint8Array[] | undefined;
  if (topics !== undefined && topics !== null) {
    if (!Array.isArray(topics)) {
      throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_FILTER, `topics must be an array, got ${show(topics)}`);
    }
    if (topics.length > ARCHIVE_LIMITS.MAX_QUERY_TOPICS) {
      throw new ArchiveError(
        ARCHIVE_ERROR_CODES.INVALID_FILTER,
        `at most ${ARCHIVE_LIMITS.MAX_QUERY_TOPICS} topics per query, got ${topics.length}`,
      );
    }
    const seen = new Map<string, Uint8Array>();
    for (const t of topics) {
      if (!(t instanceof Uint8Array) || t.length !== ARCHIVE_LIMITS.TOPIC_LENGTH) {
        throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_FILTER, `topic must be 4 bytes, got ${show(t)}`);
      }
      seen.set(bytesToHex(t), t.slice());
    }
    if (seen.size > 0) normalizedTopics = [...seen.values()];
  }
  let normalizedBloom: Uint8Array | undefined;
  if (normalizedTopics === undefined) {
    if (!(bloom instanceof Uint8Array) || bloom.length !== ARCHIVE_LIMITS.BLOOM_LENGTH) {
      throw new ArchiveError(
        ARCHIVE_ERROR_CODES.INVALID_FILTER,
        `a query needs topics or a 64-byte bloom, got bloom ${show(bloom)}`,
      );
    }
    normalizedBloom = bloom.slice();
  }
  const lowerKey = new Uint8Array(4);
  writeUint32BE(lowerKey, 0, from);
  const upperKey = new Uint8Array(ARCHIVE_LIMITS.DB_KEY_LENGTH).fill(0xff);
  writeUint32BE(upperKey, 0, to);
  return { lowerKey, upperKey, cursor: exclusiveUpper, topics: normalizedTopics, bloom: normalizedBloom, limit, maxBytes };
}

/**
 * Builds the page from up to `limit + 1` keys and envelopes, newest first: rows past `limit` (or
 * past `maxBytes`, the first row excepted) only tell that more remain, so the cursor is empty
 * exactly when the history is exhausted.
 */
export function _pageFromRows(rows: readonly { id: Uint8Array; data: Uint8Array }[], limit: number, maxBytes?: number): ArchivePage {
  let n = 0;
  let bytes = 0;
  while (n < rows.length && n < limit && (n === 0 || maxBytes === undefined || bytes + rows[n].data.length <= maxBytes)) {
    bytes += rows[n].data.length;
    n++;
  }
  const page = rows.slice(0, n);
  const last = page[page.length - 1];
  return {
    envelopes: page.map((r) => r.data),
    cursor: n < rows.length && last !== undefined ? last.id.slice(0, ARCHIVE_LIMITS.CURSOR_LENGTH) : EMPTY_BYTES,
    lastEnvelopeHash: last !== undefined ? last.id.slice(4, 36) : ZERO_HASH.slice(),
  };
}

/**
 * Takes rows, newest first, until `_pageFromRows` has all it needs: `limit + 1` rows, or (with
 * `maxBytes`) the first row that goes past it, so a byte-bounded page reads at most one envelope more.
 */
export function _collectRows<R extends { data: { length: number } }>(rows: Iterable<R>, limit: number, maxBytes: number | undefined): R[] {
  const out: R[] = [];
  let bytes = 0;
  for (const row of rows) {
    out.push(row);
    bytes += row.data.length;
    if (out.length >= limit + 1) break;
    if (maxBytes !== undefined && out.length >= 2 && bytes > maxBytes) break;
  }
  return out;
}

export function _validatePrune(now: number, retentionSeconds: number): number {
  if (typeof now !== 'number' || !Number.isSafeInteger(now) || now < 0) {
    throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_ARGUMENT, `now must be Unix seconds, got ${show(now)}`);
  }
  if (typeof retentionSeconds !== 'number' || !Number.isSafeInteger(retentionSeconds) || retentionSeconds < 0) {
    throw new ArchiveError(
      ARCHIVE_ERROR_CODES.INVALID_ARGUMENT,
      `retentionSeconds must be a non-negative integer, got ${show(retentionSeconds)}`,
    );
  }
  return now - retentionSeconds;
}

/** Node Buffer view of bytes, for database drivers (no copy). */
export function _toBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Uint8Array view of a driver's Buffer (no copy). */
export function _fromBuffer(b: Buffer | Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The fields of an envelope RLP `[expiry, ttl, topic, data, nonce]` (whisper's envelope decoder), or a reason it is malformed. */
export function _readEnvelopeFields(
  envelope: Uint8Array,
): { ok: true; expiry: number; ttl: number; topic: Uint8Array } | { ok: false; reason: string } {
  try {
    const { expiry, ttl, topic } = decodeEnvelope(envelope);
    return { ok: true, expiry, ttl, topic };
  } catch (err) {
    if (err instanceof WhisperError) return { ok: false, reason: err.message };
    throw err;
  }
}

/**
 * Makes the archive record for an envelope as received (its RLP): reads expiry, ttl and
 * topic and hashes it (keccak256 of the RLP, as Whisper's envelope hash is).
 */
export function archiveRecordFromEnvelope(envelope: Uint8Array, archivedAt = Math.floor(Date.now() / 1000)): ArchiveRecord {
  if (!(envelope instanceof Uint8Array)) {
    throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_RECORD, `envelope must be bytes, got ${show(envelope)}`);
  }
  const fields = _readEnvelopeFields(envelope);
  if (!fields.ok) throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_RECORD, `malformed envelope: ${fields.reason}`);
  if (fields.ttl > fields.expiry) {
    throw new ArchiveError(ARCHIVE_ERROR_CODES.INVALID_RECORD, `ttl ${fields.ttl} exceeds expiry ${fields.expiry}`);
  }
  return {
    envelope: envelope.slice(),
    hash: keccak256(envelope),
    topic: fields.topic.slice(),
    expiry: fields.expiry,
    ttl: fields.ttl,
    archivedAt,
  };
}

/** Wraps a driver failure; archive errors pass through unchanged. */
export function _databaseError(operation: string, err: unknown): ArchiveError {
  if (err instanceof ArchiveError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = typeof err === 'object' && err !== null && 'code' in err ? ` [${String((err as { code: unknown }).code)}]` : '';
  return new ArchiveError(ARCHIVE_ERROR_CODES.DATABASE, `${operation} failed: ${message}${code}`, { cause: err });
}
