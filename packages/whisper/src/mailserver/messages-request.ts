// Mailserver packet payloads as status-go v0.62.18 puts them on the wire (NOTES.md,
// "Mailserver packets"; status-go `waku/common` MessagesRequest, `mailserver/request.go`,
// `waku/mailserver_response.go`):
//   P2P request (126), Waku form:     RLP [id (32), from, to, limit, cursor, bloom (64), topics]
//   P2P request (126), Whisper form:  RLP [id (32), from, to, limit, cursor, bloom (64)]   (shh/6: no topics;
//                                     statusd drops a peer sending the 7-field form on shh/6)
//   P2P request (126), older form:    an envelope, sym-encrypted with the mailserver password,
//                                     whose message payload is RLP [lower, upper, bloom, topics, limit, cursor, batch]
// (Request complete, 125, is in request-complete.ts; P2P messages, 127, in p2p-messages.ts.)
// Integers are Go `uint32`s: minimal big-endian RLP integers, zero as the empty string.
import { envelopeFromRlpItem, type Envelope } from '../envelope.js';
import { WhisperError } from '../errors.js';
import { decodeUintNumber, expectBytes, rlpEncode, type RlpItem } from '../rlp-util.js';
import { ARCHIVE_LIMITS, type ArchiveQuery } from './archive.js';
import {
  _asCodecError,
  _decodeCodecRlp,
  _describeItem,
  MAILSERVER_CODEC_ERROR_CODES,
  MailserverCodecError,
  type MailserverCodecErrorCode,
} from './errors.js';
import { MAX_REQUEST_COMPLETE_LENGTH, REQUEST_FAILED_PREFIX } from './request-complete.js';

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

export const MAILSERVER_CODEC_LIMITS = {
  REQUEST_ID_LENGTH: 32,
  HASH_LENGTH: 32,
  BLOOM_LENGTH: 64,
  TOPIC_LENGTH: 4,
  CURSOR_LENGTH: ARCHIVE_LIMITS.CURSOR_LENGTH,
  MAX_LIMIT: ARCHIVE_LIMITS.MAX_QUERY_LIMIT,
  /** status-go rejects request-complete payloads longer than id ‖ hash ‖ 36-byte cursor. */
  MAX_REQUEST_COMPLETE_LENGTH,
  /** status-go `mailServerFailedPayloadPrefix`. */
  FAILED_PREFIX: REQUEST_FAILED_PREFIX,
} as const;

/** A Go `rlp` uint32 field: canonical (no leading zero byte), at most 4 bytes (whisper's reader). */
function readUint32(item: RlpItem | undefined, code: MailserverCodecErrorCode, field: string, requestId?: Uint8Array): number {
  return _asCodecError(code, () => decodeUintNumber(item, 4, field), requestId);
}

function readBytes(item: RlpItem | undefined, code: MailserverCodecErrorCode, field: string, requestId?: Uint8Array): Uint8Array {
  return _asCodecError(code, () => expectBytes(item, field), requestId);
}

/** A uint32 as RLP encodes it (minimal big-endian, zero as the empty string), or the codec error `code`. */
function uint32Field(v: number, code: MailserverCodecErrorCode, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > ARCHIVE_LIMITS.MAX_UINT32) {
    throw new MailserverCodecError(code, `${field} must be a uint32, got ${String(v)}`);
  }
  return v;
}

function readTopics(item: RlpItem | undefined, code: MailserverCodecErrorCode, requestId?: Uint8Array): Uint8Array[] {
  if (!Array.isArray(item)) {
    throw new MailserverCodecError(code, `topics: expected a list, got ${_describeItem(item)}`, { requestId });
  }
  if (item.length > ARCHIVE_LIMITS.MAX_QUERY_TOPICS) {
    throw new MailserverCodecError(code, `topics: at most ${ARCHIVE_LIMITS.MAX_QUERY_TOPICS}, got ${item.length}`, {
      requestId,
    });
  }
  return item.map((t, i) => {
    if (!(t instanceof Uint8Array) || t.length !== MAILSERVER_CODEC_LIMITS.TOPIC_LENGTH) {
      throw new MailserverCodecError(code, `topics[${i}]: expected 4 bytes, got ${_describeItem(t)}`, { requestId });
    }
    return t;
  });
}

function checkBloom(bloom: Uint8Array, code: MailserverCodecErrorCode, requestId?: Uint8Array): void {
  if (bloom.length !== 0 && bloom.length !== MAILSERVER_CODEC_LIMITS.BLOOM_LENGTH) {
    throw new MailserverCodecError(code, `bloom: expected 64 bytes (or none), got ${_describeItem(bloom)}`, { requestId });
  }
}

function checkCursor(cursor: Uint8Array, code: MailserverCodecErrorCode, requestId?: Uint8Array): void {
  // 36 bytes is what status-go hands out; 40 (a whole DB key) came from older servers.
  if (cursor.length !== 0 && cursor.length !== ARCHIVE_LIMITS.CURSOR_LENGTH && cursor.length !== ARCHIVE_LIMITS.DB_KEY_LENGTH) {
    throw new MailserverCodecError(code, `cursor: expected 0, 36 or 40 bytes, got ${_describeItem(cursor)}`, { requestId });
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
    throw new MailserverCodecError(code, `id: expected 32 bytes, got ${_describeItem(id)}`);
  }
  const cursor = toBytesInput(request.cursor ?? new Uint8Array(0), code, 'cursor');
  const bloom = toBytesInput(request.bloom ?? new Uint8Array(0), code, 'bloom');
  const topics = (request.topics ?? []).map((t, i) => toBytesInput(t, code, `topics[${i}]`));
  checkCursor(cursor, code);
  checkBloom(bloom, code);
  readTopics(topics, code);
  const fields = {
    from: uint32Field(request.from, code, 'from'),
    to: uint32Field(request.to, code, 'to'),
    limit: uint32Field(request.limit, code, 'limit'),
  };
  checkRequestSemantics({ ...request, bloom, topics }, code, { from: 'from', to: 'to' });
  return rlpEncode([id, fields.from, fields.to, fields.limit, cursor, bloom, topics]);
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
    throw new MailserverCodecError(code, `id: expected 32 bytes, got ${_describeItem(id)}`);
  }
  const cursor = toBytesInput(request.cursor ?? new Uint8Array(0), code, 'cursor');
  const bloom = toBytesInput(request.bloom, code, 'bloom');
  checkCursor(cursor, code);
  if (bloom.length !== MAILSERVER_CODEC_LIMITS.BLOOM_LENGTH) {
    throw new MailserverCodecError(code, `bloom: the Whisper v6 request selects by bloom only, expected 64 bytes, got ${_describeItem(bloom)}`);
  }
  const from = uint32Field(request.from, code, 'from');
  const to = uint32Field(request.to, code, 'to');
  const limit = uint32Field(request.limit, code, 'limit');
  checkRequestSemantics({ from: request.from, to: request.to, limit: request.limit, bloom, topics: [] }, code, { from: 'from', to: 'to' });
  return rlpEncode([id, from, to, limit, cursor, bloom]);
}

/**
 * Decodes and validates the payload of a current P2P request (code 126). Throws
 * {@link MailserverCodecError}; its `requestId` is set when the id itself was readable.
 * Both the Waku form (7 fields) and the Whisper v6 form without the trailing topics list (6 fields,
 * what status-go sends on `shh/6`) are accepted.
 */
export function decodeMessagesRequest(payload: Uint8Array): MessagesRequest {
  return messagesRequestFromItem(_decodeCodecRlp(payload, 'messages request'));
}

function messagesRequestFromItem(decoded: RlpItem): MessagesRequest {
  const code = MAILSERVER_CODEC_ERROR_CODES.INVALID_MESSAGES_REQUEST;
  if (!Array.isArray(decoded)) {
    throw new MailserverCodecError(code, `expected an RLP list, got ${_describeItem(decoded)}`);
  }
  if (decoded.length !== 6 && decoded.length !== 7) {
    throw new MailserverCodecError(code, `expected [id, from, to, limit, cursor, bloom] and, on Waku, topics (6 or 7 fields), got ${decoded.length}`);
  }
  const id = readBytes(decoded[0], code, 'id');
  if (id.length !== MAILSERVER_CODEC_LIMITS.REQUEST_ID_LENGTH) {
    throw new MailserverCodecError(code, `id: expected 32 bytes, got ${_describeItem(id)}`);
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
  const lower = uint32Field(payload.lower, code, 'lower');
  const upper = uint32Field(payload.upper, code, 'upper');
  const limit = uint32Field(payload.limit, code, 'limit');
  checkRequestSemantics(
    { from: payload.lower, to: payload.upper, limit: payload.limit, bloom, topics },
    code,
    { from: 'lower', to: 'upper' },
    undefined,
    true,
  );
  // Go's rlp encodes a bool as 0x01 / empty string.
  const batch = payload.batch ? Uint8Array.of(1) : new Uint8Array(0);
  return rlpEncode([lower, upper, bloom, topics, limit, cursor, batch]);
}

/**
 * Decodes and validates an older request's message payload. Accepts
 * `[lower, upper, bloom, topics, limit, cursor, batch]` (status-go v0.62.18) and the form
 * before topics were added, `[lower, upper, bloom, limit, cursor, batch]` (topics then empty).
 */
export function decodeMessagesRequestPayload(payload: Uint8Array): MessagesRequestPayload {
  const code = MAILSERVER_CODEC_ERROR_CODES.INVALID_REQUEST_PAYLOAD;
  const decoded = _decodeCodecRlp(payload, 'messages request payload');
  if (!Array.isArray(decoded)) {
    throw new MailserverCodecError(code, `expected an RLP list, got ${_describeItem(decoded)}`);
  }
  let fields: { lower: RlpItem; upper: RlpItem; bloom: RlpItem; topics: RlpItem | undefined; limit: RlpItem; cursor: RlpItem; batch: RlpItem };
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
    throw new MailserverCodecError(code, `batch: expected an RLP bool (empty or 0x01), got ${_describeItem(batchBytes)}`);
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
// P2P request (126), either form

/** A P2P request as it arrived: the current `MessagesRequest`, or the older form's (still sealed) envelope. */
export type P2PRequest = { form: 'current'; request: MessagesRequest } | { form: 'envelope'; envelope: Envelope };

/**
 * Decodes a P2P request (code 126) of either form: an RLP list of five items is the older form's
 * envelope (whisper's envelope decoder validates it; opening it needs the server's keys), anything
 * else must be a `MessagesRequest`. Throws {@link MailserverCodecError}.
 */
export function decodeP2PRequest(payload: Uint8Array): P2PRequest {
  const decoded = _decodeCodecRlp(payload, 'p2p request');
  if (Array.isArray(decoded) && decoded.length === 5) {
    try {
      return { form: 'envelope', envelope: envelopeFromRlpItem(decoded, 'request envelope') };
    } catch (e) {
      if (!(e instanceof WhisperError)) throw e;
      throw new MailserverCodecError(MAILSERVER_CODEC_ERROR_CODES.INVALID_MESSAGES_REQUEST, `malformed request envelope: ${e.message}`, { cause: e });
    }
  }
  return { form: 'current', request: messagesRequestFromItem(decoded) };
}
