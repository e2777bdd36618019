/** Stable error codes of the crypto package. */
export const CRYPTO_ERROR = {
  INVALID_PRIVATE_KEY: 'INVALID_PRIVATE_KEY',
  INVALID_PUBLIC_KEY: 'INVALID_PUBLIC_KEY',
  INVALID_SIGNATURE: 'INVALID_SIGNATURE',
  INVALID_LENGTH: 'INVALID_LENGTH',
  DECRYPTION_FAILED: 'DECRYPTION_FAILED',
  INVALID_HEX: 'INVALID_HEX',
  BACKEND_UNAVAILABLE: 'BACKEND_UNAVAILABLE',
} as const;
export type CryptoErrorCode = (typeof CRYPTO_ERROR)[keyof typeof CRYPTO_ERROR];

/** Every failure of this package is a CryptoError with a stable `code`. */
export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message);
  }
}
