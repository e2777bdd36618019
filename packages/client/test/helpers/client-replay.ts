import { FilterSet, computePow, envelopeHash, type Envelope, type EnvelopeTransport, type Filter, type OutgoingMessage, type ReceivedMessage } from '@status-stack/whisper';

/**
 * A transport that receives only what the test replays (captured envelopes, delivered as direct p2p
 * envelopes so their long-past expiry does not matter) and records what the client posts.
 */
export class ReplayTransport implements EnvelopeTransport {
  readonly posted: OutgoingMessage[] = [];
  private readonly filters = new FilterSet();

  async post(message: OutgoingMessage): Promise<Uint8Array> {
    this.posted.push(message);
    return new Uint8Array(32);
  }

  subscribe(filter: Filter, handler: (m: ReceivedMessage) => void): () => void {
    const id = this.filters.add(filter, handler);
    return () => {
      this.filters.remove(id);
    };
  }

  /** Delivers envelopes to the matching filters; returns how many filter deliveries happened. */
  replay(envelopes: readonly Envelope[]): number {
    let n = 0;
    for (const envelope of envelopes) n += this.filters.deliver({ envelope, hash: envelopeHash(envelope), pow: computePow(envelope), p2p: true });
    return n;
  }
}
