import { bytesToHex, keccak256 } from '@status-stack/crypto';
import { encodeEnvelope, type Envelope } from './envelope.js';
import { FilterSet } from './filters.js';
import { computePow } from './pow.js';
import { sealOutgoing } from './wrap.js';
import type { EnvelopeTransport, Filter, Hash, OutgoingMessage, ReceivedMessage } from './types.js';

/** The shared medium of MemoryTransports: every envelope posted by one reaches all, asynchronously. */
export class MemoryHub {
  private readonly members = new Set<MemoryTransport>();
  /** Envelopes carried, for tests. */
  readonly log: Envelope[] = [];

  /** @internal */
  join(t: MemoryTransport): void {
    this.members.add(t);
  }
  /** @internal */
  leave(t: MemoryTransport): void {
    this.members.delete(t);
  }
  /** @internal */
  broadcast(env: Envelope, hash: Hash): void {
    this.log.push(env);
    for (const m of this.members) queueMicrotask(() => m.receive(env, hash));
  }
}

export interface MemoryTransportOptions {
  /** Default PoW target for posts that give none (default 0: no sealing, for fast tests). */
  powTarget?: number;
  now?: () => number;
}

/**
 * An in-process EnvelopeTransport: real envelopes, real encryption and signatures, delivered through a
 * `MemoryHub` to every member's filters (its own included, as a Whisper node delivers its own posts).
 */
export class MemoryTransport implements EnvelopeTransport {
  private readonly filters = new FilterSet();
  private readonly seen = new Set<string>();
  private closed = false;

  constructor(
    private readonly hub: MemoryHub,
    private readonly opts: MemoryTransportOptions = {},
  ) {
    hub.join(this);
  }

  async post(message: OutgoingMessage): Promise<Hash> {
    const env = sealOutgoing(message, { powTarget: this.opts.powTarget ?? 0, now: this.opts.now });
    const hash = keccak256(encodeEnvelope(env));
    this.hub.broadcast(env, hash);
    return hash;
  }

  subscribe(filter: Filter, handler: (message: ReceivedMessage) => void): () => void {
    const id = this.filters.add(filter, handler);
    return () => {
      this.filters.remove(id);
    };
  }

  /** Leaves the hub: no more deliveries. */
  close(): void {
    this.closed = true;
    this.hub.leave(this);
  }

  /** @internal */
  receive(env: Envelope, hash: Hash): void {
    if (this.closed) return;
    const id = bytesToHex(hash);
    if (this.seen.has(id)) return;
    this.seen.add(id);
    const now = Math.floor((this.opts.now ?? Date.now)() / 1000);
    if (env.expiry < now) return;
    this.filters.deliver({ envelope: env, hash, pow: computePow(env), p2p: false });
  }
}
