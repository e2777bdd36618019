import {
  AES_GCM_NONCE_LENGTH,
  AES_GCM_TAG_LENGTH,
  CryptoError,
  aes256GcmDecrypt,
  aes256GcmEncrypt,
  concatBytes,
  ecdh,
  generatePrivateKey,
  getPublicKey,
  randomBytes,
} from '@status-stack/crypto';
import { SECURE_TRANSPORT_ERROR, SecureTransportError } from './errors.js';
import type { DirectMessageProtocol } from './protocol-message.js';

/**
 * The no-bundle path (status-go encryptor.encryptWithDH): key = ECDH X(ephemeral, recipient identity),
 * payload = AES-256-GCM ciphertext ‖ tag ‖ 12-byte nonce (crypto.EncryptSymmetric puts the nonce last).
 * No forward secrecy: the recipient's identity key opens it forever.
 */
export function encryptWithDh(
  recipientIdentityKey: Uint8Array,
  plaintext: Uint8Array,
  ephemeralPrivateKey: Uint8Array = generatePrivateKey(),
  nonce: Uint8Array = randomBytes(AES_GCM_NONCE_LENGTH),
): DirectMessageProtocol {
  const key = ecdh(ephemeralPrivateKey, recipientIdentityKey);
  const payload = concatBytes(aes256GcmEncrypt(key, nonce, plaintext), nonce);
  return { dhHeader: { key: getPublicKey(ephemeralPrivateKey, true) }, payload };
}

/** Opens a DH_header payload with our identity key; MAC failure is DECRYPTION_FAILED. */
export function decryptWithDh(myIdentityPrivateKey: Uint8Array, theirEphemeralKey: Uint8Array, payload: Uint8Array): Uint8Array {
  if (payload.length < AES_GCM_NONCE_LENGTH + AES_GCM_TAG_LENGTH) {
    throw new SecureTransportError(
      SECURE_TRANSPORT_ERROR.TRUNCATED_PAYLOAD,
      `DH payload of ${payload.length} bytes is shorter than nonce and tag (${AES_GCM_NONCE_LENGTH + AES_GCM_TAG_LENGTH})`,
    );
  }
  const key = ecdh(myIdentityPrivateKey, theirEphemeralKey);
  const nonce = payload.subarray(payload.length - AES_GCM_NONCE_LENGTH);
  try {
    return aes256GcmDecrypt(key, nonce, payload.subarray(0, payload.length - AES_GCM_NONCE_LENGTH));
  } catch (e) {
    if (e instanceof CryptoError) throw new SecureTransportError(SECURE_TRANSPORT_ERROR.DECRYPTION_FAILED, `DH payload: ${e.message}`);
    throw e;
  }
}
