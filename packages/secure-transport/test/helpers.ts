import { readFileSync } from 'node:fs';
import { eciesDecrypt, hexToBytes } from '@status-stack/crypto';

/** Reads a vector file from the repo copy (vectors/secure-transport/). */
export function loadVector<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../vectors/secure-transport/${name}`, import.meta.url), 'utf8')) as T;
}

export const hex = (h: string): Uint8Array => hexToBytes(h);

/**
 * Test-only: opens an asymmetric Waku/Whisper envelope's data (ECIES, go-ethereum layout) and strips
 * the data-field framing flags ‖ size (flags&3 bytes, LE) ‖ payload ‖ padding ‖ [signature]. The whisper
 * package owns the real implementation; this exists only to start the acceptance test from the envelope.
 */
export function openAsymmetricEnvelopeData(privateKey: Uint8Array, data: Uint8Array): { payload: Uint8Array; signature: Uint8Array | null } {
  const plain = eciesDecrypt(privateKey, data);
  const flags = plain[0];
  const sizeLen = flags & 3;
  let size = 0;
  for (let i = 0; i < sizeLen; i++) size |= plain[1 + i] << (8 * i);
  const start = 1 + sizeLen;
  const payload = plain.subarray(start, start + size);
  const signature = flags & 4 ? plain.subarray(plain.length - 65) : null;
  return { payload, signature };
}

/** A deterministic clock the tests move by hand. */
export function manualClock(start = 1_795_592_980_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}
