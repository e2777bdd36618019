import type { PrivateKey, PublicKey } from '@status-stack/crypto';
import type { Envelope } from './envelope.js';
import type { Topic } from './topic.js';
import type { Bloom } from './bloom.js';
import type { EnvelopeErrorEntry, MessagesResponse, RateLimits } from './packets.js';
import type { ArchiveError, WhisperError } from './errors.js';

/** A 32-byte envelope hash (keccak256 of the envelope RLP). */
export type Hash = Uint8Array;

/** What a layer above asks a transport to send. Exactly one of `symKey` / `publicKey`. */
export interface OutgoingMessage {
  topic: Topic;
  payload: Uint8Array;
  symKey?: Uint8Array;
  /** Recipient public key (65/64/33 bytes) for asymmetric (ECIES) messages. */
  publicKey?: PublicKey;
  /** Signs the message with this identity key. */
  sign?: PrivateKey;
  /** Fixed padding (default: random up to the next multiple of 256). */
  padding?: Uint8Array;
  /** Seconds; default 50 (go-ethereum) — Status uses 10..15 for chat. */
  ttl?: number;
  /** Default 0.002 (Status). */
  powTarget?: number;
  /** Seconds of PoW budget; default 1. */
  powTime?: number;
}

/** Which topics to watch and the key that opens them. Exactly one of `symKey` / `privateKey`. */
export interface Filter {
  /** Empty: every topic. */
  topics: Topic[];
  symKey?: Uint8Array;
  privateKey?: PrivateKey;
  /** Deliver only envelopes with at least this PoW (default 0). */
  minPow?: number;
  /** Deliver only messages signed by this key. */
  signer?: PublicKey;
  /** Also deliver direct peer-to-peer (mailserver) envelopes, which may be expired (default true). */
  allowP2P?: boolean;
}

export type OpenedWith = { kind: 'symmetric'; symKey: Uint8Array } | { kind: 'asymmetric'; privateKey: PrivateKey };

export interface ReceivedMessage {
  payload: Uint8Array;
  topic: Topic;
  /** 65-byte uncompressed key of the signer, when signed. */
  signer?: PublicKey;
  signature?: Uint8Array;
  /** Unix seconds: expiry − ttl. */
  sent: number;
  ttl: number;
  expiry: number;
  hash: Hash;
  padding: Uint8Array;
  pow: number;
  openedWith: OpenedWith;
  /** True when the envelope came directly from a trusted peer (mailserver history), not the relay network. */
  p2p: boolean;
  envelope: Envelope;
}

export interface HistoryRequest {
  /** Unix seconds. */
  from: number;
  to: number;
  topics: Topic[];
  limit?: number;
  cursor?: Uint8Array;
  /** Mailserver peer id (hex). */
  peerId?: string;
}

export interface HistoryResult {
  requestId: Hash;
  lastEnvelopeHash?: Hash;
  /** Empty or absent when there is nothing more. */
  cursor?: Uint8Array;
}

/**
 * The port the layers above use; implemented by WhisperNode, WakuNode and MemoryTransport, and by
 * `envelopeTransportOver(carrier)` for any {@link EnvelopeCarrier}. What every implementation
 * promises (checked by `envelopeTransportContract` in `@status-stack/whisper/testing`):
 * - `post` seals the message and resolves with its envelope hash (32 bytes); the message reaches
 *   the matching filters of the other transports on the network and the poster's own, once each;
 * - delivery is asynchronous: no handler ever runs inside a `post` (or `subscribe`) call;
 * - a handler gets only messages on its filter's topics (every topic when empty) that its key opens;
 * - once the function `subscribe` returned is called, its handler gets nothing more;
 * - once the transport is closed (its `close`/`stop`), none of its handlers runs again.
 */
export interface EnvelopeTransport {
  post(message: OutgoingMessage): Promise<Hash>;
  subscribe(filter: Filter, handler: (message: ReceivedMessage) => void): () => void;
  requestHistory?(request: HistoryRequest): Promise<HistoryResult>;
}

/**
 * The smallest port a network offers whisper: it carries sealed envelopes and nothing else.
 * Sealing, opening and filtering (keys, PoW, decryption, filter matching) stay in whisper:
 * `envelopeTransportOver(carrier)` makes an {@link EnvelopeTransport} of it. A carrier promises
 * (checked by `envelopeCarrierContract` in `@status-stack/whisper/testing`):
 * - `post` hands the envelope to the network; every subscribed carrier on it gets the envelope,
 *   field for field, the poster included (as a Whisper node delivers its own posts);
 * - delivery is asynchronous: `deliver` never runs inside a `post` (or `subscribe`) call;
 * - a subscription gets only envelopes on its topics (every topic when the list is empty), and
 *   nothing once the function `subscribe` returned has been called;
 * - once `close` is called, no `deliver` of it runs again; `close` may be called twice.
 * It may deliver an envelope more than once (the adapter drops repeats) and need not check
 * expiry or PoW (the adapter drops expired envelopes).
 */
export interface EnvelopeCarrier {
  post(envelope: Envelope): Promise<void>;
  subscribe(topics: readonly Topic[], deliver: (envelope: Envelope) => void): () => void;
  close(): void | Promise<void>;
}

/** Per-second limits as a node configures them; 0 disables one. */
export interface RateLimitOptions {
  ipLimits?: number;
  peerIdLimits?: number;
  topicLimits?: number;
}

export interface EnvelopeNodeOptions {
  /** Minimum PoW of accepted envelopes; default 0.000002 (what Status accepts). */
  minPow?: number;
  /** Largest envelope / packet accepted; default 1 MiB. */
  maxMessageSize?: number;
  /** Light node: advertises itself as such and never relays envelopes it received. */
  lightNode?: boolean;
  /**
   * 'full' advertises and accepts every topic (a relay); 'subscriptions' advertises the bloom of our
   * filters' topics and updates peers whenever they change. Default: 'subscriptions' for light nodes.
   */
  bloomMode?: 'full' | 'subscriptions';
  /** Send batch acknowledgements / message responses, and advertise it (default true). */
  confirmations?: boolean;
  /**
   * Advertised (Whisper status / rate limits packet, Waku status option 4) and enforced inbound limits
   * per second (default none). They count envelopes, not packets: a messages packet costs the number
   * of envelopes it carries, any other packet 1. Per remote IP (IPv6 by /64) and per peer id, buckets
   * that outlive a connection; per peer and topic. A peer over a limit is dropped with
   * `USELESS_PEER`; trusted peers are exempt.
   */
  rateLimits?: RateLimitOptions;
  /**
   * Keys each rate limiter tracks at most (default 10 000); beyond, refilled buckets and then the least
   * recently used are forgotten. Bounds the limiters' memory whatever addresses, keys or topics peers use.
   */
  maxRateLimitKeys?: number;
  /**
   * Bytes queued on a peer's connection (not yet taken by the kernel) above which we stop relaying to
   * it until it drains (default 1 MiB); what waits meanwhile is references into the pool.
   */
  maxBufferedBytesPerPeer?: number;
  /** Peer ids (hex) that may send direct p2p messages and are exempt from rate limits. */
  trustedPeers?: string[];
  /**
   * Bound on the envelope pool's memory in bytes (default 64 MiB): each envelope counts its RLP, its
   * data and ~1.6 KB of bookkeeping (`POOL_ENTRY_OVERHEAD`); the soonest-expiring go first.
   */
  maxPoolBytes?: number;
  /** ms after a PoW/bloom change during which the old, laxer setting is still tolerated (default 6000). */
  toleranceMs?: number;
  /** ms to wait for the peer's status packet (default 10000). */
  handshakeTimeoutMs?: number;
  /** ms between expiry sweeps (default 1000). */
  expiryIntervalMs?: number;
  /** Clock in ms (default Date.now); tests inject one. */
  now?: () => number;
}

/** What hooks see of a connected peer. */
export interface PeerHandle {
  readonly id: string;
  readonly remoteAddress: string | undefined;
  readonly trusted: boolean;
  readonly powRequirement: number;
  readonly bloom: Bloom | undefined;
  readonly lightNode: boolean;
  readonly confirmationsEnabled: boolean;
  readonly rateLimits: RateLimits | undefined;
  readonly isClosed: boolean;
  /** Bytes sent to this peer that have not reached the kernel yet (0 when the overlay cannot tell). */
  readonly bufferedBytes: number;
  /** Calls `cb` once the peer's send buffer has drained or its link closed (next turn when the overlay cannot tell). */
  onDrain(cb: () => void): void;
  send(code: number, payload: Uint8Array): void;
  close(reason?: number): void;
}

export type EnvelopeSource = { kind: 'local' } | { kind: 'peer'; peerId: string } | { kind: 'p2p'; peerId?: string };

export interface NodeStats {
  poolSize: number;
  /** Memory the pooled envelopes take, as `maxPoolBytes` counts it (RLP + data + ~1.6 KB each). */
  poolBytes: number;
  received: number;
  relayed: number;
  duplicates: number;
  expired: number;
  evicted: number;
  rejected: number;
  malformedPackets: number;
  rateLimited: number;
  peersDropped: number;
}

export interface EnvelopeNodeEvents {
  /** A new envelope entered the pool (for a mailserver archive: local, relayed and received alike). */
  'envelope:added': (envelope: Envelope, hash: Hash, source: EnvelopeSource) => void;
  'envelope:rejected': (error: WhisperError, peerId: string | undefined) => void;
  'envelope:expired': (hash: Hash) => void;
  'envelope:sent': (hash: Hash, peerId: string, batchHash: Hash) => void;
  /** A peer processed a batch we sent; `hashes` are the envelopes it carried. */
  'batch:acknowledged': (peerId: string, batchHash: Hash, hashes: Hash[]) => void;
  'message:response': (peerId: string, response: MessagesResponse) => void;
  'peer:handshake': (peer: PeerHandle) => void;
  'peer:dropped': (peerId: string, reason: number, why: string) => void;
  /**
   * A peer's link closed, for whatever reason (`reason`: the devp2p disconnect reason, the peer's or
   * ours); `joined` is false when it went before both status packets were exchanged.
   */
  'peer:closed': (peerId: string, reason: number, joined: boolean) => void;
  error: (error: Error) => void;
}

export type { EnvelopeErrorEntry };

// ---- Mailserver archive port ----

/** One archived envelope. */
export interface ArchiveRecord {
  /** The envelope as it travels: RLP `[expiry, ttl, topic, data, nonce]`. */
  envelope: Uint8Array;
  /** keccak256 of `envelope` (32 bytes). */
  hash: Uint8Array;
  /** 4 bytes. */
  topic: Uint8Array;
  /** Unix seconds. */
  expiry: number;
  /** Seconds; `expiry - ttl` is the sent time queries select on. */
  ttl: number;
  /** Unix seconds when this node archived it (kept for operators; not used by queries). */
  archivedAt: number;
}

export interface ArchiveQuery {
  /** Lower bound of the sent time, Unix seconds, inclusive. */
  from: number;
  /** Upper bound of the sent time, Unix seconds, inclusive. */
  to: number;
  /** Match envelopes on any of these 4-byte topics. When non-empty, `bloom` is ignored (Waku mailserver spec). */
  topics?: Uint8Array[];
  /** 64-byte Whisper bloom filter: match envelopes whose topic bloom is contained in it. */
  bloom?: Uint8Array;
  /** Page size, 1..1000 (`ARCHIVE_LIMITS.MAX_QUERY_LIMIT`). */
  limit: number;
  /** The cursor of the previous page (36 bytes, or a 40-byte status-go DB key); empty or absent for the first page. */
  cursor?: Uint8Array;
  /**
   * Stop the page once its envelopes add up to more than this many bytes (the first envelope is
   * always included, so a page is never empty while envelopes match); the cursor then points past
   * the last envelope returned. Archives read no more than that (plus one envelope) from the database.
   */
  maxBytes?: number;
}

export interface ArchivePage {
  /** Raw envelope RLPs, newest first (sent time descending, then hash descending). */
  envelopes: Uint8Array[];
  /** 36 bytes when more envelopes match; empty when this page is the last. */
  cursor: Uint8Array;
  /** Hash of the last envelope in this page; 32 zero bytes when the page is empty (as status-go reports it). */
  lastEnvelopeHash: Uint8Array;
}

/**
 * The store behind a mailserver. Implementations: `SqliteEnvelopeArchive` (embedded
 * default) and `PostgresEnvelopeArchive` (operators). All methods reject with
 * `ArchiveError`.
 */
export interface EnvelopeArchive {
  /** Stores one envelope; resolves false when it was already archived. */
  put(record: ArchiveRecord): Promise<boolean>;
  /** Stores a batch in one transaction; resolves with how many were new. */
  putMany(records: readonly ArchiveRecord[]): Promise<number>;
  /** One page of history, newest first. */
  query(query: ArchiveQuery): Promise<ArchivePage>;
  /** Deletes envelopes whose expiry is older than `now - retentionSeconds`; resolves with how many. */
  prune(now: number, retentionSeconds?: number): Promise<number>;
  /** How many envelopes are archived. */
  count(): Promise<number>;
  /** Releases the database; later calls reject with code `CLOSED`. Idempotent. */
  close(): Promise<void>;
}

// ---- Waku, mailserver, bridge ----

export interface WakuNodeOptions extends EnvelopeNodeOptions {
  /**
   * How we tell peers what we want. 'topic-interest' (status-go's default): a node in bloomMode
   * 'subscriptions' advertises the exact topics of its filters (a full node advertises neither, which
   * peers read as "everything"); 'bloom': a bloom filter, as Whisper does.
   */
  interestMode?: 'topic-interest' | 'bloom';
  /** Bytes per second we advertise (status option 6); default none. */
  bytesRateLimits?: RateLimitOptions;
  /** Also register `waku/0` so peers that only speak it connect (default true). */
  acceptWaku0?: boolean;
}

export interface MailServerOptions {
  archive: EnvelopeArchive;
  /**
   * Password of the older, envelope-wrapped requests (status-go `MailServerPassword`; the key is
   * PBKDF2 of it, as for public chats). Without it such requests are answered with an error.
   */
  password?: string;
  /**
   * Private key whose public half clients may encrypt older-form requests to (status-go
   * `MailServerAsymKey`); tried before the password's key, as status-go does.
   */
  asymKey?: PrivateKey;
  /** Seconds expired envelopes are kept before pruning (default 30 days). */
  retentionSeconds?: number;
  /** ms between prunes (default 1 hour; 0 disables the timer, `prune()` still works). */
  pruneIntervalMs?: number;
  /**
   * The widest sent-time range one request may span (default: the retention plus a day). A wider
   * request is narrowed to its newest part: nothing older is kept anyway.
   */
  maxRangeSeconds?: number;
  /**
   * Requests one peer may have accepted and not yet answered (waiting, being served or paused);
   * more are answered with an error (default 2).
   */
  maxConcurrentRequestsPerPeer?: number;
  /** The same over all peers together (default 64): beyond it, "mailserver busy" errors. */
  maxConcurrentRequests?: number;
  /** Requests whose archive reads and writes run at once (default 4); the others wait their turn, one chunk each. */
  maxActiveRequests?: number;
  /**
   * Bytes queued on a peer's connection above which its responses pause until they drain (default
   * 1 MiB). Nothing fetched is held meanwhile: a paused response only keeps its cursor.
   */
  maxBufferedBytesPerPeer?: number;
  /**
   * Envelope bytes one request is answered with at most (default 8 MiB); the rest is for the next
   * page: the request complete carries the cursor, as when the page's envelope limit is reached.
   */
  maxResponseBytes?: number;
  /**
   * A response paused this long (ms) without its peer's buffer draining below the bound is cancelled
   * (default 60 000): its slot is freed; nothing more is sent for it.
   */
  stallTimeoutMs?: number;
  /**
   * Largest P2P messages packet we send, in bytes (default 512 KiB, under every node's 1 MiB limit);
   * also what is read from the archive at a time for one request.
   */
  maxPacketBytes?: number;
  /** Clock in ms (default Date.now). */
  now?: () => number;
}

export interface MailServerStats {
  archived: number;
  archiveFailures: number;
  requests: number;
  served: number;
  envelopesSent: number;
  /** Requests answered with an error (invalid, undecryptable, over limits). */
  rejected: number;
  /** Requests whose archive query failed (answered with an error). */
  failed: number;
  pruned: number;
  /** Requests refused because their peer or the server had too many (also counted in `rejected`). */
  busy: number;
  /** Requests dropped unanswered: their peer left, or stayed above its buffer bound for `stallTimeoutMs`. */
  cancelled: number;
  /** Times a response paused for its peer's send buffer to drain. */
  paused: number;
}

/** What a mailserver holds right now (`MailServer.load()`). */
export interface MailServerLoad {
  /** Requests accepted and not finished: `queued + active + paused`. */
  requests: number;
  /** Waiting for their turn. */
  queued: number;
  /** Reading the archive or writing to their peer now (at most `maxActiveRequests`). */
  active: number;
  /** Waiting for their peer's send buffer to drain. */
  paused: number;
  /** Peers with requests. */
  peers: number;
  /** Envelope bytes read from the archive and not yet handed to a connection. */
  heldBytes: number;
  /** Bytes queued on the connections of the peers with requests (what the overlay has not written yet). */
  bufferedBytes: number;
}

/** How a mailserver request ended: answered (its page sent), refused, failed in the archive, or dropped unanswered. */
export type MailServerRequestOutcome = 'served' | 'rejected' | 'failed' | 'cancelled';

/** What `request:finished` reports of one request, for an operator's metrics. */
export interface MailServerRequestReport {
  /** The requesting peer's id (hex). */
  peer: string;
  /** Absent when the request was too malformed to read its id. */
  requestId?: Hash;
  outcome: MailServerRequestOutcome;
  /** True when served (its request complete sent). */
  ok: boolean;
  /** Envelopes sent for it. */
  envelopes: number;
  /** Envelope bytes sent for it. */
  bytes: number;
  /** P2P messages packets (127) they went in. */
  packets: number;
  /** Archive queries run for it (one per packet's worth). */
  reads: number;
  /** The request complete carried a cursor: more history matches. */
  more: boolean;
  /** From its arrival to its request complete (or to its refusal or drop), in real milliseconds. */
  durationMs: number;
  /** Why it was not served. */
  error?: string;
}

export interface MailServerEvents {
  'request:served': (peerId: string, requestId: Hash, envelopes: number, cursor: Uint8Array) => void;
  /** After every request, whatever its outcome (after `request:served`, `request:rejected` or `request:failed`). */
  'request:finished': (report: MailServerRequestReport) => void;
  'request:rejected': (peerId: string, requestId: Hash | undefined, reason: string) => void;
  'request:failed': (peerId: string, requestId: Hash, error: ArchiveError) => void;
  'archive:error': (error: ArchiveError) => void;
}

export interface MailserverHistoryRequest {
  /**
   * The mailserver's peer id (hex node id); `peerId` is accepted as well (the `HistoryRequest` port).
   * Without either, the one connected trusted peer is used, if there is exactly one.
   */
  peer?: string;
  peerId?: string;
  /** Topics to fetch; empty means every topic (a full bloom is sent instead). */
  topics: Topic[];
  /** Sent time range, Unix seconds, inclusive. */
  from: number;
  to: number;
  /** Envelopes per page, 1..1000 (default 1000, the most a status-go mailserver serves per request). */
  limit?: number;
  /** Start from this cursor instead of the newest envelope. */
  cursor?: Uint8Array;
  /** Milliseconds to wait for each page's request complete (default: the client's `timeoutMs`). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Stop with TOO_MANY_PAGES after this many pages (default: the client's `maxPages`). */
  maxPages?: number;
  /** Called after each page. */
  onPage?: (page: MailserverPageResult) => void;
  /**
   * Send the older request form instead (what status-go's `RequestMessages` sent before
   * MessagesRequest): an envelope encrypted with the mailserver password (or to the mailserver's
   * public key) and signed with our node key, which the server checks against the connection's
   * peer id. The request id is its hash.
   */
  envelopeForm?: EnvelopeRequestForm;
}

/** How an older-form (envelope) mailserver request is encrypted: with the password's key, or to the mailserver's public key. */
export type EnvelopeRequestForm = { nodeKey: PrivateKey } & ({ password: string } | { mailserverPublicKey: Uint8Array });

export interface MailserverPageResult {
  requestId: Hash;
  lastEnvelopeHash: Hash;
  /** Empty when the history is exhausted. */
  cursor: Uint8Array;
  /** Envelopes received for this page. */
  envelopes: number;
}

export interface MailserverHistoryResult extends HistoryResult {
  /** The first page's request id. */
  requestId: Hash;
  /** Last envelope hash of the last page (32 zero bytes when it was empty). */
  lastEnvelopeHash: Hash;
  /** The last cursor: empty when the server had nothing more. */
  cursor: Uint8Array;
  /** Envelopes received over all pages. */
  envelopes: number;
  /** Messages delivered to our filters (an envelope opened by two filters counts twice). */
  delivered: number;
  pages: number;
}

export interface MailserverClientOptions {
  /** Default per-page timeout in ms (default 30000). */
  timeoutMs?: number;
  /** Default bound on pages per `requestHistory` (default 10000). */
  maxPages?: number;
  /** Mark the mailserver trusted when requesting from it, as status-go does (default true). */
  trustPeer?: boolean;
}

export interface MailserverClientStats {
  requests: number;
  pages: number;
  envelopes: number;
  /** P2P messages from peers we do not trust: ignored. */
  untrusted: number;
  /** P2P messages from a trusted peer without a request of ours in flight: ignored. */
  unsolicited: number;
  /** Pages failed because the server sent more than asked. */
  flooded: number;
  invalidResponses: number;
  failed: number;
}

/**
 * The history side of the mailserver protocol as a node hands it out (`node.mailserver`);
 * `MailserverClient` implements it.
 */
export interface HistoryClient {
  readonly stats: MailserverClientStats;
  /** Pages in flight. */
  readonly pending: number;
  requestHistory(request: MailserverHistoryRequest | HistoryRequest): Promise<MailserverHistoryResult>;
  /** Stops handling mailserver packets; requests in flight fail with CLOSED. */
  close(): void;
}

export interface BridgeOptions {
  /** Carry envelopes from the Whisper network to the Waku network (default true). */
  whisperToWaku?: boolean;
  /** Carry envelopes from the Waku network to the Whisper network (default true). */
  wakuToWhisper?: boolean;
  /** Also carry envelopes this node posts itself on one side (default true). */
  bridgeLocal?: boolean;
  /** Clock in ms (default Date.now); remembered hashes are forgotten after their envelope expires. */
  now?: () => number;
}

export interface BridgeStats {
  toWaku: number;
  toWhisper: number;
  /** Envelopes the other side refused (time, PoW, size): logged and dropped. */
  refused: number;
}
