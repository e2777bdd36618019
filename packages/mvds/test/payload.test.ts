import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToHex, hexToBytes, toHex0x } from '@status-stack/crypto';
import {
  MVDS_ERROR,
  MvdsError,
  decodeMessage,
  decodePayload,
  encodeMessage,
  encodePayload,
  encodedPayloadSize,
  isDatasyncPayload,
  emptyPayload,
  type MvdsMessage,
  type MvdsPayload,
} from '../src/index.js';
import { messageFromJson, payloadFromJson, readVector, type CodecVectors } from './helpers.js';

const vectors = readVector<CodecVectors>('mvds-codec.json');

interface Capture {
  envelopes: { decoded_by: { A: { decrypted_payload: string; mvds_payload: null | { messages: { group_id: string; timestamp: number; body: string }[] } } } }[];
}
const capture = readVector<Capture>('status-fullstack-captured-waku1.json');

describe('Message codec (known answers)', () => {
  for (const [i, v] of vectors.messages.entries()) {
    it(`encodes and decodes message ${i} byte for byte`, () => {
      const m = messageFromJson(v);
      expect(toHex0x(encodeMessage(m))).toBe(v.encoded);
      expect(decodeMessage(hexToBytes(v.encoded))).toEqual(m);
    });
  }
});

describe('Payload codec (known answers)', () => {
  for (const v of vectors.payloads) {
    it(`${v.name}: encodes byte for byte and decodes back`, () => {
      const p = payloadFromJson(v);
      const bytes = encodePayload(p);
      expect(toHex0x(bytes)).toBe(v.encoded);
      expect(encodedPayloadSize(p)).toBe(bytes.length);
      expect(decodePayload(hexToBytes(v.encoded))).toEqual(p);
    });
  }

  it('skips unknown fields of every wire type', () => {
    const p = decodePayload(hexToBytes(vectors.unknown_fields_skipped.encoded));
    expect(p.acks.map((a) => toHex0x(a))).toEqual(vectors.unknown_fields_skipped.acks);
    expect(p.offers).toEqual([]);
  });

  for (const v of vectors.invalid_payloads) {
    it(`rejects ${v.name} with ${v.code}`, () => {
      let caught: unknown;
      try {
        decodePayload(hexToBytes(v.encoded));
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(MvdsError);
      expect((caught as MvdsError).code).toBe(v.code);
    });
  }

  it('an empty payload decodes but is not datasync (status-go IsValid)', () => {
    const p = decodePayload(new Uint8Array(0));
    expect(isDatasyncPayload(p)).toBe(false);
    expect(isDatasyncPayload({ ...emptyPayload(), acks: [new Uint8Array(32)] })).toBe(true);
  });
});

describe('status-go captured first-contact 1:1', () => {
  const decoded = capture.envelopes[1].decoded_by.A;
  const raw = hexToBytes(decoded.decrypted_payload);

  it('decodes to the fields status-go decoded', () => {
    const p = decodePayload(raw);
    const expected = decoded.mvds_payload!;
    expect(p.acks).toEqual([]);
    expect(p.offers).toEqual([]);
    expect(p.requests).toEqual([]);
    expect(p.messages).toHaveLength(1);
    expect(toHex0x(p.messages[0].groupId)).toBe(expected.messages[0].group_id);
    expect(p.messages[0].timestamp).toBe(BigInt(expected.messages[0].timestamp));
    expect(toHex0x(p.messages[0].body)).toBe(expected.messages[0].body);
    expect(p.messages[0].metadata).toBeUndefined();
  });

  it('re-encodes byte-identically', () => {
    expect(bytesToHex(encodePayload(decodePayload(raw)))).toBe(bytesToHex(raw));
  });
});

const id32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const arbMessage: fc.Arbitrary<MvdsMessage> = fc.record(
  {
    groupId: fc.uint8Array({ maxLength: 40 }),
    timestamp: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    body: fc.uint8Array({ maxLength: 300 }),
    metadata: fc.record({ parents: fc.array(id32, { maxLength: 3 }), ephemeral: fc.boolean() }),
  },
  { requiredKeys: ['groupId', 'timestamp', 'body'] },
);
const arbPayload: fc.Arbitrary<MvdsPayload> = fc.record({
  acks: fc.array(id32, { maxLength: 4 }),
  offers: fc.array(id32, { maxLength: 4 }),
  requests: fc.array(id32, { maxLength: 4 }),
  messages: fc.array(arbMessage, { maxLength: 4 }),
});

describe('codec properties', () => {
  it('decode(encode(p)) == p and the size is predicted', () => {
    fc.assert(
      fc.property(arbPayload, (p) => {
        const bytes = encodePayload(p);
        expect(bytes.length).toBe(encodedPayloadSize(p));
        expect(decodePayload(bytes)).toEqual(p);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes either decode or throw MvdsError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodePayload(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(MvdsError);
          expect(Object.values(MVDS_ERROR)).toContain((err as MvdsError).code);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('every truncation of a valid payload either decodes or throws MvdsError', () => {
    fc.assert(
      fc.property(arbPayload, fc.nat(), (p, cut) => {
        const bytes = encodePayload(p);
        const truncated = bytes.subarray(0, bytes.length === 0 ? 0 : cut % bytes.length);
        try {
          decodePayload(truncated);
        } catch (err) {
          expect(err).toBeInstanceOf(MvdsError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
