import { CryptoError, compressPublicKey, decompressPublicKey, isValidPublicKey, isValidPrivateKey } from '@status-stack/crypto';
import { SECURE_TRANSPORT_ERROR, SecureTransportError } from './errors.js';

/**
 * A public key from the network: status-go only accepts 33-byte compressed keys in bundles and
 * headers (crypto.DecompressPubkey). Returns the key unchanged (compressed) after validating it.
 */
export function parseCompressedKey(key: Uint8Array, what: string): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== 33 || !isValidPublicKey(key)) {
    const shown = key instanceof Uint8Array ? Buffer.from(key).toString('hex').slice(0, 80) : String(key);
    throw new SecureTransportError(SECURE_TRANSPORT_ERROR.INVALID_KEY, `${what} is not a compressed secp256k1 key: ${shown}`);
  }
  return key;
}

/** Any public key form (33, 64 or 65 bytes) from the API, normalised to 33-byte compressed. */
export function toCompressedKey(key: Uint8Array, what: string): Uint8Array {
  if (!(key instanceof Uint8Array)) {
    throw new SecureTransportError(SECURE_TRANSPORT_ERROR.INVALID_KEY, `${what} must be a Uint8Array, got ${typeof key}`);
  }
  try {
    if (key.length === 64) {
      const full = new Uint8Array(65);
      full[0] = 4;
      full.set(key, 1);
      return compressPublicKey(full);
    }
    return compressPublicKey(key);
  } catch (e) {
    if (e instanceof CryptoError) {
      throw new SecureTransportError(SECURE_TRANSPORT_ERROR.INVALID_KEY, `${what} is not a secp256k1 public key: ${e.message}`);
    }
    throw e;
  }
}

/** 65-byte uncompressed form (what status-go's upper layers print and hash). */
export function toUncompressedKey(key: Uint8Array, what: string): Uint8Array {
  try {
    return decompressPublicKey(toCompressedKey(key, what));
  } catch (e) {
    if (e instanceof CryptoError) throw new SecureTransportError(SECURE_TRANSPORT_ERROR.INVALID_KEY, `${what}: ${e.message}`);
    throw e;
  }
}

export function assertPrivateKey(key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== 32 || !isValidPrivateKey(key)) {
    throw new SecureTransportError(SECURE_TRANSPORT_ERROR.INVALID_ARGUMENT, `${what} is not a secp256k1 private key`);
  }
}
