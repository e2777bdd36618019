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
