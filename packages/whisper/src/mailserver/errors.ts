// Errors of the mailserver as a node feature (client requests and server answers); the archive
// and the packet codecs have their own (ArchiveError, MailserverCodecError).
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
