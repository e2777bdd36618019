import { EventEmitter } from 'node:events';
import createDebug from 'debug';
import { bytesToHex, keccak256 } from '@status-stack/crypto';
import { DISCONNECT_REASON, type Capability, type DisconnectReason, type Overlay, type PeerLink } from '@status-stack/p2p-overlay';
import { ENVELOPE_ERROR_CODE, STATUS_POW, WHISPER } from '../constants.js';
import { bloomMatch, fullBloom, isFullBloom, mergeBlooms, topicsToBloom, type Bloom } from '../bloom.js';
import { decodeMessagesPacket, encodeMessagesPacket, envelopeHash, type Envelope } from '../envelope.js';
import { TimeSyncError, WhisperError, WHISPER_ERROR } from '../errors.js';
import { FilterSet } from '../filters.js';
import {
  decodeBatchAckPacket,
  decodeMessageResponsePacket,
  encodeBatchAckPacket,
  encodeMessageResponsePacket,
  type EnvelopeErrorEntry,
  type RateLimits,
} from '../packets.js';
import { computePow } from '../pow.js';
import { disconnectReasonText } from '../disconnect-reason.js';
import { RateLimiter, rateLimitAddressKey } from '../rate-limiter.js';
import { topicToHex } from '../topic.js';
import { sealOutgoing } from '../wrap.js';
import type {
  EnvelopeNodeEvents,
  EnvelopeNodeOptions,
  EnvelopeSource,
  EnvelopeTransport,
  Filter,
  Hash,
  NodeStats,
  OutgoingMessage,
  PeerHandle,
  ReceivedMessage,
} from '../types.js';
import { DrainWaiter, linkBufferedBytes, onLinkDrain } from './backpressure.js';
import { EnvelopePool, poolEntry, type PooledEnvelope } from './envelope-pool.js';

const log = createDebug('status:whisper:node');

/** The packet codes the shared machinery needs; Whisper and Waku number them the same way. */
export interface CorePacketCodes {
  readonly STATUS: number;
  readonly MESSAGES: number;
  readonly BATCH_ACKNOWLEDGED: number;
  readonly MESSAGE_RESPONSE: number;
}

/**
 * A token bucket for what we send to a peer, kept under a limit it advertised. We run it at 90% of
 * the limit and a smaller burst than the peer's own bucket holds, so that packets arriving closer
 * together than they were sent (latency varies) still find tokens at the peer.
 */
class OutBucket {
  /** The limit the peer advertised (0: none). */
  limit = 0;
  private rate = 0;
  private capacity = 0;
  tokens = 0;
  at = 0;
  set(limit: number, t: number): void {
    this.limit = limit > 0 && Number.isFinite(limit) ? limit : 0;
    this.rate = this.limit * 0.9;
    this.capacity = this.limit >= 2 ? Math.max(1, this.limit - Math.max(1, this.limit * 0.1)) : this.limit;
    this.tokens = this.capacity;
    this.at = t;
  }
  refill(t: number): void {
    if (this.limit === 0) return;
    this.tokens = Math.min(this.capacity, this.tokens + ((Math.max(t, this.at) - this.at) / 1000) * this.rate);
    this.at = Math.max(t, this.at);
  }
  /** Whether the peer's limiter (`RateLimiter.take`) lets `cost` through now; a cost above our burst needs a full bucket. */
  allows(cost: number): boolean {
    return this.limit === 0 || this.tokens >= Math.min(cost, this.capacity);
  }
  /** ms until `cost` is allowed. */
  wait(cost: number): number {
    if (this.allows(cost)) return 0;
    return Math.ceil(((Math.min(cost, this.capacity) - this.tokens) / this.rate) * 1000);
  }
  spend(cost: number): void {
    if (this.limit !== 0) this.tokens -= cost;
  }
  get available(): number {
    return this.limit === 0 ? Infinity : this.tokens;
  }
}

/** Smallest positive of the per-IP and per-peer limits a peer advertised (0: none). */
function strictest(limits: RateLimits | undefined): number {
  const candidates = limits ? [limits.ipLimits, limits.peerIdLimits].filter((x) => x > 0n).map(Number) : [];
  return candidates.length > 0 ? Math.min(...candidates) : 0;
}

/** Per-peer state. */
export class PeerState implements PeerHandle {
  powRequirement = 0;
  bloom: Bloom | undefined = undefined;
  lightNode = false;
  confirmationsEnabled = false;
  rateLimits: RateLimits | undefined = undefined;
  /** Our status packet went out (it is the first thing we send). */
  statusSent = false;
  /** Both status packets are exchanged: ours sent, the peer's received and valid. */
  handshaken = false;
  /** Set when we closed the link (protocol violation, timeout, stop): the reason is ours, not the peer's. */
  closedByUs: string | undefined = undefined;
  /** Hashes this peer has (sent to it or received from it), so nothing goes back to where it came from. */
  readonly known = new Set<string>();
  handshakeTimer: NodeJS.Timeout | undefined;
  /**
   * Envelopes waiting to go to the peer: for its advertised rate limits to allow another packet, or
   * for its send buffer to drain below the node's bound. References into the pool, not copies.
   */
  outQueue: PooledEnvelope[] = [];
  outTimer: NodeJS.Timeout | undefined;
  /** The relay is waiting for the link's send buffer to drain. */
  awaitingDrain = false;
  readonly drainWaiter: DrainWaiter = new DrainWaiter(this);
  /** Envelopes plus other packets per second, and bytes per second (Waku option 6), the peer accepts from us. */
  private readonly outUnits = new OutBucket();
  private readonly outBytes = new OutBucket();

  constructor(
    readonly link: PeerLink,
    readonly trustedRef: () => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Applies the packet rate limits the peer advertised. A node like ours counts envelopes (and one
   * per other packet) against them, so we keep under the strictest of its per-IP and per-peer limits
   * in those units and it has no reason to drop us.
   */
  setRateLimits(limits: RateLimits | undefined): void {
    this.rateLimits = limits;
    this.outUnits.set(strictest(limits), this.now());
  }

  /** Applies the bytes-per-second limits the peer advertised (Waku status option 6). */
  setBytesRateLimits(limits: RateLimits | undefined): void {
    this.outBytes.set(strictest(limits), this.now());
  }

  private refill(): void {
    const t = this.now();
    this.outUnits.refill(t);
    this.outBytes.refill(t);
  }

  /** What the peer's limits allow now: units (envelopes) and bytes, Infinity for none. */
  allowance(): { units: number; bytes: number } {
    this.refill();
    return { units: this.outUnits.available, bytes: this.outBytes.available };
  }

  /** Whether a packet of `units` envelopes and `bytes` bytes passes the peer's limits now. */
  allows(units: number, bytes: number): boolean {
    this.refill();
    return this.outUnits.allows(units) && this.outBytes.allows(bytes);
  }

  /** ms until the peer's limits allow a packet of `units` and `bytes` (0 now). */
  outDelay(units = 1, bytes = 0): number {
    this.refill();
    return Math.max(this.outUnits.wait(units), this.outBytes.wait(bytes));
  }

  /** Counts a packet against the peer's limits (control packets are sent regardless). */
  spend(units: number, bytes: number): void {
    this.refill();
    this.outUnits.spend(units);
    this.outBytes.spend(bytes);
  }

  get id(): string {
    return this.link.peerId;
  }
  get remoteAddress(): string | undefined {
    return this.link.remoteAddress;
  }
  get trusted(): boolean {
    return this.trustedRef();
  }
  get isClosed(): boolean {
    return this.link.isClosed;
  }
  get bufferedBytes(): number {
    return linkBufferedBytes(this.link);
  }
  onDrain(cb: () => void): void {
    onLinkDrain(this.link, cb);
  }
  /** Sends a packet; `units` is what the peer's limiter counts for it (the envelopes of a messages packet, else 1). */
  send(code: number, payload: Uint8Array, units = 1): void {
    if (this.link.isClosed) return;
    this.spend(units, payload.length);
    this.link.send(code, payload);
  }
  close(reason?: number): void {
    this.link.close(reason as DisconnectReason | undefined);
  }
}

export type PacketHandler = (peer: PeerHandle, payload: Uint8Array) => void;

interface SentBatch {
  peerId: string;
  hashes: Hash[];
}

const MAX_TRACKED_BATCHES = 4096;

/**
 * The protocol-agnostic core of a Whisper v6 / Waku v1 node: pool (expiry, de-duplication, bound),
 * relaying to peers whose bloom and PoW requirement match, filters and posting, confirmations and
 * rate limits. Subclasses supply the handshake and the packets that carry PoW/bloom updates.
 */
export abstract class EnvelopeNode extends EventEmitter implements EnvelopeTransport {
  protected abstract readonly codes: CorePacketCodes;
  /** The capability this node speaks. */
  abstract readonly capability: Capability;

  protected readonly overlay: Overlay;
  protected readonly opts: Required<Omit<EnvelopeNodeOptions, 'rateLimits' | 'trustedPeers' | 'bloomMode'>> & {
    bloomMode: 'full' | 'subscriptions';
    rateLimits: { ipLimits: number; peerIdLimits: number; topicLimits: number };
  };
  protected readonly pool: EnvelopePool;
  protected readonly filters = new FilterSet();
  protected readonly peerStates = new Map<string, PeerState>();
  private readonly trusted = new Set<string>();
  private readonly handlers = new Map<number, PacketHandler>();
  private readonly ipLimiter: RateLimiter;
  private readonly peerLimiter: RateLimiter;
  private readonly topicLimiter: RateLimiter;
  /** Bytes per second per peer and topic, when a subclass advertises such a limit (Waku option 6, topic field). */
  protected topicBytesLimiter: RateLimiter | undefined;
  private readonly sentBatches = new Map<string, SentBatch>();
  private pending: PooledEnvelope[] = [];
  private flushScheduled = false;
  private expiryTimer: NodeJS.Timeout | undefined;
  private toleranceTimers = new Set<NodeJS.Timeout>();
  private running = false;
  /** Set by `stop` (cleared by `start`): deliveries still queued are dropped. */
  private stopped = false;
  private registered = false;

  protected minPowValue: number;
  protected minPowTolerance: number;
  protected bloomValue: Bloom;
  protected bloomTolerance: Bloom;

  readonly stats: NodeStats = {
    poolSize: 0,
    poolBytes: 0,
    received: 0,
    relayed: 0,
    duplicates: 0,
    expired: 0,
    evicted: 0,
    rejected: 0,
    malformedPackets: 0,
    rateLimited: 0,
    peersDropped: 0,
  };

  constructor(overlay: Overlay, options: EnvelopeNodeOptions = {}) {
    super();
    this.overlay = overlay;
    const light = options.lightNode ?? false;
    this.opts = {
      minPow: options.minPow ?? STATUS_POW.MIN_POW,
      maxMessageSize: options.maxMessageSize ?? WHISPER.DEFAULT_MAX_MESSAGE_SIZE,
      lightNode: light,
      bloomMode: options.bloomMode ?? (light ? 'subscriptions' : 'full'),
      confirmations: options.confirmations ?? true,
      rateLimits: {
        ipLimits: options.rateLimits?.ipLimits ?? 0,
        peerIdLimits: options.rateLimits?.peerIdLimits ?? 0,
        topicLimits: options.rateLimits?.topicLimits ?? 0,
      },
      maxPoolBytes: options.maxPoolBytes ?? 64 * 1024 * 1024,
      toleranceMs: options.toleranceMs ?? 6000,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
      expiryIntervalMs: options.expiryIntervalMs ?? 1000,
      maxRateLimitKeys: options.maxRateLimitKeys ?? 10_000,
      maxBufferedBytesPerPeer: options.maxBufferedBytesPerPeer ?? 1024 * 1024,
      now: options.now ?? Date.now,
    };
    if (this.opts.maxMessageSize > WHISPER.MAX_MESSAGE_SIZE) {
      throw new WhisperError(WHISPER_ERROR.INVALID_ARGUMENT, `maxMessageSize ${this.opts.maxMessageSize} above the protocol maximum ${WHISPER.MAX_MESSAGE_SIZE}`);
    }
    for (const id of options.trustedPeers ?? []) this.trusted.add(id.toLowerCase());
    this.pool = new EnvelopePool(this.opts.maxPoolBytes);
    this.ipLimiter = this.limiter(this.opts.rateLimits.ipLimits);
    this.peerLimiter = this.limiter(this.opts.rateLimits.peerIdLimits);
    this.topicLimiter = this.limiter(this.opts.rateLimits.topicLimits);
    this.minPowValue = this.minPowTolerance = this.opts.minPow;
    this.bloomValue = this.bloomTolerance = this.computeBloom();
  }

  override on<E extends keyof EnvelopeNodeEvents>(event: E, listener: EnvelopeNodeEvents[E]): this {
    return super.on(event, listener);
  }
  override once<E extends keyof EnvelopeNodeEvents>(event: E, listener: EnvelopeNodeEvents[E]): this {
    return super.once(event, listener);
  }
  override off<E extends keyof EnvelopeNodeEvents>(event: E, listener: EnvelopeNodeEvents[E]): this {
    return super.off(event, listener);
  }
  override emit<E extends keyof EnvelopeNodeEvents>(event: E, ...args: Parameters<EnvelopeNodeEvents[E]>): boolean {
    return super.emit(event, ...args);
  }

  // ---- protocol-specific parts ----

  /** Our status packet payload. */
  protected abstract encodeStatus(): Uint8Array;
  /** Applies the peer's status packet to its state; throws a WhisperError when it is invalid. */
  protected abstract applyStatus(peer: PeerState, payload: Uint8Array): void;
  /** Tells a peer our PoW requirement changed. */
  protected abstract sendPowRequirement(peer: PeerState, pow: number): void;
  /** Tells a peer our bloom filter changed. */
  protected abstract sendBloomFilter(peer: PeerState, bloom: Bloom): void;
  /** Protocol packets other than status/messages/confirmations; return false for unknown codes. */
  protected abstract handleProtocolPacket(peer: PeerState, code: number, payload: Uint8Array): boolean;

  // ---- lifecycle ----

  /** Registers the capability on the overlay (idempotent) and starts the expiry sweep. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stopped = false;
    if (!this.registered) {
      this.registered = true;
      this.overlay.register(this.capability, (link) => this.onPeer(link));
    }
    this.expiryTimer = setInterval(() => this.expire(), this.opts.expiryIntervalMs);
    this.expiryTimer.unref();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.expiryTimer = undefined;
    for (const t of this.toleranceTimers) clearTimeout(t);
    this.toleranceTimers.clear();
    for (const p of [...this.peerStates.values()]) {
      if (p.handshakeTimer) clearTimeout(p.handshakeTimer);
      if (p.outTimer) clearTimeout(p.outTimer);
      p.drainWaiter.cancel();
      if (!p.link.isClosed) {
        p.closedByUs ??= 'node stopped';
        p.link.close(DISCONNECT_REASON.CLIENT_QUITTING);
      }
    }
    this.peerStates.clear();
  }

  get isRunning(): boolean {
    return this.running;
  }

  // ---- public API ----

  get minPow(): number {
    return this.minPowValue;
  }

  get bloomFilter(): Bloom {
    return this.bloomValue.slice();
  }

  get lightNode(): boolean {
    return this.opts.lightNode;
  }

  get confirmationsEnabled(): boolean {
    return this.opts.confirmations;
  }

  get rateLimits(): RateLimits {
    const r = this.opts.rateLimits;
    return { ipLimits: BigInt(r.ipLimits), peerIdLimits: BigInt(r.peerIdLimits), topicLimits: BigInt(r.topicLimits) };
  }

  peers(): PeerHandle[] {
    return [...this.peerStates.values()].filter((p) => p.handshaken);
  }

  peer(id: string): PeerHandle | undefined {
    return this.peerStates.get(id.toLowerCase());
  }

  setTrusted(peerId: string, trusted = true): void {
    if (trusted) this.trusted.add(peerId.toLowerCase());
    else this.trusted.delete(peerId.toLowerCase());
  }

  isTrusted(peerId: string): boolean {
    return this.trusted.has(peerId.toLowerCase());
  }

  /** Hook for extra packet codes (e.g. the mailserver's 123..127); replaces any previous handler. */
  setPacketHandler(code: number, handler: PacketHandler | undefined): void {
    if (handler) this.handlers.set(code, handler);
    else this.handlers.delete(code);
  }

  /** Changes our PoW requirement and tells every peer; the old value is tolerated for `toleranceMs`. */
  setMinPow(pow: number): void {
    if (!Number.isFinite(pow) || pow < 0) throw new WhisperError(WHISPER_ERROR.INVALID_ARGUMENT, `invalid PoW requirement ${pow}`);
    const old = this.minPowValue;
    this.minPowValue = pow;
    this.minPowTolerance = Math.min(old, pow);
    this.later(() => (this.minPowTolerance = this.minPowValue));
    for (const p of this.peerStates.values()) if (p.handshaken) this.safeSend(p, () => this.sendPowRequirement(p, pow));
  }

  /** Sets our bloom explicitly (bloomMode 'subscriptions' recomputes it on every (un)subscribe). */
  setBloomFilter(bloom: Bloom): void {
    const old = this.bloomValue;
    this.bloomValue = bloom.slice();
    this.bloomTolerance = mergeBlooms(old, bloom);
    this.later(() => (this.bloomTolerance = this.bloomValue));
    for (const p of this.peerStates.values()) if (p.handshaken) this.safeSend(p, () => this.sendBloomFilter(p, bloom));
  }

  subscribe(filter: Filter, handler: (message: ReceivedMessage) => void): () => void {
    const id = this.filters.add(filter, handler);
    this.updateBloom();
    return () => {
      if (this.filters.remove(id)) this.updateBloom();
    };
  }

  /** Seals, stores and broadcasts; resolves with the envelope hash. */
  async post(message: OutgoingMessage): Promise<Hash> {
    const env = sealOutgoing(message, { now: this.opts.now });
    return this.postEnvelope(env);
  }

  /** Adds an already sealed envelope as our own and broadcasts it. */
  postEnvelope(envelope: Envelope): Hash {
    const entry = this.add(envelope, { kind: 'local' }, undefined);
    return entry.hash;
  }

  /**
   * Delivers envelopes that came directly from a peer (mailserver history, code 127) to the filters:
   * expiry is not checked, nothing is pooled or relayed.
   */
  deliverP2P(envelopes: readonly Envelope[], peerId?: string): number {
    let n = 0;
    for (const env of envelopes) {
      const entry = poolEntry(env, computePow(env), false);
      this.emit('envelope:added', env, entry.hash, { kind: 'p2p', peerId });
      n += this.filters.deliver({ envelope: env, hash: entry.hash, pow: entry.pow, p2p: true });
    }
    return n;
  }

  /** Every envelope in the pool. */
  envelopes(): Envelope[] {
    return [...this.pool.values()].map((e) => e.envelope);
  }

  hasEnvelope(hash: Hash): boolean {
    return this.pool.has(bytesToHex(hash));
  }

  /** Drops expired envelopes now (also runs every `expiryIntervalMs`). */
  expire(): number {
    const gone = this.pool.expire(this.nowSeconds());
    for (const e of gone) {
      for (const p of this.peerStates.values()) p.known.delete(e.id);
      this.emit('envelope:expired', e.hash);
    }
    this.stats.expired += gone.length;
    this.syncPoolStats();
    return gone.length;
  }

  /** Sends envelopes straight to one peer with a code (e.g. a mailserver answering with 127). */
  sendEnvelopes(peerId: string, code: number, envelopes: readonly Envelope[]): void {
    const p = this.peerStates.get(peerId.toLowerCase());
    if (!p) throw new WhisperError(WHISPER_ERROR.INVALID_ARGUMENT, `no peer ${peerId}`);
    p.send(code, encodeMessagesPacket(envelopes));
  }

  /** Keys each rate limiter tracks now (bounded by `maxRateLimitKeys`). */
  rateLimiterSizes(): { ip: number; peer: number; topic: number } {
    return { ip: this.ipLimiter.size, peer: this.peerLimiter.size, topic: this.topicLimiter.size };
  }

  // ---- internals ----

  /** A rate limiter with this node's clock and key bound. */
  protected limiter(limit: number): RateLimiter {
    return new RateLimiter(limit, this.opts.now, { maxKeys: this.opts.maxRateLimitKeys });
  }

  protected nowSeconds(): number {
    return Math.floor(this.opts.now() / 1000);
  }

  private later(fn: () => void): void {
    const t = setTimeout(() => {
      this.toleranceTimers.delete(t);
      fn();
    }, this.opts.toleranceMs);
    t.unref();
    this.toleranceTimers.add(t);
  }

  private computeBloom(): Bloom {
    if (this.opts.bloomMode === 'full') return fullBloom();
    const topics = this.filters?.topics();
    return topics === null || topics === undefined ? fullBloom() : topicsToBloom(topics);
  }

  private updateBloom(): void {
    if (this.opts.bloomMode !== 'subscriptions') return;
    const next = this.computeBloom();
    let same = true;
    for (let i = 0; i < next.length; i++) if (next[i] !== this.bloomValue[i]) same = false;
    if (!same) this.setBloomFilter(next);
  }

  private syncPoolStats(): void {
    this.stats.poolSize = this.pool.size;
    this.stats.poolBytes = this.pool.bytes;
  }

  private safeSend(peer: PeerState, fn: () => void): void {
    try {
      if (!peer.link.isClosed) fn();
    } catch (e) {
      log('send to %s failed: %s', peer.id.slice(0, 12), (e as Error).message);
    }
  }

  /**
   * go-ethereum's `add`: time checks (future / very old / expired), size, PoW and bloom against ours
   * (or the tolerated previous values), then de-duplication. Returns the pool entry (new or cached);
   * throws a WhisperError (TimeSyncError for clock problems) for a rejected envelope.
   */
  protected add(envelope: Envelope, source: EnvelopeSource, from: PeerState | undefined): PooledEnvelope & { isNew: boolean } {
    const now = this.nowSeconds();
    const sent = envelope.expiry - envelope.ttl;
    let diff = 0;
    if (sent > now) {
      if (sent - WHISPER.SYNC_ALLOWANCE > now) {
        throw new TimeSyncError(WHISPER_ERROR.ENVELOPE_FROM_FUTURE, `envelope created in the future (sent ${sent}, now ${now})`);
      }
      diff = sent - now + 1;
    }
    const entry = poolEntry(envelope, 0, source.kind === 'local');
    if (envelope.expiry < now) {
      if (envelope.expiry + WHISPER.SYNC_ALLOWANCE * 2 < now) {
        throw new TimeSyncError(WHISPER_ERROR.ENVELOPE_TOO_OLD, `very old envelope 0x${entry.id} (expiry ${envelope.expiry}, now ${now})`);
      }
      // Expired but within the allowance: dropped silently, as go-ethereum does.
      return { ...entry, isNew: false };
    }
    if (entry.size > this.opts.maxMessageSize) {
      throw new WhisperError(WHISPER_ERROR.MESSAGE_TOO_LARGE, `envelope 0x${entry.id} of ${entry.size} bytes exceeds ${this.opts.maxMessageSize}`);
    }
    entry.pow = computePow(envelope, diff);
    if (entry.pow < this.minPowValue && entry.pow < this.minPowTolerance) {
      throw new WhisperError(WHISPER_ERROR.POW_TOO_LOW, `envelope 0x${entry.id} PoW ${entry.pow} below ${this.minPowValue}`);
    }
    // Our bloom says what we want to receive; it does not restrict what we post (e.g. to a partitioned topic).
    if (source.kind !== 'local' && !bloomMatch(this.bloomValue, entry.bloom) && !bloomMatch(this.bloomTolerance, entry.bloom)) {
      throw new WhisperError(WHISPER_ERROR.BLOOM_MISMATCH, `envelope 0x${entry.id} topic ${topicToHex(envelope.topic)} outside our bloom filter`);
    }
    const cached = this.pool.get(entry.id);
    // The pool's id string, not a new one: a peer's known set costs a slot per envelope, no more.
    from?.known.add((cached ?? entry).id);
    if (cached) {
      this.stats.duplicates++;
      return { ...cached, isNew: false };
    }
    const evicted = this.pool.add(entry);
    for (const e of evicted) for (const p of this.peerStates.values()) p.known.delete(e.id);
    this.stats.evicted += evicted.length;
    this.syncPoolStats();
    this.emit('envelope:added', envelope, entry.hash, source);
    if (source.kind === 'local') {
      // Our own posts reach our filters after `post` returns: an EnvelopeTransport never delivers inside it.
      queueMicrotask(() => {
        if (!this.stopped) this.filters.deliver({ envelope, hash: entry.hash, pow: entry.pow, p2p: false });
      });
    } else {
      this.filters.deliver({ envelope, hash: entry.hash, pow: entry.pow, p2p: false });
    }
    this.enqueue(entry);
    return { ...entry, isNew: true };
  }

  private enqueue(entry: PooledEnvelope): void {
    // A light node relays nothing it received; it still sends what it posts.
    if (this.opts.lightNode && !entry.local) return;
    this.pending.push(entry);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending.filter((e) => this.pool.has(e.id));
    this.pending = [];
    if (batch.length === 0) return;
    for (const p of this.peerStates.values()) {
      if (!p.handshaken) continue;
      this.queueFor(p, batch);
      this.drain(p);
    }
  }

  /**
   * Adds envelopes to a peer's queue. The queue holds references into the pool; when it has grown
   * past the pool (a peer that drains slowly while much is relayed), what left the pool or what the
   * peer already has is dropped from it, so it never holds more than the pool does.
   */
  private queueFor(peer: PeerState, entries: readonly PooledEnvelope[]): void {
    const q = peer.outQueue;
    for (const e of entries) q.push(e);
    if (q.length > 2 * this.pool.size + 1024) {
      peer.outQueue = q.filter((e) => this.pool.has(e.id) && !peer.known.has(e.id));
    }
  }

  /**
   * Sends a peer its queued envelopes, bundle by bundle, as long as its send buffer is under
   * `maxBufferedBytesPerPeer` and its advertised rate limits allow; otherwise waits for the buffer to
   * drain (or a timer for the rate) and goes on from there.
   */
  private drain(peer: PeerState): void {
    if (peer.link.isClosed || peer.outQueue.length === 0 || peer.outTimer || peer.awaitingDrain) return;
    const q = peer.outQueue;
    const sizeLimit = Math.max(1024, this.opts.maxMessageSize - 16);
    let i = 0;
    try {
      while (i < q.length && !peer.link.isClosed) {
        if (peer.bufferedBytes > this.opts.maxBufferedBytesPerPeer) {
          this.waitForDrain(peer);
          return;
        }
        const budget = peer.allowance();
        const bundle: PooledEnvelope[] = [];
        let size = 0;
        let blocked: PooledEnvelope | undefined;
        for (; i < q.length; i++) {
          const e = q[i];
          if (!this.pool.has(e.id) || peer.known.has(e.id) || !this.peerAccepts(peer, e)) continue;
          // 5 bytes: at most the RLP list header the receiver counts with the envelopes.
          if (bundle.length === 0) {
            if (!peer.allows(1, e.rlp.length + 5)) {
              blocked = e;
              break;
            }
          } else if (bundle.length + 1 > budget.units || size + e.rlp.length + 5 > budget.bytes || size + e.rlp.length > sizeLimit) {
            break;
          }
          bundle.push(e);
          size += e.rlp.length;
        }
        if (bundle.length > 0) this.sendBundle(peer, bundle);
        if (blocked) {
          peer.outTimer = setTimeout(
            () => {
              peer.outTimer = undefined;
              this.drain(peer);
            },
            Math.max(1, peer.outDelay(1, blocked.rlp.length + 5)),
          );
          peer.outTimer.unref();
          return;
        }
      }
    } finally {
      if (peer.outQueue === q) q.splice(0, i);
    }
  }

  /** Resumes `drain` once the peer's send buffer is back under the bound. */
  private waitForDrain(peer: PeerState): void {
    peer.awaitingDrain = true;
    peer.drainWaiter.wait(this.opts.maxBufferedBytesPerPeer, () => {
      peer.awaitingDrain = false;
      this.drain(peer);
    });
  }

  /** Queues for a peer what it lacks, meets its PoW requirement and matches its bloom; sent in bundles under the size limit. */
  protected sendTo(peer: PeerState, candidates: Iterable<PooledEnvelope>): void {
    this.queueFor(peer, [...candidates]);
    this.drain(peer);
  }

  /** Whether a peer wants an envelope: its PoW requirement and bloom (Waku adds topic interest here). */
  protected peerAccepts(peer: PeerState, e: PooledEnvelope): boolean {
    return e.pow >= peer.powRequirement && bloomMatch(peer.bloom, e.bloom);
  }

  private sendBundle(peer: PeerState, bundle: PooledEnvelope[]): void {
    if (peer.link.isClosed) return;
    let total = 0;
    for (const e of bundle) total += e.rlp.length;
    // The packet is an RLP list of the envelopes' cached RLP.
    let lenBytes = 0;
    if (total >= 56) for (let t = total; t > 0; t = Math.floor(t / 256)) lenBytes++;
    const header = 1 + lenBytes;
    const payload = new Uint8Array(header + total);
    if (total < 56) payload[0] = 0xc0 + total;
    else {
      payload[0] = 0xf7 + lenBytes;
      for (let i = 0; i < lenBytes; i++) payload[1 + i] = Math.floor(total / 256 ** (lenBytes - 1 - i)) & 0xff;
    }
    let off = header;
    for (const e of bundle) {
      payload.set(e.rlp, off);
      off += e.rlp.length;
    }
    try {
      peer.send(this.codes.MESSAGES, payload, bundle.length);
    } catch (err) {
      log('send to %s failed: %s', peer.id.slice(0, 12), (err as Error).message);
      return;
    }
    const notify = this.listenerCount('envelope:sent') > 0;
    // The batch hash is only needed to match confirmations or to report sends.
    const batchHash = peer.confirmationsEnabled || notify ? keccak256(payload) : undefined;
    const hashes: Hash[] = [];
    for (const e of bundle) {
      peer.known.add(e.id);
      hashes.push(e.hash);
      if (!e.local) this.stats.relayed++;
      if (notify) this.emit('envelope:sent', e.hash, peer.id, batchHash!);
    }
    if (peer.confirmationsEnabled && batchHash) {
      if (this.sentBatches.size >= MAX_TRACKED_BATCHES) this.sentBatches.delete(this.sentBatches.keys().next().value!);
      this.sentBatches.set(bytesToHex(batchHash), { peerId: peer.id, hashes });
    }
  }

  private onPeer(link: PeerLink): void {
    if (!this.running) {
      link.close(DISCONNECT_REASON.CLIENT_QUITTING);
      return;
    }
    const id = link.peerId.toLowerCase();
    const peer = new PeerState(link, () => this.trusted.has(id), this.opts.now);
    this.peerStates.set(id, peer);
    const proto = `${link.capability.name}/${link.capability.version}`;
    void link.closed.then((reason) => {
      if (peer.handshakeTimer) clearTimeout(peer.handshakeTimer);
      if (peer.outTimer) clearTimeout(peer.outTimer);
      peer.drainWaiter.cancel();
      peer.outQueue = [];
      if (this.peerStates.get(id) === peer) this.peerStates.delete(id);
      const why = peer.closedByUs !== undefined ? `we disconnected: ${peer.closedByUs}` : `remote disconnected: ${disconnectReasonText(reason)}`;
      if (peer.handshaken) log('%s peer %s left (%s)', proto, id.slice(0, 12), why);
      else log('%s peer %s left before the status exchange completed (%s)', proto, id.slice(0, 12), why);
      this.emit('peer:closed', id, reason, peer.handshaken);
    });
    peer.handshakeTimer = setTimeout(() => this.drop(peer, DISCONNECT_REASON.TIMEOUT, 'no status packet'), this.opts.handshakeTimeoutMs);
    peer.handshakeTimer.unref();
    // Our status goes out before we look at anything the peer sent (a link may hand over queued
    // packets as soon as a handler is set), so nothing of ours can precede it.
    this.safeSend(peer, () => {
      link.send(this.codes.STATUS, this.encodeStatus());
      peer.statusSent = true;
    });
    link.onMessage((code, payload) => this.onPacket(peer, code, payload));
  }

  /** Disconnects a peer that broke the protocol, as go-ethereum does. */
  protected drop(peer: PeerState, reason: DisconnectReason, why: string): void {
    if (peer.link.isClosed) return;
    log('dropping %s: %s', peer.id.slice(0, 12), why);
    peer.closedByUs ??= why;
    this.stats.peersDropped++;
    this.emit('peer:dropped', peer.id, reason, why);
    peer.link.close(reason);
  }

  private onPacket(peer: PeerState, code: number, payload: Uint8Array): void {
    if (peer.link.isClosed) return;
    try {
      this.handlePacket(peer, code, payload);
    } catch (e) {
      if (e instanceof WhisperError) {
        this.stats.malformedPackets++;
        this.drop(peer, DISCONNECT_REASON.SUBPROTOCOL_ERROR, `${e.code}: ${e.message}`);
      } else {
        // An unexpected exception is our bug, not the peer's: report it (never throw from the link handler).
        if (this.listenerCount('error') > 0) this.emit('error', e as Error);
        else log('internal error handling packet %d: %s', code, (e as Error).stack ?? String(e));
        this.drop(peer, DISCONNECT_REASON.SUBPROTOCOL_ERROR, `internal error: ${(e as Error).message}`);
      }
    }
  }

  private handlePacket(peer: PeerState, code: number, payload: Uint8Array): void {
    if (!peer.handshaken) {
      if (code !== this.codes.STATUS) throw new WhisperError(WHISPER_ERROR.INVALID_PACKET, `packet ${code} before the status packet`);
      if (!peer.statusSent) throw new WhisperError(WHISPER_ERROR.INVALID_PACKET, 'status packet received before ours could be sent');
      this.applyStatus(peer, payload);
      peer.handshaken = true;
      if (peer.handshakeTimer) clearTimeout(peer.handshakeTimer);
      peer.handshakeTimer = undefined;
      // Only now, with both status packets exchanged, has the peer joined.
      log(
        '%s peer %s joined (%s; its PoW requirement %d%s%s)',
        `${peer.link.capability.name}/${peer.link.capability.version}`,
        peer.id.slice(0, 12),
        peer.remoteAddress ?? 'no address',
        peer.powRequirement,
        peer.lightNode ? ', light node' : '',
        peer.confirmationsEnabled ? ', confirmations' : '',
      );
      this.emit('peer:handshake', peer);
      this.sendTo(peer, this.initialSyncCandidates());
      return;
    }
    if (payload.length > this.opts.maxMessageSize) {
      throw new WhisperError(WHISPER_ERROR.MESSAGE_TOO_LARGE, `packet ${code} of ${payload.length} bytes exceeds ${this.opts.maxMessageSize}`);
    }
    // Rate limits (trusted peers are exempt): bytes before anything is decoded; then envelopes, a
    // messages packet costing as many as it carries and any other packet one.
    const limited = !peer.trusted;
    if (limited && !this.withinBytesRate(peer, payload.length)) return;
    if (code === this.codes.MESSAGES) {
      this.handleMessages(peer, payload, limited);
      return;
    }
    if (limited && !this.withinRate(peer, 1)) return;
    switch (code) {
      case this.codes.BATCH_ACKNOWLEDGED: {
        const h = decodeBatchAckPacket(payload);
        const batch = this.sentBatches.get(bytesToHex(h));
        if (batch && batch.peerId === peer.id) this.sentBatches.delete(bytesToHex(h));
        this.emit('batch:acknowledged', peer.id, h, batch && batch.peerId === peer.id ? batch.hashes : []);
        return;
      }
      case this.codes.MESSAGE_RESPONSE:
        this.emit('message:response', peer.id, decodeMessageResponsePacket(payload));
        return;
      default: {
        const h = this.handlers.get(code);
        if (h) h(peer, payload);
        else this.handleProtocolPacket(peer, code, payload);
        // Unknown codes are ignored for forward compatibility, as go-ethereum does.
      }
    }
  }

  private initialSyncCandidates(): Iterable<PooledEnvelope> {
    const all = [...this.pool.values()];
    return this.opts.lightNode ? all.filter((e) => e.local) : all;
  }

  /**
   * Bytes-per-second limits on what a peer sends: none here (Whisper has none); Waku enforces the
   * ones it advertises. False, with the peer dropped, when exceeded.
   */
  protected withinBytesRate(_peer: PeerState, _bytes: number): boolean {
    return true;
  }

  /** `envelopes` against the per-IP and per-peer-id limits (`rateLimits`); over either, the peer is dropped. */
  private withinRate(peer: PeerState, envelopes: number): boolean {
    return this.withinLimits(peer, this.ipLimiter, this.peerLimiter, envelopes, 'rate limit');
  }

  /** Takes `cost` from the peer's per-IP and per-peer-id buckets; over either, the peer is dropped (USELESS_PEER). */
  protected withinLimits(peer: PeerState, byIp: RateLimiter, byPeer: RateLimiter, cost: number, what: string): boolean {
    const ipOk = peer.remoteAddress === undefined || byIp.take(rateLimitAddressKey(peer.remoteAddress), cost);
    const peerOk = byPeer.take(peer.id, cost);
    if (ipOk && peerOk) return true;
    this.stats.rateLimited++;
    this.drop(peer, DISCONNECT_REASON.USELESS_PEER, `${what} exceeded (${ipOk ? 'peer' : 'IP'}, ${cost} at once)`);
    return false;
  }

  /** Each envelope against its peer-and-topic limits (count, and bytes where advertised); over one, the peer is dropped. */
  private withinTopicLimits(peer: PeerState, envelopes: readonly Envelope[]): boolean {
    const byBytes = this.topicBytesLimiter;
    if (this.topicLimiter.limit <= 0 && (byBytes === undefined || byBytes.limit <= 0)) return true;
    for (const env of envelopes) {
      const key = `${peer.id}:${topicToHex(env.topic)}`;
      const countOk = this.topicLimiter.take(key);
      const bytesOk = byBytes === undefined || byBytes.take(key, env.data.length + WHISPER.ENVELOPE_HEADER_LENGTH);
      if (countOk && bytesOk) continue;
      this.stats.rateLimited++;
      this.drop(peer, DISCONNECT_REASON.USELESS_PEER, `topic ${countOk ? 'bytes ' : ''}rate limit exceeded (${topicToHex(env.topic)})`);
      return false;
    }
    return true;
  }

  private handleMessages(peer: PeerState, payload: Uint8Array, limited: boolean): void {
    const envelopes = decodeMessagesPacket(payload);
    if (limited && !this.withinRate(peer, Math.max(1, envelopes.length))) return;
    // Per topic as well, for the whole packet before any of it is taken in: over a limit, nothing is.
    if (limited && !this.withinTopicLimits(peer, envelopes)) return;
    const errors: EnvelopeErrorEntry[] = [];
    let trouble: WhisperError | undefined;
    for (const env of envelopes) {
      this.stats.received++;
      try {
        this.add(env, { kind: 'peer', peerId: peer.id }, peer);
      } catch (e) {
        if (!(e instanceof WhisperError)) throw e;
        this.stats.rejected++;
        this.emit('envelope:rejected', e, peer.id);
        errors.push({
          hash: envelopeHash(env),
          code: e instanceof TimeSyncError ? ENVELOPE_ERROR_CODE.TIME_NOT_SYNCED : ENVELOPE_ERROR_CODE.OTHER,
          description: e.message,
        });
        if (!(e instanceof TimeSyncError)) trouble ??= e;
      }
    }
    if (this.opts.confirmations && peer.confirmationsEnabled) {
      const batchHash = keccak256(payload);
      this.safeSend(peer, () => {
        peer.send(this.codes.MESSAGE_RESPONSE, encodeMessageResponsePacket(batchHash, errors));
        peer.send(this.codes.BATCH_ACKNOWLEDGED, encodeBatchAckPacket(batchHash));
      });
    }
    if (trouble) this.drop(peer, DISCONNECT_REASON.SUBPROTOCOL_ERROR, `invalid envelope: ${trouble.message}`);
  }
}

/** A node's bloom as advertised: `undefined` for a full node. */
export function advertisedBloom(bloom: Bloom): Bloom | undefined {
  return isFullBloom(bloom) ? undefined : bloom;
}
