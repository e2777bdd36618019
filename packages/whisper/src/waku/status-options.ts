// Waku status (code 0) and status-update (code 22) packets: an RLP list of `[key, value]` pairs
// (vac 6/WAKU1 "Status"; NOTES.md). status-go v0.62.18 writes the pairs in key order and only for
// the options it sets; a reader ignores keys it does not know and must not rely on the order.
//   waku/1: options list, integer keys 0..6        e.g. [[0, pow bits], [2, 1], ...]
//   waku/0: [version (0), options list], and the keys are decimal strings ("0" = 0x30): status-go's
//           v0 `statusOptionKey` is a Go string.
import { WHISPER } from '../constants.js';
import { WhisperError, WHISPER_ERROR } from '../errors.js';
import { decodeBool, decodeUint, expectBytes, expectList, preview, rlpDecode, rlpEncode, type RlpItem } from '../rlp-util.js';
import { decodePowRequirement, powToUint64 } from '../pow.js';
import { assertTopic, type Topic } from '../topic.js';
import type { Bloom } from '../bloom.js';
import type { RateLimits } from '../packets.js';
import { WAKU, WAKU_STATUS_KEY } from './constants.js';

/** Every option is optional; in a status update an absent option means "unchanged". */
export interface WakuStatusOptions {
  /** Minimum PoW of envelopes the node accepts (sent as the float64 bit pattern). */
  powRequirement?: number;
  /** 64-byte bloom; all ones = full node. Ignored by the receiver when `topicInterest` is also present. */
  bloom?: Bloom;
  lightNode?: boolean;
  confirmationsEnabled?: boolean;
  /** Packets per second (per IP, per peer id, per topic); 0 = no limit. */
  packetRateLimits?: RateLimits;
  /** Exactly the topics the node wants; empty = nothing. At most 10000. */
  topicInterest?: Topic[];
  /** Bytes per second (per IP, per peer id, per topic); `waku/1` only. */
  bytesRateLimits?: RateLimits;
}

export type WakuVersion = 0 | 1;

function invalid(message: string): WhisperError {
  return new WhisperError(WHISPER_ERROR.INVALID_PACKET, message);
}

function keyItem(key: number, version: WakuVersion): number | Uint8Array {
  return version === 0 ? new TextEncoder().encode(String(key)) : key;
}

function rateLimitsItem(r: RateLimits): bigint[] {
  for (const v of [r.ipLimits, r.peerIdLimits, r.topicLimits]) {
    if (typeof v !== 'bigint' || v < 0n || v >= 1n << 64n) throw new WhisperError(WHISPER_ERROR.INVALID_ARGUMENT, `rate limit must be a uint64 bigint, got ${String(v)}`);
  }
  return [r.ipLimits, r.peerIdLimits, r.topicLimits];
}

/** The option list alone (the whole payload of a `waku/1` status or any status update). */
export function encodeWakuStatusOptions(o: WakuStatusOptions, version: WakuVersion = 1): Uint8Array {
  return rlpEncode(optionsItem(o, version));
}

type Pair = [number | Uint8Array, bigint | number | Uint8Array | Uint8Array[] | bigint[]];

function optionsItem(o: WakuStatusOptions, version: WakuVersion): Pair[] {
  const pairs: Pair[] = [];
  const k = (key: number) => keyItem(key, version);
  if (o.powRequirement !== undefined) {
    if (!Number.isFinite(o.powRequirement) || o.powRequirement < 0) {
      throw new WhisperError(WHISPER_ERROR.INVALID_ARGUMENT, `PoW requirement must be finite and >= 0, got ${o.powRequirement}`);
    }
    pairs.push([k(WAKU_STATUS_KEY.POW_REQUIREMENT), powToUint64(o.powRequirement)]);
  }
  if (o.bloom !== undefined) {
    if (o.bloom.length !== WHISPER.BLOOM_SIZE) throw new WhisperError(WHISPER_ERROR.INVALID_BLOOM, `bloom must be 64 bytes, got ${o.bloom.length}`);
    pairs.push([k(WAKU_STATUS_KEY.BLOOM_FILTER), o.bloom]);
  }
  if (o.lightNode !== undefined) pairs.push([k(WAKU_STATUS_KEY.LIGHT_NODE), o.lightNode ? 1 : 0]);
  if (o.confirmationsEnabled !== undefined) pairs.push([k(WAKU_STATUS_KEY.CONFIRMATIONS_ENABLED), o.confirmationsEnabled ? 1 : 0]);
  if (o.packetRateLimits !== undefined) pairs.push([k(WAKU_STATUS_KEY.PACKET_RATE_LIMITS), rateLimitsItem(o.packetRateLimits)]);
  if (o.topicInterest !== undefined) {
    if (o.topicInterest.length > WAKU.MAX_TOPIC_INTEREST) {
      throw new WhisperError(WHISPER_ERROR.INVALID_ARGUMENT, `topic interest of ${o.topicInterest.length} topics exceeds ${WAKU.MAX_TOPIC_INTEREST}`);
    }
    for (const t of o.topicInterest) assertTopic(t, 'topic interest');
    pairs.push([k(WAKU_STATUS_KEY.TOPIC_INTEREST), o.topicInterest]);
  }
  // waku/0 predates the bytes limits: its peers would skip the key anyway.
  if (o.bytesRateLimits !== undefined && version === 1) pairs.push([k(WAKU_STATUS_KEY.BYTES_RATE_LIMITS), rateLimitsItem(o.bytesRateLimits)]);
  return pairs;
}

/** The status packet (code 0): the option list for `waku/1`, `[0, options]` for `waku/0`. */
export function encodeWakuStatus(o: WakuStatusOptions, version: WakuVersion = 1): Uint8Array {
  return version === 0 ? rlpEncode([WAKU.LEGACY_VERSION, optionsItem(o, 0)]) : encodeWakuStatusOptions(o, 1);
}

/** Reads a key: an unsigned integer in waku/1, a decimal string in waku/0; undefined for keys we cannot read as either. */
function readKey(item: RlpItem | undefined, version: WakuVersion, index: number): number | undefined {
  const b = expectBytes(item, `status option #${index} key`);
  if (version === 0) {
    if (b.length === 0 || b.length > 6 || !b.every((x) => x >= 0x30 && x <= 0x39)) return undefined;
    return Number(new TextDecoder().decode(b));
  }
  if (b.length > 8) return undefined;
  const v = decodeUint(b, 8, `status option #${index} key`);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
}

function decodeRateLimitsItem(item: RlpItem, what: string): RateLimits {
  const r = expectList(item, what);
  if (r.length !== 3) throw invalid(`${what}: expected [ip, peer id, topic], got ${r.length} items`);
  return {
    ipLimits: decodeUint(r[0], 8, `${what} ip`),
    peerIdLimits: decodeUint(r[1], 8, `${what} peer id`),
    topicLimits: decodeUint(r[2], 8, `${what} topic`),
  };
}

function decodeOptionsItem(item: RlpItem, version: WakuVersion): WakuStatusOptions {
  const list = expectList(item, 'status options');
  const o: WakuStatusOptions = {};
  list.forEach((pairItem, i) => {
    const pair = expectList(pairItem, `status option #${i}`);
    if (pair.length < 1) throw invalid(`status option #${i} is an empty list`);
    const key = readKey(pair[0], version, i);
    const known = key !== undefined && key <= WAKU_STATUS_KEY.BYTES_RATE_LIMITS && !(version === 0 && key === WAKU_STATUS_KEY.BYTES_RATE_LIMITS);
    // Unknown keys are skipped whatever their value (forward compatibility, vac 6/WAKU1).
    if (!known) return;
    if (pair.length !== 2) throw invalid(`status option ${key}: expected [key, value], got ${pair.length} items`);
    const value = pair[1];
    switch (key) {
      case WAKU_STATUS_KEY.POW_REQUIREMENT:
        o.powRequirement = decodePowRequirement(decodeUint(value, 8, 'PoW requirement'));
        break;
      case WAKU_STATUS_KEY.BLOOM_FILTER: {
        const bloom = expectBytes(value, 'bloom filter');
        if (bloom.length !== 0 && bloom.length !== WHISPER.BLOOM_SIZE) throw invalid(`bloom filter of ${bloom.length} bytes (${preview(bloom)})`);
        o.bloom = bloom;
        break;
      }
      case WAKU_STATUS_KEY.LIGHT_NODE:
        o.lightNode = decodeBool(value, 'light node');
        break;
      case WAKU_STATUS_KEY.CONFIRMATIONS_ENABLED:
        o.confirmationsEnabled = decodeBool(value, 'confirmations enabled');
        break;
      case WAKU_STATUS_KEY.PACKET_RATE_LIMITS:
        o.packetRateLimits = decodeRateLimitsItem(value, 'packet rate limits');
        break;
      case WAKU_STATUS_KEY.TOPIC_INTEREST: {
        const topics = expectList(value, 'topic interest');
        if (topics.length > WAKU.MAX_TOPIC_INTEREST) throw invalid(`topic interest of ${topics.length} topics exceeds ${WAKU.MAX_TOPIC_INTEREST}`);
        o.topicInterest = topics.map((t, j) => {
          const b = expectBytes(t, `topic interest #${j}`);
          if (b.length !== WHISPER.TOPIC_LENGTH) throw invalid(`topic interest #${j} of ${b.length} bytes (${preview(b)})`);
          return b;
        });
        break;
      }
      case WAKU_STATUS_KEY.BYTES_RATE_LIMITS:
        o.bytesRateLimits = decodeRateLimitsItem(value, 'bytes rate limits');
        break;
    }
  });
  return o;
}

/** Decodes an option list (a `waku/1` status, or a status update of either version). Throws WhisperError. */
export function decodeWakuStatusOptions(payload: Uint8Array, version: WakuVersion = 1): WakuStatusOptions {
  return decodeOptionsItem(rlpDecode(payload, 'status options'), version);
}

/** Decodes a status packet (code 0) of `waku/1` (options) or `waku/0` (`[version, options]`). Throws WhisperError. */
export function decodeWakuStatus(payload: Uint8Array, version: WakuVersion = 1): WakuStatusOptions {
  const item = rlpDecode(payload, 'status packet');
  if (version === 1) return decodeOptionsItem(item, 1);
  const l = expectList(item, 'waku/0 status packet');
  if (l.length < 2) throw invalid(`waku/0 status packet needs [version, options], got ${l.length} items`);
  const v = decodeUint(l[0], 8, 'waku/0 status version');
  if (v !== BigInt(WAKU.LEGACY_VERSION)) throw invalid(`waku/0 status packet with version ${v}`);
  return decodeOptionsItem(l[1], 0);
}
