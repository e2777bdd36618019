import { EventEmitter } from 'node:events';
import debugFactory from 'debug';
import { DISCONNECT_REASON, type DiscoverySource, type Overlay, type PeerInfo, type PeerPoolEvents, type PeerPoolOptions } from './types.js';
import { parseEnode } from './enode.js';

const log = debugFactory('status:p2p-overlay:pool');

type Source = 'static' | 'trusted' | 'cache' | 'bootstrap' | 'discovery';
/** Dial order among candidates that are due: the ones most likely to answer first. */
const SOURCE_RANK: Record<Source, number> = { trusted: 0, static: 1, cache: 2, bootstrap: 3, discovery: 4 };

interface Candidate {
  enode: string;
  id: string;
  source: Source;
  /** Static and trusted peers are always wanted, whatever the counts. */
  sticky: boolean;
  failures: number;
  nextAttemptAt: number;
  /** When the current connection was made (0: not connected). */
  connectedAt: number;
  dialing: boolean;
  seq: number;
}

/**
 * Keeps an overlay between `minPeers` and `maxPeers` peers (spec 1/CLIENT, "PeerPool"): dials
 * static, trusted, cached, bootstrap and discovered nodes; redials with exponential backoff;
 * suspends discovery once it has `maxPeers` and resumes it below `minPeers`; remembers peers it
 * reached in a cache, so a restart reconnects without discovery.
 */
export class PeerPool extends EventEmitter {
  private readonly candidates = new Map<string, Candidate>();
  private readonly trusted = new Set<string>();
  private readonly good: string[] = [];
  private readonly min: number;
  private readonly max: number;
  private readonly backoffInitial: number;
  private readonly backoffMax: number;
  private readonly jitter: number;
  private readonly stableAfter: number;
  private readonly maxDials: number;
  private readonly cacheSize: number;
  private running = false;
  private discoveryRunning = false;
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private saving: Promise<void> = Promise.resolve();
  private readonly onAdded = (p: PeerInfo) => this.peerAdded(p);
  private readonly onRemoved = (p: PeerInfo, reason: number) => this.peerRemoved(p, reason);

  constructor(
    readonly overlay: Overlay,
    private readonly opts: PeerPoolOptions = {},
  ) {
    super();
    this.min = opts.minPeers ?? 2;
    this.max = Math.max(opts.maxPeers ?? 6, this.min);
    this.backoffInitial = opts.backoffInitialMs ?? 1000;
    this.backoffMax = opts.backoffMaxMs ?? 5 * 60_000;
    this.jitter = Math.min(Math.max(opts.backoffJitter ?? 0.25, 0), 1);
    this.stableAfter = opts.stableAfterMs ?? 30_000;
    this.maxDials = opts.maxConcurrentDials ?? 4;
    this.cacheSize = opts.cacheSize ?? 32;
    for (const e of opts.trustedNodes ?? []) this.trusted.add(parseEnode(e).id);
  }

  override on<E extends keyof PeerPoolEvents>(event: E, listener: PeerPoolEvents[E]): this {
    return super.on(event, listener);
  }

  /** Whether a peer is trusted (e.g. our mailserver): only those may send us history. */
  isTrusted(peerId: string): boolean {
    return this.trusted.has(peerId);
  }

  /** Marks a peer trusted and keeps it connected. */
  addTrusted(enode: string): void {
    const { id } = parseEnode(enode);
    this.trusted.add(id);
    this.addCandidate(enode, 'trusted');
  }

  get discoveryActive(): boolean {
    return this.discoveryRunning;
  }

  /** Peers we reached, most recent first: what the cache holds. */
  knownGood(): string[] {
    return [...this.good];
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.overlay.on('peer:added', this.onAdded);
    this.overlay.on('peer:removed', this.onRemoved);
    for (const e of this.opts.trustedNodes ?? []) this.addCandidate(e, 'trusted', false);
    for (const e of this.opts.staticNodes ?? []) this.addCandidate(e, 'static', false);
    if (this.opts.cache) {
      try {
        const cached = await this.opts.cache.load();
        for (const e of cached) this.addCandidate(e, 'cache', false);
        this.good.push(...cached.filter((e) => !this.good.includes(e)).slice(0, this.cacheSize));
        log('cache: %d peers', cached.length);
      } catch (e) {
        log('cache load failed: %s', (e as Error).message);
      }
    }
    for (const e of this.opts.bootstrapNodes ?? []) this.addCandidate(e, 'bootstrap', false);
    // Discovery is not started while known peers (cache, static, bootstrap) may still fill the
    // pool (spec 1/CLIENT: "cached peers will satisfy the optimal number"): `maintain` starts it
    // when fewer than minPeers are connected and nothing is left to dial.
    this.maintain();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    this.overlay.off('peer:added', this.onAdded);
    this.overlay.off('peer:removed', this.onRemoved);
    await this.setDiscovery(false);
    await this.persist();
    await this.saving;
  }

  private addCandidate(enode: string, source: Source, maintain = true): void {
    let id: string;
    try {
      id = parseEnode(enode).id;
    } catch (e) {
      log('ignoring %s: %s', enode, (e as Error).message);
      return;
    }
    if (id === this.overlay.nodeId) return;
    const sticky = source === 'static' || source === 'trusted' || this.trusted.has(id);
    const existing = this.candidates.get(id);
    if (existing) {
      existing.enode = enode;
      existing.sticky ||= sticky;
      if (SOURCE_RANK[source] < SOURCE_RANK[existing.source]) existing.source = source;
    } else {
      this.candidates.set(id, { enode, id, source, sticky, failures: 0, nextAttemptAt: 0, connectedAt: 0, dialing: false, seq: this.seq++ });
    }
    if (maintain) this.maintain();
  }

  /** Exponential in the failures, capped, spread by the jitter. */
  private backoff(failures: number): number {
    const base = Math.min(this.backoffInitial * 2 ** Math.max(0, failures - 1), this.backoffMax);
    return Math.round(base * (1 - this.jitter + 2 * this.jitter * Math.random()));
  }

  private peerAdded(p: PeerInfo): void {
    const c = this.candidates.get(p.id);
    if (c) {
      c.connectedAt = Date.now();
      c.nextAttemptAt = 0;
    }
    this.maintain();
  }

  private peerRemoved(p: PeerInfo, reason: number): void {
    const c = this.candidates.get(p.id);
    let wait = Infinity;
    if (c) {
      const now = Date.now();
      // Failures are forgotten only for a connection that lasted: a peer that drops us right after
      // the handshake (e.g. refusing our Hello) backs off like a dial that failed.
      if (c.connectedAt > 0 && now - c.connectedAt >= this.stableAfter) c.failures = 0;
      c.connectedAt = 0;
      // A peer shutting down is not misbehaving, but it will not be back at once either.
      if (reason !== DISCONNECT_REASON.CLIENT_QUITTING || c.failures > 0) c.failures++;
      wait = this.backoff(Math.max(c.failures, 1));
      c.nextAttemptAt = now + wait;
    }
    log('peer %s… gone (reason %d); %d left; retry in %s ms', p.id.slice(0, 12), reason, this.overlay.peers().length, wait);
    if (this.running) this.emit('peer:lost', p.id, reason, wait);
    // Losing the mailserver is a reason to look for peers again, whatever the count (spec 1/CLIENT).
    if (this.trusted.has(p.id) && this.running && this.overlay.peers().length < this.max) void this.setDiscovery(true);
    this.maintain();
  }

  private remember(enode: string): void {
    const i = this.good.indexOf(enode);
    if (i >= 0) this.good.splice(i, 1);
    this.good.unshift(enode);
    this.good.length = Math.min(this.good.length, this.cacheSize);
    void this.persist();
  }

  private persist(): Promise<void> {
    const cache = this.opts.cache;
    if (!cache) return Promise.resolve();
    const snapshot = [...this.good];
    this.saving = this.saving.then(() =>
      cache.save(snapshot).catch((e: Error) => log('cache save failed: %s', e.message)),
    );
    return this.saving;
  }

  private async setDiscovery(on: boolean): Promise<void> {
    if (on === this.discoveryRunning) return;
    this.discoveryRunning = on;
    const sources: readonly DiscoverySource[] = this.opts.discovery ?? [];
    for (const d of sources) {
      try {
        if (on) await d.start((enode) => this.running && this.addCandidate(enode, 'discovery'));
        else await d.stop();
      } catch (e) {
        log('discovery %s %s failed: %s', d.name, on ? 'start' : 'stop', (e as Error).message);
      }
    }
    log('discovery %s', on ? 'resumed' : 'suspended');
    this.emit(on ? 'discovery:resumed' : 'discovery:suspended');
  }

  /** One pass of the pool's rules; called on every event and when a backoff expires. */
  private maintain(): void {
    if (!this.running) return;
    const peers = this.overlay.peers();
    const connected = new Set(peers.map((p) => p.id));
    const count = peers.length;


    if (count > this.max) {
      const extra = peers.filter((p) => !this.candidates.get(p.id)?.sticky && !this.trusted.has(p.id)).reverse();
      for (const p of extra.slice(0, count - this.max)) this.overlay.disconnect(p.id, DISCONNECT_REASON.TOO_MANY_PEERS);
    }

    const now = Date.now();
    let dialing = [...this.candidates.values()].filter((c) => c.dialing).length;
    let wanted = this.max - count - dialing;
    const due = [...this.candidates.values()]
      .filter((c) => !c.dialing && !connected.has(c.id) && c.nextAttemptAt <= now)
      .sort((a, b) => SOURCE_RANK[a.source] - SOURCE_RANK[b.source] || a.failures - b.failures || a.seq - b.seq);
    for (const c of due) {
      if (dialing >= this.maxDials) break;
      if (!c.sticky && wanted <= 0) continue;
      this.dial(c);
      dialing++;
      if (!c.sticky) wanted--;
    }
    if (count >= this.max && this.discoveryRunning) void this.setDiscovery(false);
    else if (count < this.min && dialing === 0 && !this.discoveryRunning) void this.setDiscovery(true);
    this.schedule(connected, now);
  }

  private dial(c: Candidate): void {
    c.dialing = true;
    log('dialing %s (%s, %d failures)', c.enode, c.source, c.failures);
    this.overlay.connect(c.enode).then(
      () => {
        c.dialing = false;
        this.remember(c.enode);
        this.maintain();
      },
      (err: Error) => {
        c.dialing = false;
        c.failures++;
        const wait = this.backoff(c.failures);
        c.nextAttemptAt = Date.now() + wait;
        log('dial %s failed (%s); retry in %d ms', c.enode, err.message, wait);
        if (this.running) this.emit('peer:dial-failed', c.enode, err, wait);
        this.maintain();
      },
    );
  }

  private schedule(connected: Set<string>, maintainedAt: number): void {
    clearTimeout(this.timer);
    let next = Infinity;
    // Compared with the clock `maintain` used: a candidate that fell due since then was not dialed and
    // must still get a timer (else the pool stalls until the next peer event); one already due then
    // and left undialed (pool full) waits for a peer event instead of spinning a timer.
    for (const c of this.candidates.values()) {
      if (c.dialing || connected.has(c.id)) continue;
      if (c.nextAttemptAt > maintainedAt) next = Math.min(next, c.nextAttemptAt);
    }
    if (next === Infinity) return;
    this.timer = setTimeout(() => this.maintain(), Math.max(1, next - Date.now()));
    this.timer.unref();
  }
}
