/** Bounds of a {@link RateLimiter}'s own state. */
export interface RateLimiterOptions {
  /**
   * Most keys tracked at once (default 10 000). Beyond it, buckets that are full again carry no
   * state and go first, then the least recently used. This bounds the limiter's memory whatever
   * keys a peer makes up (random topics, fresh node keys, many addresses).
   */
  maxKeys?: number;
  /**
   * A key over its limit is still charged what it sent: its bucket goes into debt, down to this
   * many seconds' worth of tokens (default 60). A flooder dropped for it and reconnecting under the
   * same key (same IP, same node key) finds its bucket still empty, not a fresh burst.
   */
  maxDebtSeconds?: number;
}

const SWEEP_INTERVAL_MS = 10_000;

/**
 * Token buckets keyed by a string (IP, peer id, topic): `limit` tokens per second, bursts up to
 * `limit`. A limit of 0 disables the bucket. `take(key, cost)` passes when the bucket holds `cost`
 * tokens; a cost above the limit (one packet larger than a bytes-per-second limit, or carrying
 * more envelopes than the per-second limit) passes only on a full bucket, which it leaves in debt,
 * so it never blocks a key forever. A refused take is charged too (see `maxDebtSeconds`).
 */
export class RateLimiter {
  /** Map order is recency order: a touched key is moved to the end. */
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;
  readonly maxKeys: number;
  private readonly maxDebt: number;

  constructor(
    readonly limit: number,
    private readonly now: () => number = Date.now,
    options: RateLimiterOptions = {},
  ) {
    this.maxKeys = Math.max(1, Math.floor(options.maxKeys ?? 10_000));
    this.maxDebt = Math.max(0, options.maxDebtSeconds ?? 60) * Math.max(0, limit);
  }

  /** Takes `cost` tokens for `key`; false when the key is over its limit (it is charged anyway). */
  take(key: string, cost = 1): boolean {
    if (this.limit <= 0) return true;
    const t = this.now();
    if (t - this.lastSweep >= SWEEP_INTERVAL_MS) this.sweep(t);
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.limit, at: t };
      this.makeRoom(t);
    } else {
      this.buckets.delete(key);
      this.refill(b, t);
    }
    this.buckets.set(key, b);
    const ok = b.tokens >= Math.min(cost, this.limit);
    b.tokens = Math.max(b.tokens - cost, -this.maxDebt);
    return ok;
  }

  /** Tokens `key` has now (the limit for a key not tracked; Infinity when disabled). */
  available(key: string): number {
    if (this.limit <= 0) return Infinity;
    const b = this.buckets.get(key);
    if (!b) return this.limit;
    return Math.min(this.limit, b.tokens + ((this.now() - b.at) / 1000) * this.limit);
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }

  /** Keys tracked now (at most `maxKeys`). */
  get size(): number {
    return this.buckets.size;
  }

  private refill(b: { tokens: number; at: number }, t: number): void {
    b.tokens = Math.min(this.limit, b.tokens + ((Math.max(t, b.at) - b.at) / 1000) * this.limit);
    b.at = Math.max(t, b.at);
  }

  private isFull(b: { tokens: number; at: number }, t: number): boolean {
    return b.tokens + ((t - b.at) / 1000) * this.limit >= this.limit;
  }

  /** Before a new key is added: full buckets go first, then the least recently used. */
  private makeRoom(t: number): void {
    if (this.buckets.size < this.maxKeys) return;
    // A sweep is O(keys): at most once a second when the table is full, so flooding keys costs O(1) each.
    if (t - this.lastSweep >= 1000) this.sweep(t);
    while (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
  }

  /** Full buckets carry no state: dropped, so the map holds only keys with recent traffic. */
  private sweep(t: number): void {
    this.lastSweep = t;
    for (const [k, b] of this.buckets) if (this.isFull(b, t)) this.buckets.delete(k);
  }
}

/**
 * The key a remote address is limited under: IPv4 (also IPv4-mapped IPv6) as is, IPv6 by its /64
 * prefix, since one host commonly holds a whole /64 and could otherwise use a fresh address per
 * connection.
 */
export function rateLimitAddressKey(address: string): string {
  const a = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return mapped[1];
  if (!a.includes(':')) return a;
  const [head, tail] = a.split('%')[0].split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => (g === '' ? '0' : g.replace(/^0+(?=.)/, '')))
    .join(':')}::/64`;
}
