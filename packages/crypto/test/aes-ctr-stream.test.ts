import { createCipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToHex, createAesCtrStream, CryptoError, hexToBytes } from '../src/index.js';

const std = JSON.parse(readFileSync(new URL('../../../vectors/crypto/standard-known-answers.json', import.meta.url), 'utf8'));

describe('buffered AES-CTR stream', () => {
  it('the published AES-CTR known answers, fed whole and in pieces', () => {
    const vectors = std.aes_ctr as Array<Record<string, string>>;
    expect(vectors.length).toBeGreaterThan(0);
    for (const v of vectors) {
      const key = hexToBytes(v.key);
      const iv = hexToBytes(v.iv);
      const pt = hexToBytes(v.plaintext);
      expect(bytesToHex(createAesCtrStream(key, iv).update(pt))).toBe(v.ciphertext);
      const s = createAesCtrStream(key, iv);
      const parts = [pt.subarray(0, 5), pt.subarray(5, 21), pt.subarray(21)];
      expect(parts.map((p) => bytesToHex(s.update(p))).join('')).toBe(v.ciphertext);
    }
  });

  it('matches one node:crypto stream for any split, in place or not, at any offset, across keystream chunks', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 3 }), fc.boolean()), { maxLength: 20 }),
        (key, iv, steps) => {
          const reference = createCipheriv('aes-256-ctr', key, iv);
          const ours = createAesCtrStream(key, iv);
          for (const [length, offset, inPlace] of steps) {
            const backing = new Uint8Array(length + offset).map((_, i) => (i * 7 + length) & 0xff);
            const data = backing.subarray(offset);
            const expected = bytesToHex(reference.update(data));
            const got = inPlace ? ours.update(data, data) : ours.update(data);
            expect(bytesToHex(got)).toBe(expected);
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('AES-128 by key length; wrong key, IV or output lengths are typed errors', () => {
    const key = new Uint8Array(16).fill(3);
    const iv = new Uint8Array(16).fill(4);
    const data = new Uint8Array(100).fill(5);
    expect(bytesToHex(createAesCtrStream(key, iv).update(data))).toBe(bytesToHex(createCipheriv('aes-128-ctr', key, iv).update(data)));
    expect(() => createAesCtrStream(new Uint8Array(24), iv)).toThrow(CryptoError);
    expect(() => createAesCtrStream(key, new Uint8Array(12))).toThrow(CryptoError);
    expect(() => createAesCtrStream(key, iv).update(data, new Uint8Array(99))).toThrow(CryptoError);
  });
});
