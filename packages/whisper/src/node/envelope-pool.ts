import { bytesToHex, keccak256 } from '@status-stack/crypto';
import { encodeEnvelope, envelopeBloom, envelopeSize, type Envelope } from '../envelope.js';
import type { Bloom } from '../bloom.js';

/** An envelope in the pool, with what relaying needs computed once. */
export interface PooledEnvelope {
  readonly envelope: Envelope;
  readonly hash: Uint8Array;
  readonly id: string;
  readonly rlp: Uint8Array;
  readonly bloom: Bloom;
  pow: number;
  readonly size: number;
  /** What the entry costs in memory, as the pool's bound counts it: its RLP, its data and {@link POOL_ENTRY_OVERHEAD}. */
  readonly memory: number;
  /** Posted by this node (a light node still sends these). */
  readonly local: boolean;
}

/**
 * Bytes an entry costs beyond its RLP and data (objects, hash, id, bloom, indexes), measured on
 * Node 20: ~1.6 KB whatever the envelope's size. Counting it keeps `maxPoolBytes` a bound on memory
 * even for tiny envelopes (a 16-byte payload costs ~1.6 KB, not 36 bytes).
 */
export const POOL_ENTRY_OVERHEAD = 1600;

export function poolEntry(envelope: Envelope, pow: number, local: boolean, rlp = encodeEnvelope(envelope)): PooledEnvelope {
  const hash = keccak256(rlp);
  const memory = rlp.length + envelope.data.length + POOL_ENTRY_OVERHEAD;
  return { envelope, hash, id: bytesToHex(hash), rlp, bloom: envelopeBloom(envelope), pow, size: envelopeSize(envelope), memory, local };
}

/**
 * Envelopes by hash, indexed by expiry so sweeps and evictions are cheap. Bounded in bytes of memory
 * (`PooledEnvelope.memory`): when full, the envelopes closest to expiry make room (they have the
 * least life left to relay).
 */
export class EnvelopePool {
  private readonly byId = new Map<string, PooledEnvelope>();
  private readonly byExpiry = new Map<number, Set<string>>();
  bytes = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): PooledEnvelope | undefined {
    return this.byId.get(id);
  }

  values(): IterableIterator<PooledEnvelope> {
    return this.byId.values();
  }

  /** Adds; returns the entries evicted to make room. */
  add(entry: PooledEnvelope): PooledEnvelope[] {
    this.byId.set(entry.id, entry);
    let set = this.byExpiry.get(entry.envelope.expiry);
    if (!set) this.byExpiry.set(entry.envelope.expiry, (set = new Set()));
    set.add(entry.id);
    this.bytes += entry.memory;
    const evicted: PooledEnvelope[] = [];
    if (this.bytes > this.maxBytes) {
      const expiries = [...this.byExpiry.keys()].sort((a, b) => a - b);
      for (const exp of expiries) {
        for (const id of this.byExpiry.get(exp) ?? []) {
          if (this.bytes <= this.maxBytes) break;
          if (id === entry.id) continue;
          evicted.push(this.remove(id)!);
        }
        if (this.bytes <= this.maxBytes) break;
      }
    }
    return evicted;
  }

  remove(id: string): PooledEnvelope | undefined {
    const e = this.byId.get(id);
    if (!e) return undefined;
    this.byId.delete(id);
    const set = this.byExpiry.get(e.envelope.expiry);
    set?.delete(id);
    if (set && set.size === 0) this.byExpiry.delete(e.envelope.expiry);
    this.bytes -= e.memory;
    return e;
  }

  /** Removes every envelope whose expiry is before `nowSeconds`. */
  expire(nowSeconds: number): PooledEnvelope[] {
    const out: PooledEnvelope[] = [];
    for (const [exp, ids] of this.byExpiry) {
      if (exp >= nowSeconds) continue;
      for (const id of [...ids]) out.push(this.remove(id)!);
    }
    return out;
  }
}
