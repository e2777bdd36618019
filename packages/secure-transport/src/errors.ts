/** Stable error codes of the secure-transport package. */
export const SECURE_TRANSPORT_ERROR = {
  /** Bytes are not a well-formed protobuf of the expected message. */
  MALFORMED_MESSAGE: 'MALFORMED_MESSAGE',
  /** A public key in a header or bundle is not a valid compressed secp256k1 point. */
  INVALID_KEY: 'INVALID_KEY',
  /** A bundle's signature does not recover the identity it claims. */
  INVALID_BUNDLE_SIGNATURE: 'INVALID_BUNDLE_SIGNATURE',
  /** A bundle is structurally unusable (no prekeys, too many prekeys, bad lengths). */
  INVALID_BUNDLE: 'INVALID_BUNDLE',
  /** A bundle older than the newest one already accepted for its identity. */
  STALE_BUNDLE: 'STALE_BUNDLE',
  /** The payload's MAC (HMAC-SHA256 or AES-GCM tag) does not verify. */
  DECRYPTION_FAILED: 'DECRYPTION_FAILED',
  /** A ciphertext is too short to hold its IV/nonce and MAC. */
  TRUNCATED_PAYLOAD: 'TRUNCATED_PAYLOAD',
  /** A header asks to skip more message keys than allowed (skipped-key bomb). */
  TOO_MANY_SKIPPED: 'TOO_MANY_SKIPPED',
  /** A message whose key was already used or deleted (replay, duplicate or too old). */
  DUPLICATE_MESSAGE: 'DUPLICATE_MESSAGE',
  /** No session matches a Double Ratchet header. */
  NO_SESSION: 'NO_SESSION',
  /** An X3DH header names a signed prekey of ours we do not (or no longer) hold. */
  UNKNOWN_PREKEY: 'UNKNOWN_PREKEY',
  /** A direct message entry carries no usable header. */
  NO_HEADER: 'NO_HEADER',
  /** A ProtocolMessage carries neither a public message nor direct messages. */
  NO_PAYLOAD: 'NO_PAYLOAD',
  /** An argument to the API is out of range. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
} as const;
export type SecureTransportErrorCode = (typeof SECURE_TRANSPORT_ERROR)[keyof typeof SECURE_TRANSPORT_ERROR];

/** Every failure of this package is a SecureTransportError with a stable `code`. */
export class SecureTransportError extends Error {
  override readonly name = 'SecureTransportError';
  constructor(
    readonly code: SecureTransportErrorCode,
    message: string,
  ) {
    super(message);
  }
}
