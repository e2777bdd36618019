import * as snappyjs from 'snappyjs';
import { OverlayError, OVERLAY_ERROR } from './errors.js';

/*
 * Snappy block format (github.com/google/snappy, format_description.txt), which EIP-706 puts
 * under every RLPx message after a v5 Hello: varint(uncompressed length), then elements, each a
 * literal (tag 00) or a back-reference copy (tags 01/10). Compression here is our own: the
 * payloads we send are mostly encrypted and incompressible, and the common path (search, then
 * one literal) must cost little; literals are block copies, not byte loops.
 */

/** Matches are searched within fragments of this size, so copy offsets fit in 16 bits. */
const FRAGMENT = 1 << 16;
const MAX_HASH_BITS = 14;
/** Below this many bytes a fragment is one literal; also the slack kept at a fragment's end. */
const INPUT_MARGIN = 15;
const table = new Uint16Array(1 << MAX_HASH_BITS);

/** Upper bound of a compressed block's length (snappy's own bound). */
export function snappyMaxLength(length: number): number {
  return 32 + length + Math.floor(length / 6);
}

/** Compresses `input` as one snappy block into `out` (at least `snappyMaxLength` long); returns the length written. */
export function snappyCompressInto(input: Uint8Array, out: Uint8Array): number {
  let op = 0;
  let v = input.length;
  while (v >= 0x80) {
    out[op++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[op++] = v;
  for (let start = 0; start < input.length; start += FRAGMENT) {
    op = compressFragment(input, start, Math.min(FRAGMENT, input.length - start), out, op);
  }
  return op;
}

export function snappyCompress(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(snappyMaxLength(input.length));
  return out.subarray(0, snappyCompressInto(input, out));
}

/** snappy's multiplicative hash of four bytes, to `32 - shift` bits (a plain function: no closure per call). */
function hash4(x: number, shift: number): number {
  return Math.imul(x, 0x1e35a7bd) >>> shift;
}

function load32(a: Uint8Array, i: number): number {
  return a[i] | (a[i + 1] << 8) | (a[i + 2] << 16) | (a[i + 3] << 24);
}

function compressFragment(input: Uint8Array, start: number, length: number, out: Uint8Array, op: number): number {
  const end = start + length;
  if (length < INPUT_MARGIN + 1) return emitLiteral(input, start, end, out, op);
  let bits = 8;
  while (bits < MAX_HASH_BITS && 1 << bits < length) bits++;
  const shift = 32 - bits;
  table.fill(0, 0, 1 << bits);
  const ipLimit = end - INPUT_MARGIN;
  let nextEmit = start;
  let next = start + 1;
  let nextValue = load32(input, next);
  let nextHash = hash4(nextValue, shift);
  for (;;) {
    // Look for a 4-byte match, stepping further the longer nothing matches: every 32 bytes
    // without one lengthen the step by a byte (the skip heuristic as golang/snappy has it).
    let skip = 32;
    let cur: number;
    let cand: number;
    let value: number;
    do {
      cur = next;
      value = nextValue;
      const h = nextHash;
      const step = skip >>> 5;
      skip += step;
      next = cur + step;
      if (next > ipLimit) return emitLiteral(input, nextEmit, end, out, op);
      nextValue = load32(input, next);
      nextHash = hash4(nextValue, shift);
      cand = start + table[h];
      table[h] = cur - start;
    } while (value !== load32(input, cand));
    op = emitLiteral(input, nextEmit, cur, out, op);
    // Emit the match, and as long as the next position matches too, the following ones.
    do {
      let len = 4;
      while (cur + len < end && input[cur + len] === input[cand + len]) len++;
      op = emitCopy(cur - cand, len, out, op);
      cur += len;
      nextEmit = cur;
      if (cur >= ipLimit) return emitLiteral(input, nextEmit, end, out, op);
      table[hash4(load32(input, cur - 1), shift)] = cur - 1 - start;
      const h = hash4(load32(input, cur), shift);
      cand = start + table[h];
      table[h] = cur - start;
    } while (load32(input, cur) === load32(input, cand));
    next = cur + 1;
    nextValue = load32(input, next);
    nextHash = hash4(nextValue, shift);
  }
}

function emitLiteral(input: Uint8Array, from: number, to: number, out: Uint8Array, op: number): number {
  const len = to - from;
  if (len === 0) return op;
  const n = len - 1;
  if (n < 60) {
    out[op++] = n << 2;
  } else if (n < 0x100) {
    out[op++] = 60 << 2;
    out[op++] = n;
  } else if (n < 0x10000) {
    out[op++] = 61 << 2;
    out[op++] = n & 0xff;
    out[op++] = n >>> 8;
  } else if (n < 0x1000000) {
    out[op++] = 62 << 2;
    out[op++] = n & 0xff;
    out[op++] = (n >>> 8) & 0xff;
    out[op++] = n >>> 16;
  } else {
    out[op++] = 63 << 2;
    out[op++] = n & 0xff;
    out[op++] = (n >>> 8) & 0xff;
    out[op++] = (n >>> 16) & 0xff;
    out[op++] = n >>> 24;
  }
  out.set(input.subarray(from, to), op);
  return op + len;
}

/** A copy of `len` (>= 4) bytes from `offset` (1..65535) back: 1-byte-offset form when it fits, else 2-byte offsets, at most 64 bytes each. */
function emitCopy(offset: number, len: number, out: Uint8Array, op: number): number {
  while (len >= 68) {
    op = emitCopy2(offset, 64, out, op);
    len -= 64;
  }
  if (len > 64) {
    // Leaves at least 4 for the last copy.
    op = emitCopy2(offset, 60, out, op);
    len -= 60;
  }
  if (len >= 12 || offset >= 2048) return emitCopy2(offset, len, out, op);
  out[op++] = 1 | ((len - 4) << 2) | ((offset >>> 8) << 5);
  out[op++] = offset & 0xff;
  return op;
}

/** A copy element with a 2-byte offset (tag 10), 1..64 bytes. */
function emitCopy2(offset: number, len: number, out: Uint8Array, op: number): number {
  out[op++] = 2 | ((len - 1) << 2);
  out[op++] = offset & 0xff;
  out[op++] = offset >>> 8;
  return op;
}

/**
 * Reads a snappy block. A block that is one literal covering the whole length, which is what
 * incompressible (encrypted) data becomes, is returned as a view of the input without copying;
 * anything else goes through snappyjs. Throws OverlayError on malformed or oversized input.
 */
export function snappyUncompress(data: Uint8Array, maxLength: number): Uint8Array {
  let len = 0;
  let p = 0;
  for (let shift = 0; ; shift += 7) {
    if (p >= data.length || shift > 28) throw new OverlayError(OVERLAY_ERROR.MALFORMED_MESSAGE, 'bad snappy length');
    const b = data[p++];
    len += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  if (len > maxLength) throw new OverlayError(OVERLAY_ERROR.MESSAGE_TOO_LARGE, `snappy length ${len} exceeds ${maxLength}`);
  if (p < data.length && (data[p] & 3) === 0) {
    const tag = data[p] >>> 2;
    let litLen: number;
    let q = p + 1;
    if (tag < 60) {
      litLen = tag + 1;
    } else {
      const n = tag - 59;
      litLen = 0;
      for (let i = 0; i < n && q + i < data.length; i++) litLen += data[q + i] * 2 ** (8 * i);
      litLen += 1;
      q += n;
    }
    if (litLen === len && q + len === data.length) return data.subarray(q);
  }
  try {
    return snappyjs.uncompress(data, maxLength);
  } catch (e) {
    throw new OverlayError(OVERLAY_ERROR.MALFORMED_MESSAGE, `bad snappy block: ${(e as Error).message}`);
  }
}
