import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hexToBytes } from '@status-stack/crypto';
import {
  decodeBatchAckPacket,
  decodeBloomPacket,
  decodeEnvelope,
  decodeMessageResponsePacket,
  decodeMessagesPacket,
  decodePlaintext,
  decodePowRequirementPacket,
  decodeWhisperStatus,
  decodeP2PEnvelopes,
  encodeEnvelope,
  encodePlaintext,
  openAsymmetric,
  openSymmetric,
  WhisperError,
} from '../src/index.js';
import { loadVector, type RealEnvelopeVector } from './helpers.js';

const geth = loadVector<{ vectors: RealEnvelopeVector[] }>('whisper6-envelopes.geth-v1.9.7.json').vectors;
const seeds = geth.flatMap((v) => [hexToBytes(v.envelope_rlp), hexToBytes(v.messages_packet_rlp)]);
const plaintexts = geth.map((v) => hexToBytes(v.decrypted_plaintext));

const decoders: Array<[string, (b: Uint8Array) => unknown]> = [
  ['envelope', decodeEnvelope],
  ['messages packet', decodeMessagesPacket],
  ['p2p envelopes', decodeP2PEnvelopes],
  ['status', decodeWhisperStatus],
  ['PoW requirement', decodePowRequirementPacket],
  ['bloom', decodeBloomPacket],
  ['batch ack', decodeBatchAckPacket],
  ['message response', decodeMessageResponsePacket],
  ['plaintext', decodePlaintext],
];

/** Either a result or a WhisperError; anything else escaping is a bug. */
function onlyTypedErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof WhisperError)) throw e;
  }
}

function mutate(base: Uint8Array, edits: Array<{ at: number; value: number; op: number }>): Uint8Array {
  let b = base.slice();
  for (const { at, value, op } of edits) {
    const i = at % Math.max(1, b.length);
    if (op === 0) b[i] = value;
    else if (op === 1) b = b.subarray(0, i);
    else if (op === 2) b = Uint8Array.from([...b.subarray(0, i), value, ...b.subarray(i)]);
    else b = Uint8Array.from([...b.subarray(0, i), ...b.subarray(i + 1)]);
  }
  return b;
}

const edits = fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }), op: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 6 });

describe('fuzzing the decoders: zero unhandled exceptions', () => {
  it.each(decoders)('%s: random bytes', (_n, decode) => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (b) => onlyTypedErrors(() => decode(b))), { numRuns: 400 });
  });

  it.each(decoders)('%s: mutations of real envelopes and packets', (_n, decode) => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), edits, (seed, e) => onlyTypedErrors(() => decode(mutate(seed, e)))),
      { numRuns: 300 },
    );
  });

  it('plaintext: mutations of real plaintexts', () => {
    fc.assert(fc.property(fc.constantFrom(...plaintexts), edits, (p, e) => onlyTypedErrors(() => decodePlaintext(mutate(p, e)))), { numRuns: 300 });
  });

  it('opening mutated envelopes fails only with typed errors', () => {
    const sym = geth.filter((v) => v.sym_key);
    const asym = geth.filter((v) => v.recipient_private_key);
    fc.assert(
      fc.property(fc.constantFrom(...sym, ...asym), edits, (v, e) => {
        const env = decodeEnvelope(hexToBytes(v.envelope_rlp));
        const bad = { ...env, data: mutate(env.data, e) };
        onlyTypedErrors(() => (v.sym_key ? openSymmetric(bad, hexToBytes(v.sym_key)) : openAsymmetric(bad, hexToBytes(v.recipient_private_key!))));
      }),
      { numRuns: 150 },
    );
  });

  it('a mutated ciphertext never opens (authentication holds)', () => {
    const v = geth[0];
    const env = decodeEnvelope(hexToBytes(v.envelope_rlp));
    fc.assert(
      fc.property(fc.nat({ max: env.data.length - 13 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const data = env.data.slice();
        data[i] ^= x;
        expect(() => openSymmetric({ ...env, data }, hexToBytes(v.sym_key!))).toThrow(WhisperError);
      }),
      { numRuns: 100 },
    );
  });

  it('envelope and plaintext codecs round-trip arbitrary valid values', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffffffff }),
        fc.nat({ max: 0xffffffff }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (expiry, ttl, topic, data, nonce) => {
          const env = { expiry, ttl, topic, data, nonce };
          expect(decodeEnvelope(encodeEnvelope(env))).toEqual(env);
        },
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70_000 }), fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }), (payload, padding) => {
        const d = decodePlaintext(encodePlaintext({ payload, padding }));
        expect(d.payload).toEqual(payload);
        if (padding) expect(d.padding).toEqual(padding);
      }),
      { numRuns: 60 },
    );
  });
});
