import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as snappyjs from 'snappyjs';
import { bytesToHex, randomBytes, utf8ToBytes } from '@status-stack/crypto';
import { snappyCompress, snappyMaxLength, snappyUncompress } from '../src/snappy.js';
import { OverlayError, OVERLAY_ERROR } from '../src/errors.js';

/** Inputs with structure: repeats at short and long distances, runs, text, random stretches. */
const structured = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 200, size: 'max' }),
      fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 3000 })).map(([b, n]) => new Uint8Array(n).fill(b)),
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40, size: 'max' }), fc.integer({ min: 1, max: 100 })).map(([unit, n]) => {
        const out = new Uint8Array(unit.length * n);
        for (let i = 0; i < n; i++) out.set(unit, i * unit.length);
        return out;
      }),
      // Words from a small vocabulary: short matches at offsets of hundreds to thousands of bytes.
      fc
        .tuple(fc.array(fc.uint8Array({ minLength: 3, maxLength: 9 }), { minLength: 20, maxLength: 400, size: 'max' }), fc.array(fc.nat(), { maxLength: 1500, size: 'max' }))
        .map(([words, picks]) => {
          const chosen = picks.map((i) => words[i % words.length]);
          const out = new Uint8Array(chosen.reduce((n, w) => n + w.length, 0));
          let off = 0;
          for (const w of chosen) {
            out.set(w, off);
            off += w.length;
          }
          return out;
        }),
    ),
    { maxLength: 12, size: 'max' },
  )
  .map((parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  });

describe('snappy block compression (ours)', () => {
  it('snappyjs decodes what we encode, for random and structured inputs, within the size bound', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 3000, size: 'max' }), structured), (data) => {
        const block = snappyCompress(data);
        expect(block.length).toBeLessThanOrEqual(snappyMaxLength(data.length));
        expect(bytesToHex(snappyjs.uncompress(block))).toBe(bytesToHex(data));
        expect(bytesToHex(snappyUncompress(block, 1 << 24))).toBe(bytesToHex(data));
      }),
      { numRuns: 300 },
    );
  });

  it('compresses repetitive data, across 64 KiB fragments, and long literals and copies', () => {
    const text = utf8ToBytes('status-stack whisper envelope '.repeat(5000));
    const block = snappyCompress(text);
    expect(block.length).toBeLessThan(text.length / 10);
    expect(bytesToHex(snappyjs.uncompress(block))).toBe(bytesToHex(text));
    for (const data of [randomBytes(200_000), new Uint8Array(150_000), Uint8Array.from({ length: 70_000 }, (_, i) => (i * i) & 0xff)]) {
      expect(bytesToHex(snappyjs.uncompress(snappyCompress(data)))).toBe(bytesToHex(data));
    }
  });

  it('matches of every length from 4 to 200 at short and long offsets', () => {
    for (const gap of [0, 300, 3000]) {
      for (let len = 4; len <= 200; len++) {
        const head = randomBytes(200);
        const data = new Uint8Array(200 + gap + len + 40);
        data.set(head);
        data.set(randomBytes(gap), 200);
        data.set(head.subarray(0, len), 200 + gap);
        data.set(randomBytes(40), 200 + gap + len);
        expect(bytesToHex(snappyjs.uncompress(snappyCompress(data)))).toBe(bytesToHex(data));
      }
    }
  });

  it('is the literal-only encoding of incompressible data, which snappyUncompress returns without copying', () => {
    const random = randomBytes(1024);
    const block = snappyCompress(random);
    // varint(1024) = 2 bytes, literal tag 61 with a 2-byte length, then the bytes.
    expect(block.length).toBe(2 + 3 + 1024);
    const out = snappyUncompress(block, 1 << 20);
    expect(out.buffer).toBe(block.buffer);
    expect(bytesToHex(out)).toBe(bytesToHex(random));
  });

  it('empty and tiny inputs', () => {
    expect(bytesToHex(snappyCompress(new Uint8Array(0)))).toBe('00');
    expect(bytesToHex(snappyCompress(Uint8Array.of(0xc0)))).toBe('0100c0');
    expect(bytesToHex(snappyjs.compress(Uint8Array.of(0xc0)))).toBe('0100c0');
  });
});

describe('snappyUncompress', () => {
  it('agrees with snappyjs on blocks snappyjs made', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 3000, size: 'max' }), structured), (data) => {
        expect(bytesToHex(snappyUncompress(snappyjs.compress(data), 1 << 24))).toBe(bytesToHex(data));
      }),
      { numRuns: 100 },
    );
  });

  it('rejects malformed and oversized blocks with typed errors', () => {
    expect(() => snappyUncompress(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01), 1 << 20)).toThrowError(OverlayError);
    expect(() => snappyUncompress(new Uint8Array(0), 1 << 20)).toThrowError(OverlayError);
    expect(() => snappyUncompress(snappyCompress(new Uint8Array(100)), 50)).toThrowError(expect.objectContaining({ code: OVERLAY_ERROR.MESSAGE_TOO_LARGE }) as Error);
    // A literal claiming more bytes than present falls through to snappyjs, which rejects it.
    expect(() => snappyUncompress(Uint8Array.of(10, 9 << 2, 1, 2, 3), 1 << 20)).toThrowError(OverlayError);
  });
});
