import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { availableBackends, bytesToHex, concatBytes, createKeccak256, keccak256, useBackend, utf8ToBytes } from '../src/index.js';

const std = JSON.parse(readFileSync(new URL('../../../vectors/crypto/standard-known-answers.json', import.meta.url), 'utf8'));
const hex = bytesToHex;

describe.each(availableBackends().map((b) => b.name))('incremental keccak-256, backend %s', (name) => {
  const run = (title: string, fn: () => void) =>
    it(title, () => {
      useBackend(name);
      try {
        fn();
      } finally {
        useBackend('fast');
      }
    });

  run('known answers, fed whole and byte by byte', () => {
    for (const v of std.keccak256) {
      const input = utf8ToBytes(v.input_utf8);
      expect(hex(createKeccak256().update(input).digest())).toBe(v.digest);
      const h = createKeccak256();
      for (const b of input) h.update(Uint8Array.of(b));
      expect(hex(h.digest())).toBe(v.digest);
    }
  });

  run('digest does not finalise: absorbing continues, and repeated digests agree', () => {
    const a = utf8ToBytes('foo');
    const b = new Uint8Array(300).map((_, i) => i & 0xff);
    const h = createKeccak256().update(a);
    const d1 = h.digest();
    expect(hex(h.digest())).toBe(hex(d1));
    expect(hex(d1)).toBe(hex(keccak256(a)));
    h.update(b);
    expect(hex(h.digest())).toBe(hex(keccak256(concatBytes(a, b))));
  });

  run('inputs longer than the 32 KiB wasm input window, whole and split unevenly', () => {
    const data = new Uint8Array(40_000).map((_, i) => (i * 131 + 17) & 0xff);
    expect(hex(createKeccak256().update(data).digest())).toBe(hex(keccak256(data)));
    const h = createKeccak256();
    for (const [from, to] of [[0, 1], [1, 16_385], [16_385, 16_520], [16_520, 40_000]]) h.update(data.subarray(from, to));
    expect(hex(h.digest())).toBe(hex(keccak256(data)));
  });

  run('clone is independent of the original', () => {
    const h = createKeccak256().update(utf8ToBytes('prefix'));
    const c = h.clone();
    h.update(utf8ToBytes('-one'));
    c.update(utf8ToBytes('-two'));
    expect(hex(h.digest())).toBe(hex(keccak256(utf8ToBytes('prefix-one'))));
    expect(hex(c.digest())).toBe(hex(keccak256(utf8ToBytes('prefix-two'))));
  });

  run('interleaved hashers keep their own states (any split, any interleaving)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.uint8Array({ maxLength: 400, size: 'max' }), fc.boolean()), { maxLength: 30, size: 'max' }),
        (steps) => {
          const hs = [createKeccak256(), createKeccak256(), createKeccak256()];
          const fed: Uint8Array[][] = [[], [], []];
          for (const [i, data, digestNow] of steps) {
            hs[i].update(data);
            fed[i].push(data);
            if (digestNow) expect(hex(hs[i].digest())).toBe(hex(keccak256(concatBytes(...fed[i]))));
          }
          for (let i = 0; i < 3; i++) expect(hex(hs[i].digest())).toBe(hex(keccak256(concatBytes(...fed[i]))));
        },
      ),
      { numRuns: 60 },
    );
  });
});
