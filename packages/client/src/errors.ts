/** Error codes of the account layer (mnemonics, derivation, names). */
export const ACCOUNT_ERROR = {
  INVALID_MNEMONIC: 'INVALID_MNEMONIC',
  INVALID_PUBLIC_KEY: 'INVALID_PUBLIC_KEY',
  INVALID_INDEX: 'INVALID_INDEX',
  DERIVATION_FAILED: 'DERIVATION_FAILED',
} as const;
export type AccountErrorCode = (typeof ACCOUNT_ERROR)[keyof typeof ACCOUNT_ERROR];

export class AccountError extends Error {
  readonly code: AccountErrorCode;
  constructor(code: AccountErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AccountError';
    this.code = code;
  }
}

/** Error codes of the encrypted key store. */
export const KEYSTORE_ERROR = {
  /** The password does not open the file (the key check value does not match). */
  WRONG_PASSWORD: 'WRONG_PASSWORD',
  /** The file is not a key store we can read: bad JSON, missing or malformed fields, failed authentication. */
  CORRUPT_KEYSTORE: 'CORRUPT_KEYSTORE',
  /** A format version this code does not know. */
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  /** Parameters outside the accepted range (KDF cost, lengths). */
  INVALID_PARAMS: 'INVALID_PARAMS',
  /** Reading or writing the file failed. */
  IO: 'IO',
} as const;
export type KeystoreErrorCode = (typeof KEYSTORE_ERROR)[keyof typeof KEYSTORE_ERROR];

export class KeystoreError extends Error {
  readonly code: KeystoreErrorCode;
  constructor(code: KeystoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeystoreError';
    this.code = code;
  }
}

/** Error codes of the client storage. */
export const STORAGE_ERROR = {
  /** Another connection holds the lock (SQLITE_BUSY): the account is open elsewhere. */
  BUSY: 'BUSY',
  /** A table is locked inside this connection (SQLITE_LOCKED). */
  LOCKED: 'LOCKED',
  /** The disk or the configured size limit is full (SQLITE_FULL). */
  DISK_FULL: 'DISK_FULL',
  /** The file is not a database or is damaged (SQLITE_CORRUPT, SQLITE_NOTADB); opened without a key, also an encrypted file. */
  CORRUPT: 'CORRUPT',
  /**
   * The key does not open the encrypted database: it was encrypted under another key (another
   * password or key store, e.g. an account recovered anew), or its first page is damaged.
   */
  WRONG_KEY: 'WRONG_KEY',
  /** The storage was closed. */
  CLOSED: 'CLOSED',
  /** The file cannot be opened or written (SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_IOERR*). */
  IO: 'IO',
  /** The file was written by a newer schema than this code knows. */
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  /** A value that the storage cannot hold (wrong type, out of range). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A constraint failed (SQLITE_CONSTRAINT). */
  CONSTRAINT: 'CONSTRAINT',
  /** Any other storage failure. */
  INTERNAL: 'INTERNAL',
} as const;
export type StorageErrorCode = (typeof STORAGE_ERROR)[keyof typeof STORAGE_ERROR];

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
    this.code = code;
  }
}
