/** Error codes of StatusClient: what went wrong with a message, a chat or the client itself. */
export const CLIENT_ERROR = {
  /** The client is not started, or was stopped. */
  NOT_STARTED: 'NOT_STARTED',
  /** start() was called twice, or on a stopped client. */
  ALREADY_STARTED: 'ALREADY_STARTED',
  /** A caller passed a value the client cannot use (bad key, empty text, unknown chat…). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** The chat does not exist or is not joined. */
  UNKNOWN_CHAT: 'UNKNOWN_CHAT',
  /** The operation needs group admin rights or membership we do not have. */
  NOT_ALLOWED: 'NOT_ALLOWED',
  /** An envelope or ProtocolMessage that the secure transport could not open. */
  DECRYPTION_FAILED: 'DECRYPTION_FAILED',
  /** An ApplicationMetadataMessage or payload that does not decode or validate. */
  INVALID_PAYLOAD: 'INVALID_PAYLOAD',
  /** The message's signature names another author than the envelope's signer. */
  AUTHOR_MISMATCH: 'AUTHOR_MISMATCH',
  /** The transport refused or failed to post. */
  TRANSPORT_FAILED: 'TRANSPORT_FAILED',
  /** A storage operation failed (disk full, locked file…); the cause is a StorageError. */
  STORAGE_FAILED: 'STORAGE_FAILED',
  /** MVDS failed to take a message or a payload. */
  SYNC_FAILED: 'SYNC_FAILED',
  /** A mailserver request failed or was cut short. */
  HISTORY_FAILED: 'HISTORY_FAILED',
  /** The operation was aborted through its AbortSignal. */
  ABORTED: 'ABORTED',
  /** A wait (waitForPeers, waitForMessage, waitForDelivery) ran out of time (`timeoutMs`). */
  TIMEOUT: 'TIMEOUT',
} as const;
export type ClientErrorCode = (typeof CLIENT_ERROR)[keyof typeof CLIENT_ERROR];

export class ClientError extends Error {
  readonly code: ClientErrorCode;
  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClientError';
    this.code = code;
  }
}

/** Why an incoming message was dropped without being an error of ours or theirs to report as one. */
export const IGNORED_REASON = {
  /** The envelope carries no signature: Status messages are always signed. */
  UNSIGNED: 'UNSIGNED',
  /** A public-chat message for a chat we have not joined. */
  NOT_JOINED: 'NOT_JOINED',
  /** A group message or update for a group we are not a member of. */
  NOT_MEMBER: 'NOT_MEMBER',
  /** A group event the group rules reject (7/GROUP-CHAT). */
  GROUP_EVENT_REJECTED: 'GROUP_EVENT_REJECTED',
  /** A message type that arrived on a channel it cannot come from (a 1:1 on a public topic…). */
  WRONG_CHANNEL: 'WRONG_CHANNEL',
  /** A payload type this client does not handle. */
  UNSUPPORTED_TYPE: 'UNSUPPORTED_TYPE',
  /** An envelope whose ratchet message was already opened (a relay's or mailserver's second copy). */
  DUPLICATE: 'DUPLICATE',
  /** A direct message with no entry for this device, or from our own unpaired device. */
  NOT_FOR_THIS_DEVICE: 'NOT_FOR_THIS_DEVICE',
} as const;
export type IgnoredReason = (typeof IGNORED_REASON)[keyof typeof IGNORED_REASON];

export function abortError(signal: AbortSignal | undefined, what: string): ClientError {
  const reason: unknown = signal?.reason;
  return new ClientError(CLIENT_ERROR.ABORTED, `${what} aborted${reason instanceof Error ? `: ${reason.message}` : ''}`, { cause: reason });
}

export function timeoutError(what: string, timeoutMs: number): ClientError {
  return new ClientError(CLIENT_ERROR.TIMEOUT, `${what} timed out after ${timeoutMs} ms`);
}

/** setTimeout's limit: a longer wait is Infinity or an error, never a timer that fires at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A `timeoutMs` a caller gave: a positive number of ms up to MAX_TIMEOUT_MS, or Infinity. */
export function checkTimeout(timeoutMs: number, what: string): number {
  if (timeoutMs === Infinity || (typeof timeoutMs === 'number' && timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS)) return timeoutMs;
  throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `${what}: timeoutMs must be > 0 and ≤ ${MAX_TIMEOUT_MS}, or Infinity, got ${String(timeoutMs)}`);
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortError(signal, what);
}
