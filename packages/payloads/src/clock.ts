import { PAYLOAD_ERROR, PayloadError } from './errors.js';
import type { Ordered } from './types.js';

/**
 * How far (ms) a message clock may run ahead of the transport (Whisper/Waku) timestamp:
 * 6/PAYLOADS "Clock vs Timestamp" and status-go's maxWhisperFutureDriftMs.
 */
export const MAX_CLOCK_FUTURE_DRIFT_MS = 120_000n;

function toBig(value: bigint | number, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new PayloadError(PAYLOAD_ERROR.INVALID_ARGUMENT, `${what} must be a non-negative safe integer, got ${value}`);
  }
  return BigInt(value);
}

/**
 * Rejects a clock of 0 and a clock more than 120 s ahead of the transport timestamp (in ms; for
 * Whisper/Waku envelopes that is the envelope's send time, expiry - ttl, times 1000).
 */
export function validateClockValue(clock: bigint, transportTimestampMs: bigint | number): void {
  const ts = toBig(transportTimestampMs, 'transport timestamp');
  if (clock === 0n) throw new PayloadError(PAYLOAD_ERROR.INVALID_CLOCK, 'clock is 0');
  if (clock > ts && clock - ts > MAX_CLOCK_FUTURE_DRIFT_MS) {
    throw new PayloadError(
      PAYLOAD_ERROR.CLOCK_TOO_FAR_IN_FUTURE,
      `clock ${clock} is ${clock - ts} ms ahead of transport timestamp ${ts} (limit ${MAX_CLOCK_FUTURE_DRIFT_MS} ms)`,
    );
  }
}

/**
 * True when a clock is more than 120 s *behind* the transport timestamp: 6/PAYLOADS says such a
 * message MAY be flagged or dropped (it cannot be told apart from a data-sync retransmission).
 */
export function isClockFarInPast(clock: bigint, transportTimestampMs: bigint | number): boolean {
  const ts = toBig(transportTimestampMs, 'transport timestamp');
  return ts > clock && ts - clock > MAX_CLOCK_FUTURE_DRIFT_MS;
}

/**
 * The Lamport "bid" of 6/PAYLOADS: `max(nowMs, last + 1)`, so the first clock of a chat is `nowMs`.
 * Never 0 (status-go rejects a zero clock), even with a clock stuck at the epoch.
 */
export function nextClock(lastClock: bigint, nowMs: bigint | number): bigint {
  const now = toBig(nowMs, 'now');
  return now > lastClock ? now : lastClock + 1n;
}

/**
 * Lamport clock of one chat. `next()` stamps an outgoing message; `observe()` folds in the clock of
 * a received message, so the next bid is above everything seen in the chat.
 */
export class LamportClock {
  private last: bigint;

  constructor(
    lastClock: bigint = 0n,
    private readonly now: () => bigint | number = () => Date.now(),
  ) {
    this.last = lastClock;
  }

  /** The highest clock seen or issued in this chat. */
  get value(): bigint {
    return this.last;
  }

  next(): bigint {
    this.last = nextClock(this.last, this.now());
    return this.last;
  }

  observe(clock: bigint): void {
    if (clock > this.last) this.last = clock;
  }
}

/**
 * Total order of a chat's messages: by clock, then by message id. status-go's message cursor is
 * the clock (zero-padded) followed by the id, so this is the order its clients display.
 */
export function compareMessages(a: Ordered, b: Ordered): number {
  if (a.clock !== b.clock) return a.clock < b.clock ? -1 : 1;
  const ia = a.id.toLowerCase();
  const ib = b.id.toLowerCase();
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

/** Returns a new array in chat order; input order does not matter. */
export function sortMessages<T extends Ordered>(messages: readonly T[]): T[] {
  return [...messages].sort(compareMessages);
}
