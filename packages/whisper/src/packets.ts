import { MESSAGE_RESPONSE_VERSION, WHISPER } from './constants.js';
import { WhisperError, WHISPER_ERROR } from './errors.js';
import { decodeBool, decodeUint, expectBytes, expectList, preview, rlpDecode, rlpEncode, type RlpItem } from './rlp-util.js';
import { decodePowRequirement, powToUint64 } from './pow.js';
import { assertBloom, type Bloom } from './bloom.js';

/** Packets per second a node accepts (status-im `RateLimits`); 0 means no limit. */
export interface RateLimits {
  ipLimits: bigint;
  peerIdLimits: bigint;
  topicLimits: bigint;
}

/**
 * shh/6 status packet as status-go sends it: `[version, pow (float64 bits), bloom, light, confirmations, [ip, peer, topic]]`.
 * Only the version is mandatory; the rest are read when present, in order.
 */
export interface WhisperStatus {
  version: number;
  powRequirement?: number;
  bloom?: Bloom;
  lightNode?: boolean;
  confirmationsEnabled?: boolean;
  rateLimits?: RateLimits;
}

export function encodeWhisperStatus(s: WhisperStatus): Uint8Array {
  const items: Array<bigint | number | Uint8Array | Uint8Array[] | bigint[]> = [s.version];
  const optional = [s.powRequirement, s.bloom, s.lightNode, s.confirmationsEnabled, s.rateLimits];
  let last = -1;
  optional.forEach((v, i) => {
    if (v !== undefined) last = i;
  });
  if (last >= 0) items.push(powToUint64(s.powRequirement ?? 0));
  if (last >= 1) {
    if (s.bloom) assertBloom(s.bloom);
    items.push(s.bloom ?? new Uint8Array(0));
  }
  if (last >= 2) items.push(s.lightNode ? 1 : 0);
  if (last >= 3) items.push(s.confirmationsEnabled ? 1 : 0);
  if (last >= 4) {
    const r = s.rateLimits!;
    items.push([r.ipLimits, r.peerIdLimits, r.topicLimits]);
  }
  return rlpEncode(items);
}

export function decodeWhisperStatus(payload: Uint8Array): WhisperStatus {
  const l = expectList(rlpDecode(payload, 'status packet'), 'status packet');
  if (l.length < 1) throw new WhisperError(WHISPER_ERROR.INVALID_PACKET, 'status packet without a version');
  const version = Number(decodeUint(l[0], 8, 'status version'));
  const s: WhisperStatus = { version };
  if (l.length > 1) s.powRequirement = decodePowRequirement(decodeUint(l[1], 8, 'status PoW requirement'));
  if (l.length > 2) {
    const bloom = expectBytes(l[2], 'status bloom');
    if (bloom.length !== 0 && bloom.length !== WHISPER.BLOOM_SIZE) {
      throw new WhisperError(WHISPER_ERROR.INVALID_PACKET, `status bloom of ${bloom.length} bytes (${preview(bloom)})`);
    }
    if (bloom.length !== 0) s.bloom = bloom;
  }
  if (l.length > 3) s.lightNode = decodeBool(l[3], 'status light node');
  if (l.length > 4) s.confirmationsEnabled = decodeBool(l[4], 'status confirmations');
  if (l.length > 5) s.rateLimits = decodeRateLimits(l[5]);
  return s;
}

export function decodeRateLimits(item: RlpItem): RateLimits {
  const r = expectList(item, 'rate limits');
  if (r.length < 3) throw new WhisperError(WHISPER_ERROR.INVALID_PACKET, `rate limits need 3 fields, got ${r.length}`);
  return {
    ipLimits: decodeUint(r[0], 8, 'IP limit'),
    peerIdLimits: decodeUint(r[1], 8, 'peer limit'),
    topicLimits: decodeUint(r[2], 8, 'topic limit'),
  };
}

/** Rate limits packet (code 20): `[ip limit, peer id limit, topic limit]`. */
export function encodeRateLimitsPacket(r: RateLimits): Uint8Array {
  return rlpEncode([r.ipLimits, r.peerIdLimits, r.topicLimits]);
}

export function decodeRateLimitsPacket(payload: Uint8Array): RateLimits {
  return decodeRateLimits(rlpDecode(payload, 'rate limits packet'));
}

/** PoW requirement packet (code 2): the float64 bit pattern as an RLP integer. */
export function encodePowRequirementPacket(pow: number): Uint8Array {
  return rlpEncode(powToUint64(pow));
}

export function decodePowRequirementPacket(payload: Uint8Array): number {
  return decodePowRequirement(decodeUint(rlpDecode(payload, 'PoW requirement packet'), 8, 'PoW requirement'));
}

/** Bloom filter packet (code 3): a 64-byte RLP string. */
export function encodeBloomPacket(bloom: Bloom): Uint8Array {
  assertBloom(bloom);
  return rlpEncode(bloom);
}

export function decodeBloomPacket(payload: Uint8Array): Bloom {
  const b = expectBytes(rlpDecode(payload, 'bloom packet'), 'bloom packet');
  if (b.length !== WHISPER.BLOOM_SIZE) throw new WhisperError(WHISPER_ERROR.INVALID_PACKET, `bloom packet of ${b.length} bytes (${preview(b)})`);
  return b;
}

/** Batch acknowledged (code 11): keccak256 of the messages packet payload that was processed. */
export function encodeBatchAckPacket(batchHash: Uint8Array): Uint8Array {
  return rlpEncode(batchHash);
}

export function decodeBatchAckPacket(payload: Uint8Array): Uint8Array {
  const h = expectBytes(rlpDecode(payload, 'batch ack'), 'batch ack');
  if (h.length !== 32) throw new WhisperError(WHISPER_ERROR.INVALID_PACKET, `batch hash of ${h.length} bytes`);
  return h;
}

export interface EnvelopeErrorEntry {
  hash: Uint8Array;
  code: number;
  description: string;
}

export interface MessagesResponse {
  version: number;
  batchHash: Uint8Array;
  errors: EnvelopeErrorEntry[];
}

/** Message response (code 12): `[version = 1, [batch hash, [[envelope hash, code, description], ...]]]`. */
export function encodeMessageResponsePacket(batchHash: Uint8Array, errors: readonly EnvelopeErrorEntry[]): Uint8Array {
  const te = new TextEncoder();
  return rlpEncode([MESSAGE_RESPONSE_VERSION, [batchHash, errors.map((e) => [e.hash, e.code, te.encode(e.description)])]]);
}

export function decodeMessageResponsePacket(payload: Uint8Array): MessagesResponse {
  const l = expectList(rlpDecode(payload, 'message response'), 'message response');
  if (l.length < 2) throw new WhisperError(WHISPER_ERROR.INVALID_PACKET, `message response needs 2 fields, got ${l.length}`);
  const version = Number(decodeUint(l[0], 8, 'message response version'));
  const body = expectList(l[1], 'message response body');
  if (body.length < 2) throw new WhisperError(WHISPER_ERROR.INVALID_PACKET, 'message response body needs [hash, errors]');
  const batchHash = expectBytes(body[0], 'message response batch hash');
  if (batchHash.length !== 32) throw new WhisperError(WHISPER_ERROR.INVALID_PACKET, `batch hash of ${batchHash.length} bytes`);
  const td = new TextDecoder();
  const errors = expectList(body[1], 'message response errors').map((item, i) => {
    const f = expectList(item, `envelope error #${i}`);
    if (f.length < 3) throw new WhisperError(WHISPER_ERROR.INVALID_PACKET, `envelope error #${i} needs 3 fields`);
    const hash = expectBytes(f[0], 'envelope error hash');
    if (hash.length !== 32) throw new WhisperError(WHISPER_ERROR.INVALID_PACKET, `envelope error hash of ${hash.length} bytes`);
    return { hash, code: Number(decodeUint(f[1], 4, 'envelope error code')), description: td.decode(expectBytes(f[2], 'envelope error description')) };
  });
  return { version, batchHash, errors };
}
