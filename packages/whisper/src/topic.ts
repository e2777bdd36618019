import { bytesToHex, keccak256, utf8ToBytes } from '@status-stack/crypto';
import { WHISPER } from './constants.js';
import { WhisperError, WHISPER_ERROR } from './errors.js';

/** A 4-byte Whisper topic. */
export type Topic = Uint8Array;

/** go-ethereum's BytesToTopic: the first min(4, len) bytes, right-padded with zeros. */
export function bytesToTopic(bytes: Uint8Array): Topic {
  const t = new Uint8Array(WHISPER.TOPIC_LENGTH);
  t.set(bytes.subarray(0, WHISPER.TOPIC_LENGTH));
  return t;
}

export function assertTopic(topic: Uint8Array, what = 'topic'): void {
  if (!(topic instanceof Uint8Array) || topic.length !== WHISPER.TOPIC_LENGTH) {
    throw new WhisperError(WHISPER_ERROR.INVALID_TOPIC, `${what} must be ${WHISPER.TOPIC_LENGTH} bytes, got ${topic instanceof Uint8Array ? topic.length : typeof topic}`);
  }
}

/** "0x" + 8 lowercase hex digits. */
export function topicToHex(topic: Topic): string {
  assertTopic(topic);
  return `0x${bytesToHex(topic)}`;
}

/** Parses exactly 8 hex digits, with or without 0x (go-ethereum TopicType.UnmarshalText rejects any other length). */
export function hexToTopic(hex: string): Topic {
  const m = /^(?:0x)?([0-9a-fA-F]{8})$/.exec(hex);
  if (!m) throw new WhisperError(WHISPER_ERROR.INVALID_TOPIC, `not a 4-byte hex topic: ${JSON.stringify(hex)}`);
  const t = new Uint8Array(4);
  for (let i = 0; i < 4; i++) t[i] = parseInt(m[1].slice(i * 2, i * 2 + 2), 16);
  return t;
}

/** Status's way to name a topic: the first 4 bytes of keccak256 of the UTF-8 string. */
export function topicFromString(name: string): Topic {
  return keccak256(utf8ToBytes(name)).slice(0, WHISPER.TOPIC_LENGTH);
}

export function topicKey(topic: Topic): number {
  return ((topic[0] << 24) | (topic[1] << 16) | (topic[2] << 8) | topic[3]) >>> 0;
}
