import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CRYPTO_ERROR, CryptoError } from './errors.js';

const u8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export const AES_GCM_TAG_LENGTH = 16;
export const AES_GCM_NONCE_LENGTH = 12;

/** AES-256-GCM; returns ciphertext ‖ 16-byte tag. */
export function aes256GcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new CryptoError(CRYPTO_ERROR.INVALID_LENGTH, `AES-256 key must be 32 bytes, got ${key.length}`);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  if (aad) c.setAAD(aad);
  return u8(Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]));
}

/** AES-256-GCM open of ciphertext ‖ tag; throws CryptoError(DECRYPTION_FAILED) when authentication fails. */
export function aes256GcmDecrypt(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new CryptoError(CRYPTO_ERROR.INVALID_LENGTH, `AES-256 key must be 32 bytes, got ${key.length}`);
  if (sealed.length < AES_GCM_TAG_LENGTH) throw new CryptoError(CRYPTO_ERROR.DECRYPTION_FAILED, 'ciphertext shorter than the GCM tag');
  try {
    const d = createDecipheriv('aes-256-gcm', key, nonce);
    if (aad) d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - AES_GCM_TAG_LENGTH));
    return u8(Buffer.concat([d.update(sealed.subarray(0, sealed.length - AES_GCM_TAG_LENGTH)), d.final()]));
  } catch (e) {
    throw new CryptoError(CRYPTO_ERROR.DECRYPTION_FAILED, `AES-GCM authentication failed: ${(e as Error).message}`);
  }
}

/** AES-CTR (AES-128 or AES-256 by key length, 16-byte IV); the same call encrypts and decrypts. */
export function aesCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const alg = key.length === 16 ? 'aes-128-ctr' : key.length === 32 ? 'aes-256-ctr' : null;
  if (!alg) throw new CryptoError(CRYPTO_ERROR.INVALID_LENGTH, `AES-CTR key must be 16 or 32 bytes, got ${key.length}`);
  if (iv.length !== 16) throw new CryptoError(CRYPTO_ERROR.INVALID_LENGTH, `AES-CTR IV must be 16 bytes, got ${iv.length}`);
  const c = createCipheriv(alg, key, iv);
  return u8(Buffer.concat([c.update(data), c.final()]));
}
