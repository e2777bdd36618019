import {
  aes256GcmDecrypt,
  aes256GcmEncrypt,
  CryptoError,
  eciesDecrypt,
  eciesEncrypt,
  isValidPrivateKey,
  keccak256,
  normalizePublicKey,
  randomBytes,
  recoverPublicKey,
  sign,
  type PrivateKey,
  type PublicKey,
} from '@status-stack/crypto';
import { MESSAGE_FLAGS, WHISPER } from './constants.js';
import { WhisperError, WHISPER_ERROR } from './errors.js';

/**
 * The data field of an envelope, decrypted:
 * `flags ‖ payload size (flags & 3 bytes, LE) ‖ payload ‖ padding ‖ [signature(65) if flags & 4]`.
 */
export interface PlaintextParams {
  payload: Uint8Array;
  /** Fixed padding; by default random bytes up to the next multiple of 256 (go-ethereum's size classes). */
  padding?: Uint8Array;
  /** Signs with this key when given. */
  signingKey?: PrivateKey;
}

export interface DecodedPlaintext {
  payload: Uint8Array;
  padding: Uint8Array;
  /** 65-byte r‖s‖v, when signed. */
  signature?: Uint8Array;
  /** Recovered 65-byte uncompressed public key of the signer, when signed. */
  signer?: PublicKey;
}

/** Bytes of the payload-size field: 1 for payloads under 256 bytes, one more per factor of 256. */
export function payloadSizeFieldLength(payloadLength: number): number {
  let s = 1;
  for (let i = payloadLength; i >= 256; i = Math.floor(i / 256)) s++;
  return s;
}

/** Random padding length as go-ethereum picks it: up to the next multiple of 256 (a full 256 when already aligned). */
export function defaultPaddingLength(payloadLength: number, signed: boolean): number {
  const raw = 1 + payloadSizeFieldLength(payloadLength) + payloadLength + (signed ? WHISPER.SIGNATURE_LENGTH : 0);
  return WHISPER.PAD_SIZE_LIMIT - (raw % WHISPER.PAD_SIZE_LIMIT);
}

export function encodePlaintext(params: PlaintextParams): Uint8Array {
  const { payload } = params;
  const sizeLen = payloadSizeFieldLength(payload.length);
  if (sizeLen > 3) throw new WhisperError(WHISPER_ERROR.MESSAGE_TOO_LARGE, `payload of ${payload.length} bytes does not fit a 3-byte size field`);
  const signed = params.signingKey !== undefined;
  const padding = params.padding ?? randomBytes(defaultPaddingLength(payload.length, signed));
  const bodyLen = 1 + sizeLen + payload.length + padding.length;
  const out = new Uint8Array(bodyLen + (signed ? WHISPER.SIGNATURE_LENGTH : 0));
  // The signature flag is set before hashing: the signature covers it.
  out[0] = sizeLen | (signed ? MESSAGE_FLAGS.SIGNED : 0);
  for (let i = 0; i < sizeLen; i++) out[1 + i] = (payload.length >>> (8 * i)) & 0xff;
  out.set(payload, 1 + sizeLen);
  out.set(padding, 1 + sizeLen + payload.length);
  if (signed) {
    if (!isValidPrivateKey(params.signingKey!)) throw new WhisperError(WHISPER_ERROR.INVALID_KEY, 'signing key is not a valid secp256k1 private key');
    out.set(sign(keccak256(out.subarray(0, bodyLen)), params.signingKey!), bodyLen);
  }
  return out;
}

/** Parses and, when signed, recovers the signer. Throws INVALID_MESSAGE / INVALID_SIGNATURE. */
export function decodePlaintext(raw: Uint8Array): DecodedPlaintext {
  if (raw.length < 1) throw new WhisperError(WHISPER_ERROR.INVALID_MESSAGE, 'empty plaintext');
  const flags = raw[0];
  let end = raw.length;
  let signature: Uint8Array | undefined;
  let signer: PublicKey | undefined;
  if ((flags & MESSAGE_FLAGS.SIGNED) !== 0) {
    end -= WHISPER.SIGNATURE_LENGTH;
    if (end <= 1) throw new WhisperError(WHISPER_ERROR.INVALID_MESSAGE, `signed plaintext too short (${raw.length} bytes)`);
    signature = raw.slice(end);
    try {
      signer = recoverPublicKey(keccak256(raw.subarray(0, end)), signature);
    } catch (e) {
      throw new WhisperError(WHISPER_ERROR.INVALID_SIGNATURE, `cannot recover signer: ${(e as Error).message}`, { cause: e });
    }
  }
  const sizeLen = flags & MESSAGE_FLAGS.PAYLOAD_SIZE_MASK;
  let beg = 1;
  let payload = new Uint8Array(0);
  if (sizeLen !== 0) {
    if (beg + sizeLen > end) throw new WhisperError(WHISPER_ERROR.INVALID_MESSAGE, `payload size field (${sizeLen} bytes) past the end (${end})`);
    let size = 0;
    for (let i = 0; i < sizeLen; i++) size += raw[beg + i] * 2 ** (8 * i);
    beg += sizeLen;
    if (beg + size > end) throw new WhisperError(WHISPER_ERROR.INVALID_MESSAGE, `payload size ${size} exceeds the ${end - beg} bytes available`);
    payload = raw.slice(beg, beg + size);
    beg += size;
  }
  const padding = raw.slice(beg, end);
  return signature ? { payload, padding, signature, signer } : { payload, padding };
}

export function assertSymKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== WHISPER.AES_KEY_LENGTH) {
    throw new WhisperError(WHISPER_ERROR.INVALID_KEY, `symmetric key must be ${WHISPER.AES_KEY_LENGTH} bytes, got ${key instanceof Uint8Array ? key.length : typeof key}`);
  }
  // go-ethereum's validateDataIntegrity: an all-zero key is the most common bug.
  if (key.every((b) => b === 0)) throw new WhisperError(WHISPER_ERROR.INVALID_KEY, 'symmetric key is all zeros');
}

/** AES-256-GCM, no associated data: `ciphertext ‖ tag(16) ‖ nonce(12)`, nonce last. */
export function encryptSymmetric(key: Uint8Array, plaintext: Uint8Array, nonce: Uint8Array = randomBytes(WHISPER.AES_NONCE_LENGTH)): Uint8Array {
  assertSymKey(key);
  if (nonce.length !== WHISPER.AES_NONCE_LENGTH) throw new WhisperError(WHISPER_ERROR.INVALID_ARGUMENT, `AES-GCM nonce must be 12 bytes, got ${nonce.length}`);
  const ct = aes256GcmEncrypt(key, nonce, plaintext);
  const out = new Uint8Array(ct.length + nonce.length);
  out.set(ct);
  out.set(nonce, ct.length);
  return out;
}

export function decryptSymmetric(key: Uint8Array, data: Uint8Array): Uint8Array {
  assertSymKey(key);
  if (data.length < WHISPER.AES_NONCE_LENGTH + WHISPER.AES_TAG_LENGTH) {
    throw new WhisperError(WHISPER_ERROR.DECRYPTION_FAILED, `symmetric data too short (${data.length} bytes)`);
  }
  const nonce = data.subarray(data.length - WHISPER.AES_NONCE_LENGTH);
  try {
    return aes256GcmDecrypt(key, nonce, data.subarray(0, data.length - WHISPER.AES_NONCE_LENGTH));
  } catch (e) {
    throw new WhisperError(WHISPER_ERROR.DECRYPTION_FAILED, `AES-GCM open failed: ${(e as Error).message}`, { cause: e });
  }
}

/** go-ethereum ECIES (secp256k1, concat KDF, AES-128-CTR, HMAC-SHA256, empty s1/s2). */
export function encryptAsymmetric(publicKey: PublicKey, plaintext: Uint8Array, opts: { ephemeralPrivateKey?: PrivateKey; iv?: Uint8Array } = {}): Uint8Array {
  let pub: PublicKey;
  try {
    pub = normalizePublicKey(publicKey);
  } catch (e) {
    throw new WhisperError(WHISPER_ERROR.INVALID_KEY, `recipient public key invalid: ${(e as Error).message}`, { cause: e });
  }
  return eciesEncrypt(pub, plaintext, opts);
}

export function decryptAsymmetric(privateKey: PrivateKey, data: Uint8Array): Uint8Array {
  try {
    return eciesDecrypt(privateKey, data);
  } catch (e) {
    if (e instanceof CryptoError || e instanceof Error) {
      throw new WhisperError(WHISPER_ERROR.DECRYPTION_FAILED, `ECIES open failed: ${e.message}`, { cause: e });
    }
    throw e;
  }
}
