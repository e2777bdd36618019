import type { MvdsMessage } from './payload.js';

/** A value or a promise of it: every port method may be sync (memory) or async (SQLite). */
export type MaybePromise<T> = T | Promise<T>;

/** `sendEpoch` of a record the engine gave up on: never due (and still JSON-safe, unlike Infinity). */
export const GAVE_UP_EPOCH = Number.MAX_SAFE_INTEGER;

/** Opaque peer identifier; the client uses the hex of the peer's public key. */
export type PeerId = string;

/** Record types held in sync state. ACKs are never state (2/MVDS, "State"). */
export const RECORD_TYPE = {
  OFFER: 'OFFER',
  REQUEST: 'REQUEST',
  MESSAGE: 'MESSAGE',
} as const;
export type RecordType = (typeof RECORD_TYPE)[keyof typeof RECORD_TYPE];

/** How a new message is first sent: BATCH sends it whole, INTERACTIVE offers its id first. */
export const MODE = {
  BATCH: 'batch',
  INTERACTIVE: 'interactive',
} as const;
export type Mode = (typeof MODE)[keyof typeof MODE];

/** One record of sync state: what to (re)send to one peer, and when. Keyed by (peer, messageId). */
export interface SyncRecord {
  peer: PeerId;
  messageId: Uint8Array;
  type: RecordType;
  /** Times this record has been sent. */
  sendCount: number;
  /** Next epoch at which it is due (`GAVE_UP_EPOCH` once the engine gave up on it). */
  sendEpoch: number;
  /** Epoch of its first transmission: bounds how long the engine keeps trying (`giveUpAfterMs`). */
  firstSendEpoch?: number;
  /**
   * The engine stopped sending it (`maxTransmissions` or `giveUpAfterMs` reached) without an ACK. The
   * record stays, never due, so the message is not `delivered` to the group while this peer lacks it; a
   * late ACK (or the peer's REQUEST) still ends it, and `MvdsNode.resend` starts it over.
   */
  gaveUp?: boolean;
  /**
   * A MESSAGE sent because the peer REQUESTed it while we had no OFFER/MESSAGE pending for it
   * (a late retransmitted request, or a peer catching up): its ACK raises no event again.
   */
  unsolicited?: boolean;
}

/**
 * Persistent state of one node. Methods may return promises (a SQLite store) or plain values
 * (MemoryStore). A new MvdsNode built on the same Store continues where the old one stopped.
 */
export interface Store {
  getEpoch(): MaybePromise<number>;
  setEpoch(epoch: number): MaybePromise<void>;

  hasMessage(id: Uint8Array): MaybePromise<boolean>;
  getMessage(id: Uint8Array): MaybePromise<MvdsMessage | undefined>;
  /** Idempotent. */
  putMessage(id: Uint8Array, message: MvdsMessage): MaybePromise<void>;

  addPeer(groupId: Uint8Array, peer: PeerId): MaybePromise<void>;
  removePeer(groupId: Uint8Array, peer: PeerId): MaybePromise<void>;
  getPeers(groupId: Uint8Array): MaybePromise<readonly PeerId[]>;
  isPeerInGroup(groupId: Uint8Array, peer: PeerId): MaybePromise<boolean>;

  getRecord(peer: PeerId, messageId: Uint8Array): MaybePromise<SyncRecord | undefined>;
  /** Inserts or replaces the record for (record.peer, record.messageId). */
  putRecord(record: SyncRecord): MaybePromise<void>;
  /** Removes and returns the record for (peer, messageId), if any. */
  removeRecord(peer: PeerId, messageId: Uint8Array): MaybePromise<SyncRecord | undefined>;
  /** Every record with sendEpoch <= epoch. */
  dueRecords(epoch: number): MaybePromise<readonly SyncRecord[]>;
  /** Number of records, optionally only those for `peer` and/or of `type`. */
  countRecords(peer?: PeerId, type?: RecordType): MaybePromise<number>;
  /** Whether any peer still has an OFFER or MESSAGE record for this id that is not `unsolicited` (not yet acknowledged). */
  hasOutgoingRecords(messageId: Uint8Array): MaybePromise<boolean>;
}

/** The port below MVDS: sends one encoded Payload to one peer. Incoming payloads go to `MvdsNode.receive`. */
export interface MvdsTransport {
  send(peer: PeerId, payload: Uint8Array): MaybePromise<void>;
}

/** Milliseconds since the Unix epoch. Injected: the engine never reads the wall clock itself. */
export type Clock = () => number;

/** Next send epoch of a record just sent for the `sendCount`-th time at `epoch`. Must be > epoch. */
export type NextEpochFn = (sendCount: number, epoch: number) => number;

export interface MvdsNodeOptions {
  store: Store;
  transport: MvdsTransport;
  /** Source of message timestamps (ms; the wire carries seconds). */
  clock: Clock;
  /** Default mode of `send` and of relayed messages. Default BATCH (what status-go uses). */
  mode?: Mode;
  /**
   * Length of one epoch in ms: what the time options below are converted with, and the default interval
   * of `start()`. Whoever drives `tick()` must do so at most once per `epochMs`. Default 300 (status-go's tick).
   */
  epochMs?: number;
  /** Least time between a transmission and the first resend. Default 2,000 ms (after status-go's ACK could arrive). */
  firstResendMs?: number;
  /** The resend interval doubles up to this. Default 300,000 ms (5 min). */
  maxResendIntervalMs?: number;
  /**
   * Retransmission schedule, in epochs; overrides `firstResendMs` / `maxResendIntervalMs`.
   * Default `timedBackoff({ epochMs, firstResendMs, maxIntervalMs: maxResendIntervalMs })`.
   */
  nextEpoch?: NextEpochFn;
  /**
   * Transmissions of a MESSAGE or OFFER to one peer (the first included) after which the engine gives up
   * (`gaveUp` event) when it comes due again unacknowledged. Default 10; `Infinity` never gives up on a count.
   */
  maxTransmissions?: number;
  /**
   * Time after a record's first transmission after which the engine gives up on it (counted in epochs of
   * `epochMs`, so time the node is stopped does not count). Default 900,000 ms (15 min); `Infinity` disables it.
   */
  giveUpAfterMs?: number;
  /** Re-share messages received in a group with the group's other peers (status-im/mvds does). Default false. */
  relay?: boolean;
  /** Soft cap on one outgoing payload; records that do not fit wait for the next epoch. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Incoming payloads larger than this are rejected. Default 4 MiB. */
  maxReceiveBytes?: number;
  /** REQUEST records per peer (bounds state under a flood of offers). Default 10,000. */
  maxRequestsPerPeer?: number;
  /** REQUEST records over all peers (peers are cheap to make). Default 100,000. */
  maxRequests?: number;
  /**
   * A REQUEST sent this many times without an answer is dropped: the peer's OFFER is retransmitted
   * until ACKed, and the next one re-creates it, so nothing is lost while junk offers expire. Default 16.
   */
  maxRequestSends?: number;
  /** ACKs waiting per peer (never state; the peer resends what we drop). Default 10,000. */
  maxPendingAcksPerPeer?: number;
  /** Send what is due as soon as `send`/`receive` produce something, instead of waiting for the next tick. Default false. */
  sendImmediately?: boolean;
}

/** A message delivered to the application, once per message id. */
export interface ReceivedMessage {
  id: Uint8Array;
  from: PeerId;
  groupId: Uint8Array;
  timestamp: bigint;
  body: Uint8Array;
}

export interface MvdsEvents {
  /** A new message (never the same id twice, across restarts). */
  message: (message: ReceivedMessage) => void;
  /** `peer` holds our message `id` (it ACKed it or sent it to us): the client shows "delivered" to it. */
  acknowledged: (id: Uint8Array, peer: PeerId) => void;
  /** Every peer we were sending `id` to now holds it. */
  delivered: (id: Uint8Array) => void;
  /**
   * We stopped sending our message `id` to `peer` without an ACK (`maxTransmissions` / `giveUpAfterMs`).
   * A later ACK still raises `acknowledged` (and `delivered`); `resend(id)` tries again.
   */
  gaveUp: (id: Uint8Array, peer: PeerId) => void;
}

/** What `receive` did with a payload. */
export interface ReceiveResult {
  newMessages: number;
  duplicateMessages: number;
  acks: number;
  ignored: number;
}

export interface MvdsStats {
  payloadsSent: number;
  bytesSent: number;
  messagesSent: number;
  offersSent: number;
  requestsSent: number;
  acksSent: number;
  payloadsReceived: number;
  payloadsRejected: number;
  messagesReceived: number;
  duplicatesReceived: number;
  /** Requests for messages we do not have or may not share, acks for unknown ids, bad group ids. */
  ignoredRecords: number;
  /** Offers dropped because REQUEST records hit `maxRequestsPerPeer` or `maxRequests`. */
  droppedOffers: number;
  /** REQUEST records dropped after `maxRequestSends` unanswered sends. */
  expiredRequests: number;
  /** MESSAGE / OFFER records given up after `maxTransmissions` or `giveUpAfterMs`. */
  gaveUp: number;
  transportErrors: number;
}
