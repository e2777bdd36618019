/**
 * Token buckets keyed by a string (IP, peer id, topic): `limit` tokens per second, bursts up to `limit`.
 * A limit of 0 disables the bucket. A cost above the limit (one packet larger than a bytes-per-second
 * limit) passes when the bucket is full and leaves it in debt, so it never blocks a key forever.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastPrune = 0;

  constructor(
    readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes `cost` tokens for `key`; false when the key is over its limit. */
  take(key: string, cost = 1): boolean {
    if (this.limit <= 0) return true;
    const t = this.now();
    this.prune(t);
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.limit, at: t };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.limit, b.tokens + ((t - b.at) / 1000) * this.limit);
      b.at = t;
    }
    if (b.tokens < Math.min(cost, this.limit)) return false;
    b.tokens -= cost;
    return true;
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Full buckets carry no state: drop them so the map stays bounded by active senders. */
  private prune(t: number): void {
    if (t - this.lastPrune < 10_000) return;
    this.lastPrune = t;
    for (const [k, b] of this.buckets) if (b.tokens + ((t - b.at) / 1000) * this.limit >= this.limit) this.buckets.delete(k);
  }
}
