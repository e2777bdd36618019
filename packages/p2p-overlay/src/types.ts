/**
 * The surface of the p2p-overlay layer: what a protocol above (Whisper, Waku, a user's own)
 * sees of the peer-to-peer network, whichever implementation (RLPx over TCP, in-memory) is below.
 */

/** A devp2p subprotocol: name, version and the number of message codes it reserves. */
export interface Capability {
  readonly name: string;
  readonly version: number;
  readonly length: number;
}

/** devp2p disconnect reasons (devp2p rlpx.md, "Disconnect"). */
export const DISCONNECT_REASON = {
  DISCONNECT_REQUESTED: 0x00,
  NETWORK_ERROR: 0x01,
  PROTOCOL_ERROR: 0x02,
  USELESS_PEER: 0x03,
  TOO_MANY_PEERS: 0x04,
  ALREADY_CONNECTED: 0x05,
  INCOMPATIBLE_VERSION: 0x06,
  INVALID_IDENTITY: 0x07,
  CLIENT_QUITTING: 0x08,
  UNEXPECTED_IDENTITY: 0x09,
  SAME_IDENTITY: 0x0a,
  TIMEOUT: 0x0b,
  SUBPROTOCOL_ERROR: 0x10,
} as const;
export type DisconnectReason = (typeof DISCONNECT_REASON)[keyof typeof DISCONNECT_REASON];

/**
 * One peer speaking one capability. `code` is capability-relative (0 = the capability's first
 * message); payloads are the uncompressed RLP the subprotocol defines: the overlay does framing,
 * message-id offsets and snappy.
 */
export interface PeerLink {
  /** Hex node id: the peer's 64-byte public key (X‖Y), lowercase, no 0x. */
  readonly peerId: string;
  /** The capability negotiated with this peer (the highest shared version of the name). */
  readonly capability: Capability;
  /** Remote IP address, where the overlay knows it (used for per-IP rate limits). */
  readonly remoteAddress: string | undefined;
  send(code: number, payload: Uint8Array): void;
  /**
   * Sets the handler for this link's messages. Messages that arrive before a handler is set
   * are queued and delivered, in order, once it is.
   */
  onMessage(handler: (code: number, payload: Uint8Array) => void): void;
  /** Disconnects the whole peer connection with a reason (default DISCONNECT_REQUESTED). */
  close(reason?: DisconnectReason): void;
  /** Resolves with the disconnect reason once the link is closed (by either side). */
  readonly closed: Promise<number>;
  readonly isClosed: boolean;
  /**
   * Bytes sent to this peer (its whole connection) that have not reached the kernel yet: a
   * producer that writes a lot (a mailserver page after page) pauses above its own bound.
   */
  readonly bufferedBytes: number;
  /**
   * Calls `cb` once, the next time the connection's send buffer has emptied (asynchronously, and
   * at once when it is already empty, or when the link closes).
   */
  onDrain(cb: () => void): void;
}

export interface PeerInfo {
  readonly id: string;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly clientId: string;
  readonly inbound: boolean;
  readonly capabilities: readonly Capability[];
}

export interface OverlayEvents {
  'peer:added': (peer: PeerInfo) => void;
  'peer:removed': (peer: PeerInfo, reason: number, reasonText: string) => void;
  /**
   * A connection was dropped or a peer misbehaved (garbage, failed handshake, bad frame, timeout).
   * `peerId` is undefined when the handshake did not get far enough to learn it. Only emitted
   * when someone listens: a bad peer never becomes an unhandled 'error'.
   */
  'peer:error': (error: Error, peerId: string | undefined) => void;
  error: (error: Error) => void;
}

/**
 * The port every overlay implements. A layer registers each capability it speaks (several
 * versions of one name are matched on the highest shared version) and is handed a `PeerLink`
 * per connected peer that negotiated it. `onPeer` is called before any message of that peer
 * is delivered.
 */
export interface Overlay {
  /** Our node id (hex, 64-byte public key). */
  readonly nodeId: string;
  register(capability: Capability, onPeer: (link: PeerLink) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Dials a peer by enode URL (`enode://<id>@host:port`) and resolves once the peer is added. */
  connect(enode: string): Promise<PeerInfo>;
  disconnect(peerId: string, reason?: DisconnectReason): void;
  peers(): PeerInfo[];
  /** Our own enode URL once listening. */
  readonly enode: string;
  on<E extends keyof OverlayEvents>(event: E, listener: OverlayEvents[E]): this;
  off<E extends keyof OverlayEvents>(event: E, listener: OverlayEvents[E]): this;
}

/** Options of `RlpxOverlay`. */
export interface RlpxOverlayOptions {
  /** Node key (32 bytes); generated when absent. */
  privateKey?: Uint8Array;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Listen port (default 0: chosen by the OS). */
  port?: number;
  /** Host written into our enode URL (default: `host`, or 127.0.0.1 when listening on 0.0.0.0). */
  announceHost?: string;
  /** Local address our dials leave from (default: the OS's choice), for multi-homed hosts. */
  localAddress?: string;
  /** Client id sent in Hello (default `status-stack/v0.1.0/nodejs`). */
  clientId?: string;
  /** Maximum connected peers, inbound and outbound together (default 25). */
  maxPeers?: number;
  /** Time allowed from TCP connect to a completed Hello exchange (default 10 s). */
  handshakeTimeoutMs?: number;
  /**
   * Time allowed from TCP connect to a complete, valid auth (inbound) or ack (outbound): a socket
   * that has sent nothing valid by then is cut, long before the handshake timeout (default 3 s).
   */
  authTimeoutMs?: number;
  /** Inbound connections still in their handshake, in total (default 2 × maxPeers). */
  maxPendingHandshakes?: number;
  /** Inbound connections still in their handshake from one IP address (default 8). */
  maxPendingPerIp?: number;
  /** Interval between our pings to each peer (default 15 s, as go-ethereum). */
  pingIntervalMs?: number;
  /** Time a ping may stay unanswered before the peer is dropped with TIMEOUT (default 10 s). */
  pingTimeoutMs?: number;
  /** Largest frame accepted, in bytes (default 16 MiB - 1, the 24-bit limit of RLPx frames). */
  maxFrameSize?: number;
  /** Largest uncompressed message accepted (default 16 MiB, EIP-706). */
  maxMessageSize?: number;
  /**
   * Sees every message of every connection, in and out, as the peer's decoder sees it: the
   * absolute message id and the uncompressed payload (Hello included). For wire checks and
   * inspection tools; it must not throw or keep the buffers.
   */
  tap?: (direction: 'in' | 'out', code: number, payload: Uint8Array) => void;
}

/**
 * A source of candidate peers (static list, EIP-1459 DNS lists, discv5, a user's own). The pool
 * starts it when it needs peers and stops it when it has enough (spec 1/CLIENT, PeerPool).
 */
export interface DiscoverySource {
  readonly name: string;
  start(onPeer: (enode: string) => void): void | Promise<void>;
  stop(): void | Promise<void>;
}

/** Where the pool remembers good peers between runs. */
export interface PeerCacheStore {
  load(): Promise<string[]>;
  save(enodes: readonly string[]): Promise<void>;
}

export interface PeerPoolOptions {
  /** Keep at least this many peers: below it, discovery runs (default 2). */
  minPeers?: number;
  /** Never more than this many: at it, discovery is suspended and extra peers dropped (default 6). */
  maxPeers?: number;
  /** Always connected, redialled with backoff; not counted against maxPeers when dropping. */
  staticNodes?: readonly string[];
  /** Dialled first when the pool has no peers, like any discovered candidate. */
  bootstrapNodes?: readonly string[];
  /** Trusted peers (a mailserver): always dialled, never dropped for space; see `isTrusted`. */
  trustedNodes?: readonly string[];
  discovery?: readonly DiscoverySource[];
  /** Good peers from earlier runs (default: none kept). */
  cache?: PeerCacheStore;
  /** At most this many peers are remembered (default 32). */
  cacheSize?: number;
  /**
   * Backoff after a failed dial or a drop: initial delay, doubled per failure, capped (ms), each
   * delay spread by ±`backoffJitter` (a fraction, default 0.25) so that peers do not redial in step.
   */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  backoffJitter?: number;
  /**
   * A peer counts as reached (its failures forgotten) only once it stayed connected this long
   * (default 30 s): a peer that accepts us and drops us at once is backed off like a failed dial.
   */
  stableAfterMs?: number;
  /** Dials in flight at once (default 4). */
  maxConcurrentDials?: number;
}

export interface PeerPoolEvents {
  'discovery:suspended': () => void;
  'discovery:resumed': () => void;
  'peer:dial-failed': (enode: string, error: Error, retryInMs: number) => void;
  /** A connected peer left; it is dialled again in `retryInMs` (Infinity: not redialled). */
  'peer:lost': (peerId: string, reason: number, retryInMs: number) => void;
}
