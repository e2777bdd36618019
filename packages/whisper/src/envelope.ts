import { keccak256 } from '@status-stack/crypto';
import { WHISPER } from './constants.js';
import { WhisperError, WHISPER_ERROR } from './errors.js';
import { decodeUint, decodeUintNumber, expectBytes, expectList, preview, rlpDecode, rlpEncode, type RlpItem } from './rlp-util.js';
import { assertTopic, type Topic } from './topic.js';
import { topicToBloom, type Bloom } from './bloom.js';

/** A Whisper v6 / Waku v1 envelope: RLP `[expiry, ttl, topic, data, nonce]`. */
export interface Envelope {
  /** Unix seconds (uint32). */
  readonly expiry: number;
  /** Seconds (uint32). */
  readonly ttl: number;
  readonly topic: Topic;
  /** Encrypted message. */
  readonly data: Uint8Array;
  /** PoW nonce (uint64). */
  readonly nonce: bigint;
}

const UINT32_MAX = 0xffffffff;
const UINT64_MAX = (1n << 64n) - 1n;

function assertEnvelopeFields(env: Envelope): void {
  if (!Number.isInteger(env.expiry) || env.expiry < 0 || env.expiry > UINT32_MAX) {
    throw new WhisperError(WHISPER_ERROR.INVALID_ENVELOPE, `expiry must be a uint32, got ${env.expiry}`);
  }
  if (!Number.isInteger(env.ttl) || env.ttl < 0 || env.ttl > UINT32_MAX) {
    throw new WhisperError(WHISPER_ERROR.INVALID_ENVELOPE, `ttl must be a uint32, got ${env.ttl}`);
  }
  if (typeof env.nonce !== 'bigint' || env.nonce < 0n || env.nonce > UINT64_MAX) {
    throw new WhisperError(WHISPER_ERROR.INVALID_ENVELOPE, `nonce must be a uint64 bigint, got ${String(env.nonce)}`);
  }
  assertTopic(env.topic, 'envelope topic');
}

export function envelopeToRlpItem(env: Envelope): [number, number, Uint8Array, Uint8Array, bigint] {
  return [env.expiry, env.ttl, env.topic, env.data, env.nonce];
}

/** RLP of the envelope as sent inside a messages packet. */
export function encodeEnvelope(env: Envelope): Uint8Array {
  assertEnvelopeFields(env);
  return rlpEncode(envelopeToRlpItem(env));
}

/** RLP `[expiry, ttl, topic, data]`: the PoW input (before the nonce) and the PoW divisor. */
export function encodeEnvelopeWithoutNonce(env: Omit<Envelope, 'nonce'>): Uint8Array {
  return rlpEncode([env.expiry, env.ttl, env.topic, env.data]);
}

/** Validates a decoded RLP item as an envelope (exactly five fields, canonical integers, 4-byte topic). */
export function envelopeFromRlpItem(item: RlpItem, what = 'envelope'): Envelope {
  const fields = expectList(item, what);
  if (fields.length !== 5) throw new WhisperError(WHISPER_ERROR.INVALID_ENVELOPE, `${what}: expected 5 fields, got ${fields.length}`);
  const expiry = decodeUintNumber(fields[0], 4, `${what} expiry`);
  const ttl = decodeUintNumber(fields[1], 4, `${what} ttl`);
  const topic = expectBytes(fields[2], `${what} topic`);
  if (topic.length !== WHISPER.TOPIC_LENGTH) {
    throw new WhisperError(WHISPER_ERROR.INVALID_ENVELOPE, `${what}: topic must be 4 bytes, got ${topic.length} (${preview(topic)})`);
  }
  const data = expectBytes(fields[3], `${what} data`);
  const nonce = decodeUint(fields[4], 8, `${what} nonce`);
  return { expiry, ttl, topic, data, nonce };
}

export function decodeEnvelope(bytes: Uint8Array): Envelope {
  return envelopeFromRlpItem(rlpDecode(bytes, 'envelope'));
}

/** keccak256 of the envelope's RLP: its identity on the network. */
export function envelopeHash(env: Envelope): Uint8Array {
  return keccak256(encodeEnvelope(env));
}

/** go-ethereum's `size()`: 20 + len(data). Used for the PoW target and the max-message-size check. */
export function envelopeSize(env: Pick<Envelope, 'data'>): number {
  return WHISPER.ENVELOPE_HEADER_LENGTH + env.data.length;
}

export function envelopeBloom(env: Pick<Envelope, 'topic'>): Bloom {
  return topicToBloom(env.topic);
}

/** Payload of a messages packet (code 1): an RLP list of envelopes. */
export function encodeMessagesPacket(envelopes: readonly Envelope[]): Uint8Array {
  for (const e of envelopes) assertEnvelopeFields(e);
  return rlpEncode(envelopes.map(envelopeToRlpItem));
}

/** Decodes a messages packet; throws on the first malformed envelope (go-ethereum rejects the whole packet). */
export function decodeMessagesPacket(bytes: Uint8Array): Envelope[] {
  const list = expectList(rlpDecode(bytes, 'messages packet'), 'messages packet');
  return list.map((item, i) => envelopeFromRlpItem(item, `envelope #${i}`));
}
