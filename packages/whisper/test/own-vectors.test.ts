import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, keccak256 } from '@status-stack/crypto';
import {
  computePow,
  decodeBatchAckPacket,
  decodeBloomPacket,
  decodeEnvelope,
  decodeMessageResponsePacket,
  decodeMessagesPacket,
  decodePlaintext,
  decodePowRequirementPacket,
  decodeWhisperStatus,
  decryptAsymmetric,
  decryptSymmetric,
  encodeBatchAckPacket,
  encodeBloomPacket,
  encodeEnvelope,
  encodeEnvelopeWithoutNonce,
  encodeMessageResponsePacket,
  encodeMessagesPacket,
  encodePlaintext,
  encodePowRequirementPacket,
  encodeWhisperStatus,
  encryptAsymmetric,
  encryptSymmetric,
  envelopeBloom,
  envelopeHash,
  powTargetBits,
  sealEnvelope,
  hexToTopic,
  ENVELOPE_ERROR_CODE,
} from '../src/index.js';
import { loadVector } from './helpers.js';

// Our own known answers, made once by an independent Python implementation
// (vectors/whisper/generate-whisper-codec-vectors.py) and checked in.
interface Codec {
  envelopes: Array<{ expiry: number; ttl: number; topic: string; data: string; pow_target: number; target_bits: number; sealed_nonce: number; rlp_without_nonce: string; envelope_rlp: string; envelope_hash: string; pow: number; bloom: string; messages_packet_rlp: string }>;
  plaintexts: Array<{ payload_length: number; padding: string; payload?: string; plaintext?: string; plaintext_header?: string; plaintext_length?: number }>;
  symmetric: Array<{ key: string; nonce: string; plaintext: string; data: string }>;
  asymmetric: Array<{ recipient_private_key: string; recipient_public_key: string; ephemeral_private_key: string; iv: string; plaintext: string; data: string }>;
  status_packets: Array<{ name: string; payload: string; pow: number | null; bloom: string | null; light: boolean | null; confirmations: boolean | null; rate_limits: number[] | null }>;
  control_packets: Record<string, string>;
}
const v = loadVector<Codec>('whisper-codec.json');
const h = (s: string) => hexToBytes(s);
const hex0x = (b: Uint8Array) => `0x${bytesToHex(b)}`;

describe('own known answers (independent Python generator)', () => {
  it.each(v.envelopes.map((e) => [e.topic, e.ttl, e]))('envelope on %s ttl %d: RLP, hash, bloom, PoW and the sealed nonce', (_t, _ttl, e) => {
    const base = { expiry: e.expiry, ttl: e.ttl, topic: h(e.topic), data: h(e.data) };
    expect(hex0x(encodeEnvelopeWithoutNonce(base))).toBe(e.rlp_without_nonce);
    expect(powTargetBits(e.pow_target, 20 + base.data.length, e.ttl)).toBe(e.target_bits);
    const sealed = sealEnvelope(base, { powTarget: e.pow_target, powTime: 30 });
    expect(sealed.nonce).toBe(BigInt(e.sealed_nonce));
    expect(hex0x(encodeEnvelope(sealed))).toBe(e.envelope_rlp);
    expect(hex0x(envelopeHash(sealed))).toBe(e.envelope_hash);
    expect(computePow(sealed)).toBe(e.pow);
    expect(hex0x(envelopeBloom(sealed))).toBe(e.bloom);
    expect(hex0x(encodeMessagesPacket([sealed]))).toBe(e.messages_packet_rlp);
    expect(decodeEnvelope(h(e.envelope_rlp))).toEqual(sealed);
    expect(decodeMessagesPacket(h(e.messages_packet_rlp))).toEqual([sealed]);
  });

  it.each(v.plaintexts.map((p) => [p.payload_length, p]))('plaintext with a %d-byte payload', (_n, p) => {
    const payload = p.payload ? h(p.payload) : new Uint8Array(p.payload_length);
    const pt = encodePlaintext({ payload, padding: h(p.padding) });
    if (p.plaintext) expect(hex0x(pt)).toBe(p.plaintext);
    else {
      expect(hex0x(pt.subarray(0, 4))).toBe(p.plaintext_header);
      expect(pt.length).toBe(p.plaintext_length);
    }
    const d = decodePlaintext(pt);
    expect(d.payload).toEqual(payload);
    expect(hex0x(d.padding)).toBe(p.padding);
  });

  it.each(v.symmetric.map((s) => [s.nonce, s]))('AES-256-GCM with nonce %s', (_n, s) => {
    expect(hex0x(encryptSymmetric(h(s.key), h(s.plaintext), h(s.nonce)))).toBe(s.data);
    expect(hex0x(decryptSymmetric(h(s.key), h(s.data)))).toBe(s.plaintext);
  });

  it('ECIES with a fixed ephemeral key and IV', () => {
    const a = v.asymmetric[0];
    expect(hex0x(encryptAsymmetric(h(a.recipient_public_key), h(a.plaintext), { ephemeralPrivateKey: h(a.ephemeral_private_key), iv: h(a.iv) }))).toBe(a.data);
    expect(hex0x(decryptAsymmetric(h(a.recipient_private_key), h(a.data)))).toBe(a.plaintext);
  });

  it.each(v.status_packets.map((s) => [s.name, s]))('status packet: %s', (_n, s) => {
    const status = {
      version: 6,
      ...(s.pow !== null ? { powRequirement: s.pow } : {}),
      ...(s.bloom !== null ? { bloom: h(s.bloom) } : {}),
      ...(s.light !== null ? { lightNode: s.light } : {}),
      ...(s.confirmations !== null ? { confirmationsEnabled: s.confirmations } : {}),
      ...(s.rate_limits !== null ? { rateLimits: { ipLimits: BigInt(s.rate_limits[0]), peerIdLimits: BigInt(s.rate_limits[1]), topicLimits: BigInt(s.rate_limits[2]) } } : {}),
    };
    expect(hex0x(encodeWhisperStatus(status))).toBe(s.payload);
    expect(decodeWhisperStatus(h(s.payload))).toEqual(status);
  });

  it('PoW requirement, bloom, batch ack and message response packets', () => {
    const c = v.control_packets;
    expect(hex0x(encodePowRequirementPacket(0.002))).toBe(c['pow_requirement_0.002']);
    expect(hex0x(encodePowRequirementPacket(0.2))).toBe(c['pow_requirement_0.2']);
    expect(decodePowRequirementPacket(h(c['pow_requirement_0.2']))).toBe(0.2);
    expect(hex0x(encodeBloomPacket(new Uint8Array(64).fill(0xff)))).toBe(c.bloom_full);
    expect(hex0x(encodeBloomPacket(envelopeBloom({ topic: hexToTopic('0xcd423760') })))).toBe(c.bloom_topic_cd423760);
    expect(decodeBloomPacket(h(c.bloom_topic_cd423760))).toEqual(envelopeBloom({ topic: hexToTopic('0xcd423760') }));
    const batch = keccak256(h(v.envelopes[0].messages_packet_rlp));
    expect(hex0x(batch)).toBe(c.batch_hash_of_envelope_0_packet);
    expect(hex0x(encodeBatchAckPacket(batch))).toBe(c.batch_ack);
    expect(decodeBatchAckPacket(h(c.batch_ack))).toEqual(batch);
    expect(hex0x(encodeMessageResponsePacket(batch, []))).toBe(c.message_response_no_errors);
    const err = { hash: h(c.message_response_env_hash), code: ENVELOPE_ERROR_CODE.TIME_NOT_SYNCED, description: 'envelope created in the future' };
    expect(hex0x(encodeMessageResponsePacket(batch, [err]))).toBe(c.message_response_time_sync_error);
    expect(decodeMessageResponsePacket(h(c.message_response_time_sync_error))).toEqual({ version: 1, batchHash: batch, errors: [err] });
  });
});
