import { MVDS_TIMING } from '@status-stack/mvds';

/** Key/value namespaces of the client's own bookkeeping. */
export const CLIENT_NS = {
  /** Peers (`0x04…`) that have answered us: we talk to them on the negotiated topic. */
  NEGOTIATED: 'client.negotiated',
  /** Outgoing work persisted before it is handed to the transport or MVDS; retried on start. */
  OUTBOX: 'client.outbox',
  /** MVDS message id (hex) → Status message id. */
  MVDS_TO_MESSAGE: 'client.mvds-to-message',
  /** MVDS message ids acknowledged before their mapping was written. */
  MVDS_ACKED: 'client.mvds-acked',
  /** Status message id → MVDS ids still waiting for an ACK (JSON list). */
  AWAITING_ACK: 'client.awaiting-ack',
  META: 'client.meta',
  /** MVDS message ids (hex) whose body the client has processed (or sent): the rest are processed again on start. */
  MVDS_DONE: 'client.mvds-done',
  /** MVDS message ids MVDS gave up on (no ACK) before their mapping was written. */
  MVDS_GAVE_UP: 'client.mvds-gave-up',
  /**
   * Direct-message envelopes (hash hex → expiry) already opened: a relay's initial sync or a mailserver
   * hands them to a restarted client again, and a ratchet message from a finished chain cannot be told
   * from a forgery once its key is gone.
   */
  SEEN_ENVELOPES: 'client.seen-envelope',
  /** Topic (hex) → upper bound (Unix seconds) of the history fetched for it. */
  HISTORY: 'client.history',
} as const;

export const CLIENT_DEFAULTS = {
  MVDS_EPOCH_MS: 300,
  /** First MVDS resend no sooner than this after a send: status-go ACKs within ~0.25–0.76 s. */
  MVDS_FIRST_RESEND_MS: MVDS_TIMING.FIRST_RESEND_MS,
  /** The MVDS resend interval doubles up to this. */
  MVDS_MAX_RESEND_INTERVAL_MS: MVDS_TIMING.MAX_RESEND_INTERVAL_MS,
  /** A message still unacknowledged after this many transmissions to a peer becomes `failed`. */
  MVDS_MAX_TRANSMISSIONS: MVDS_TIMING.MAX_TRANSMISSIONS,
  /** …or this long after its first transmission (time the client runs), whichever comes first. */
  MVDS_GIVE_UP_AFTER_MS: MVDS_TIMING.GIVE_UP_AFTER_MS,
  CONTACT_CODE_INTERVAL_MS: 6 * 60 * 60 * 1000,
  TTL: 15,
  POW_TARGET: 0.002,
  HISTORY_WINDOW_SECONDS: 24 * 60 * 60,
  HISTORY_PAGE_LIMIT: 100,
  /** waitForPeers / waitForMessage / waitForDelivery give up after this long when given no signal. */
  WAIT_TIMEOUT_MS: 30_000,
} as const;

export const EMPTY = new Uint8Array(0);
