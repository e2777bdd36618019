// Mailserver packet payloads as status-go v0.62.18 puts them on the wire (NOTES.md,
// "Mailserver packets"; status-go `waku/common` MessagesRequest, `mailserver/request.go`,
// `waku/mailserver_response.go`):
//   P2P request (126), Waku form:     RLP [id (32), from, to, limit, cursor, bloom (64), topics]
//   P2P request (126), Whisper form:  RLP [id (32), from, to, limit, cursor, bloom (64)]   (shh/6: no topics;
//                                     statusd drops a peer sending the 7-field form on shh/6)
//   P2P request (126), older form:    an envelope, sym-encrypted with the mailserver password,
//                                     whose message payload is RLP [lower, upper, bloom, topics, limit, cursor, batch]
//   request complete (125):           RLP byte string  id (32) ‖ last envelope hash (32) ‖ cursor
//                                     or, on failure, "ERROR=" ‖ id (32) ‖ utf-8 message
//   P2P messages (127):               RLP list of envelopes (a single envelope is accepted too)
// Integers are Go `uint32`s: minimal big-endian RLP integers, zero as the empty string.
import { RLP } from '@ethereumjs/rlp';
import { ARCHIVE_LIMITS, _readEnvelopeFields, type ArchiveQuery } from './archive.js';

export const MAILSERVER_CODEC_ERROR_CODES = {
  MALFORMED_RLP: 'MALFORMED_RLP',
  INVALID_MESSAGES_REQUEST: 'INVALID_MESSAGES_REQUEST',
  INVALID_REQUEST_PAYLOAD: 'INVALID_REQUEST_PAYLOAD',
  INVALID_REQUEST_COMPLETE: 'INVALID_REQUEST_COMPLETE',
  INVALID_P2P_MESSAGES: 'INVALID_P2P_MESSAGES',
} as const;
export type MailserverCodecErrorCode = (typeof MAILSERVER_CODEC_ERROR_CODES)[keyof typeof MAILSERVER_CODEC_ERROR_CODES];

export class MailserverCodecError extends Error {
  readonly code: MailserverCodecErrorCode;
  /**
   * Set when the request id could be read although the request is invalid, so a server can
   * still answer with a request-failed payload (status-go does).
   */
  readonly requestId: Uint8Array | undefined;
  constructor(code: MailserverCodecErrorCode, message: string, options?: { cause?: unknown; requestId?: Uint8Array }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'MailserverCodecError';
    this.code = code;
    this.requestId = options?.requestId;
  }
}

/** The current P2P request (code 126) status-go v0.62.18 sends to a Waku mailserver. */
export interface MessagesRequest {
  /** 32 bytes, chosen by the requester; echoed in request complete. */
  id: Uint8Array;
  /** Lower bound of the sent time, Unix seconds, inclusive. */
  from: number;
  /** Upper bound, inclusive. */
  to: number;
  /** Envelopes per page, 0..1000 (0: the server's default). */
  limit: number;
  /** Empty for the first page, else the cursor from the previous request complete (36 bytes). */
  cursor: Uint8Array;
  /** 64 bytes, or empty when `topics` is given. */
  bloom: Uint8Array;
  /** 4-byte topics; when non-empty the server ignores `bloom`. */
  topics: Uint8Array[];
}

/** The older request: the message payload inside the password-encrypted request envelope. */
export interface MessagesRequestPayload {
  /** Lower bound of the sent time, Unix seconds, inclusive. */
  lower: number;
  /** Upper bound, inclusive; 0 asks the server for "now" (status-go adds a 60 s margin). */
  upper: number;
  /** 64 bytes, or empty when `topics` is given. */
  bloom: Uint8Array;
  topics: Uint8Array[];
  /** 0..1000 (0: the server's default). */
  limit: number;
  cursor: Uint8Array;
  /** The client accepts several envelopes per P2P messages packet (status-go always sends true). */
  batch: boolean;
}

export interface RequestCompleted {
  kind: 'completed';
  requestId: Uint8Array;
  /** 32 zero bytes when nothing was sent. */
  lastEnvelopeHash: Uint8Array;
  /** Empty when the history is exhausted, else 36 bytes to send in the next request. */
  cursor: Uint8Array;
}

export interface RequestFailed {
  kind: 'failed';
  requestId: Uint8Array;
  error: string;
}

export type RequestComplete = RequestCompleted | RequestFailed;

export const MAILSERVER_CODEC_LIMITS = {
  REQUEST_ID_LENGTH: 32,
  HASH_LENGTH: 32,
  BLOOM_LENGTH: 64,
  TOPIC_LENGTH: 4,
  CURSOR_LENGTH: ARCHIVE_LIMITS.CURSOR_LENGTH,
  MAX_LIMIT: ARCHIVE_LIMITS.MAX_QUERY_LIMIT,
  /** status-go rejects request-complete payloads longer than id ‖ hash ‖ 36-byte cursor. */
  MAX_REQUEST_COMPLETE_LENGTH: 32 + 32 + ARCHIVE_LIMITS.CURSOR_LENGTH,
  /** status-go `mailServerFailedPayloadPrefix`. */
  FAILED_PREFIX: 'ERROR=',
} as const;

const FAILED_PREFIX_BYTES = new TextEncoder().encode(MAILSERVER_CODEC_LIMITS.FAILED_PREFIX);
const ZERO_HASH = new Uint8Array(32);

type Nested = Uint8Array | Nested[];

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function show(b: Uint8Array | Nested[] | undefined): string {
  if (b === undefined) return 'nothing';
  if (Array.isArray(b)) return `a list of ${b.length} items`;
  return `${b.length} bytes 0x${hex(b.subarray(0, 48))}${b.length > 48 ? '…' : ''}`;
}

function decodeRlp(bytes: Uint8Array, what: string): Nested {
  if (!(bytes instanceof Uint8Array)) {
    throw new MailserverCodecError(MAILSERVER_CODEC_ERROR_CODES.MALFORMED_RLP, `${what}: expected bytes, got ${typeof bytes}`);
  }
  if (bytes.length === 0) {
    throw new MailserverCodecError(MAILSERVER_CODEC_ERROR_CODES.MALFORMED_RLP, `${what}: empty payload`);
  }
  try {
    return RLP.decode(bytes) as Nested;
  } catch (err) {
    throw new MailserverCodecError(
      MAILSERVER_CODEC_ERROR_CODES.MALFORMED_RLP,
      `${what}: malformed RLP (${(err as Error).message}) in ${show(bytes)}`,
      { cause: err },
    );
  }
}

function uint32ToRlpBytes(v: number, code: MailserverCodecErrorCode, field: string): Uint8Array {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > ARCHIVE_LIMITS.MAX_UINT32) {
    throw new MailserverCodecError(code, `${field} must be a uint32, got ${String(v)}`);
  }
  const out: number[] = [];
  for (let x = v; x > 0; x = Math.floor(x / 256)) out.unshift(x % 256);
  return Uint8Array.from(out);
}

/** A Go `rlp` uint32: canonical (no leading zero byte), at most 4 bytes. */
function readUint32(item: Nested | undefined, code: MailserverCodecErrorCode, field: string, requestId?: Uint8Array): number {
  if (!(item instanceof Uint8Array)) {
    throw new MailserverCodecError(code, `${field}: expected an integer, got ${show(item)}`, { requestId });
  }
  if (item.length > 4) {
    throw new MailserverCodecError(code, `${field}: does not fit a uint32: ${show(item)}`, { requestId });
  }
  if (item.length > 0 && item[0] === 0) {
    throw new MailserverCodecError(code, `${field}: non-canonical integer (leading zero): ${show(item)}`, { requestId });
  }
  let v = 0;
  for (const b of item) v = v * 256 + b;
  return v;
}

function readBytes(item: Nested | undefined, code: MailserverCodecErrorCode, field: string, requestId?: Uint8Array): Uint8Array {
  if (!(item instanceof Uint8Array)) {
    throw new MailserverCodecError(code, `${field}: expected a byte string, got ${show(item)}`, { requestId });
  }
  return item;
}

function readTopics(item: Nested | undefined, code: MailserverCodecErrorCode, requestId?: Uint8Array): Uint8Array[] {
  if (!Array.isArray(item)) {
    throw new MailserverCodecError(code, `topics: expected a list, got ${show(item)}`, { requestId });
  }
  if (item.length > ARCHIVE_LIMITS.MAX_QUERY_TOPICS) {
    throw new MailserverCodecError(code, `topics: at most ${ARCHIVE_LIMITS.MAX_QUERY_TOPICS}, got ${item.length}`, {
      requestId,
    });
  }
  return item.map((t, i) => {
    if (!(t instanceof Uint8Array) || t.length !== MAILSERVER_CODEC_LIMITS.TOPIC_LENGTH) {
      throw new MailserverCodecError(code, `topics[${i}]: expected 4 bytes, got ${show(t)}`, { requestId });
    }
    return t;
  });
}

function checkBloom(bloom: Uint8Array, code: MailserverCodecErrorCode, requestId?: Uint8Array): void {
  if (bloom.length !== 0 && bloom.length !== MAILSERVER_CODEC_LIMITS.BLOOM_LENGTH) {
    throw new MailserverCodecError(code, `bloom: expected 64 bytes (or none), got ${show(bloom)}`, { requestId });
  }
}

function checkCursor(cursor: Uint8Array, code: MailserverCodecErrorCode, requestId?: Uint8Array): void {
  // 36 bytes is what status-go hands out; 40 (a whole DB key) came from older servers.
  if (cursor.length !== 0 && cursor.length !== ARCHIVE_LIMITS.CURSOR_LENGTH && cursor.length !== ARCHIVE_LIMITS.DB_KEY_LENGTH) {
    throw new MailserverCodecError(code, `cursor: expected 0, 36 or 40 bytes, got ${show(cursor)}`, { requestId });
  }
}

function checkRequestSemantics(
  r: { from: number; to: number; limit: number; bloom: Uint8Array; topics: Uint8Array[] },
  code: MailserverCodecErrorCode,
  names: { from: string; to: string },
  requestId?: Uint8Array,
  allowOpenUpper = false,
): void {
  if (r.from > r.to && !(allowOpenUpper && r.to === 0)) {
    throw new MailserverCodecError(code, `${names.from} ${r.from} is after ${names.to} ${r.to}`, { requestId });
  }
  if (r.limit > MAILSERVER_CODEC_LIMITS.MAX_LIMIT) {
    throw new MailserverCodecError(code, `limit ${r.limit} exceeds ${MAILSERVER_CODEC_LIMITS.MAX_LIMIT}`, { requestId });
  }
  if (r.bloom.length === 0 && r.topics.length === 0) {
    throw new MailserverCodecError(code, 'neither a bloom nor topics: nothing to select', { requestId });
  }
}

function toBytesInput(v: Uint8Array, code: MailserverCodecErrorCode, field: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new MailserverCodecError(code, `${field} must be bytes, got ${typeof v}`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// P2P request (126), current form

/** Encodes the packet payload of a current P2P request (code 126). */
export function encodeMessagesRequest(request: MessagesRequest): Uint8Array {
  const code = MAILSERVER_CODEC_ERROR_CODES.INVALID_MESSAGES_REQUEST;
  const id = toBytesInput(request.id, code, 'id');
  if (id.length !== MAILSERVER_CODEC_LIMITS.REQUEST_ID_LENGTH) {
    throw new MailserverCodecError(code, `id: expected 32 bytes, got ${show(id)}`);
  }
  const cursor = toBytesInput(request.cursor ?? new Uint8Array(0), code, 'cursor');
  const bloom = toBytesInput(request.bloom ?? new Uint8Array(0), code, 'bloom');
  const topics = (request.topics ?? []).map((t, i) => toBytesInput(t, code, `topics[${i}]`));
  checkCursor(cursor, code);
  checkBloom(bloom, code);
  readTopics(topics, code);
  const fields = {
    from: uint32ToRlpBytes(request.from, code, 'from'),
    to: uint32ToRlpBytes(request.to, code, 'to'),
    limit: uint32ToRlpBytes(request.limit, code, 'limit'),
  };
  checkRequestSemantics({ ...request, bloom, topics }, code, { from: 'from', to: 'to' });
  return RLP.encode([id, fields.from, fields.to, fields.limit, cursor, bloom, topics]);
}

/**
 * Encodes the packet payload of a Whisper v6 (`shh/6`) P2P request (code 126): status-go's Whisper
 * `MessagesRequest` is `[id, from, to, limit, cursor, bloom]`, six fields, no topics; a 7-field
 * request makes statusd drop the peer (SubprotocolError, "invalid p2p request"). The bloom is the
 * only selector, so it must cover every topic wanted and is required (64 bytes).
 */
export function encodeWhisperMessagesRequest(request: Omit<MessagesRequest, 'topics'> & { topics?: readonly Uint8Array[] }): Uint8Array {
  const code = MAILSERVER_CODEC_ERROR_CODES.INVALID_MESSAGES_REQUEST;
  if (request.topics !== undefined && request.topics.length > 0) {
    throw new MailserverCodecError(code, 'the Whisper v6 request has no topics field: put the topics in the bloom');
  }
  const id = toBytesInput(request.id, code, 'id');
  if (id.length !== MAILSERVER_CODEC_LIMITS.REQUEST_ID_LENGTH) {
    throw new MailserverCodecError(code, `id: expected 32 bytes, got ${show(id)}`);
  }
  const cursor = toBytesInput(request.cursor ?? new Uint8Array(0), code, 'cursor');
  const bloom = toBytesInput(request.bloom, code, 'bloom');
  checkCursor(cursor, code);
  if (bloom.length !== MAILSERVER_CODEC_LIMITS.BLOOM_LENGTH) {
    throw new MailserverCodecError(code, `bloom: the Whisper v6 request selects by bloom only, expected 64 bytes, got ${show(bloom)}`);
  }
  const from = uint32ToRlpBytes(request.from, code, 'from');
  const to = uint32ToRlpBytes(request.to, code, 'to');
  const limit = uint32ToRlpBytes(request.limit, code, 'limit');
  checkRequestSemantics({ from: request.from, to: request.to, limit: request.limit, bloom, topics: [] }, code, { from: 'from', to: 'to' });
  return RLP.encode([id, from, to, limit, cursor, bloom]);
}

/**
 * Decodes and validates the payload of a current P2P request (code 126). Throws
 * {@link MailserverCodecError}; its `requestId` is set when the id itself was readable.
 * Both the Waku form (7 fields) and the Whisper v6 form without the trailing topics list (6 fields,
 * what status-go sends on `shh/6`) are accepted.
 */
export function decodeMessagesRequest(payload: Uint8Array): MessagesRequest {
  const code = MAILSERVER_CODEC_ERROR_CODES.INVALID_MESSAGES_REQUEST;
  const decoded = decodeRlp(payload, 'messages request');
  if (!Array.isArray(decoded)) {
    throw new MailserverCodecError(code, `expected an RLP list, got ${show(decoded)}`);
  }
  if (decoded.length !== 6 && decoded.length !== 7) {
    throw new MailserverCodecError(code, `expected [id, from, to, limit, cursor, bloom] and, on Waku, topics (6 or 7 fields), got ${decoded.length}`);
  }
  const id = readBytes(decoded[0], code, 'id');
  if (id.length !== MAILSERVER_CODEC_LIMITS.REQUEST_ID_LENGTH) {
    throw new MailserverCodecError(code, `id: expected 32 bytes, got ${show(id)}`);
  }
  const from = readUint32(decoded[1], code, 'from', id);
  const to = readUint32(decoded[2], code, 'to', id);
  const limit = readUint32(decoded[3], code, 'limit', id);
  const cursor = readBytes(decoded[4], code, 'cursor', id);
  const bloom = readBytes(decoded[5], code, 'bloom', id);
  const topics = decoded.length === 7 ? readTopics(decoded[6], code, id) : [];
  checkCursor(cursor, code, id);
  checkBloom(bloom, code, id);
  const request: MessagesRequest = { id, from, to, limit, cursor, bloom, topics };
  checkRequestSemantics(request, code, { from: 'from', to: 'to' }, id);
  return request;
}

// ---------------------------------------------------------------------------------------------
// P2P request (126), older form: the payload inside the encrypted request envelope

/** Encodes the message payload of an older, envelope-wrapped request. */
export function encodeMessagesRequestPayload(payload: MessagesRequestPayload): Uint8Array {
  const code = MAILSERVER_CODEC_ERROR_CODES.INVALID_REQUEST_PAYLOAD;
  const cursor = toBytesInput(payload.cursor ?? new Uint8Array(0), code, 'cursor');
  const bloom = toBytesInput(payload.bloom ?? new Uint8Array(0), code, 'bloom');
  const topics = (payload.topics ?? []).map((t, i) => toBytesInput(t, code, `topics[${i}]`));
  checkCursor(cursor, code);
  checkBloom(bloom, code);
  readTopics(topics, code);
  const lower = uint32ToRlpBytes(payload.lower, code, 'lower');
  const upper = uint32ToRlpBytes(payload.upper, code, 'upper');
  const limit = uint32ToRlpBytes(payload.limit, code, 'limit');
  checkRequestSemantics(
    { from: payload.lower, to: payload.upper, limit: payload.limit, bloom, topics },
    code,
    { from: 'lower', to: 'upper' },
    undefined,
    true,
  );
  // Go's rlp encodes a bool as 0x01 / empty string.
  const batch = payload.batch ? Uint8Array.of(1) : new Uint8Array(0);
  return RLP.encode([lower, upper, bloom, topics, limit, cursor, batch]);
}

/**
 * Decodes and validates an older request's message payload. Accepts
 * `[lower, upper, bloom, topics, limit, cursor, batch]` (status-go v0.62.18) and the form
 * before topics were added, `[lower, upper, bloom, limit, cursor, batch]` (topics then empty).
 */
export function decodeMessagesRequestPayload(payload: Uint8Array): MessagesRequestPayload {
  const code = MAILSERVER_CODEC_ERROR_CODES.INVALID_REQUEST_PAYLOAD;
  const decoded = decodeRlp(payload, 'messages request payload');
  if (!Array.isArray(decoded)) {
    throw new MailserverCodecError(code, `expected an RLP list, got ${show(decoded)}`);
  }
  let fields: { lower: Nested; upper: Nested; bloom: Nested; topics: Nested | undefined; limit: Nested; cursor: Nested; batch: Nested };
  if (decoded.length === 7 && Array.isArray(decoded[3])) {
    const [lower, upper, bloom, topics, limit, cursor, batch] = decoded;
    fields = { lower, upper, bloom, topics, limit, cursor, batch };
  } else if (decoded.length === 6 && decoded[3] instanceof Uint8Array) {
    const [lower, upper, bloom, limit, cursor, batch] = decoded;
    fields = { lower, upper, bloom, topics: undefined, limit, cursor, batch };
  } else {
    throw new MailserverCodecError(
      code,
      `expected [lower, upper, bloom, topics, limit, cursor, batch] (or the 6-field form without topics), got ${decoded.length} fields`,
    );
  }
  const lower = readUint32(fields.lower, code, 'lower');
  const upper = readUint32(fields.upper, code, 'upper');
  const bloom = readBytes(fields.bloom, code, 'bloom');
  const topics = fields.topics === undefined ? [] : readTopics(fields.topics, code);
  const limit = readUint32(fields.limit, code, 'limit');
  const cursor = readBytes(fields.cursor, code, 'cursor');
  const batchBytes = readBytes(fields.batch, code, 'batch');
  if (batchBytes.length > 1 || (batchBytes.length === 1 && batchBytes[0] !== 1)) {
    throw new MailserverCodecError(code, `batch: expected an RLP bool (empty or 0x01), got ${show(batchBytes)}`);
  }
  checkCursor(cursor, code);
  checkBloom(bloom, code);
  const result: MessagesRequestPayload = { lower, upper, bloom, topics, limit, cursor, batch: batchBytes.length === 1 };
  checkRequestSemantics({ from: lower, to: upper, limit, bloom, topics }, code, { from: 'lower', to: 'upper' }, undefined, true);
  return result;
}

/** status-go `whisperTTLSafeThreshold`: an open upper bound becomes now + 60 s. */
const OPEN_UPPER_MARGIN_SECONDS = 60;

/**
 * The archive query a mailserver runs for a decoded request of either form, with status-go's
 * defaults (`MessagesRequestPayload.SetDefaults`): limit 0 means the maximum (1000), an upper
 * bound of 0 means now + 60 s; topics, when present, win over the bloom.
 */
export function archiveQueryForRequest(
  request: MessagesRequest | MessagesRequestPayload,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): ArchiveQuery {
  const from = 'id' in request ? request.from : request.lower;
  const rawTo = 'id' in request ? request.to : request.upper;
  const to = rawTo === 0 ? Math.min(nowSeconds + OPEN_UPPER_MARGIN_SECONDS, ARCHIVE_LIMITS.MAX_UINT32) : rawTo;
  const limit = request.limit === 0 ? ARCHIVE_LIMITS.MAX_QUERY_LIMIT : request.limit;
  const query: ArchiveQuery = { from, to, limit };
  if (request.topics.length > 0) query.topics = request.topics;
  else query.bloom = request.bloom;
  if (request.cursor.length > 0) query.cursor = request.cursor;
  return query;
}

// ---------------------------------------------------------------------------------------------
// Request complete (125)

/** Encodes the packet payload of a successful request complete (code 125). */
export function encodeRequestComplete(complete: Omit<RequestCompleted, 'kind'>): Uint8Array {
  const code = MAILSERVER_CODEC_ERROR_CODES.INVALID_REQUEST_COMPLETE;
  const requestId = toBytesInput(complete.requestId, code, 'requestId');
  const last = toBytesInput(complete.lastEnvelopeHash ?? ZERO_HASH, code, 'lastEnvelopeHash');
  const cursor = toBytesInput(complete.cursor ?? new Uint8Array(0), code, 'cursor');
  if (requestId.length !== 32) throw new MailserverCodecError(code, `requestId: expected 32 bytes, got ${show(requestId)}`);
  if (last.length !== 32) throw new MailserverCodecError(code, `lastEnvelopeHash: expected 32 bytes, got ${show(last)}`);
  if (cursor.length !== 0 && cursor.length !== ARCHIVE_LIMITS.CURSOR_LENGTH) {
    throw new MailserverCodecError(code, `cursor: expected 0 or 36 bytes, got ${show(cursor)}`);
  }
  const body = new Uint8Array(64 + cursor.length);
  body.set(requestId, 0);
  body.set(last, 32);
  body.set(cursor, 64);
  return RLP.encode(body);
}

/** Encodes the packet payload of a failed request: `"ERROR=" ‖ id ‖ message`. */
export function encodeRequestFailed(requestId: Uint8Array, message: string): Uint8Array {
  const code = MAILSERVER_CODEC_ERROR_CODES.INVALID_REQUEST_COMPLETE;
  toBytesInput(requestId, code, 'requestId');
  if (requestId.length !== 32) throw new MailserverCodecError(code, `requestId: expected 32 bytes, got ${show(requestId)}`);
  const text = new TextEncoder().encode(String(message));
  const body = new Uint8Array(FAILED_PREFIX_BYTES.length + 32 + text.length);
  body.set(FAILED_PREFIX_BYTES, 0);
  body.set(requestId, FAILED_PREFIX_BYTES.length);
  body.set(text, FAILED_PREFIX_BYTES.length + 32);
  return RLP.encode(body);
}

/**
 * Decodes a request complete packet (code 125). As status-go does, the failure form
 * (`"ERROR=" ‖ id ‖ message`) is tried first; a success payload is the id alone, id ‖ last
 * envelope hash, or id ‖ hash ‖ 36-byte cursor.
 */
export function decodeRequestComplete(payload: Uint8Array): RequestComplete {
  const code = MAILSERVER_CODEC_ERROR_CODES.INVALID_REQUEST_COMPLETE;
  const decoded = decodeRlp(payload, 'request complete');
  if (!(decoded instanceof Uint8Array)) {
    throw new MailserverCodecError(code, `expected one RLP byte string, got ${show(decoded)}`);
  }
  const body = decoded;
  const hasPrefix =
    body.length >= FAILED_PREFIX_BYTES.length + 32 && FAILED_PREFIX_BYTES.every((b, i) => body[i] === b);
  if (hasPrefix) {
    const start = FAILED_PREFIX_BYTES.length;
    const text = body.subarray(start + 32);
    let error: string;
    try {
      error = new TextDecoder('utf-8', { fatal: true }).decode(text);
    } catch {
      throw new MailserverCodecError(code, `request failed: error message is not UTF-8: ${show(text)}`, {
        requestId: body.slice(start, start + 32),
      });
    }
    return { kind: 'failed', requestId: body.slice(start, start + 32), error };
  }
  if (body.length !== 32 && body.length !== 64 && body.length !== MAILSERVER_CODEC_LIMITS.MAX_REQUEST_COMPLETE_LENGTH) {
    throw new MailserverCodecError(
      code,
      `expected id (32) [‖ last hash (32) [‖ cursor (36)]], got ${show(body)}`,
      body.length >= 32 ? { requestId: body.slice(0, 32) } : undefined,
    );
  }
  return {
    kind: 'completed',
    requestId: body.slice(0, 32),
    lastEnvelopeHash: body.length >= 64 ? body.slice(32, 64) : ZERO_HASH.slice(),
    cursor: body.slice(64),
  };
}

// ---------------------------------------------------------------------------------------------
// P2P messages (127)

function checkEnvelope(envelope: Uint8Array, index: number): void {
  const fields = _readEnvelopeFields(envelope);
  if (!fields.ok) {
    throw new MailserverCodecError(MAILSERVER_CODEC_ERROR_CODES.INVALID_P2P_MESSAGES, `envelope ${index}: ${fields.reason}`);
  }
}

/** Encodes the packet payload of P2P messages (code 127): an RLP list of envelope RLPs, kept byte for byte. */
export function encodeP2PMessages(envelopes: readonly Uint8Array[]): Uint8Array {
  const code = MAILSERVER_CODEC_ERROR_CODES.INVALID_P2P_MESSAGES;
  if (!Array.isArray(envelopes)) throw new MailserverCodecError(code, 'envelopes must be an array');
  envelopes.forEach((e, i) => {
    toBytesInput(e, code, `envelopes[${i}]`);
    checkEnvelope(e, i);
  });
  const bodyLength = envelopes.reduce((n, e) => n + e.length, 0);
  const header = listHeader(bodyLength);
  const out = new Uint8Array(header.length + bodyLength);
  out.set(header, 0);
  let offset = header.length;
  for (const e of envelopes) {
    out.set(e, offset);
    offset += e.length;
  }
  return out;
}

function listHeader(length: number): Uint8Array {
  if (length < 56) return Uint8Array.of(0xc0 + length);
  const lenBytes: number[] = [];
  for (let x = length; x > 0; x = Math.floor(x / 256)) lenBytes.unshift(x % 256);
  return Uint8Array.from([0xf7 + lenBytes.length, ...lenBytes]);
}

/**
 * Decodes P2P messages (code 127) into the envelopes' RLPs. status-go's Waku sends a list of
 * envelopes; older Whisper mailservers sent one envelope per packet, which is accepted too.
 * Every envelope must be a well-formed `[expiry, ttl, topic, data, nonce]`; expiry is not
 * checked (history may be expired).
 */
export function decodeP2PMessages(payload: Uint8Array): Uint8Array[] {
  const code = MAILSERVER_CODEC_ERROR_CODES.INVALID_P2P_MESSAGES;
  const decoded = decodeRlp(payload, 'p2p messages');
  if (!Array.isArray(decoded)) {
    throw new MailserverCodecError(code, `expected an RLP list of envelopes, got ${show(decoded)}`);
  }
  // A single envelope is a list whose first item is a byte string (expiry).
  const items: Nested[] = decoded.length > 0 && decoded[0] instanceof Uint8Array ? [decoded] : decoded;
  return items.map((item, i) => {
    if (!Array.isArray(item)) {
      throw new MailserverCodecError(code, `envelope ${i}: expected a list, got ${show(item)}`);
    }
    // The decoder rejects non-canonical RLP, so re-encoding yields the bytes that were sent.
    const envelope = RLP.encode(item);
    checkEnvelope(envelope, i);
    return envelope;
  });
}
