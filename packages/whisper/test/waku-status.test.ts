import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToHex, hexToBytes } from '@status-stack/crypto';
import {
  decodeWakuStatus,
  decodeWakuStatusOptions,
  encodeWakuStatus,
  encodeWakuStatusOptions,
  TopicInterest,
  WhisperError,
  type RateLimits,
  type WakuStatusOptions,
} from '../src/index.js';
import { loadVector } from './helpers.js';

type Limits = { ipLimits: string; peerIdLimits: string; topicLimits: string };
interface JsonOptions {
  powRequirement?: number;
  bloom?: string;
  lightNode?: boolean;
  confirmationsEnabled?: boolean;
  packetRateLimits?: Limits;
  topicInterest?: string[];
  bytesRateLimits?: Limits;
}
interface Vectors {
  encoding_cases: Array<{ name: string; options: JsonOptions; waku1_status: string; waku0_status: string; waku0_options: string }>;
  decode_cases: Array<{ name: string; version: 0 | 1; payload: string; expected: JsonOptions }>;
  invalid_cases: Array<{ name: string; version: 0 | 1; payload: string }>;
}

const v = loadVector<Vectors>('waku-status.json');
const limits = (l: Limits): RateLimits => ({ ipLimits: BigInt(l.ipLimits), peerIdLimits: BigInt(l.peerIdLimits), topicLimits: BigInt(l.topicLimits) });

function fromJson(j: JsonOptions, version: 0 | 1 = 1): WakuStatusOptions {
  const o: WakuStatusOptions = {};
  if (j.powRequirement !== undefined) o.powRequirement = j.powRequirement;
  if (j.bloom !== undefined) o.bloom = hexToBytes(j.bloom);
  if (j.lightNode !== undefined) o.lightNode = j.lightNode;
  if (j.confirmationsEnabled !== undefined) o.confirmationsEnabled = j.confirmationsEnabled;
  if (j.packetRateLimits !== undefined) o.packetRateLimits = limits(j.packetRateLimits);
  if (j.topicInterest !== undefined) o.topicInterest = j.topicInterest.map((t) => hexToBytes(t));
  if (j.bytesRateLimits !== undefined && version === 1) o.bytesRateLimits = limits(j.bytesRateLimits);
  return o;
}

const hex = (b: Uint8Array) => `0x${bytesToHex(b)}`;

describe('Waku status packet: known answers from an independent generator', () => {
  for (const c of v.encoding_cases) {
    it(`encodes and decodes: ${c.name}`, () => {
      const o = fromJson(c.options);
      expect(hex(encodeWakuStatus(o, 1))).toBe(c.waku1_status);
      expect(hex(encodeWakuStatusOptions(o, 1))).toBe(c.waku1_status);
      expect(hex(encodeWakuStatus(o, 0))).toBe(c.waku0_status);
      expect(hex(encodeWakuStatusOptions(o, 0))).toBe(c.waku0_options);
      expect(decodeWakuStatus(hexToBytes(c.waku1_status), 1)).toEqual(o);
      expect(decodeWakuStatus(hexToBytes(c.waku0_status), 0)).toEqual(fromJson(c.options, 0));
      expect(decodeWakuStatusOptions(hexToBytes(c.waku0_options), 0)).toEqual(fromJson(c.options, 0));
    });
  }

  for (const c of v.decode_cases) {
    it(`decodes: ${c.name}`, () => {
      const decode = c.version === 0 ? decodeWakuStatus : decodeWakuStatusOptions;
      expect(decode(hexToBytes(c.payload), c.version)).toEqual(fromJson(c.expected, c.version));
    });
  }

  for (const c of v.invalid_cases) {
    it(`rejects with a WhisperError: ${c.name}`, () => {
      expect(() => decodeWakuStatus(hexToBytes(c.payload), c.version)).toThrow(WhisperError);
    });
  }

  it('waku/1 keys are integers, waku/0 keys decimal strings: each reader ignores the other form', () => {
    const v1 = encodeWakuStatusOptions({ powRequirement: 0.5, lightNode: true }, 1);
    const v0 = encodeWakuStatusOptions({ powRequirement: 0.5, lightNode: true }, 0);
    // 0x30 read as an integer key is 48: unknown, skipped.
    expect(decodeWakuStatusOptions(v0, 1)).toEqual({});
    expect(decodeWakuStatusOptions(v1, 0)).toEqual({});
  });

  it('refuses to encode what it could not decode', () => {
    expect(() => encodeWakuStatusOptions({ powRequirement: Number.NaN })).toThrow(WhisperError);
    expect(() => encodeWakuStatusOptions({ bloom: new Uint8Array(10) })).toThrow(WhisperError);
    expect(() => encodeWakuStatusOptions({ topicInterest: [new Uint8Array(3)] })).toThrow(WhisperError);
    expect(() => encodeWakuStatusOptions({ packetRateLimits: { ipLimits: -1n, peerIdLimits: 0n, topicLimits: 0n } })).toThrow(WhisperError);
  });

  it('round-trips arbitrary options (property)', () => {
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    const lim = fc.record({ ipLimits: u64, peerIdLimits: u64, topicLimits: u64 });
    const opts = fc.record(
      {
        powRequirement: fc.double({ min: 0, max: 1e12, noNaN: true }),
        bloom: fc.uint8Array({ minLength: 64, maxLength: 64 }),
        lightNode: fc.boolean(),
        confirmationsEnabled: fc.boolean(),
        packetRateLimits: lim,
        topicInterest: fc.array(fc.uint8Array({ minLength: 4, maxLength: 4 }), { maxLength: 20 }),
        bytesRateLimits: lim,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(opts, (o) => {
        const back = decodeWakuStatus(encodeWakuStatus(o, 1), 1);
        expect(back).toEqual(Object.is(o.powRequirement, -0) ? { ...o, powRequirement: -0 } : o);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws anything but WhisperError on random bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom<0 | 1>(0, 1), (bytes, version) => {
        try {
          decodeWakuStatus(bytes, version);
          decodeWakuStatusOptions(bytes, version);
        } catch (e) {
          expect(e).toBeInstanceOf(WhisperError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('TopicInterest', () => {
  it('matches exactly its topics, empty matches nothing, and fingerprints sets', () => {
    const a = Uint8Array.of(1, 2, 3, 4);
    const b = Uint8Array.of(0xff, 0, 0, 1);
    const ti = new TopicInterest([b, a, a]);
    expect(ti.size).toBe(2);
    expect(ti.has(a)).toBe(true);
    expect(ti.has(Uint8Array.of(1, 2, 3, 5))).toBe(false);
    expect(ti.topics()).toEqual([a, b]);
    expect(new TopicInterest([a, b]).fingerprint()).toBe(ti.fingerprint());
    expect(new TopicInterest([]).has(a)).toBe(false);
  });
});
