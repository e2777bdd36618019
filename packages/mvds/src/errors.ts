/** Stable error codes of the mvds package. */
export const MVDS_ERROR = {
  /** Bytes are not a well-formed MVDS protobuf. */
  MALFORMED_PAYLOAD: 'MALFORMED_PAYLOAD',
  /** Bytes decode but carry no MVDS field (status-go treats these as "not datasync"). */
  NOT_DATASYNC: 'NOT_DATASYNC',
  /** A message id (ack, offer, request, parent) is not 32 bytes. */
  INVALID_MESSAGE_ID: 'INVALID_MESSAGE_ID',
  /** A group id is not 32 bytes. */
  INVALID_GROUP_ID: 'INVALID_GROUP_ID',
  /** A payload exceeds the configured receive limit. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** An argument to the API is out of range. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** The node was stopped. */
  STOPPED: 'STOPPED',
} as const;
export type MvdsErrorCode = (typeof MVDS_ERROR)[keyof typeof MVDS_ERROR];

/** Every failure of this package is an MvdsError with a stable `code`. */
export class MvdsError extends Error {
  override readonly name = 'MvdsError';
  constructor(
    readonly code: MvdsErrorCode,
    message: string,
  ) {
    super(message);
  }
}
