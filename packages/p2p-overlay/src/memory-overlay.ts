import { EventEmitter } from 'node:events';
import { bytesToHex, generatePrivateKey, getPublicKey, type PrivateKey } from '@status-stack/crypto';
import {
  DISCONNECT_REASON,
  type Capability,
  type DisconnectReason,
  type Overlay,
  type OverlayEvents,
  type PeerInfo,
  type PeerLink,
} from './types.js';
import { QueuedLink } from './link.js';
import { OverlayError, OVERLAY_ERROR } from './errors.js';
import { matchCapabilities } from './capabilities.js';

export interface MemoryNetworkOptions {
  /** Delivery delay in ms: a constant or a function drawn per message (default 0: next microtask). */
  latencyMs?: number | ((random: () => number) => number);
  /** Probability in [0, 1) that a message is dropped. */
  loss?: number;
  /** Seed of the network's random source (loss, latency). */
  seed?: number;
}

/** mulberry32: small, seedable, deterministic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An in-process network of overlays: no sockets, deterministic for a given seed, with optional
 * latency and loss for simulations. Overlays created from one network can connect to each other.
 */
export class MemoryNetwork {
  readonly random: () => number;
  private readonly nodes = new Map<string, MemoryOverlay>();
  private readonly opts: MemoryNetworkOptions;
  /** Messages dropped by simulated loss. */
  dropped = 0;

  constructor(opts: MemoryNetworkOptions = {}) {
    this.opts = opts;
    this.random = seededRandom(opts.seed ?? 1);
  }

  createOverlay(opts: MemoryOverlayOptions = {}): MemoryOverlay {
    return new MemoryOverlay(this, opts);
  }

  /** @internal */
  attach(node: MemoryOverlay): void {
    this.nodes.set(node.nodeId, node);
  }
  /** @internal */
  detach(node: MemoryOverlay): void {
    this.nodes.delete(node.nodeId);
  }
  /** @internal */
  lookup(nodeId: string): MemoryOverlay | undefined {
    return this.nodes.get(nodeId);
  }

  /** @internal Schedules a delivery according to the network's loss and latency. */
  deliver(fn: () => void): void {
    const loss = this.opts.loss ?? 0;
    if (loss > 0 && this.random() < loss) {
      this.dropped++;
      return;
    }
    const l = this.opts.latencyMs;
    const delay = typeof l === 'function' ? l(this.random) : (l ?? 0);
    if (delay <= 0) queueMicrotask(fn);
    else setTimeout(fn, delay);
  }
}

export interface MemoryOverlayOptions {
  privateKey?: PrivateKey;
  clientId?: string;
  maxPeers?: number;
}

interface Registration {
  capability: Capability;
  onPeer: (link: PeerLink) => void;
}

interface MemoryPeer {
  info: PeerInfo;
  remote: MemoryOverlay;
  links: MemoryLink[];
}

class MemoryLink extends QueuedLink {
  other: MemoryLink | undefined;

  constructor(
    peerId: string,
    capability: Capability,
    remoteAddress: string | undefined,
    private readonly network: MemoryNetwork,
    closePeer: (reason: DisconnectReason) => void,
    onHandlerError: (e: Error) => void,
  ) {
    super(peerId, capability, remoteAddress, closePeer, onHandlerError);
  }

  protected transmit(code: number, payload: Uint8Array): void {
    const copy = payload.slice();
    const target = this.other;
    // As over RLPx: a message the layer above throws on costs the peer (SUBPROTOCOL_ERROR).
    this.network.deliver(() => target?.deliverFromPeer(code, copy));
  }

  deliverFromPeer(code: number, payload: Uint8Array): void {
    this.receiveOrClose(code, payload);
  }
}

let memoryPortCounter = 0;

/** An `Overlay` on a `MemoryNetwork`. Enode URLs look like `enode://<id>@memory:<n>`. */
export class MemoryOverlay extends EventEmitter implements Overlay {
  readonly nodeId: string;
  readonly enode: string;
  private readonly registrations: Registration[] = [];
  private readonly peerMap = new Map<string, MemoryPeer>();
  private running = false;
  private readonly clientId: string;
  private readonly maxPeers: number;

  constructor(
    private readonly network: MemoryNetwork,
    opts: MemoryOverlayOptions = {},
  ) {
    super();
    const key = opts.privateKey ?? generatePrivateKey();
    this.nodeId = bytesToHex(getPublicKey(key).subarray(1));
    this.enode = `enode://${this.nodeId}@memory:${++memoryPortCounter}`;
    this.clientId = opts.clientId ?? 'status-stack/memory';
    this.maxPeers = opts.maxPeers ?? 25;
  }

  override on<E extends keyof OverlayEvents>(event: E, listener: OverlayEvents[E]): this {
    return super.on(event, listener);
  }
  override off<E extends keyof OverlayEvents>(event: E, listener: OverlayEvents[E]): this {
    return super.off(event, listener);
  }

  register(capability: Capability, onPeer: (link: PeerLink) => void): void {
    this.registrations.push({ capability, onPeer });
  }

  capabilities(): Capability[] {
    return this.registrations.map((r) => r.capability);
  }

  async start(): Promise<void> {
    this.running = true;
    this.network.attach(this);
  }

  async stop(): Promise<void> {
    for (const id of [...this.peerMap.keys()]) this.disconnect(id, DISCONNECT_REASON.CLIENT_QUITTING);
    this.running = false;
    this.network.detach(this);
  }

  peers(): PeerInfo[] {
    return [...this.peerMap.values()].map((p) => p.info);
  }

  async connect(enode: string): Promise<PeerInfo> {
    const m = /^enode:\/\/([0-9a-f]{128})@/i.exec(enode);
    if (!m) throw new OverlayError(OVERLAY_ERROR.INVALID_ENODE, `not an enode URL: ${enode}`);
    const id = m[1].toLowerCase();
    if (!this.running) throw new OverlayError(OVERLAY_ERROR.NOT_STARTED, 'overlay not started');
    if (id === this.nodeId) throw new OverlayError(OVERLAY_ERROR.DIAL_FAILED, 'cannot connect to self');
    const existing = this.peerMap.get(id);
    if (existing) return existing.info;
    const remote = this.network.lookup(id);
    if (!remote) throw new OverlayError(OVERLAY_ERROR.DIAL_FAILED, `no memory node ${id.slice(0, 16)}…`);
    if (this.peerMap.size >= this.maxPeers || remote.peerMap.size >= remote.maxPeers) {
      throw new OverlayError(OVERLAY_ERROR.DIAL_FAILED, 'too many peers');
    }
    const shared = matchCapabilities(this.capabilities(), remote.capabilities());
    // As over RLPx, a peer with no capability in common is useless: devp2p disconnects it at Hello.
    if (shared.length === 0) throw new OverlayError(OVERLAY_ERROR.DIAL_FAILED, `no shared capability with ${id.slice(0, 16)}… (USELESS_PEER)`);
    const ours = this.addPeer(remote, shared, false);
    const theirs = remote.addPeer(this, shared, true);
    for (let i = 0; i < shared.length; i++) {
      ours.links[i].other = theirs.links[i];
      theirs.links[i].other = ours.links[i];
    }
    this.announce(ours);
    remote.announce(theirs);
    return ours.info;
  }

  private addPeer(remote: MemoryOverlay, shared: Capability[], inbound: boolean): MemoryPeer {
    const info: PeerInfo = {
      id: remote.nodeId,
      remoteAddress: '127.0.0.1',
      remotePort: undefined,
      clientId: remote.clientId,
      inbound,
      capabilities: shared,
    };
    const peer: MemoryPeer = { info, remote, links: [] };
    const closePeer = (reason: DisconnectReason) => this.disconnect(remote.nodeId, reason);
    const onHandlerError = (e: Error) => {
      if (this.listenerCount('peer:error') > 0) this.emit('peer:error', e, remote.nodeId);
    };
    peer.links = shared.map((c) => new MemoryLink(remote.nodeId, c, '127.0.0.1', this.network, closePeer, onHandlerError));
    this.peerMap.set(remote.nodeId, peer);
    return peer;
  }

  private announce(peer: MemoryPeer): void {
    this.emit('peer:added', peer.info);
    for (const link of peer.links) {
      for (const r of this.registrations) {
        if (r.capability.name === link.capability.name && r.capability.version === link.capability.version) {
          try {
            r.onPeer(link);
          } catch (e) {
            // An 'error' nobody listens to would throw out of connect(): report only when heard.
            if (this.listenerCount('error') > 0) this.emit('error', e as Error);
          }
        }
      }
    }
  }

  disconnect(peerId: string, reason: DisconnectReason = DISCONNECT_REASON.DISCONNECT_REQUESTED): void {
    const peer = this.peerMap.get(peerId);
    if (!peer) return;
    this.peerMap.delete(peerId);
    for (const l of peer.links) l.markClosed(reason);
    this.emit('peer:removed', peer.info, reason, reasonText(reason));
    peer.remote.disconnect(this.nodeId, reason);
  }
}

export function reasonText(reason: number): string {
  for (const [k, v] of Object.entries(DISCONNECT_REASON)) if (v === reason) return k;
  return `UNKNOWN_${reason}`;
}
