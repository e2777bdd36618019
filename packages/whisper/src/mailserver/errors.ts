// Errors of the mailserver: as a node feature (MailserverError: client requests and server answers)
// and of its packet codecs (MailserverCodecError); the archive has its own (ArchiveError).
import { WhisperError } from '../errors.js';
import { preview, rlpDecode, type RlpItem } from '../rlp-util.js';

export const MAILSERVER_ERROR = {
  /** Bad arguments to requestHistory (range, limit, topics, peer id). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** The mailserver peer is not connected (or its handshake is not done). */
  NO_PEER: 'NO_PEER',
  /** The peer disconnected before completing the request. */
  PEER_DISCONNECTED: 'PEER_DISCONNECTED',
  /** No request complete within the timeout. */
  TIMEOUT: 'TIMEOUT',
  /** The caller's AbortSignal fired. */
  ABORTED: 'ABORTED',
  /** The server answered with a request-failed payload (`ERROR=…`), e.g. its database failed. */
  REQUEST_FAILED: 'REQUEST_FAILED',
  /** The server sent something we cannot read (malformed P2P messages or request complete). */
  INVALID_RESPONSE: 'INVALID_RESPONSE',
  /** The server sent more envelopes than the request allowed. */
  FLOODED: 'FLOODED',
  /** More pages than `maxPages`: the server keeps handing out cursors. */
  TOO_MANY_PAGES: 'TOO_MANY_PAGES',
  /** The client or server was closed. */
  CLOSED: 'CLOSED',
} as const;
export type MailserverErrorCode = (typeof MAILSERVER_ERROR)[keyof typeof MAILSERVER_ERROR];

export class MailserverError extends Error {
  readonly code: MailserverErrorCode;
  /** For PEER_DISCONNECTED: the devp2p disconnect reason the link closed with (e.g. 0x10 SubprotocolError). */
  readonly disconnectReason: number | undefined;
  constructor(code: MailserverErrorCode, message: string, options?: { cause?: unknown; disconnectReason?: number }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'MailserverError';
    this.code = code;
    this.disconnectReason = options?.disconnectReason;
  }
}

export const MAILSERVER_CODEC_ERROR_CODES = {
  MALFORMED_RLP: 'MALFORMED_RLP',
  INVALID_MESSAGES_REQUEST: 'INVALID_MESSAGES_REQUEST',
  INVALID_REQUEST_PAYLOAD: 'INVALID_REQUEST_PAYLOAD',
  INVALID_REQUEST_COMPLETE: 'INVALID_REQUEST_COMPLETE',
  INVALID_P2P_MESSAGES: 'INVALID_P2P_MESSAGES',
} as const;
export type MailserverCodecErrorCode = (typeof MAILSERVER_CODEC_ERROR_CODES)[keyof typeof MAILSERVER_CODEC_ERROR_CODES];

/** A mailserver packet (125, 126, 127) that does not decode, or a value that cannot be encoded as one. */
export class MailserverCodecError extends Error {
  readonly code: MailserverCodecErrorCode;
  /**
   * Set when the request id could be read although the request is invalid, so a server can
   * still answer with a request-failed payload (status-go does).
   */
  readonly requestId: Uint8Array | undefined;
  constructor(code: MailserverCodecErrorCode, message: string, options?: { cause?: unknown; requestId?: Uint8Array }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'MailserverCodecError';
    this.code = code;
    this.requestId = options?.requestId;
  }
}

/**
 * Runs one of whisper's RLP or envelope readers (which throw WhisperError) and reports its failure
 * as the mailserver codec error `code`: the codecs share whisper's strict decoding, not a copy of it.
 */
export function _asCodecError<T>(code: MailserverCodecErrorCode, read: () => T, requestId?: Uint8Array): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof WhisperError) throw new MailserverCodecError(code, e.message, { cause: e, requestId });
    throw e;
  }
}

/** The packet's top-level RLP item, or MALFORMED_RLP (empty payloads included, as status-go's decoder refuses them). */
export function _decodeCodecRlp(payload: Uint8Array, what: string): RlpItem {
  if (!(payload instanceof Uint8Array)) {
    throw new MailserverCodecError(MAILSERVER_CODEC_ERROR_CODES.MALFORMED_RLP, `${what}: expected bytes, got ${typeof payload}`);
  }
  if (payload.length === 0) throw new MailserverCodecError(MAILSERVER_CODEC_ERROR_CODES.MALFORMED_RLP, `${what}: empty payload`);
  return _asCodecError(MAILSERVER_CODEC_ERROR_CODES.MALFORMED_RLP, () => rlpDecode(payload, what));
}

/** How a decoded item reads in an error message. */
export function _describeItem(item: RlpItem | undefined): string {
  if (item === undefined) return 'nothing';
  if (Array.isArray(item)) return `a list of ${item.length} items`;
  return `${item.length} bytes ${preview(item)}`;
}
