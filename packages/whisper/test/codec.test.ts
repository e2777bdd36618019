import { describe, expect, it } from 'vitest';
import { RLP, type Input } from '@ethereumjs/rlp';
import { bytesToHex, hexToBytes } from '@status-stack/crypto';
import {
  bloomMatch,
  bytesToTopic,
  computePow,
  decodeBatchAckPacket,
  decodeBloomPacket,
  decodeEnvelope,
  decodeMessageResponsePacket,
  decodeMessagesPacket,
  decodePlaintext,
  decodePowRequirementPacket,
  decodeWhisperStatus,
  defaultPaddingLength,
  encodeEnvelope,
  encodeEnvelopeWithoutNonce,
  encodePlaintext,
  encodeWhisperStatus,
  envelopeHash,
  fullBloom,
  hexToTopic,
  isFullBloom,
  leadingZeroBits,
  mergeBlooms,
  payloadSizeFieldLength,
  powTargetBits,
  powToUint64,
  sealEnvelope,
  topicToBloom,
  topicToHex,
  topicsToBloom,
  uint64ToPow,
  WHISPER,
  WHISPER_ERROR,
  WHISPER_PACKET,
  WhisperError,
} from '../src/index.js';
import { loadVector } from './helpers.js';

const hex0x = (b: Uint8Array) => `0x${bytesToHex(b)}`;
const h = (s: string) => hexToBytes(s);

interface WhisperV6 {
  pow: { vectors: Array<{ envelope: { expiry: number; ttl: number; topic: string; data: string; nonce: number }; expected_pow: number; computed_independently: Record<string, string | number> }> };
  topic_to_bloom: { vectors: Array<{ topic: string; expected_bloom: string }>; computed_independently: Array<{ topic: string; bloom: string }> };
  topic_string: { vectors: Array<{ topic_bytes: string; string: string }>; bytes_to_topic: Array<{ data: string; topic: string }>; json_unmarshal_bad: string[] };
  constants: Record<string, unknown> & { message_codes: Record<string, number>; number_of_message_codes: number };
}
const v6 = loadVector<WhisperV6>('whisper-v6.json');

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WhisperError);
    expect((e as WhisperError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('PoW (go-ethereum whisperv6 tests)', () => {
  it.each(v6.pow.vectors.map((v) => [v.envelope.nonce, v]))('nonce %d', (_n, v) => {
    const env = { ...v.envelope, topic: h(v.envelope.topic), data: h(v.envelope.data), nonce: BigInt(v.envelope.nonce) };
    const ci = v.computed_independently;
    expect(hex0x(encodeEnvelopeWithoutNonce(env))).toBe(ci.rlp_without_nonce);
    expect(hex0x(encodeEnvelope(env))).toBe(ci.envelope_rlp);
    expect(hex0x(envelopeHash(env))).toBe(ci.envelope_hash_keccak256_of_rlp);
    expect(leadingZeroBits(h(ci.pow_hash as string))).toBe(ci.leading_zero_bits);
    expect(computePow(env)).toBe(v.expected_pow);
  });

  it('leading zero bits', () => {
    expect(leadingZeroBits(new Uint8Array([0x80]))).toBe(0);
    expect(leadingZeroBits(new Uint8Array([0x00, 0x01]))).toBe(15);
    expect(leadingZeroBits(new Uint8Array(32))).toBe(256);
  });

  it('target bits use size = 20 + len(data) and are at least 1', () => {
    expect(powTargetBits(0.2, 304, 3600)).toBe(18);
    expect(powTargetBits(0.000001, 30, 1)).toBe(1);
    expect(powTargetBits(0.002, 20 + 1300, 10)).toBe(5);
  });

  it('sealing reaches the target and PoW 0 leaves the nonce at 0', () => {
    const base = { expiry: 1000, ttl: 10, topic: h('0x01020304'), data: new Uint8Array(100).fill(3) };
    const sealed = sealEnvelope(base, { powTarget: 0.5, powTime: 5 });
    expect(computePow(sealed)).toBeGreaterThanOrEqual(2 ** powTargetBits(0.5, 120, 10) / encodeEnvelopeWithoutNonce(base).length / 10);
    expect(sealEnvelope(base, { powTarget: 0, powTime: 1 }).nonce).toBe(0n);
  });

  it('an unreachable target fails with POW_NOT_REACHED within the budget', () => {
    let t = 0;
    const base = { expiry: 1000, ttl: 10, topic: h('0x01020304'), data: new Uint8Array(10) };
    expectCode(() => sealEnvelope(base, { powTarget: 1e30, powTime: 1, now: () => (t += 600) }), WHISPER_ERROR.POW_NOT_REACHED);
  });

  it('PoW travels as the float64 bit pattern', () => {
    expect(powToUint64(0.2)).toBe(0x3fc999999999999an);
    expect(uint64ToPow(0x3fc999999999999an)).toBe(0.2);
    expect(powToUint64(0)).toBe(0n);
  });
});

describe('bloom filters', () => {
  it.each([...v6.topic_to_bloom.vectors.map((v) => [v.topic, v.expected_bloom]), ...v6.topic_to_bloom.computed_independently.map((v) => [v.topic, v.bloom])])(
    'topic %s',
    (topic, bloom) => {
      expect(hex0x(topicToBloom(h(topic)))).toBe(bloom);
    },
  );

  it('match, merge, full', () => {
    const a = topicToBloom(h('0x01020304'));
    const b = topicToBloom(h('0xf26e7779'));
    const ab = mergeBlooms(a, b);
    expect(bloomMatch(ab, a)).toBe(true);
    expect(bloomMatch(ab, b)).toBe(true);
    expect(bloomMatch(a, b)).toBe(false);
    expect(bloomMatch(undefined, b)).toBe(true);
    expect(bloomMatch(fullBloom(), b)).toBe(true);
    expect(isFullBloom(fullBloom())).toBe(true);
    expect(isFullBloom(ab)).toBe(false);
    expect(topicsToBloom([h('0x01020304'), h('0xf26e7779')])).toEqual(ab);
  });
});

describe('topics', () => {
  it.each(v6.topic_string.vectors.map((v) => [v.topic_bytes, v.string]))('%s prints as %s and parses back', (bytes, str) => {
    expect(topicToHex(h(bytes))).toBe(str);
    expect(hexToTopic(str)).toEqual(h(bytes));
  });
  it.each(v6.topic_string.bytes_to_topic.map((v) => [v.data, v.topic]))('BytesToTopic(%s) = %s', (data, topic) => {
    expect(bytesToHex(bytesToTopic(h(data)))).toBe(topic);
  });
  it.each(v6.topic_string.json_unmarshal_bad.map((s) => [s]))('rejects %s', (s) => {
    expectCode(() => hexToTopic(JSON.parse(s) as string), WHISPER_ERROR.INVALID_TOPIC);
  });
});

describe('constants match go-ethereum', () => {
  it('packet codes and sizes', () => {
    const c = v6.constants;
    expect(WHISPER_PACKET.STATUS).toBe(c.message_codes.status);
    expect(WHISPER_PACKET.MESSAGES).toBe(c.message_codes.messages);
    expect(WHISPER_PACKET.POW_REQUIREMENT).toBe(c.message_codes.pow_requirement);
    expect(WHISPER_PACKET.BLOOM_FILTER).toBe(c.message_codes.bloom_filter_exchange);
    expect(WHISPER_PACKET.BATCH_ACKNOWLEDGED).toBe(c.message_codes['batch_acknowledged (status ext)']);
    expect(WHISPER_PACKET.MESSAGE_RESPONSE).toBe(c.message_codes['message_response (status ext)']);
    expect(WHISPER_PACKET.P2P_MESSAGE).toBe(c.message_codes.p2p_message);
    expect(WHISPER_PACKET.P2P_REQUEST).toBe(c.message_codes.p2p_request);
    expect(WHISPER_PACKET.P2P_REQUEST_COMPLETE).toBe(c.message_codes.p2p_request_complete);
    expect(WHISPER.CODE_COUNT).toBe(c.number_of_message_codes);
    expect(WHISPER.BLOOM_SIZE).toBe(c.bloom_filter_size);
    expect(WHISPER.ENVELOPE_HEADER_LENGTH).toBe(c.envelope_header_length);
    expect(WHISPER.PAD_SIZE_LIMIT).toBe(c.pad_size_limit);
    expect(WHISPER.DEFAULT_TTL).toBe(c.default_ttl_s);
    expect(WHISPER.DEFAULT_MAX_MESSAGE_SIZE).toBe(c.default_max_message_size);
    expect(WHISPER.MAX_MESSAGE_SIZE).toBe(c.max_message_size);
  });
});

describe('envelope codec rejects malformed input with typed errors', () => {
  const good = { expiry: 1000, ttl: 10, topic: h('0x01020304'), data: h('0xdeadbeef'), nonce: 7n };
  const rlp = encodeEnvelope(good);
  it('round trip', () => {
    expect(decodeEnvelope(rlp)).toEqual(good);
    expect(decodeMessagesPacket(h('0xc0'))).toEqual([]);
  });
  const e = (items: Input[]) => hex0x(RLP.encode(items));
  it.each([
    ['not RLP', '0xf9', WHISPER_ERROR.INVALID_RLP],
    ['a string, not a list', '0x83010203', WHISPER_ERROR.INVALID_RLP],
    ['4 fields', e([1000, 10, h('0x01020304'), h('0xdead')]), WHISPER_ERROR.INVALID_ENVELOPE],
    ['6 fields', e([1000, 10, h('0x01020304'), h('0xdead'), 7, 0]), WHISPER_ERROR.INVALID_ENVELOPE],
    ['3-byte topic', e([1000, 10, h('0x010203'), h('0xdead'), 7]), WHISPER_ERROR.INVALID_ENVELOPE],
    ['expiry over uint32', e([2 ** 32, 10, h('0x01020304'), h('0xdead'), 7]), WHISPER_ERROR.INVALID_RLP],
    ['non-canonical ttl', e([1000, h('0x000a'), h('0x01020304'), h('0xdead'), 7]), WHISPER_ERROR.INVALID_RLP],
    ['nonce over uint64', e([1000, 10, h('0x01020304'), h('0xdead'), 1n << 64n]), WHISPER_ERROR.INVALID_RLP],
    ['list as data', e([1000, 10, h('0x01020304'), [1, 2], 7]), WHISPER_ERROR.INVALID_RLP],
    ['trailing bytes', hex0x(rlp) + '00', WHISPER_ERROR.INVALID_RLP],
  ])('%s', (_name, bytes, code) => {
    expectCode(() => decodeEnvelope(h(bytes)), code);
  });
  it('a messages packet that is not a list', () => {
    expectCode(() => decodeMessagesPacket(rlp.subarray(1)), WHISPER_ERROR.INVALID_RLP);
    expectCode(() => decodeMessagesPacket(h('0x8180')), WHISPER_ERROR.INVALID_RLP);
  });
  it('encode rejects out-of-range fields', () => {
    expectCode(() => encodeEnvelope({ ...good, expiry: -1 }), WHISPER_ERROR.INVALID_ENVELOPE);
    expectCode(() => encodeEnvelope({ ...good, nonce: 1n << 64n }), WHISPER_ERROR.INVALID_ENVELOPE);
    expectCode(() => encodeEnvelope({ ...good, topic: new Uint8Array(5) }), WHISPER_ERROR.INVALID_TOPIC);
  });
});

describe('message data format', () => {
  it('payload size field grows per factor of 256', () => {
    expect(payloadSizeFieldLength(0)).toBe(1);
    expect(payloadSizeFieldLength(255)).toBe(1);
    expect(payloadSizeFieldLength(256)).toBe(2);
    expect(payloadSizeFieldLength(65535)).toBe(2);
    expect(payloadSizeFieldLength(65536)).toBe(3);
  });
  it('random padding brings the plaintext to the next multiple of 256 (a full block when aligned)', () => {
    for (const [len, signed] of [[0, false], [28, false], [28, true], [254, false], [1000, true], [1024, false]] as const) {
      const pt = encodePlaintext({ payload: new Uint8Array(len).fill(1), signingKey: signed ? new Uint8Array(32).fill(3) : undefined });
      expect(pt.length % 256).toBe(0);
      expect(defaultPaddingLength(len, signed)).toBeGreaterThan(0);
      expect(decodePlaintext(pt).payload).toEqual(new Uint8Array(len).fill(1));
    }
    expect(defaultPaddingLength(254, false)).toBe(256);
  });
  it.each([
    ['empty', '0x', WHISPER_ERROR.INVALID_MESSAGE],
    ['size field past the end', '0x03aa', WHISPER_ERROR.INVALID_MESSAGE],
    ['payload size beyond the data', '0x01ff0102', WHISPER_ERROR.INVALID_MESSAGE],
    ['signed but too short', '0x05' + '00'.repeat(64), WHISPER_ERROR.INVALID_MESSAGE],
    ['signature that recovers nothing', '0x0501aa' + '00'.repeat(65), WHISPER_ERROR.INVALID_SIGNATURE],
  ])('rejects %s', (_n, bytes, code) => {
    expectCode(() => decodePlaintext(h(bytes)), code);
  });
  it('flags without a size field: empty payload, everything else is padding', () => {
    const d = decodePlaintext(h('0x00aabb'));
    expect(d.payload).toHaveLength(0);
    expect(hex0x(d.padding)).toBe('0xaabb');
  });
});

describe('status and control packets', () => {
  it('status packet round trip, with and without the optional fields', () => {
    const bloom = topicToBloom(h('0x01020304'));
    const full = { version: 6, powRequirement: 0.002, bloom, lightNode: true, confirmationsEnabled: true, rateLimits: { ipLimits: 10n, peerIdLimits: 5n, topicLimits: 0n } };
    expect(decodeWhisperStatus(encodeWhisperStatus(full))).toEqual(full);
    expect(decodeWhisperStatus(encodeWhisperStatus({ version: 6 }))).toEqual({ version: 6 });
    expect(hex0x(encodeWhisperStatus({ version: 6 }))).toBe('0xc106');
    expect(decodeWhisperStatus(encodeWhisperStatus({ version: 6, powRequirement: 0.2 }))).toEqual({ version: 6, powRequirement: 0.2 });
  });
  it('rejects a bad PoW, a bad bloom size, a non-boolean', () => {
    const e = (items: Input[]) => RLP.encode(items);
    expectCode(() => decodeWhisperStatus(e([6, powToUint64(-Infinity)])), WHISPER_ERROR.INVALID_PACKET);
    expectCode(() => decodeWhisperStatus(e([6, powToUint64(-1)])), WHISPER_ERROR.INVALID_PACKET);
    expectCode(() => decodeWhisperStatus(e([6, 0, h('0x010203')])), WHISPER_ERROR.INVALID_PACKET);
    expectCode(() => decodeWhisperStatus(e([6, 0, new Uint8Array(0), 2])), WHISPER_ERROR.INVALID_RLP);
    expectCode(() => decodeWhisperStatus(e([6, 0, new Uint8Array(0), 0, 1, [1, 2]])), WHISPER_ERROR.INVALID_PACKET);
    expectCode(() => decodeWhisperStatus(e([])), WHISPER_ERROR.INVALID_PACKET);
    expectCode(() => decodeWhisperStatus(h('0x06')), WHISPER_ERROR.INVALID_RLP);
    expectCode(() => decodePowRequirementPacket(RLP.encode(powToUint64(NaN))), WHISPER_ERROR.INVALID_PACKET);
    expectCode(() => decodeBloomPacket(h('0x83010203')), WHISPER_ERROR.INVALID_PACKET);
    expectCode(() => decodeBatchAckPacket(h('0x83010203')), WHISPER_ERROR.INVALID_PACKET);
    expectCode(() => decodeMessageResponsePacket(e([1])), WHISPER_ERROR.INVALID_PACKET);
    expectCode(() => decodeMessageResponsePacket(e([1, [new Uint8Array(32), [[new Uint8Array(3), 1, h('0x41')]]]])), WHISPER_ERROR.INVALID_PACKET);
  });
  it('confirmation packets round trip', () => {
    const batch = new Uint8Array(32).fill(0xab);
    const envHash = new Uint8Array(32).fill(0xcd);
    expect(decodeBatchAckPacket(RLP.encode(batch))).toEqual(batch);
    const r = decodeMessageResponsePacket(RLP.encode([1, [batch, [[envHash, 1, new TextEncoder().encode('envelope created in the future')]]]]));
    expect(r).toEqual({ version: 1, batchHash: batch, errors: [{ hash: envHash, code: 1, description: 'envelope created in the future' }] });
    expect(decodeBloomPacket(RLP.encode(fullBloom()))).toEqual(fullBloom());
    expect(decodePowRequirementPacket(RLP.encode(powToUint64(0.002)))).toBe(0.002);
  });
});
