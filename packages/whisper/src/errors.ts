export const WHISPER_ERROR = {
  INVALID_RLP: 'INVALID_RLP',
  INVALID_ENVELOPE: 'INVALID_ENVELOPE',
  INVALID_TOPIC: 'INVALID_TOPIC',
  INVALID_BLOOM: 'INVALID_BLOOM',
  INVALID_KEY: 'INVALID_KEY',
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  INVALID_SIGNATURE: 'INVALID_SIGNATURE',
  INVALID_PACKET: 'INVALID_PACKET',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  DECRYPTION_FAILED: 'DECRYPTION_FAILED',
  POW_TOO_LOW: 'POW_TOO_LOW',
  POW_NOT_REACHED: 'POW_NOT_REACHED',
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  ENVELOPE_FROM_FUTURE: 'ENVELOPE_FROM_FUTURE',
  ENVELOPE_TOO_OLD: 'ENVELOPE_TOO_OLD',
  BLOOM_MISMATCH: 'BLOOM_MISMATCH',
  NOT_RUNNING: 'NOT_RUNNING',
  RATE_LIMITED: 'RATE_LIMITED',
} as const;
export type WhisperErrorCode = (typeof WHISPER_ERROR)[keyof typeof WHISPER_ERROR];

export class WhisperError extends Error {
  readonly code: WhisperErrorCode;
  constructor(code: WhisperErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WhisperError';
    this.code = code;
  }
}

/**
 * An envelope rejected because the clocks disagree (from the future, or very old). go-ethereum/status-go
 * report these to the sender with code TIME_NOT_SYNCED and, unlike other envelope errors, do not
 * disconnect the peer for them.
 */
export class TimeSyncError extends WhisperError {
  constructor(code: typeof WHISPER_ERROR.ENVELOPE_FROM_FUTURE | typeof WHISPER_ERROR.ENVELOPE_TOO_OLD, message: string) {
    super(code, message);
    this.name = 'TimeSyncError';
  }
}

// The errors of the mailserver archive port (EnvelopeArchive, types.ts), here so the port file imports no feature.
export const ARCHIVE_ERROR_CODES = {
  INVALID_RECORD: 'INVALID_RECORD',
  INVALID_RANGE: 'INVALID_RANGE',
  INVALID_LIMIT: 'INVALID_LIMIT',
  INVALID_CURSOR: 'INVALID_CURSOR',
  INVALID_FILTER: 'INVALID_FILTER',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  DATABASE: 'DATABASE',
  CLOSED: 'CLOSED',
} as const;
export type ArchiveErrorCode = (typeof ARCHIVE_ERROR_CODES)[keyof typeof ARCHIVE_ERROR_CODES];

/** Every failure of an archive: bad input, or the database itself (never an empty result instead). */
export class ArchiveError extends Error {
  readonly code: ArchiveErrorCode;
  constructor(code: ArchiveErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArchiveError';
    this.code = code;
  }
}
