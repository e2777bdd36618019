import { pbkdf2Sync } from 'node:crypto';
import { scrypt as nobleScrypt, scryptAsync as nobleScryptAsync } from '@noble/hashes/scrypt.js';
import { getBackend } from './backend.js';

/** Keccak-256 (the Ethereum hash; not SHA3-256). */
export function keccak256(data: Uint8Array): Uint8Array {
  return getBackend().keccak256(data);
}

/**
 * Absorbs `prefix` once and returns a function computing keccak256(prefix ‖ suffix): what a PoW
 * search needs, where only the trailing nonce changes between attempts.
 */
export function keccak256Prefix(prefix: Uint8Array): (suffix: Uint8Array) => Uint8Array {
  return getBackend().keccak256Prefix(prefix);
}

export function sha256(data: Uint8Array): Uint8Array {
  return getBackend().sha256(data);
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return getBackend().hmacSha256(key, data);
}

/** HKDF-SHA256 (RFC 5869). `salt` undefined or empty means a zero-filled salt of hash length. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array {
  return getBackend().hkdfSha256(ikm, salt ?? new Uint8Array(0), info, length);
}

/** PBKDF2-HMAC-SHA256 through node:crypto. */
export function pbkdf2Sha256(password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Uint8Array {
  return new Uint8Array(pbkdf2Sync(password, salt, iterations, length, 'sha256'));
}

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
  dkLen: number;
}

export function scrypt(password: Uint8Array, salt: Uint8Array, params: ScryptParams): Uint8Array {
  return nobleScrypt(password, salt, { ...params, maxmem: 2 ** 31 });
}

export function scryptAsync(password: Uint8Array, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  return nobleScryptAsync(password, salt, { ...params, maxmem: 2 ** 31 });
}

/** NIST SP 800-56 concatenation KDF with SHA-256, as go-ethereum's ECIES uses it. */
export function concatKdfSha256(z: Uint8Array, otherInfo: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const b = getBackend();
  let off = 0;
  for (let counter = 1; off < length; counter++) {
    const input = new Uint8Array(4 + z.length + otherInfo.length);
    new DataView(input.buffer).setUint32(0, counter, false);
    input.set(z, 4);
    input.set(otherInfo, 4 + z.length);
    const block = b.sha256(input);
    const n = Math.min(block.length, length - off);
    out.set(block.subarray(0, n), off);
    off += n;
  }
  return out;
}
