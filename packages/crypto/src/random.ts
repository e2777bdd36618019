import { randomFillSync } from 'node:crypto';

/** Cryptographically secure random bytes. */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  randomFillSync(out);
  return out;
}
