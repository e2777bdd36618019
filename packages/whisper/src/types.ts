import type { PrivateKey, PublicKey } from '@status-stack/crypto';
import type { Envelope } from './envelope.js';
import type { Topic } from './topic.js';
import type { Bloom } from './bloom.js';
import type { EnvelopeErrorEntry, MessagesResponse, RateLimits } from './packets.js';
import type { WhisperError } from './errors.js';

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

/** The port the layers above use; implemented by WhisperNode, MemoryTransport (and later WakuNode). */
export interface EnvelopeTransport {
  post(message: OutgoingMessage): Promise<Hash>;
  subscribe(filter: Filter, handler: (message: ReceivedMessage) => void): () => void;
  requestHistory?(request: HistoryRequest): Promise<HistoryResult>;
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
  /** Advertised and enforced inbound packet limits per second (default none). */
  rateLimits?: RateLimitOptions;
  /** Peer ids (hex) that may send direct p2p messages and are exempt from rate limits. */
  trustedPeers?: string[];
  /** Bound on the envelope pool in bytes (default 64 MiB); the soonest-expiring go first. */
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
  send(code: number, payload: Uint8Array): void;
  close(reason?: number): void;
}

export type EnvelopeSource = { kind: 'local' } | { kind: 'peer'; peerId: string } | { kind: 'p2p'; peerId?: string };

export interface NodeStats {
  poolSize: number;
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
  'peer:closed': (peerId: string) => void;
  error: (error: Error) => void;
}

export type { EnvelopeErrorEntry };
