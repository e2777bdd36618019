import createDebug from 'debug';
import type { Capability, Overlay, PeerLink, DisconnectReason } from '@status-stack/p2p-overlay';
import { isFullBloom, type Bloom } from '../bloom.js';
import { EnvelopeNode, type PeerState } from '../node/envelope-node.js';
import type { PooledEnvelope } from '../node/envelope-pool.js';
import type { RateLimiter } from '../rate-limiter.js';
import type { RateLimits } from '../packets.js';
import type { Topic } from '../topic.js';
import type { Filter, HistoryClient, HistoryRequest, MailserverHistoryRequest, MailserverHistoryResult, ReceivedMessage, WakuNodeOptions } from '../types.js';
import { decodeP2PEnvelopes } from '../mailserver/p2p-messages.js';
import { MailserverClient } from '../mailserver/client.js';
import { WAKU, WAKU_PACKET } from './constants.js';
import {
  decodeWakuStatus,
  decodeWakuStatusOptions,
  encodeWakuStatus,
  encodeWakuStatusOptions,
  type WakuStatusOptions,
  type WakuVersion,
} from './status-options.js';
import { TopicInterest } from './topic-interest.js';

const log = createDebug('status:whisper:waku');

export const WAKU_CAPABILITY: Capability = { name: WAKU.PROTOCOL_NAME, version: WAKU.PROTOCOL_VERSION, length: WAKU.CODE_COUNT };
export const WAKU0_CAPABILITY: Capability = { name: WAKU.PROTOCOL_NAME, version: WAKU.LEGACY_VERSION, length: WAKU.CODE_COUNT };

interface WakuPeerExtra {
  topicInterest: TopicInterest | undefined;
  bytesRateLimits: RateLimits | undefined;
}

/**
 * A `waku/0` link seen as `waku/1`: the node writes `waku/1` status and status-update packets and
 * this link rewrites them in the `waku/0` form (`[0, options]`, string keys) on the way out.
 */
class LegacyWakuLink implements PeerLink {
  constructor(private readonly inner: PeerLink) {}
  get peerId(): string {
    return this.inner.peerId;
  }
  get capability(): Capability {
    return this.inner.capability;
  }
  get remoteAddress(): string | undefined {
    return this.inner.remoteAddress;
  }
  get closed(): Promise<number> {
    return this.inner.closed;
  }
  get isClosed(): boolean {
    return this.inner.isClosed;
  }
  get bufferedBytes(): number {
    return this.inner.bufferedBytes;
  }
  onDrain(cb: () => void): void {
    this.inner.onDrain(cb);
  }
  send(code: number, payload: Uint8Array): void {
    if (code === WAKU_PACKET.STATUS) payload = encodeWakuStatus(decodeWakuStatusOptions(payload, 1), 0);
    else if (code === WAKU_PACKET.STATUS_UPDATE) payload = encodeWakuStatusOptions(decodeWakuStatusOptions(payload, 1), 0);
    this.inner.send(code, payload);
  }
  onMessage(handler: (code: number, payload: Uint8Array) => void): void {
    this.inner.onMessage(handler);
  }
  close(reason?: DisconnectReason): void {
    this.inner.close(reason);
  }
}

/** The overlay as the node core sees it: registering `waku/1` also registers `waku/0` (highest shared version wins). */
function withLegacyWaku(overlay: Overlay): Overlay {
  return new Proxy(overlay, {
    get(target, prop) {
      if (prop === 'register') {
        return (cap: Capability, onPeer: (link: PeerLink) => void) => {
          target.register(cap, onPeer);
          if (cap.name === WAKU.PROTOCOL_NAME && cap.version === WAKU.PROTOCOL_VERSION) {
            target.register(WAKU0_CAPABILITY, (link) => onPeer(new LegacyWakuLink(link)));
          }
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

function peerBloom(bloom: Bloom): Bloom | undefined {
  return isFullBloom(bloom) ? undefined : bloom;
}

/**
 * A Waku v1 (`waku/1`, also accepting `waku/0`) node as status-go v0.62.18 runs it, on any `Overlay`:
 * the same envelopes, relaying, filters, confirmations and rate limits as `WhisperNode`, with the
 * option-list status packet, status updates (code 22), topic interest, and the mailserver client
 * (`requestHistory`).
 */
export class WakuNode extends EnvelopeNode {
  readonly capability: Capability = WAKU_CAPABILITY;
  protected readonly codes = WAKU_PACKET;
  readonly interestMode: 'topic-interest' | 'bloom';
  private readonly bytesLimits: RateLimits | undefined;
  /** Our advertised bytes-per-second limits, enforced per remote IP and per peer id (as status-go does), and per peer and topic when set. */
  private readonly ipBytes: RateLimiter;
  private readonly peerBytes: RateLimiter;
  private readonly extras = new WeakMap<PeerState, WakuPeerExtra>();
  private lastInterest = '';
  private mailserverClient: HistoryClient | undefined;

  constructor(overlay: Overlay, options: WakuNodeOptions = {}) {
    super(options.acceptWaku0 === false ? overlay : withLegacyWaku(overlay), options);
    this.interestMode = options.interestMode ?? 'topic-interest';
    const b = options.bytesRateLimits;
    this.bytesLimits = b
      ? { ipLimits: BigInt(b.ipLimits ?? 0), peerIdLimits: BigInt(b.peerIdLimits ?? 0), topicLimits: BigInt(b.topicLimits ?? 0) }
      : undefined;
    this.ipBytes = this.limiter(Number(this.bytesLimits?.ipLimits ?? 0n));
    this.peerBytes = this.limiter(Number(this.bytesLimits?.peerIdLimits ?? 0n));
    // The topic field of option 6 is advertised, so it is enforced: bytes per peer and topic.
    if ((this.bytesLimits?.topicLimits ?? 0n) > 0n) this.topicBytesLimiter = this.limiter(Number(this.bytesLimits!.topicLimits));
    this.lastInterest = this.interestFingerprint();
  }

  protected override withinBytesRate(peer: PeerState, bytes: number): boolean {
    return this.withinLimits(peer, this.ipBytes, this.peerBytes, bytes, 'bytes rate limit');
  }

  /** What the peer told us it wants: its topic interest, when it sent one. */
  peerTopicInterest(peerId: string): Topic[] | undefined {
    const p = this.peerStates.get(peerId.toLowerCase());
    return p ? this.extras.get(p)?.topicInterest?.topics() : undefined;
  }

  /** The bytes-per-second limits a peer advertised (status option 6), if any. */
  peerBytesRateLimits(peerId: string): RateLimits | undefined {
    const p = this.peerStates.get(peerId.toLowerCase());
    return p ? this.extras.get(p)?.bytesRateLimits : undefined;
  }

  override subscribe(filter: Filter, handler: (message: ReceivedMessage) => void): () => void {
    const unsubscribe = super.subscribe(filter, handler);
    this.interestChanged();
    return () => {
      unsubscribe();
      this.interestChanged();
    };
  }

  /**
   * Fetches history from a mailserver peer (P2P request 126 in the Waku `MessagesRequest` form:
   * 7 fields with topics), paging through cursors; envelopes reach our filters as `p2p` messages.
   * See {@link MailserverClient}.
   */
  requestHistory(request: MailserverHistoryRequest | HistoryRequest): Promise<MailserverHistoryResult> {
    this.mailserverClient ??= new MailserverClient(this);
    return this.mailserverClient.requestHistory(request);
  }

  /** The mailserver client behind `requestHistory` (created on first use). */
  get mailserver(): HistoryClient {
    this.mailserverClient ??= new MailserverClient(this);
    return this.mailserverClient;
  }

  // ---- protocol-specific parts ----

  protected encodeStatus(): Uint8Array {
    const o: WakuStatusOptions = {
      powRequirement: this.minPow,
      lightNode: this.lightNode,
      confirmationsEnabled: this.confirmationsEnabled,
      packetRateLimits: this.rateLimits,
      ...this.advertisedInterest(true),
      // status-go v0.62.18 always sends both limits, zeros meaning none.
      bytesRateLimits: this.bytesLimits ?? { ipLimits: 0n, peerIdLimits: 0n, topicLimits: 0n },
    };
    return encodeWakuStatus(o, 1);
  }

  protected applyStatus(peer: PeerState, payload: Uint8Array): void {
    const o = decodeWakuStatus(payload, versionOf(peer));
    // status-go `WithDefaults`: what a peer leaves out of its handshake takes these values.
    peer.powRequirement = o.powRequirement ?? WAKU.DEFAULT_PEER_POW;
    peer.lightNode = o.lightNode ?? false;
    peer.confirmationsEnabled = o.confirmationsEnabled ?? false;
    peer.setRateLimits(o.packetRateLimits);
    peer.setBytesRateLimits(o.bytesRateLimits);
    peer.bloom = undefined;
    this.extras.set(peer, { topicInterest: undefined, bytesRateLimits: o.bytesRateLimits });
    this.applyInterest(peer, o);
  }

  protected sendPowRequirement(peer: PeerState, pow: number): void {
    peer.send(WAKU_PACKET.STATUS_UPDATE, encodeWakuStatusOptions({ powRequirement: pow }));
  }

  protected sendBloomFilter(peer: PeerState, bloom: Bloom): void {
    // While we advertise topic interest, bloom changes are not news to peers (interestChanged sends the topics).
    if (this.usesTopicInterest()) return;
    peer.send(WAKU_PACKET.STATUS_UPDATE, encodeWakuStatusOptions({ bloom }));
  }

  protected handleProtocolPacket(peer: PeerState, code: number, payload: Uint8Array): boolean {
    switch (code) {
      case WAKU_PACKET.STATUS_UPDATE: {
        const o = decodeWakuStatusOptions(payload, versionOf(peer));
        if (o.powRequirement !== undefined) peer.powRequirement = o.powRequirement;
        if (o.lightNode !== undefined) peer.lightNode = o.lightNode;
        if (o.confirmationsEnabled !== undefined) peer.confirmationsEnabled = o.confirmationsEnabled;
        if (o.packetRateLimits !== undefined) peer.setRateLimits(o.packetRateLimits);
        const extra = this.extraOf(peer);
        if (o.bytesRateLimits !== undefined) {
          extra.bytesRateLimits = o.bytesRateLimits;
          peer.setBytesRateLimits(o.bytesRateLimits);
        }
        this.applyInterest(peer, o);
        return true;
      }
      case WAKU_PACKET.STATUS:
        // vac 6/WAKU1: status packets after the handshake are ignored.
        return true;
      case WAKU_PACKET.P2P_MESSAGE:
        // Only a trusted peer (our mailserver) may push envelopes directly; others are ignored.
        if (peer.trusted) this.deliverP2P(decodeP2PEnvelopes(payload), peer.id);
        else log('ignoring p2p messages from untrusted %s', peer.id.slice(0, 12));
        return true;
      default:
        return false;
    }
  }

  protected override peerAccepts(peer: PeerState, e: PooledEnvelope): boolean {
    const interest = this.extras.get(peer)?.topicInterest;
    // vac 6/WAKU1: with topic interest, peers MUST only be sent those topics; the bloom is ignored.
    if (interest) return e.pow >= peer.powRequirement && interest.has(e.envelope.topic);
    return super.peerAccepts(peer, e);
  }

  // ---- internals ----

  private extraOf(peer: PeerState): WakuPeerExtra {
    let x = this.extras.get(peer);
    if (!x) {
      x = { topicInterest: undefined, bytesRateLimits: undefined };
      this.extras.set(peer, x);
    }
    return x;
  }

  /** Topic interest wins over a bloom sent alongside; a bloom alone discards an earlier topic interest. */
  private applyInterest(peer: PeerState, o: WakuStatusOptions): void {
    const extra = this.extraOf(peer);
    if (o.topicInterest !== undefined) {
      extra.topicInterest = new TopicInterest(o.topicInterest);
    } else if (o.bloom !== undefined && o.bloom.length > 0) {
      extra.topicInterest = undefined;
      peer.bloom = peerBloom(o.bloom);
    }
  }

  private usesTopicInterest(): boolean {
    return this.interestMode === 'topic-interest' && this.opts.bloomMode === 'subscriptions' && this.filters.topics() !== null;
  }

  /**
   * Our interest as advertised: the topics of our filters in topic-interest mode, else our bloom. In the
   * handshake a full node in topic-interest mode sends neither, as status-go does (peers assume a full bloom).
   */
  private advertisedInterest(handshake: boolean): Pick<WakuStatusOptions, 'bloom' | 'topicInterest'> {
    if (this.usesTopicInterest()) return { topicInterest: new TopicInterest(this.filters.topics() ?? []).topics() };
    if (handshake && this.interestMode === 'topic-interest' && isFullBloom(this.bloomFilter)) return {};
    return { bloom: this.bloomFilter };
  }

  private interestFingerprint(): string {
    return this.usesTopicInterest() ? new TopicInterest(this.filters.topics() ?? []).fingerprint() : 'bloom';
  }

  /** Sends our new topic interest to every peer when our filters' topics changed. */
  private interestChanged(): void {
    const fp = this.interestFingerprint();
    if (fp === this.lastInterest) return;
    this.lastInterest = fp;
    if (!this.usesTopicInterest()) return;
    const payload = encodeWakuStatusOptions(this.advertisedInterest(false));
    for (const p of this.peerStates.values()) {
      if (!p.handshaken || p.link.isClosed) continue;
      try {
        p.send(WAKU_PACKET.STATUS_UPDATE, payload);
      } catch (e) {
        log('status update to %s failed: %s', p.id.slice(0, 12), (e as Error).message);
      }
    }
  }
}

function versionOf(peer: PeerState): WakuVersion {
  return peer.link.capability.version === WAKU.LEGACY_VERSION ? 0 : 1;
}
