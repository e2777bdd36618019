import type { EnvelopeNode, EnvelopeTransport } from '@status-stack/whisper';
import type { Overlay, PeerPool } from '@status-stack/p2p-overlay';
import type { GroupState, SignedGroupEvent } from '@status-stack/payloads';
import type { Account, ChatRecord, ClientStorage, ContactRecord, DeliveryState, MessageRecord } from '../types.js';
import type { ClientError, IgnoredReason } from './errors.js';

/** The keys a client runs as. `installationId` is loaded from (or created in) the storage when absent. */
export interface ClientIdentity {
  /** The chat (identity) private key, 32 bytes. */
  privateKey: Uint8Array;
  installationId?: string;
}

export interface StatusClientTiming {
  /** MVDS epoch length in ms: retransmissions of unacknowledged messages are counted in epochs (default 300, status-go's tick). */
  mvdsEpochMs?: number;
  /**
   * No MVDS resend of a 1:1 / group message before this long after a transmission (default 2000 ms:
   * status-go ACKs 250–761 ms after our send, so an earlier resend only makes it a duplicate).
   */
  mvdsFirstResendMs?: number;
  /** The resend interval doubles after each resend up to this (default 300000 ms, 5 min). */
  mvdsMaxResendIntervalMs?: number;
  /**
   * A message a recipient has not acknowledged after this many transmissions to it (default 10) or this
   * long after its first one (default 900000 ms, 15 min, counted while the client runs) becomes `failed`
   * ('delivery' event, stored); `resendMessage` tries again, and a late ACK still makes it `delivered`.
   * `Infinity` disables either bound.
   */
  mvdsMaxTransmissions?: number;
  mvdsGiveUpAfterMs?: number;
  /** Republish our bundle on our contact-code topic this often (default 6 h); it is also published on start and whenever it changes. */
  contactCodeIntervalMs?: number;
  /** Envelope TTL in seconds (default 15, as status-go sends chat messages). */
  ttl?: number;
  /** PoW target of our envelopes (default 0.002, status-go's). */
  powTarget?: number;
  /** History asked for when a chat has never been fetched, in seconds back from now (default 24 h). */
  historyWindowSeconds?: number;
  /** Envelopes per history page (default 100). */
  historyPageLimit?: number;
  /**
   * Backoff of the automatic history requests (on start, on mailserver reconnect, and their retries)
   * after a failure: the n-th consecutive failure waits min(max, initial·2^(n−1)), ± `historyRetryJitter`
   * (a fraction), before the next attempt. Defaults 1000 ms, 300000 ms, 0.2.
   */
  historyRetryInitialMs?: number;
  historyRetryMaxMs?: number;
  historyRetryJitter?: number;
  /**
   * How long `waitForPeers`, `waitForMessage` and `waitForDelivery` wait when the call gives neither
   * `timeoutMs` nor a `signal` (default 30000 ms, `CLIENT_DEFAULTS.WAIT_TIMEOUT_MS`); `Infinity` waits for ever.
   */
  waitTimeoutMs?: number;
}

export interface StatusClientOptions {
  identity: ClientIdentity | Account;
  storage: ClientStorage;
  transport: EnvelopeTransport;
  /** Clock in Unix milliseconds (default Date.now). */
  now?: () => number;
  options?: StatusClientTiming;
  /** Peer id (hex) of the mailserver history requests go to, when the transport needs one. */
  mailserver?: string;
  /** Ask for history on start and on join when the transport has `requestHistory` (default true). */
  history?: boolean;
  /**
   * Things the client created and must stop with itself (the networked stack of
   * `StatusClient.createNetworked`); a transport passed in by the caller is never stopped.
   */
  owned?: OwnedResources;
}

/** The networked stack `StatusClient.createNetworked` builds and owns. */
export interface OwnedResources {
  overlay: Overlay;
  node: EnvelopeNode;
  pool?: PeerPool;
}

/** How an incoming message reached us, for display and for tests of the protocol path. */
export interface ReceivedVia {
  /** 'public': a public chat topic; 'contact-code': a contact-code topic; 'partitioned': our partitioned topic (asymmetric); 'negotiated': a negotiated topic. */
  channel: 'public' | 'contact-code' | 'partitioned' | 'negotiated';
  /** How the secure transport opened the direct message (x3dh, ratchet, dh), or null for public messages. */
  method: 'x3dh' | 'ratchet' | 'dh' | null;
  /** True when the envelope came from a mailserver's history. */
  history: boolean;
}

/** A chat message as the client shows it: the stored record, the author's three-word name and, for received ones, the way it came. */
export interface ClientMessage extends MessageRecord {
  /** Three-word name of the author. */
  alias: string;
  via?: ReceivedVia;
}

/** A chat with, for private groups, the state the membership events fold into. */
export interface ClientChat extends ChatRecord {
  group?: GroupState;
}

export interface DeliveryEvent {
  messageId: string;
  chatId: string;
  state: DeliveryState;
}

export interface IgnoredEvent {
  reason: IgnoredReason;
  detail: string;
  /** `0x04…` of the signer, when known. */
  from?: string;
  chatId?: string;
}

export interface RejectedGroupEventInfo {
  chatId: string;
  event: SignedGroupEvent;
  rule: string;
}

/** What a device calls itself (status-go's InstallationMetadata): sent to our other devices with PairInstallation. */
export interface InstallationMetadata {
  /** A name the user recognises, e.g. "Alice's laptop". */
  name: string;
  /** "ios", "android" or "desktop" in status-go; any non-blank string is carried. */
  deviceType: string;
}

/** One of our other installations (devices) of this account. */
export interface ClientInstallation {
  installationId: string;
  /** Paired: it gets a copy of everything we send, and we accept its Sync* messages. */
  enabled: boolean;
  /** Unix milliseconds of the last bundle or message seen from it. */
  lastSeen: number;
  /** From its PairInstallation, or null until one arrived. */
  name: string | null;
  deviceType: string | null;
}

export interface StatusClientEvents {
  /** A message entered a chat (received, or sent by us from this or another device). Never twice for one id. */
  message: (message: ClientMessage) => void;
  /** A message of ours changed delivery state (pending → sent → delivered, or failed). */
  delivery: (event: DeliveryEvent) => void;
  /** A chat was created, joined, left, or its group state changed. */
  chat: (chat: ClientChat) => void;
  /** A contact was added or sent a ContactUpdate. */
  contact: (contact: ContactRecord) => void;
  /** Another device of ours introduced itself (PairInstallation), or was enabled or disabled. */
  installation: (installation: ClientInstallation) => void;
  /** Something arrived that we drop on purpose. */
  ignored: (event: IgnoredEvent) => void;
  /** Something failed: undecryptable or forged input, storage or transport failures. The client keeps running. */
  error: (error: ClientError) => void;
  /** A mailserver history request moved on: after each page, and once more (`done`) when all of it is processed. */
  'history-progress': (progress: HistoryProgress) => void;
}

/** How far a `requestHistory` has got. */
export interface HistoryProgress {
  /** Topics asked for (those already fetched up to now are skipped). */
  topics: number;
  /** Pages the mailserver has answered so far. */
  pages: number;
  /** History envelopes received so far for these topics (our filters opened them; duplicates counted once). */
  envelopes: number;
  /** Unix seconds: the oldest send time among those envelopes (mailservers page from newest to oldest), or undefined before the first. */
  oldestTimestamp: number | undefined;
  /** The time range asked for, Unix seconds (`from` is the earliest of the topics' starts). */
  from: number;
  to: number;
  /** True once every page is in and every envelope processed (stored, shown). */
  done: boolean;
}

export interface SendOptions {
  signal?: AbortSignal;
  /** Id of the message this one replies to. */
  responseTo?: string;
}

export interface IterateOptions {
  signal?: AbortSignal;
}

export interface WaitOptions extends IterateOptions {
  /**
   * Reject with a ClientError TIMEOUT after this many ms; `Infinity` waits until `signal` (if any)
   * aborts. Default: the client's `waitTimeoutMs` (30 s) when no `signal` is given, else no time limit.
   */
  timeoutMs?: number;
}

export interface RequestHistoryOptions extends IterateOptions {
  /** Called after each page and at the end (`done`), as the 'history-progress' event is. A throw rejects the request. */
  onProgress?: (progress: HistoryProgress) => void;
}

export interface NetworkedClientOptions extends Omit<StatusClientOptions, 'transport' | 'owned' | 'mailserver' | 'history'> {
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Listen port (default 0: chosen by the OS). */
  port?: number;
  /** Local address our dials leave from (default: the OS's choice). */
  localAddress?: string;
  /** Node key of the RLPx overlay (default: a new one). */
  nodeKey?: Uint8Array;
  /** Peers always kept connected (enode URLs). */
  staticPeers?: readonly string[];
  /** The mailserver we trust to send history (enode URL); also kept connected. */
  mailserver?: string;
  /** 'waku' (default: Waku v1, as status-go v0.62 runs) or 'whisper' (Whisper v6). */
  protocol?: 'whisper' | 'waku';
}
