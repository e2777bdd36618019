// RLP schemas of every Whisper v6 / Waku v1 / mailserver packet we put on the wire, mirroring the
// Go structs status-go v0.62.18 (and go-ethereum whisperv6 v1.9.7) decode them into, checked with
// the strict decoder (go-ethereum's rules: canonical integers, 0x80/0x01 bools, fixed byte arrays,
// minimal lengths, nothing trailing).
//
import { checkRlpValue, decodeRlpStrict, decodeRlpStrictAs, StrictRlpError, type RlpSchema, type RlpValue } from '@status-stack/p2p-overlay';

export { checkRlpValue, decodeRlpStrict, decodeRlpStrictAs, StrictRlpError, type RlpSchema, type RlpValue };

/** Go `uint32` (envelope Expiry/TTL, MessagesRequest From/To/Limit). */
const U32 = { uint: 32 } as const;

/** go-ethereum / status-go `RateLimits{IPLimits, PeerIDLimits, TopicLimits uint64}`. */
export const RATE_LIMITS_SCHEMA = { list: ['uint', 'uint', 'uint'] } as const satisfies RlpSchema;

/** `Envelope{Expiry uint32, TTL uint32, Topic TopicType ([4]byte), Data []byte, Nonce uint64}`. */
export const ENVELOPE_SCHEMA = { list: [U32, U32, { bytes: 4 }, 'bytes', 'uint'] } as const satisfies RlpSchema;

/** Messages (code 1) and P2P messages (127): `[]*Envelope`. */
export const MESSAGES_SCHEMA = { listOf: ENVELOPE_SCHEMA } as const satisfies RlpSchema;

/**
 * shh/6 status (code 0), as whisperv6's handshake reads it with `s.Uint()`/`s.Decode`: version
 * uint64, then optionally PoW (uint64 float bits), bloom ([]byte, 0 or 64 bytes), light node bool,
 * confirmations bool, RateLimits.
 */
export const WHISPER_STATUS_SCHEMA = { list: ['uint', 'uint', 'bytes', 'bool', 'bool', RATE_LIMITS_SCHEMA], optional: 5 } as const satisfies RlpSchema;

/** PoW requirement (shh 2): the float64 bit pattern as a uint64. */
export const POW_REQUIREMENT_SCHEMA = 'uint' as const satisfies RlpSchema;
/** Bloom filter (shh 3): `[64]byte`. */
export const BLOOM_SCHEMA = { bytes: 64 } as const satisfies RlpSchema;
/** Rate limits (shh 20). */
export const RATE_LIMITS_PACKET_SCHEMA = RATE_LIMITS_SCHEMA;
/** Batch acknowledged (11): `common.Hash`. */
export const BATCH_ACK_SCHEMA = { bytes: 32 } as const satisfies RlpSchema;
/**
 * Message response (12): `MultiVersionResponse{Version uint, Response rlp.RawValue}`, version 1's
 * response being `MessagesResponse{Hash common.Hash, Errors []EnvelopeError{Hash common.Hash, Code uint, Description string}}`.
 */
export const MESSAGE_RESPONSE_SCHEMA = {
  list: ['uint', { list: [{ bytes: 32 }, { listOf: { list: [{ bytes: 32 }, 'uint', 'bytes'] } }] }],
} as const satisfies RlpSchema;

/** Whisper v6 P2P request (126): status-go's Whisper `MessagesRequest{ID []byte, From, To, Limit uint32, Cursor []byte, Bloom []byte}`. */
export const WHISPER_MESSAGES_REQUEST_SCHEMA = { list: ['bytes', U32, U32, U32, 'bytes', 'bytes'] } as const satisfies RlpSchema;
/** Waku P2P request (126): `waku/common.MessagesRequest{..., Bloom []byte, Topics [][]byte}`. */
export const WAKU_MESSAGES_REQUEST_SCHEMA = { list: ['bytes', U32, U32, U32, 'bytes', 'bytes', { listOf: 'bytes' }] } as const satisfies RlpSchema;
/** The envelope-form request's message payload: `MessagesRequestPayload{Lower, Upper uint32, Bloom []byte, Topics [][]byte, Limit uint32, Cursor []byte, Batch bool}`. */
export const MESSAGES_REQUEST_PAYLOAD_SCHEMA = { list: [U32, U32, 'bytes', { listOf: 'bytes' }, U32, 'bytes', 'bool'] } as const satisfies RlpSchema;
/** Request complete (125): one byte string `id ‖ last envelope hash ‖ cursor`. */
export const REQUEST_COMPLETE_SCHEMA = 'bytes' as const satisfies RlpSchema;

/** Waku status option keys with the Go type of each value (status-go `waku/v1` `statusOptions`). */
export const WAKU_OPTION_SCHEMAS: Readonly<Record<number, RlpSchema>> = {
  0: 'uint', // PoWRequirement: uint64 float bits
  1: { bytes: 64 }, // BloomFilter
  2: 'bool', // LightNodeEnabled
  3: 'bool', // ConfirmationsEnabled
  4: RATE_LIMITS_SCHEMA, // PacketRateLimits
  5: { listOf: { bytes: 4 } }, // TopicInterest []TopicType
  6: RATE_LIMITS_SCHEMA, // BytesRateLimits
};

function fail(path: string, reason: string): never {
  throw new StrictRlpError(path, reason);
}

function asUint(v: RlpValue, path: string): number {
  checkRlpValue(v, 'uint', path);
  let n = 0;
  for (const b of v as Uint8Array) n = n * 256 + b;
  return n;
}

/**
 * A Waku status (code 0) or status update (22) payload: a list of `[key uint, value]` pairs, each
 * value checked against its key's Go type; keys ascending and unique, as status-go writes them.
 * Returns the keys seen.
 */
export function checkWakuOptions(payload: Uint8Array): number[] {
  const v = decodeRlpStrict(payload);
  if (!Array.isArray(v)) fail('', 'expected input list (status options)');
  const keys: number[] = [];
  v.forEach((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) fail(`[${i}]`, 'expected a [key, value] pair');
    const key = asUint(pair[0], `[${i}][0]`);
    const schema = WAKU_OPTION_SCHEMAS[key];
    if (schema === undefined) fail(`[${i}][0]`, `unknown option key ${key}`);
    checkRlpValue(pair[1], schema, `[${i}][1]`);
    if (keys.length > 0 && key <= keys[keys.length - 1]) fail(`[${i}][0]`, `key ${key} after ${keys[keys.length - 1]}`);
    keys.push(key);
  });
  return keys;
}

/** Checks a shh/6 status payload, including the bloom's 0-or-64 length; returns the decoded list. */
export function checkWhisperStatus(payload: Uint8Array): RlpValue[] {
  const v = decodeRlpStrictAs(payload, WHISPER_STATUS_SCHEMA) as RlpValue[];
  const bloom = v[2];
  if (bloom instanceof Uint8Array && bloom.length !== 0 && bloom.length !== 64) fail('[2]', `bloom of ${bloom.length} bytes`);
  return v;
}

export type RequestForm = 'whisper-6' | 'waku-7' | 'envelope';

/**
 * Checks a 126 payload against the form its shape claims (a 5-item list is an envelope, 6 items the
 * Whisper request, 7 the Waku one) and returns that form. IDs must be 32 bytes, blooms 64 (or
 * empty with topics, Waku only), topics 4 bytes.
 */
export function checkMessagesRequest(payload: Uint8Array): RequestForm {
  const v = decodeRlpStrict(payload);
  if (!Array.isArray(v)) fail('', 'expected input list (p2p request)');
  if (v.length === 5) {
    checkRlpValue(v, ENVELOPE_SCHEMA);
    return 'envelope';
  }
  if (v.length === 6) checkRlpValue(v, WHISPER_MESSAGES_REQUEST_SCHEMA);
  else if (v.length === 7) checkRlpValue(v, WAKU_MESSAGES_REQUEST_SCHEMA);
  else fail('', `p2p request of ${v.length} items`);
  const [id, , , , cursor, bloom] = v as Uint8Array[];
  if (id.length !== 32) fail('[0]', `request id of ${id.length} bytes`);
  if (cursor.length !== 0 && cursor.length !== 36) fail('[4]', `cursor of ${cursor.length} bytes`);
  const topics = v.length === 7 ? (v[6] as Uint8Array[]) : [];
  topics.forEach((t, i) => t.length !== 4 && fail(`[6][${i}]`, `topic of ${t.length} bytes`));
  if (bloom.length !== 64 && !(bloom.length === 0 && topics.length > 0)) fail('[5]', `bloom of ${bloom.length} bytes`);
  return v.length === 6 ? 'whisper-6' : 'waku-7';
}

/** Checks a 125 payload: `id (32) ‖ last hash (32) ‖ cursor (0 or 36)`, or `"ERROR=" ‖ id ‖ text`. */
export function checkRequestComplete(payload: Uint8Array): Uint8Array {
  const b = decodeRlpStrictAs(payload, REQUEST_COMPLETE_SCHEMA) as Uint8Array;
  const failed = new TextDecoder().decode(b.subarray(0, 6)) === 'ERROR=';
  if (!failed && b.length !== 64 && b.length !== 100) fail('', `request complete of ${b.length} bytes`);
  return b;
}
