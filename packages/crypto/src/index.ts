export { CRYPTO_ERROR, CryptoError, type CryptoErrorCode } from './errors.js';
export {
  bytesToHex,
  hexToBytes,
  toHex0x,
  concatBytes,
  equalBytes,
  compareBytes,
  utf8ToBytes,
  bytesToUtf8,
  uintToBytesBE,
  bytesToBigIntBE,
  toUint8Array,
} from './bytes.js';
export { randomBytes } from './random.js';
export {
  type Backend,
  type BackendName,
  portableBackend,
  fastBackend,
  getBackend,
  availableBackends,
  useBackend,
} from './backend.js';
export {
  keccak256,
  keccak256Prefix,
  sha256,
  hmacSha256,
  hkdfSha256,
  pbkdf2Sha256,
  scrypt,
  scryptAsync,
  concatKdfSha256,
  type ScryptParams,
} from './hashes.js';
export {
  type PrivateKey,
  type PublicKey,
  type Signature,
  SIGNATURE_LENGTH,
  generatePrivateKey,
  isValidPrivateKey,
  isValidPublicKey,
  getPublicKey,
  compressPublicKey,
  decompressPublicKey,
  normalizePublicKey,
  ecdh,
  sign,
  recoverPublicKey,
  verify,
} from './secp256k1.js';
export { aes256GcmEncrypt, aes256GcmDecrypt, aesCtr, AES_GCM_NONCE_LENGTH, AES_GCM_TAG_LENGTH } from './aes.js';
export { eciesEncrypt, eciesDecrypt, ECIES_OVERHEAD, type EciesOptions } from './ecies.js';
export { createKeccak256, type Keccak256Hasher } from './keccak-incremental.js';
export { createRlpxMac, createRlpxFrameCipher, type RlpxMac, type RlpxFrameCipher } from './rlpx-mac.js';
export { createAesCtrStream, type AesCtrStream } from './aes-ctr-stream.js';
