import type { Capability } from './types.js';

/**
 * devp2p capability matching: for each name both sides speak, the highest shared version;
 * the result is sorted by name, which is also the order of message-id offsets (from 0x10).
 */
export function matchCapabilities(ours: readonly Capability[], theirs: readonly Capability[]): Capability[] {
  const best = new Map<string, Capability>();
  for (const c of ours) {
    if (!theirs.some((t) => t.name === c.name && t.version === c.version)) continue;
    const prev = best.get(c.name);
    if (!prev || c.version > prev.version) best.set(c.name, c);
  }
  return [...best.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Base message id of each matched capability: devp2p reserves 0x00..0x0f for the p2p protocol itself. */
export function capabilityOffsets(matched: readonly Capability[]): number[] {
  const out: number[] = [];
  let off = 0x10;
  for (const c of matched) {
    out.push(off);
    off += c.length;
  }
  return out;
}
