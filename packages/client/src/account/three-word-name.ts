import { normalizePublicKey, CryptoError } from '@status-stack/crypto';
import { ACCOUNT_ERROR, AccountError } from '../errors.js';
import adjectives from './words/adjectives.json' with { type: 'json' };
import animals from './words/animals.json' with { type: 'json' };

// status-go protocol/identity/alias: a 64-bit LFSR seeded from the key, feedback polynomial 0xB8.
const LFSR_POLY = 0xb8n;
const MASK64 = (1n << 64n) - 1n;

/** The word lists of status-go v0.62.18 (`protocol/identity/alias/data.go`), in its order. */
export const THREE_WORD_NAME_WORDS = {
  adjectives: adjectives as readonly string[],
  animals: animals as readonly string[],
} as const;

function lfsrNext(state: bigint): bigint {
  let bit = 0n;
  for (let i = 0n; i < 64n; i++) {
    if ((LFSR_POLY >> i) & 1n) bit ^= state >> i;
  }
  return ((state << 1n) & MASK64) | (bit & 1n);
}

/** The three-word name for a 64-bit seed (status-go `generate(seed)`). */
export function threeWordNameFromSeed(seed: bigint): string {
  if (seed < 0n || seed > MASK64) {
    throw new AccountError(ACCOUNT_ERROR.INVALID_INDEX, `three-word name seed out of uint64 range: ${seed}`);
  }
  const adj = THREE_WORD_NAME_WORDS.adjectives;
  const ani = THREE_WORD_NAME_WORDS.animals;
  const s1 = lfsrNext(seed);
  const s2 = lfsrNext(s1);
  const s3 = lfsrNext(s2);
  return `${adj[Number(s1 % BigInt(adj.length))]} ${adj[Number(s2 % BigInt(adj.length))]} ${ani[Number(s3 % BigInt(ani.length))]}`;
}

/**
 * The seed status-go uses: the low 64 bits of the public key's X coordinate
 * (Go `uint64(X.Int64())`), i.e. bytes 25..32 of the uncompressed key, big-endian.
 */
export function threeWordNameSeed(publicKey: Uint8Array | string): bigint {
  const key = toUncompressed(publicKey);
  let seed = 0n;
  for (let i = 25; i < 33; i++) seed = (seed << 8n) | BigInt(key[i]);
  return seed;
}

/** "Adjective Adjective Animal" for a public key (65/64/33 bytes, or hex with or without 0x). */
export function threeWordName(publicKey: Uint8Array | string): string {
  return threeWordNameFromSeed(threeWordNameSeed(publicKey));
}

function toUncompressed(publicKey: Uint8Array | string): Uint8Array {
  let bytes: Uint8Array;
  if (typeof publicKey === 'string') {
    const hex = publicKey.startsWith('0x') || publicKey.startsWith('0X') ? publicKey.slice(2) : publicKey;
    if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
      throw new AccountError(ACCOUNT_ERROR.INVALID_PUBLIC_KEY, `public key is not hex: ${publicKey.slice(0, 80)}`);
    }
    bytes = new Uint8Array(hex.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  } else {
    bytes = publicKey;
  }
  try {
    return normalizePublicKey(bytes);
  } catch (err) {
    if (err instanceof CryptoError) {
      throw new AccountError(ACCOUNT_ERROR.INVALID_PUBLIC_KEY, `not a secp256k1 public key (${bytes.length} bytes)`, { cause: err });
    }
    throw err;
  }
}
