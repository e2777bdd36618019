import { bytesToHex, ecdh, keccak256, normalizePublicKey, pbkdf2Sha256, utf8ToBytes, type PrivateKey, type PublicKey } from '@status-stack/crypto';
import { WHISPER } from './constants.js';
import { WhisperError, WHISPER_ERROR } from './errors.js';
import { topicFromString, type Topic } from './topic.js';

/** Symmetric key from a password as status-go derives it: PBKDF2-HMAC-SHA256, empty salt, 65356 iterations, 32 bytes. */
export function symKeyFromPassword(password: string | Uint8Array): Uint8Array {
  const pw = typeof password === 'string' ? utf8ToBytes(password) : password;
  return pbkdf2Sha256(pw, new Uint8Array(0), WHISPER.PASSWORD_ITERATIONS, WHISPER.AES_KEY_LENGTH);
}

export function publicChatTopic(chatName: string): Topic {
  return topicFromString(chatName);
}

export function publicChatKey(chatName: string): Uint8Array {
  return symKeyFromPassword(chatName);
}

function uncompressed(publicKey: Uint8Array): PublicKey {
  try {
    return normalizePublicKey(publicKey);
  } catch (e) {
    throw new WhisperError(WHISPER_ERROR.INVALID_KEY, `not a secp256k1 public key (${publicKey.length} bytes): ${(e as Error).message}`, { cause: e });
  }
}

export const DISCOVERY_TOPIC_NAME = 'contact-discovery';
const PARTITIONS = 5000n;

/** Shared topic every Status client listens on for contact discovery. */
export function discoveryTopic(): Topic {
  return topicFromString(DISCOVERY_TOPIC_NAME);
}

/** `"contact-discovery-" + (X mod 5000)`: the topic first contact to `publicKey` is sent on. */
export function partitionedTopicName(publicKey: Uint8Array): string {
  const x = BigInt(`0x${bytesToHex(uncompressed(publicKey).subarray(1, 33))}`);
  return `${DISCOVERY_TOPIC_NAME}-${(x % PARTITIONS).toString()}`;
}

export function partitionedTopic(publicKey: Uint8Array): Topic {
  return topicFromString(partitionedTopicName(publicKey));
}

/** `"contact-discovery-" + hex(uncompressed key)` (status-go's personal discovery topic). */
export function personalDiscoveryTopic(publicKey: Uint8Array): Topic {
  return topicFromString(`${DISCOVERY_TOPIC_NAME}-${bytesToHex(uncompressed(publicKey))}`);
}

export function contactCodeTopicName(publicKey: Uint8Array): string {
  return `0x${bytesToHex(uncompressed(publicKey))}-contact-code`;
}

export function contactCodeTopic(publicKey: Uint8Array): Topic {
  return topicFromString(contactCodeTopicName(publicKey));
}

export interface NegotiatedSecret {
  /** ECDH X coordinate (32 bytes). */
  secret: Uint8Array;
  /** Lowercase hex of the secret, no 0x. */
  password: string;
  topic: Topic;
  symKey: Uint8Array;
}

/** The topic and key two Status users share once they know each other's keys. */
export function negotiatedSecret(privateKey: PrivateKey, theirPublicKey: Uint8Array): NegotiatedSecret {
  const secret = ecdh(privateKey, uncompressed(theirPublicKey));
  const password = bytesToHex(secret);
  return { secret, password, topic: keccak256(utf8ToBytes(password)).slice(0, 4), symKey: symKeyFromPassword(password) };
}
