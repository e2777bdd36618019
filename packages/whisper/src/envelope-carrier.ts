// An EnvelopeTransport over any EnvelopeCarrier: the carrier moves sealed envelopes, this adapter
// does everything else whisper does for a transport (sealing with PoW, opening, filters), so a new
// network needs only the carrier.
import { bytesToHex } from '@status-stack/crypto';
import { envelopeHash, type Envelope } from './envelope.js';
import { FilterSet } from './filters.js';
import { computePow } from './pow.js';
import { sealOutgoing } from './wrap.js';
import type { EnvelopeCarrier, EnvelopeTransport, Filter, Hash, OutgoingMessage, ReceivedMessage } from './types.js';

export interface CarrierTransportOptions {
  /** PoW target for posts that give none (default 0.002, what Status seals to). */
  powTarget?: number;
  /** Clock in ms (default Date.now). */
  now?: () => number;
}

/** An EnvelopeTransport that also closes its carrier. */
export interface CarrierTransport extends EnvelopeTransport {
  /** Closes the carrier: no handler runs again. */
  close(): Promise<void>;
}

/** Gives anyone with an {@link EnvelopeCarrier} the whole {@link EnvelopeTransport}. */
export function envelopeTransportOver(carrier: EnvelopeCarrier, options: CarrierTransportOptions = {}): CarrierTransport {
  return new CarrierTransportImpl(carrier, options);
}

class CarrierTransportImpl implements CarrierTransport {
  private readonly filters = new FilterSet();
  /** Hashes delivered, with their expiry: a repeat is dropped until the envelope expires. */
  private readonly seen = new Map<string, number>();
  private readonly now: () => number;
  private closed = false;

  constructor(
    private readonly carrier: EnvelopeCarrier,
    private readonly options: CarrierTransportOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async post(message: OutgoingMessage): Promise<Hash> {
    const envelope = sealOutgoing(message, { powTarget: this.options.powTarget, now: this.options.now });
    const hash = envelopeHash(envelope);
    await this.carrier.post(envelope);
    return hash;
  }

  subscribe(filter: Filter, handler: (message: ReceivedMessage) => void): () => void {
    const id = this.filters.add(filter, handler);
    const off = this.carrier.subscribe(filter.topics, (envelope) => this.receive(envelope));
    let on = true;
    return () => {
      if (!on) return;
      on = false;
      off();
      this.filters.remove(id);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.carrier.close();
  }

  /** One carrier subscription per filter, so an envelope several filters want arrives several times: opened once. */
  private receive(envelope: Envelope): void {
    if (this.closed) return;
    const nowSeconds = Math.floor(this.now() / 1000);
    if (envelope.expiry < nowSeconds) return;
    const hash = envelopeHash(envelope);
    const id = bytesToHex(hash);
    if (this.seen.has(id)) return;
    this.seen.set(id, envelope.expiry);
    if (this.seen.size > 1024) this.forgetExpired(nowSeconds);
    this.filters.deliver({ envelope, hash, pow: computePow(envelope), p2p: false });
  }

  private forgetExpired(nowSeconds: number): void {
    for (const [id, expiry] of this.seen) if (expiry < nowSeconds) this.seen.delete(id);
  }
}
