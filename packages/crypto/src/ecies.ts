import { aesCtr } from './aes.js';
import { concatBytes, equalBytes } from './bytes.js';
import { CRYPTO_ERROR, CryptoError } from './errors.js';
import { concatKdfSha256, hmacSha256, sha256 } from './hashes.js';
import { randomBytes } from './random.js';
import { ecdh, generatePrivateKey, getPublicKey, type PrivateKey, type PublicKey } from './secp256k1.js';

/** Overhead of an ECIES message: R (65) ‖ IV (16) ‖ … ‖ HMAC (32). */
export const ECIES_OVERHEAD = 65 + 16 + 32;

export interface EciesOptions {
  /** s1 of go-ethereum's ECIES: shared info for the KDF. */
  sharedInfo?: Uint8Array;
  /** s2: shared data authenticated by the MAC (RLPx passes the 2-byte size prefix). */
  sharedMacData?: Uint8Array;
  /** Fixed ephemeral key and IV, for known-answer tests only. */
  ephemeralPrivateKey?: PrivateKey;
  iv?: Uint8Array;
}

function deriveKeys(z: Uint8Array, sharedInfo: Uint8Array): { encKey: Uint8Array; macKey: Uint8Array } {
  const k = concatKdfSha256(z, sharedInfo, 32);
  return { encKey: k.subarray(0, 16), macKey: sha256(k.subarray(16, 32)) };
}

/**
 * ECIES as go-ethereum's crypto/ecies does it with secp256k1 and AES-128-CTR + HMAC-SHA256:
 * output = R (65-byte uncompressed) ‖ IV (16) ‖ AES-128-CTR(kE, IV, m) ‖ HMAC-SHA256(sha256(kM), IV ‖ c ‖ s2).
 */
export function eciesEncrypt(recipient: PublicKey, plaintext: Uint8Array, opts: EciesOptions = {}): Uint8Array {
  const ephemeral = opts.ephemeralPrivateKey ?? generatePrivateKey();
  const iv = opts.iv ?? randomBytes(16);
  const z = ecdh(ephemeral, recipient);
  const { encKey, macKey } = deriveKeys(z, opts.sharedInfo ?? new Uint8Array(0));
  const c = aesCtr(encKey, iv, plaintext);
  const tag = hmacSha256(macKey, concatBytes(iv, c, opts.sharedMacData ?? new Uint8Array(0)));
  return concatBytes(getPublicKey(ephemeral, false), iv, c, tag);
}

/** Opens an ECIES message; throws CryptoError(DECRYPTION_FAILED) on a bad point, length or MAC. */
export function eciesDecrypt(privateKey: PrivateKey, data: Uint8Array, opts: Pick<EciesOptions, 'sharedInfo' | 'sharedMacData'> = {}): Uint8Array {
  if (data.length < ECIES_OVERHEAD || data[0] !== 4) {
    throw new CryptoError(CRYPTO_ERROR.DECRYPTION_FAILED, `ECIES message malformed (length ${data.length})`);
  }
  const R = data.subarray(0, 65);
  let z: Uint8Array;
  try {
    z = ecdh(privateKey, R);
  } catch (e) {
    throw new CryptoError(CRYPTO_ERROR.DECRYPTION_FAILED, `ECIES ephemeral key invalid: ${(e as Error).message}`);
  }
  const { encKey, macKey } = deriveKeys(z, opts.sharedInfo ?? new Uint8Array(0));
  const iv = data.subarray(65, 81);
  const c = data.subarray(81, data.length - 32);
  const tag = data.subarray(data.length - 32);
  const expected = hmacSha256(macKey, concatBytes(iv, c, opts.sharedMacData ?? new Uint8Array(0)));
  if (!equalBytes(tag, expected)) throw new CryptoError(CRYPTO_ERROR.DECRYPTION_FAILED, 'ECIES MAC mismatch');
  return aesCtr(encKey, iv, c);
}
