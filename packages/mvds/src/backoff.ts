import { MVDS_ERROR, MvdsError } from './errors.js';
import type { NextEpochFn } from './types.js';

export interface BackoffOptions {
  /** Delay after the first send, in epochs. Default 1. */
  base?: number;
  /** Largest delay, in epochs. Default 32. */
  cap?: number;
}

/**
 * 2/MVDS "Retransmission": the send epoch grows exponentially up to an upper bound, then goes back
 * to a low epoch so that a record's next send never drifts far away. Delays run
 * base, 2·base, 4·base, … up to cap, then start again at base.
 */
export function exponentialBackoff(options: BackoffOptions = {}): NextEpochFn {
  const base = options.base ?? 1;
  const cap = options.cap ?? 32;
  if (!Number.isInteger(base) || base < 1) {
    throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `backoff base must be an integer >= 1, got ${base}`);
  }
  if (!Number.isInteger(cap) || cap < base) {
    throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `backoff cap must be an integer >= base (${base}), got ${cap}`);
  }
  const steps = Math.floor(Math.log2(cap / base)) + 1;
  return (sendCount, epoch) => epoch + base * 2 ** ((Math.max(sendCount, 1) - 1) % steps);
}

/** Timing defaults of the engine, in milliseconds (see `timedBackoff` and `MvdsNodeOptions`). */
export const MVDS_TIMING = {
  /** One epoch: status-go's MVDS tick (and `MvdsNode.start`'s default interval). */
  EPOCH_MS: 300,
  /**
   * No resend before this much time has passed since a transmission. status-go v0.62.18 ACKs 250–761 ms
   * after our send (median 606 ms: its 300 ms poll plus its 300 ms epoch); 2 s leaves room for a slow
   * relay or PoW, so a status-go peer that is online gets each message once.
   */
  FIRST_RESEND_MS: 2_000,
  /** The interval doubles after every resend, up to this. */
  MAX_RESEND_INTERVAL_MS: 5 * 60_000,
  /**
   * Transmissions of one record to one peer (the first send included) before the engine gives up. With
   * the schedule above the 10th goes ~13.6 min after the first, so by default the time bound ends it.
   */
  MAX_TRANSMISSIONS: 10,
  /** Time since the first transmission after which the engine gives up (whichever bound comes first). */
  GIVE_UP_AFTER_MS: 15 * 60_000,
} as const;

/**
 * The number of epochs that covers at least `ms`, whenever inside its epoch the clock started. A record
 * sent at epoch e goes out somewhere between the tick that began e and the next one (`flush`,
 * `sendImmediately`), and a record due at e + k leaves at the tick that begins e + k: that is between
 * (k − 1) and k epochs later. So k = ceil(ms / epochMs) + 1 epochs are never less than `ms`, given that an
 * epoch never lasts less than `epochMs` (ticks are never early; a slow tick only lengthens an epoch).
 */
export function epochsCovering(ms: number, epochMs: number): number {
  if (!(epochMs > 0) || !Number.isFinite(epochMs)) {
    throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `epochMs must be a positive number, got ${epochMs}`);
  }
  if (!(ms >= 0) || !Number.isFinite(ms)) {
    throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `a duration must be a finite number >= 0 ms, got ${ms}`);
  }
  return Math.ceil(ms / epochMs) + 1;
}

export interface TimedBackoffOptions {
  /** Length of one epoch, ms. Default 300 (`MVDS_TIMING.EPOCH_MS`). */
  epochMs?: number;
  /** Least time from the first transmission to the first resend, ms. Default 2,000. */
  firstResendMs?: number;
  /** Largest interval between two transmissions, ms. Default 300,000 (5 min). */
  maxIntervalMs?: number;
  /** Growth of the interval per resend. Default 2. */
  factor?: number;
}

/**
 * A retransmission schedule in time, mapped to epochs: after the n-th transmission the next one waits
 * at least min(firstResendMs · factor^(n−1), maxIntervalMs), i.e. `epochsCovering(that, epochMs)` epochs.
 * It depends only on the record's send count, never on the node's absolute epoch counter (status-go's
 * SendEpoch(n+1) = 2·SendEpoch(n) + 2n grows with node uptime: minutes between resends on a node that
 * has run for an hour, 300 ms on a fresh one).
 */
export function timedBackoff(options: TimedBackoffOptions = {}): NextEpochFn {
  const epochMs = options.epochMs ?? MVDS_TIMING.EPOCH_MS;
  const first = options.firstResendMs ?? MVDS_TIMING.FIRST_RESEND_MS;
  const max = options.maxIntervalMs ?? MVDS_TIMING.MAX_RESEND_INTERVAL_MS;
  const factor = options.factor ?? 2;
  epochsCovering(first, epochMs); // validates both
  if (!(first > 0)) throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `firstResendMs must be > 0, got ${first}`);
  if (!(max >= first) || !Number.isFinite(max)) {
    throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `maxIntervalMs must be finite and >= firstResendMs (${first}), got ${max}`);
  }
  if (!(factor >= 1) || !Number.isFinite(factor)) {
    throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `backoff factor must be a finite number >= 1, got ${factor}`);
  }
  const capEpochs = epochsCovering(max, epochMs);
  return (sendCount, epoch) => {
    const n = Math.max(sendCount, 1);
    // factor^(n-1) overflows to Infinity for huge counts: min() then picks the cap.
    const ms = Math.min(first * factor ** (n - 1), max);
    return epoch + Math.min(epochsCovering(ms, epochMs), capEpochs);
  };
}
