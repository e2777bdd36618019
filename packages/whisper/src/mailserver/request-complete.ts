// Request complete (code 125), status-go v0.62.18 (`mailserver/mailserver.go`, NOTES.md "Mailserver
// packets"): one RLP byte string, id (32) ‖ last envelope hash (32) ‖ cursor (empty: the history is
// exhausted, else 36 bytes to send in the next request), or on failure "ERROR=" ‖ id (32) ‖ utf-8 message.
import { rlpEncode } from '../rlp-util.js';
import { ARCHIVE_LIMITS } from './archive.js';
import { _decodeCodecRlp, _describeItem, MAILSERVER_CODEC_ERROR_CODES, MailserverCodecError } from './errors.js';

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

/** status-go `mailServerFailedPayloadPrefix`. */
export const REQUEST_FAILED_PREFIX = 'ERROR=';
/** status-go rejects request-complete payloads longer than id ‖ hash ‖ 36-byte cursor. */
export const MAX_REQUEST_COMPLETE_LENGTH = 32 + 32 + ARCHIVE_LIMITS.CURSOR_LENGTH;

const FAILED_PREFIX_BYTES = new TextEncoder().encode(REQUEST_FAILED_PREFIX);
const ZERO_HASH = new Uint8Array(32);

function bytesField(v: Uint8Array, field: string): Uint8Array {
  if (!(v instanceof Uint8Array)) {
    throw new MailserverCodecError(MAILSERVER_CODEC_ERROR_CODES.INVALID_REQUEST_COMPLETE, `${field} must be bytes, got ${typeof v}`);
  }
  return v;
}

/** Encodes the packet payload of a successful request complete (code 125). */
export function encodeRequestComplete(complete: Omit<RequestCompleted, 'kind'>): Uint8Array {
  const code = MAILSERVER_CODEC_ERROR_CODES.INVALID_REQUEST_COMPLETE;
  const requestId = bytesField(complete.requestId, 'requestId');
  const last = bytesField(complete.lastEnvelopeHash ?? ZERO_HASH, 'lastEnvelopeHash');
  const cursor = bytesField(complete.cursor ?? new Uint8Array(0), 'cursor');
  if (requestId.length !== 32) throw new MailserverCodecError(code, `requestId: expected 32 bytes, got ${_describeItem(requestId)}`);
  if (last.length !== 32) throw new MailserverCodecError(code, `lastEnvelopeHash: expected 32 bytes, got ${_describeItem(last)}`);
  if (cursor.length !== 0 && cursor.length !== ARCHIVE_LIMITS.CURSOR_LENGTH) {
    throw new MailserverCodecError(code, `cursor: expected 0 or 36 bytes, got ${_describeItem(cursor)}`);
  }
  const body = new Uint8Array(64 + cursor.length);
  body.set(requestId, 0);
  body.set(last, 32);
  body.set(cursor, 64);
  return rlpEncode(body);
}

/** Encodes the packet payload of a failed request: `"ERROR=" ‖ id ‖ message`. */
export function encodeRequestFailed(requestId: Uint8Array, message: string): Uint8Array {
  const code = MAILSERVER_CODEC_ERROR_CODES.INVALID_REQUEST_COMPLETE;
  bytesField(requestId, 'requestId');
  if (requestId.length !== 32) throw new MailserverCodecError(code, `requestId: expected 32 bytes, got ${_describeItem(requestId)}`);
  const text = new TextEncoder().encode(String(message));
  const body = new Uint8Array(FAILED_PREFIX_BYTES.length + 32 + text.length);
  body.set(FAILED_PREFIX_BYTES, 0);
  body.set(requestId, FAILED_PREFIX_BYTES.length);
  body.set(text, FAILED_PREFIX_BYTES.length + 32);
  return rlpEncode(body);
}

/**
 * Decodes a request complete packet (code 125). As status-go does, the failure form
 * (`"ERROR=" ‖ id ‖ message`) is tried first; a success payload is the id alone, id ‖ last
 * envelope hash, or id ‖ hash ‖ 36-byte cursor. Throws {@link MailserverCodecError}.
 */
export function decodeRequestComplete(payload: Uint8Array): RequestComplete {
  const code = MAILSERVER_CODEC_ERROR_CODES.INVALID_REQUEST_COMPLETE;
  const decoded = _decodeCodecRlp(payload, 'request complete');
  if (!(decoded instanceof Uint8Array)) {
    throw new MailserverCodecError(code, `expected one RLP byte string, got ${_describeItem(decoded)}`);
  }
  const body = decoded;
  const hasPrefix = body.length >= FAILED_PREFIX_BYTES.length + 32 && FAILED_PREFIX_BYTES.every((b, i) => body[i] === b);
  if (hasPrefix) {
    const start = FAILED_PREFIX_BYTES.length;
    const requestId = body.slice(start, start + 32);
    const text = body.subarray(start + 32);
    let error: string;
    try {
      error = new TextDecoder('utf-8', { fatal: true }).decode(text);
    } catch {
      throw new MailserverCodecError(code, `request failed: error message is not UTF-8: ${_describeItem(text)}`, { requestId });
    }
    return { kind: 'failed', requestId, error };
  }
  if (body.length !== 32 && body.length !== 64 && body.length !== MAX_REQUEST_COMPLETE_LENGTH) {
    throw new MailserverCodecError(
      code,
      `expected id (32) [‖ last hash (32) [‖ cursor (36)]], got ${_describeItem(body)}`,
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
