import { getBackend } from './backend.js';
import { randomBytes } from './random.js';
import { CRYPTO_ERROR, CryptoError } from './errors.js';

/** 32-byte secp256k1 secret scalar. */
export type PrivateKey = Uint8Array;
/** secp256k1 public key: 65 bytes uncompressed (0x04‖X‖Y) or 33 bytes compressed. */
export type PublicKey = Uint8Array;
/** Recoverable signature as it travels on the wire: r(32)‖s(32)‖v(1), v ∈ {0, 1}. */
export type Signature = Uint8Array;

export const SIGNATURE_LENGTH = 65;

export function generatePrivateKey(): PrivateKey {
  const b = getBackend();
  for (;;) {
    const k = randomBytes(32);
    if (b.isValidPrivateKey(k)) return k;
  }
}

export function isValidPrivateKey(key: Uint8Array): boolean {
  return getBackend().isValidPrivateKey(key);
}

export function isValidPublicKey(key: Uint8Array): boolean {
  return getBackend().isValidPublicKey(key);
}

/** Public key of a private key; uncompressed (65 bytes) unless `compressed`. */
export function getPublicKey(privateKey: PrivateKey, compressed = false): PublicKey {
  return getBackend().getPublicKey(privateKey, compressed);
}

export function compressPublicKey(publicKey: PublicKey): PublicKey {
  return getBackend().convertPublicKey(publicKey, true);
}

export function decompressPublicKey(publicKey: PublicKey): PublicKey {
  return getBackend().convertPublicKey(publicKey, false);
}

/** Accepts 64 bytes (X‖Y, devp2p node id form), 65 or 33 bytes; returns 65-byte uncompressed. */
export function normalizePublicKey(publicKey: Uint8Array): PublicKey {
  if (publicKey.length === 64) {
    const full = new Uint8Array(65);
    full[0] = 4;
    full.set(publicKey, 1);
    return decompressPublicKey(full);
  }
  return decompressPublicKey(publicKey);
}

/** ECDH: the 32-byte X coordinate of privateKey · publicKey (go-ethereum's GenerateShared). */
export function ecdh(privateKey: PrivateKey, publicKey: PublicKey): Uint8Array {
  return getBackend().ecdhX(privateKey, publicKey);
}

function assertDigest(digest: Uint8Array): void {
  if (digest.length !== 32) throw new CryptoError(CRYPTO_ERROR.INVALID_LENGTH, `digest must be 32 bytes, got ${digest.length}`);
}

/** Signs a 32-byte digest (no further hashing); returns r‖s‖v with v ∈ {0, 1}. */
export function sign(digest: Uint8Array, privateKey: PrivateKey): Signature {
  assertDigest(digest);
  const { signature, recovery } = getBackend().sign(digest, privateKey);
  const out = new Uint8Array(65);
  out.set(signature, 0);
  out[64] = recovery;
  return out;
}

/** Recovers the signer's public key (65 bytes uncompressed unless `compressed`) from r‖s‖v. Accepts v ∈ {0,1,27,28}. */
export function recoverPublicKey(digest: Uint8Array, signature: Signature, compressed = false): PublicKey {
  assertDigest(digest);
  if (signature.length !== SIGNATURE_LENGTH) {
    throw new CryptoError(CRYPTO_ERROR.INVALID_SIGNATURE, `signature must be 65 bytes, got ${signature.length}`);
  }
  let v = signature[64];
  if (v >= 27) v -= 27;
  if (v > 3) throw new CryptoError(CRYPTO_ERROR.INVALID_SIGNATURE, `invalid recovery id ${signature[64]}`);
  return getBackend().recover(digest, signature.subarray(0, 64), v, compressed);
}

/** Verifies a 64-byte r‖s (or 65-byte r‖s‖v) signature against a public key. */
export function verify(digest: Uint8Array, signature: Uint8Array, publicKey: PublicKey): boolean {
  if (digest.length !== 32 || (signature.length !== 64 && signature.length !== 65)) return false;
  return getBackend().verify(digest, signature.subarray(0, 64), publicKey);
}
