import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { generatePrivateKey, getPublicKey, compressPublicKey, bytesToHex } from '@status-stack/crypto';
import {
  ACCOUNT_ERROR,
  AccountError,
  THREE_WORD_NAME_WORDS,
  threeWordName,
  threeWordNameFromSeed,
  threeWordNameSeed,
} from '../src/index.js';

const readVector = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../../vectors/client/${name}`, import.meta.url), 'utf8')) as T;

interface AliasVectors {
  three_word_alias: {
    vectors: ({ seed: number; expected: string } | { public_key: string; seed_computed_independently: string; expected: string })[];
  };
}
const statusProtocol = readVector<AliasVectors>('status-protocol.json');
const statusWeb = readVector<{ vectors: { public_key: string; expected: string }[] }>('three-word-names.status-web.json');

describe('three-word name (status-go protocol/identity/alias)', () => {
  it('matches status-go TestGenerate and TestGenerateFromPublicKeyString', () => {
    let checked = 0;
    for (const v of statusProtocol.three_word_alias.vectors) {
      if ('seed' in v) {
        expect(threeWordNameFromSeed(BigInt(v.seed))).toBe(v.expected);
      } else {
        expect(threeWordNameSeed(v.public_key)).toBe(BigInt(v.seed_computed_independently));
        expect(threeWordName(v.public_key)).toBe(v.expected);
      }
      checked++;
    }
    expect(checked).toBe(2);
  });

  it('matches the status-web vectors', () => {
    expect(statusWeb.vectors).toHaveLength(3);
    for (const v of statusWeb.vectors) expect(threeWordName(v.public_key)).toBe(v.expected);
  });

  it('keeps the word lists of status-go data.go (lengths fix every index)', () => {
    expect(THREE_WORD_NAME_WORDS.adjectives).toHaveLength(1389);
    expect(THREE_WORD_NAME_WORDS.animals).toHaveLength(1704);
    expect(THREE_WORD_NAME_WORDS.adjectives[0]).toBe('Able');
    expect(THREE_WORD_NAME_WORDS.animals.at(-1)).toBe('Zorilla');
  });

  it('gives the same name for the 65-byte, 64-byte, compressed and hex forms of a key', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), () => {
        const pub = getPublicKey(generatePrivateKey(), false);
        const name = threeWordName(pub);
        expect(threeWordName(pub.subarray(1))).toBe(name);
        expect(threeWordName(compressPublicKey(pub))).toBe(name);
        expect(threeWordName(`0x${bytesToHex(pub)}`)).toBe(name);
        expect(threeWordName(bytesToHex(pub))).toBe(name);
        expect(name.split(' ')).toHaveLength(3);
      }),
      { numRuns: 20 },
    );
  });

  it('rejects bad keys and seeds with typed errors', () => {
    const bad: (string | Uint8Array)[] = ['0x04zz', '0x', new Uint8Array(65), new Uint8Array(10), '0x05' + '11'.repeat(64)];
    for (const key of bad) {
      try {
        threeWordName(key);
        expect.unreachable(`accepted ${String(key)}`);
      } catch (err) {
        expect(err).toBeInstanceOf(AccountError);
        expect((err as AccountError).code).toBe(ACCOUNT_ERROR.INVALID_PUBLIC_KEY);
      }
    }
    expect(() => threeWordNameFromSeed(-1n)).toThrow(AccountError);
    expect(() => threeWordNameFromSeed(1n << 64n)).toThrow(AccountError);
  });
});
