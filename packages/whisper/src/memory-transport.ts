import { topicKey, type Topic } from './topic.js';
import type { Envelope } from './envelope.js';
import { envelopeTransportOver, type CarrierTransport } from './envelope-carrier.js';
import type { EnvelopeCarrier, EnvelopeTransport, Filter, Hash, OutgoingMessage, ReceivedMessage } from './types.js';

/** The shared medium of MemoryCarriers (and so MemoryTransports): every envelope posted by one reaches all, asynchronously. */
export class MemoryHub {
  private readonly members = new Set<MemoryCarrier>();
  /** Envelopes carried, for tests. */
  readonly log: Envelope[] = [];

  /** @internal */
  join(c: MemoryCarrier): void {
    this.members.add(c);
  }
  /** @internal */
  leave(c: MemoryCarrier): void {
    this.members.delete(c);
  }
  /** @internal The hash is accepted for callers that pass it; receivers compute their own. */
  broadcast(env: Envelope, _hash?: Hash): void {
    this.log.push(env);
    for (const m of this.members) queueMicrotask(() => m.receive(env));
  }
}

/** An in-process EnvelopeCarrier on a `MemoryHub`: delivers in a microtask, never inside `post`. */
export class MemoryCarrier implements EnvelopeCarrier {
  private readonly subscriptions = new Map<number, { topics: Set<number> | null; deliver: (envelope: Envelope) => void }>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly hub: MemoryHub) {
    hub.join(this);
  }

  /** Even after `close` the envelope still reaches the hub (what MemoryTransport always did); only deliveries stop. */
  post(envelope: Envelope): Promise<void> {
    this.hub.broadcast(envelope);
    return Promise.resolve();
  }

  subscribe(topics: readonly Topic[], deliver: (envelope: Envelope) => void): () => void {
    const id = this.nextId++;
    this.subscriptions.set(id, { topics: topics.length === 0 ? null : new Set(topics.map(topicKey)), deliver });
    return () => {
      this.subscriptions.delete(id);
    };
  }

  /** Leaves the hub: no more deliveries. */
  close(): void {
    this.closed = true;
    this.subscriptions.clear();
    this.hub.leave(this);
  }

  /** @internal */
  receive(env: Envelope): void {
    if (this.closed) return;
    const key = topicKey(env.topic);
    for (const s of [...this.subscriptions.values()]) {
      if (this.closed) return;
      if (s.topics === null || s.topics.has(key)) s.deliver(env);
    }
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
 * It is `envelopeTransportOver` a {@link MemoryCarrier}.
 */
export class MemoryTransport implements EnvelopeTransport {
  private readonly transport: CarrierTransport;

  constructor(hub: MemoryHub, opts: MemoryTransportOptions = {}) {
    this.transport = envelopeTransportOver(new MemoryCarrier(hub), { powTarget: opts.powTarget ?? 0, now: opts.now });
  }

  post(message: OutgoingMessage): Promise<Hash> {
    return this.transport.post(message);
  }

  subscribe(filter: Filter, handler: (message: ReceivedMessage) => void): () => void {
    return this.transport.subscribe(filter, handler);
  }

  /** Leaves the hub: no more deliveries (synchronously: nothing already on its way is delivered either). */
  close(): void {
    // The memory carrier closes synchronously, so the adapter's close settles at once and cannot fail.
    void this.transport.close();
  }
}
