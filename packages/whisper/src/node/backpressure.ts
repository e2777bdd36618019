// Following a peer's send buffer: producers that write a lot to one peer (the mailserver page after
// page, the relay's initial sync) stop while the bytes queued on its connection are above a bound
// and go on once they have drained. The p2p-overlay `PeerLink` reports them (`bufferedBytes`,
// `onDrain`); a link that does not is treated as always empty (nothing to wait for).
import type { PeerLink } from '@status-stack/p2p-overlay';

/** What a link may tell about its send buffer. */
interface BackpressureLink {
  readonly bufferedBytes?: unknown;
  onDrain?: unknown;
}

/** Bytes queued on a link that have not reached the kernel yet (0 when the link cannot tell). */
export function linkBufferedBytes(link: PeerLink): number {
  const n = (link as BackpressureLink).bufferedBytes;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}

/** Calls `cb` once the link's send buffer has drained or the link closed; on the next turn when the link cannot tell. */
export function onLinkDrain(link: PeerLink, cb: () => void): void {
  const l = link as BackpressureLink;
  if ('bufferedBytes' in link && typeof l.onDrain === 'function') (l.onDrain as (cb: () => void) => void).call(link, cb);
  else setImmediate(cb);
}

/** The side of a peer a {@link DrainWaiter} watches. */
export interface DrainTarget {
  readonly bufferedBytes: number;
  readonly isClosed: boolean;
  onDrain(cb: () => void): void;
}

/**
 * Waits, for any number of producers, until one peer's send buffer is at or below each one's bound
 * (or the peer is gone). At most one drain listener is registered at a time, and the buffer is also
 * re-checked every `pollMs`, so a drain event that never comes (a buffer below the socket's
 * high-water mark emits none) cannot hold a producer forever.
 */
export class DrainWaiter {
  private waiters: Array<{ bound: number; cb: () => void }> = [];
  private listening = false;
  private timer: NodeJS.Timeout | undefined;
  private cancelled = false;

  constructor(
    private readonly target: DrainTarget,
    private readonly pollMs = 250,
  ) {}

  /** Producers waiting now. */
  get size(): number {
    return this.waiters.length;
  }

  /**
   * Calls `cb` once, asynchronously, when `bufferedBytes <= bound` or the peer closed; never after
   * `cancel()` or the returned function is called.
   */
  wait(bound: number, cb: () => void): () => void {
    if (this.cancelled) return () => undefined;
    const entry = { bound, cb };
    this.waiters.push(entry);
    this.arm();
    return () => {
      this.waiters = this.waiters.filter((w) => w !== entry);
    };
  }

  /** Forgets every waiter (their callbacks are not called) and stops watching. */
  cancel(): void {
    this.cancelled = true;
    this.waiters = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (!this.listening) {
      this.listening = true;
      this.target.onDrain(() => {
        this.listening = false;
        this.check();
      });
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.check();
      }, this.pollMs);
      this.timer.unref();
    }
  }

  private check(): void {
    if (this.cancelled || this.waiters.length === 0) return;
    const closed = this.target.isClosed;
    const buffered = this.target.bufferedBytes;
    const ready = this.waiters.filter((w) => closed || buffered <= w.bound);
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    if (this.waiters.length > 0) this.arm();
    else if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (const w of ready) w.cb();
  }
}
