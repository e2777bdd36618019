import { concatBytes, hmacSha256 } from '@status-stack/crypto';

/**
 * HKDF-SHA256 (RFC 5869) built on the crypto package's HMAC: with the fast backend that HMAC is
 * node:crypto, several times quicker than crypto's portable `hkdfSha256` on the ratchet's hot path.
 * Same output as `hkdfSha256` (asserted in test/hkdf.test.ts).
 */
export function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const prk = hmacSha256(salt.length > 0 ? salt : new Uint8Array(32), ikm);
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, off = 0; off < length; i++) {
    t = hmacSha256(prk, concatBytes(t, info, Uint8Array.of(i)));
    out.set(t.subarray(0, Math.min(t.length, length - off)), off);
    off += t.length;
  }
  return out;
}
