import {
  CryptoError,
  concatBytes,
  compareBytes,
  equalBytes,
  getPublicKey,
  keccak256,
  recoverPublicKey,
  sign,
  utf8ToBytes,
} from '@status-stack/crypto';
import { PROTOCOL } from './constants.js';
import { SECURE_TRANSPORT_ERROR, SecureTransportError } from './errors.js';
import { parseCompressedKey } from './keys.js';
import type { Bundle, SignedPreKey } from './protocol-message.js';

/**
 * The bytes a bundle signature covers (status-go x3dh.go buildSignatureMaterial): for each
 * installation id in ascending byte order, utf8(id) ‖ signed prekey ‖ decimal version; then the
 * decimal timestamp unless it is 0 (older clients signed without one).
 */
export function bundleSignatureMaterial(bundle: Pick<Bundle, 'signedPreKeys' | 'timestamp'>): Uint8Array {
  const ids = [...bundle.signedPreKeys.keys()].map((id) => ({ id, bytes: utf8ToBytes(id) }));
  // Go's sort.Strings compares bytes; JS string order (UTF-16 units) differs outside the BMP.
  ids.sort((a, b) => compareBytes(a.bytes, b.bytes));
  const parts: Uint8Array[] = [];
  for (const { id, bytes } of ids) {
    const k = bundle.signedPreKeys.get(id)!;
    parts.push(bytes, k.signedPreKey, utf8ToBytes(String(k.version >>> 0)));
  }
  if (bundle.timestamp !== 0n) parts.push(utf8ToBytes(bundle.timestamp.toString(10)));
  return concatBytes(...parts);
}

/** Signs a bundle with the identity key: r‖s‖v over keccak256(signature material). */
export function signBundle(
  identityPrivateKey: Uint8Array,
  signedPreKeys: Map<string, SignedPreKey>,
  timestamp: bigint,
): Bundle {
  const unsigned = { signedPreKeys, timestamp };
  const signature = sign(keccak256(bundleSignatureMaterial(unsigned)), identityPrivateKey);
  return { identity: getPublicKey(identityPrivateKey, true), signedPreKeys, signature, timestamp };
}

/**
 * Verifies a received bundle and returns its identity (33-byte compressed): the signature must
 * recover exactly the identity the bundle claims. Throws INVALID_BUNDLE / INVALID_BUNDLE_SIGNATURE.
 */
export function verifyBundle(bundle: Bundle): Uint8Array {
  const identity = parseCompressedKey(bundle.identity, 'bundle identity');
  if (bundle.signedPreKeys.size === 0) {
    throw new SecureTransportError(SECURE_TRANSPORT_ERROR.INVALID_BUNDLE, 'bundle has no signed prekeys');
  }
  if (bundle.signedPreKeys.size > PROTOCOL.MAX_BUNDLE_PREKEYS) {
    throw new SecureTransportError(
      SECURE_TRANSPORT_ERROR.INVALID_BUNDLE,
      `bundle has ${bundle.signedPreKeys.size} signed prekeys, more than ${PROTOCOL.MAX_BUNDLE_PREKEYS}`,
    );
  }
  for (const [id, k] of bundle.signedPreKeys) {
    parseCompressedKey(k.signedPreKey, `signed prekey of installation ${JSON.stringify(id)}`);
  }
  if (bundle.signature.length !== 65) {
    throw new SecureTransportError(
      SECURE_TRANSPORT_ERROR.INVALID_BUNDLE_SIGNATURE,
      `bundle signature must be 65 bytes, got ${bundle.signature.length}`,
    );
  }
  let recovered: Uint8Array;
  try {
    recovered = recoverPublicKey(keccak256(bundleSignatureMaterial(bundle)), bundle.signature, true);
  } catch (e) {
    if (e instanceof CryptoError) {
      throw new SecureTransportError(SECURE_TRANSPORT_ERROR.INVALID_BUNDLE_SIGNATURE, `bundle signature does not recover: ${e.message}`);
    }
    throw e;
  }
  if (!equalBytes(recovered, identity)) {
    throw new SecureTransportError(
      SECURE_TRANSPORT_ERROR.INVALID_BUNDLE_SIGNATURE,
      `bundle signature recovers ${Buffer.from(recovered).toString('hex')}, not the claimed identity ${Buffer.from(identity).toString('hex')}`,
    );
  }
  return identity;
}
