import { bytesToHex, bytesToUtf8, randomBytes, utf8ToBytes } from '@status-stack/crypto';
import {
  FilterSet,
  computePow,
  envelopeHash,
  type Envelope,
  type EnvelopeTransport,
  type Filter,
  type HistoryRequest,
  type HistoryResult,
  type MemoryTransport,
  type OutgoingMessage,
  type ReceivedMessage,
} from '@status-stack/whisper';

/**
 * A MemoryTransport with a mailserver behind it: `requestHistory` serves the archived envelopes of
 * the asked topics and time range, newest first (as a mailserver may), `limit` per page with a
 * cursor, delivered to our filters as direct p2p envelopes (which may be expired).
 */
export class HistoryTransport implements EnvelopeTransport {
  readonly requests: HistoryRequest[] = [];
  /** Requests left to fail (a mailserver that drops off mid-request). */
  failNext = 0;
  private readonly filters = new FilterSet();

  constructor(
    private readonly inner: MemoryTransport,
    private readonly archive: () => readonly Envelope[],
  ) {}

  post(message: OutgoingMessage): Promise<Uint8Array> {
    return this.inner.post(message);
  }

  subscribe(filter: Filter, handler: (m: ReceivedMessage) => void): () => void {
    const off = this.inner.subscribe(filter, handler);
    const id = this.filters.add(filter, handler);
    return () => {
      off();
      this.filters.remove(id);
    };
  }

  async requestHistory(request: HistoryRequest): Promise<HistoryResult> {
    this.requests.push({ ...request });
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('mailserver disconnected mid-request');
    }
    const topics = new Set(request.topics.map((t) => bytesToHex(t)));
    const matching = this.archive()
      .filter((e) => topics.has(bytesToHex(e.topic)) && e.expiry - e.ttl >= request.from && e.expiry - e.ttl <= request.to)
      .reverse();
    const start = request.cursor ? Number(bytesToUtf8(request.cursor)) : 0;
    const limit = request.limit ?? 100;
    for (const envelope of matching.slice(start, start + limit)) {
      this.filters.deliver({ envelope, hash: envelopeHash(envelope), pow: computePow(envelope), p2p: true });
    }
    const next = start + limit < matching.length ? utf8ToBytes(String(start + limit)) : undefined;
    return { requestId: randomBytes(32), cursor: next };
  }
}
