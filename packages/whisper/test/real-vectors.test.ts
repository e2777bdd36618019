import { describe, expect, it, afterAll } from 'vitest';
import { availableBackends, bytesToHex, getBackend, hexToBytes, useBackend, getPublicKey } from '@status-stack/crypto';
import {
  computePow,
  decodeEnvelope,
  decodeMessagesPacket,
  decodePlaintext,
  decryptAsymmetric,
  decryptSymmetric,
  encodeEnvelope,
  encodeMessagesPacket,
  encodePlaintext,
  encryptSymmetric,
  envelopeBloom,
  envelopeHash,
  openAsymmetric,
  openSymmetric,
  sealEnvelope,
  topicToHex,
  wrapMessage,
  WhisperError,
} from '../src/index.js';
import { loadVector, type RealEnvelopeVector } from './helpers.js';

const geth = loadVector<{ vectors: RealEnvelopeVector[] }>('whisper6-envelopes.geth-v1.9.7.json').vectors;
const waku = loadVector<{ waku1_envelopes: RealEnvelopeVector[] }>('waku1-envelopes-and-status-derivations.status-go-v0.62.18.json').waku1_envelopes;
const all = [...geth, ...waku];
const h = (s: string) => hexToBytes(s);
const hex0x = (b: Uint8Array) => `0x${bytesToHex(b)}`;
const initialBackend = getBackend().name;

afterAll(() => {
  useBackend(initialBackend as 'portable' | 'fast');
});

describe.each(availableBackends().map((b) => b.name))('real envelopes (go-ethereum v1.9.7, status-go v0.62.18), %s backend', (backend) => {
  it.each(all.map((v) => [v.name, v]))('%s: decodes, hash, PoW, bloom and opens to the recorded payload', (_n, v) => {
    useBackend(backend as 'portable' | 'fast');
    const env = decodeEnvelope(h(v.envelope_rlp));
    expect(env.expiry).toBe(v.expiry);
    expect(env.ttl).toBe(v.ttl);
    expect(topicToHex(env.topic)).toBe(v.topic);
    expect(env.nonce).toBe(BigInt(v.nonce));
    expect(hex0x(env.data)).toBe(v.data);
    expect(hex0x(encodeEnvelope(env))).toBe(v.envelope_rlp);
    expect(hex0x(envelopeHash(env))).toBe(v.envelope_hash);
    expect(computePow(env)).toBe(v.pow);
    expect(hex0x(envelopeBloom(env))).toBe(v.bloom);

    const packet = decodeMessagesPacket(h(v.messages_packet_rlp));
    expect(packet).toHaveLength(1);
    expect(hex0x(encodeMessagesPacket(packet))).toBe(v.messages_packet_rlp);

    const plaintext = v.sym_key ? decryptSymmetric(h(v.sym_key), env.data) : decryptAsymmetric(h(v.recipient_private_key!), env.data);
    expect(hex0x(plaintext)).toBe(v.decrypted_plaintext);
    const msg = v.sym_key ? openSymmetric(env, h(v.sym_key)) : openAsymmetric(env, h(v.recipient_private_key!));
    expect(hex0x(msg.payload)).toBe(v.payload);
    expect(hex0x(msg.payload)).toBe(v.decoded_payload);
    expect(hex0x(msg.padding)).toBe(v.decoded_padding);
    if (v.signer_public_key) {
      expect(hex0x(msg.signer!)).toBe(v.signer_public_key);
      expect(hex0x(msg.signer!)).toBe(v.decoded_signer_public_key);
      expect(hex0x(msg.signature!)).toBe(v.decoded_signature);
    } else {
      expect(msg.signer).toBeUndefined();
    }
    if (v.sym_key) expect(hex0x(env.data.subarray(env.data.length - 12))).toBe(v.decoded_salt_or_iv);
  });

  it.each(all.map((v) => [v.name, v]))('%s: rebuilding the plaintext from the recorded inputs is byte-identical', (_n, v) => {
    useBackend(backend as 'portable' | 'fast');
    const plaintext = encodePlaintext({
      payload: h(v.payload),
      padding: h(v.decoded_padding),
      signingKey: v.signer_private_key ? h(v.signer_private_key) : undefined,
    });
    expect(hex0x(plaintext)).toBe(v.decrypted_plaintext);
    if (v.sym_key) expect(hex0x(encryptSymmetric(h(v.sym_key), plaintext, h(v.decoded_salt_or_iv)))).toBe(v.data);
  });

  it('the wrong key does not open an envelope, with a typed error', () => {
    useBackend(backend as 'portable' | 'fast');
    const sym = decodeEnvelope(h(geth[0].envelope_rlp));
    const wrong = new Uint8Array(32).fill(7);
    expect(() => openSymmetric(sym, wrong)).toThrow(WhisperError);
    const asym = decodeEnvelope(h(geth[2].envelope_rlp));
    expect(() => openAsymmetric(asym, new Uint8Array(32).fill(9))).toThrow(WhisperError);
  });
});

describe('sealing with the recorded inputs', () => {
  // go-ethereum searches nonces from 0 up and stops at the first that reaches the target, so the
  // recorded expiry/ttl/topic/data and target give back the recorded nonce: the whole envelope is identical.
  it.each(all.map((v) => [v.name, v]))('%s: seal finds the recorded nonce', (_n, v) => {
    const env = decodeEnvelope(h(v.envelope_rlp));
    const sealed = sealEnvelope({ expiry: env.expiry, ttl: env.ttl, topic: env.topic, data: env.data }, { powTarget: v.pow_target, powTime: 30 });
    expect(sealed.nonce).toBe(BigInt(v.nonce));
    expect(hex0x(encodeEnvelope(sealed))).toBe(v.envelope_rlp);
  });

  it('whisper6-sym-signed-fixedpadding: wrapMessage with the recorded inputs is byte-identical to go-ethereum', () => {
    const v = geth.find((x) => x.name === 'whisper6-sym-signed-fixedpadding')!;
    const env = wrapMessage({
      topic: h(v.topic),
      payload: h(v.payload),
      padding: h(v.padding_param!),
      signingKey: h(v.signer_private_key!),
      symKey: h(v.sym_key!),
      gcmNonce: h(v.decoded_salt_or_iv),
      ttl: v.ttl,
      expiry: v.expiry,
      powTarget: v.pow_target,
      powTime: 30,
    });
    expect(hex0x(encodeEnvelope(env))).toBe(v.envelope_rlp);
    expect(hex0x(envelopeHash(env))).toBe(v.envelope_hash);
    expect(hex0x(getPublicKey(h(v.signer_private_key!)))).toBe(v.signer_public_key);
  });
});

interface CapturedEnvelope {
  envelope_rlp: string;
  envelope: { data: string; expiry: number; hash: string; nonce: number; pow: number; topic: string; ttl: number };
  decoded_by: Record<string, { decrypted_with?: string; sym_key?: string; waku_message?: { payload: string; padding: string; plaintext: string; salt: string; signature: string; signer_pubkey: string }; error?: string }>;
}

describe('status-go messengers, captured on loopback (expired long ago: decoding must not depend on the clock)', () => {
  const cap = loadVector<{ identities: Record<string, { private_key: string; public_key: string }>; envelopes: CapturedEnvelope[] }>('status-fullstack-captured-waku1.json');
  it.each(cap.envelopes.map((e, i) => [i, e.envelope.hash, e]))('#%d %s decodes, hashes, PoW, and opens for each side', (_i, _hash, e) => {
    const env = decodeEnvelope(h(e.envelope_rlp));
    expect(hex0x(encodeEnvelope(env))).toBe(e.envelope_rlp);
    expect(hex0x(envelopeHash(env))).toBe(e.envelope.hash);
    expect(computePow(env)).toBe(e.envelope.pow);
    expect(env.expiry).toBe(e.envelope.expiry);
    expect(env.ttl).toBe(e.envelope.ttl);
    expect(env.nonce).toBe(BigInt(e.envelope.nonce));
    expect(topicToHex(env.topic)).toBe(e.envelope.topic);
    let opened = 0;
    for (const [who, d] of Object.entries(e.decoded_by)) {
      if (!d.waku_message) {
        // status-go could not open it with this side's keys; neither can we.
        expect(() => openAsymmetric(env, h(cap.identities[who].private_key))).toThrow(WhisperError);
        continue;
      }
      const msg = d.sym_key ? openSymmetric(env, h(d.sym_key)) : openAsymmetric(env, h(cap.identities[who].private_key));
      expect(hex0x(msg.payload)).toBe(d.waku_message.payload);
      expect(hex0x(msg.padding)).toBe(d.waku_message.padding);
      expect(hex0x(msg.signature!)).toBe(d.waku_message.signature);
      expect(hex0x(msg.signer!)).toBe(d.waku_message.signer_pubkey);
      if (d.waku_message.salt) expect(hex0x(env.data.subarray(env.data.length - 12))).toBe(d.waku_message.salt);
      const pt = d.sym_key ? decryptSymmetric(h(d.sym_key), env.data) : decryptAsymmetric(h(cap.identities[who].private_key), env.data);
      expect(hex0x(pt)).toBe(d.waku_message.plaintext);
      expect(decodePlaintext(pt).payload).toEqual(msg.payload);
      opened++;
    }
    expect(opened).toBeGreaterThan(0);
  });
});
