import { createHmac, hkdfSync } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  availableBackends,
  bytesToHex,
  concatBytes,
  ecdh,
  getBackend,
  getPublicKey,
  hexToBytes,
  keccak256,
  useBackend,
  utf8ToBytes,
} from '@status-stack/crypto';
import {
  KDF_INFO,
  deriveMessageKeys,
  encodeAssociatedData,
  kdfChainKey,
  kdfRootKey,
  x3dhInitiator,
  x3dhResponder,
} from '../src/index.js';
import { loadVector } from './helpers.js';

interface StatusProtocolVectors {
  x3dh_status_variant: Record<string, string> & { computed_independently: Record<string, string> };
  double_ratchet_status_parameters: Record<string, string> & { computed_independently_kat: Record<string, string> };
}

const v = loadVector<StatusProtocolVectors>('status-protocol.json');
const x = v.x3dh_status_variant;
const kat = v.double_ratchet_status_parameters.computed_independently_kat;
const initial = getBackend().name;

afterAll(() => {
  useBackend(initial as 'portable' | 'fast');
});

describe.each(availableBackends().map((b) => b.name))('status-protocol.json known answers (%s backend)', (name) => {
  it('X3DH: the three DHs and SK reproduce, initiator and responder', () => {
    useBackend(name as 'portable' | 'fast');
    const aliceIk = hexToBytes(x.alice_identity_private_key_hex);
    const aliceEk = hexToBytes(x.alice_ephemeral_private_key_hex);
    const bobIk = hexToBytes(x.bob_identity_private_key_hex);
    const bobSpk = hexToBytes(x.bob_signed_prekey_private_key_hex);
    // The GOTCHA of the vector: keys are the ASCII bytes of the strings.
    expect(bytesToHex(utf8ToBytes(x.alice_identity_private_key_ascii))).toBe(x.alice_identity_private_key_hex);
    const ci = x.computed_independently;
    expect(bytesToHex(getPublicKey(bobSpk, true))).toBe(ci.bob_signed_prekey_public_compressed);
    expect(bytesToHex(ecdh(aliceIk, getPublicKey(bobSpk)))).toBe(ci.dh1);
    expect(bytesToHex(ecdh(aliceEk, getPublicKey(bobIk)))).toBe(ci.dh2);
    expect(bytesToHex(ecdh(aliceEk, getPublicKey(bobSpk)))).toBe(ci.dh3);
    const skA = x3dhInitiator(aliceIk, aliceEk, getPublicKey(bobIk, true), getPublicKey(bobSpk, true));
    const skB = x3dhResponder(bobIk, bobSpk, getPublicKey(aliceIk, true), getPublicKey(aliceEk, true));
    expect(bytesToHex(skA)).toBe(x.expected_shared_key);
    expect(bytesToHex(skB)).toBe(x.expected_shared_key);
    expect(bytesToHex(keccak256(concatBytes(hexToBytes(ci.dh1), hexToBytes(ci.dh2), hexToBytes(ci.dh3))))).toBe(ci.keccak256_dh1_dh2_dh3);
  });

  it('Double Ratchet: KDF_RK, KDF_CK and the message-key expansion reproduce', () => {
    useBackend(name as 'portable' | 'fast');
    const rk = kdfRootKey(hexToBytes(kat.rk), hexToBytes(kat.dh_out));
    expect(bytesToHex(rk.rootKey)).toBe(kat.kdf_rk_root_key);
    expect(bytesToHex(rk.chainKey)).toBe(kat.kdf_rk_chain_key);
    expect(bytesToHex(rk.headerKey)).toBe(kat.kdf_rk_header_key);
    const ck = kdfChainKey(rk.chainKey);
    expect(bytesToHex(ck.chainKey)).toBe(kat.kdf_ck_next_chain_key);
    expect(bytesToHex(ck.messageKey)).toBe(kat.kdf_ck_message_key);
    const mk = deriveMessageKeys(ck.messageKey);
    expect(bytesToHex(mk.encKey)).toBe(kat.enc_key);
    expect(bytesToHex(mk.authKey)).toBe(kat.auth_key);
    expect(bytesToHex(mk.iv)).toBe(kat.iv);
  });
});

describe('Double Ratchet parameters against an independent node:crypto computation', () => {
  it('HKDF labels, chain constants and AD layout are the ones the vector names', () => {
    const params = v.double_ratchet_status_parameters;
    expect(params.kdf_rk).toContain(`'${KDF_INFO.ROOT}'`);
    expect(params.encrypt).toContain(`'${KDF_INFO.MESSAGE}'`);
    const rk = hexToBytes(kat.rk);
    const dhOut = hexToBytes(kat.dh_out);
    const okm = new Uint8Array(hkdfSync('sha256', dhOut, rk, KDF_INFO.ROOT, 96));
    expect(bytesToHex(okm.subarray(0, 32))).toBe(kat.kdf_rk_root_key);
    const ck = hexToBytes(kat.kdf_rk_chain_key);
    expect(createHmac('sha256', ck).update(Uint8Array.of(0x0f)).digest('hex')).toBe(kat.kdf_ck_next_chain_key);
    expect(createHmac('sha256', ck).update(Uint8Array.of(0x10)).digest('hex')).toBe(kat.kdf_ck_message_key);
    const ad = encodeAssociatedData({ key: new Uint8Array(33).fill(2), n: 0x01020304, pn: 5 });
    expect(bytesToHex(ad.subarray(0, 8))).toBe('0403020105000000');
    expect(ad.length).toBe(41);
  });
});
