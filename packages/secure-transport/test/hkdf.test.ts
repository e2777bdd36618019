import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, hkdfSha256 } from '@status-stack/crypto';
import { hkdf } from '../src/hkdf.js';

describe('internal HKDF-SHA256', () => {
  it('RFC 5869 test case 1', () => {
    const okm = hkdf(hexToBytes('0b'.repeat(22)), hexToBytes('000102030405060708090a0b0c'), hexToBytes('f0f1f2f3f4f5f6f7f8f9'), 42);
    expect(bytesToHex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });

  it('equals the crypto package’s hkdfSha256 for random inputs and lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 1, max: 200 }), (ikm, salt, info, len) => {
        expect(bytesToHex(hkdf(ikm, salt, info, len))).toBe(bytesToHex(hkdfSha256(ikm, salt, info, len)));
      }),
      { numRuns: 300 },
    );
  });
});
