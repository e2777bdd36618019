import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  aes256GcmDecrypt,
  aes256GcmEncrypt,
  aesCtr,
  availableBackends,
  bytesToHex,
  compressPublicKey,
  concatBytes,
  CryptoError,
  ecdh,
  eciesDecrypt,
  getPublicKey,
  hexToBytes,
  hkdfSha256,
  hmacSha256,
  keccak256,
  keccak256Prefix,
  pbkdf2Sha256,
  recoverPublicKey,
  scrypt,
  sha256,
  sign,
  useBackend,
  utf8ToBytes,
  verify,
} from '../src/index.js';

const vec = (name: string) => JSON.parse(readFileSync(new URL(`../../../vectors/crypto/${name}`, import.meta.url), 'utf8'));
const std = vec('standard-known-answers.json');
const discv5 = vec('discv5-wire.json').cryptographic_primitives;
const eip8 = vec('eip8-rlpx-handshake-and-discovery.json').rlpx_handshake;
const enr = vec('enr-eip778.json');
const x3dh = vec('status-protocol.json').x3dh_status_variant;
const h = hexToBytes;
const hex = bytesToHex;

it('both backends are available on this machine (the fast one is the default)', () => {
  expect(availableBackends().map((b) => b.name)).toEqual(['portable', 'fast']);
});

describe.each(availableBackends().map((b) => b.name))('backend %s', (name) => {
  useBackend(name);
  const run = (title: string, fn: () => void) =>
    it(title, () => {
      useBackend(name);
      fn();
    });

  run('keccak-256, sha-256, HMAC, HKDF, PBKDF2, scrypt known answers', () => {
    for (const v of std.keccak256) expect(hex(keccak256(utf8ToBytes(v.input_utf8)))).toBe(v.digest);
    for (const v of std.sha256) expect(hex(sha256(utf8ToBytes(v.input_utf8)))).toBe(v.digest);
    for (const v of std.hmac_sha256) expect(hex(hmacSha256(h(v.key), utf8ToBytes(v.data_utf8)))).toBe(v.mac);
    for (const v of std.hkdf_sha256) expect(hex(hkdfSha256(h(v.ikm), h(v.salt), h(v.info), v.length))).toBe(v.okm);
    for (const v of std.pbkdf2_sha256) {
      expect(hex(pbkdf2Sha256(utf8ToBytes(v.password_utf8), utf8ToBytes(v.salt_utf8), v.iterations, v.length))).toBe(v.key);
    }
    for (const v of std.scrypt) {
      const out = scrypt(utf8ToBytes(v.password_utf8), utf8ToBytes(v.salt_utf8), { N: v.N, r: v.r, p: v.p, dkLen: v.length });
      expect(hex(out)).toBe(v.key);
    }
  });

  run('keccak-256 of long and chunk-boundary inputs agrees across backends', () => {
    for (const len of [0, 1, 135, 136, 137, 1024, 100_000]) {
      const data = new Uint8Array(len).map((_, i) => (i * 31 + 7) & 0xff);
      const ours = keccak256(data);
      useBackend('portable');
      expect(hex(ours)).toBe(hex(keccak256(data)));
      useBackend(name);
    }
  });

  run('AES-256-GCM and AES-CTR known answers; GCM rejects a flipped bit', () => {
    for (const v of std.aes256gcm) {
      const sealed = aes256GcmEncrypt(h(v.key), h(v.nonce), h(v.plaintext));
      expect(hex(sealed)).toBe(v.sealed);
      expect(hex(aes256GcmDecrypt(h(v.key), h(v.nonce), sealed))).toBe(v.plaintext);
      const bad = sealed.slice();
      bad[0] ^= 1;
      expect(() => aes256GcmDecrypt(h(v.key), h(v.nonce), bad)).toThrowError(CryptoError);
    }
    for (const v of std.aes_ctr) {
      expect(hex(aesCtr(h(v.key), h(v.iv), h(v.plaintext)))).toBe(v.ciphertext);
      expect(hex(aesCtr(h(v.key), h(v.iv), h(v.ciphertext)))).toBe(v.plaintext);
    }
  });

  run('ECDH X coordinate: discv5 vector and the Status X3DH DH values', () => {
    const shared = ecdh(h(discv5.ECDH['secret-key']), h(discv5.ECDH['public-key']));
    expect(hex(shared)).toBe(discv5.ECDH['shared-secret'].slice(4));
    const c = x3dh.computed_independently;
    const aliceId = h(x3dh.alice_identity_private_key_hex);
    const aliceEph = h(x3dh.alice_ephemeral_private_key_hex);
    const bobId = h(x3dh.bob_identity_private_key_hex);
    const bobSpk = h(x3dh.bob_signed_prekey_private_key_hex);
    expect(hex(getPublicKey(aliceId))).toBe(c.alice_identity_public_uncompressed);
    expect(hex(getPublicKey(bobId, true))).toBe(c.bob_identity_public_compressed);
    expect(hex(compressPublicKey(h(c.bob_signed_prekey_public_uncompressed)))).toBe(c.bob_signed_prekey_public_compressed);
    const dh1 = ecdh(aliceId, getPublicKey(bobSpk));
    const dh2 = ecdh(aliceEph, getPublicKey(bobId));
    const dh3 = ecdh(aliceEph, getPublicKey(bobSpk));
    expect([hex(dh1), hex(dh2), hex(dh3)]).toEqual([c.dh1, c.dh2, c.dh3]);
    // ECDH is symmetric: the responder's side gives the same secrets.
    expect(hex(ecdh(bobSpk, getPublicKey(aliceId)))).toBe(c.dh1);
    expect(hex(keccak256(concatBytes(dh1, dh2, dh3)))).toBe(x3dh.expected_shared_key);
  });

  run('discv5 key derivation (HKDF over the compressed ECDH point)', () => {
    const k = discv5['Key Derivation'];
    // discv5 hashes the 33-byte compressed shared point; our ECDH gives X only, so try both parities:
    // exactly one must reproduce the vector.
    const info = concatBytes(utf8ToBytes('discovery v5 key agreement'), h(k['node-id-a']), h(k['node-id-b']));
    const candidates = [2, 3].map((prefix) => {
      const point = concatBytes(new Uint8Array([prefix]), ecdh(h(k['ephemeral-key']), h(k['dest-pubkey'])));
      return hex(hkdfSha256(point, h(k['challenge-data']), info, 32));
    });
    expect(candidates.filter((c) => c === k['initiator-key'].slice(2) + k['recipient-key'].slice(2))).toHaveLength(1);
  });

  run('deterministic signatures: discv5 id-nonce and the EIP-778 record signature', () => {
    const s = discv5['ID Nonce Signing'];
    const input = concatBytes(utf8ToBytes('discovery v5 identity proof'), h(s['challenge-data']), h(s['ephemeral-pubkey']), h(s['node-id-B']));
    const sig = sign(sha256(input), h(s['static-key']));
    expect(hex(sig.subarray(0, 64))).toBe(s['id-signature'].slice(2));
    expect(verify(sha256(input), sig, getPublicKey(h(s['static-key'])))).toBe(true);

    // EIP-778: signature over keccak256(rlp([seq, "id", "v4", "ip", 0x7f000001, "secp256k1", pub, "udp", 0x765f])).
    const key = h(enr.private_key);
    const pub = getPublicKey(key, true);
    expect(hex(pub)).toBe(enr.rlp_structure[4].secp256k1);
    const rlpContent = h(
      'f842' + '01' + '826964' + '827634' + '826970' + '847f000001' + '89736563703235366b31' + 'a1' + hex(pub) + '83756470' + '82765f',
    );
    const digest = keccak256(rlpContent);
    const enrSig = sign(digest, key);
    expect(hex(enrSig.subarray(0, 64))).toBe(enr.rlp_structure[0].signature);
    expect(hex(keccak256(getPublicKey(key).subarray(1)))).toBe(enr.node_id);
  });

  run('recoverable signatures: r‖s‖v with v ∈ {0,1}, recovery, tampering detected', () => {
    const key = h('1111111111111111111111111111111111111111111111111111111111111111');
    for (let i = 0; i < 16; i++) {
      const digest = keccak256(utf8ToBytes(`message ${i}`));
      const sig = sign(digest, key);
      expect(sig.length).toBe(65);
      expect(sig[64]).toBeLessThanOrEqual(1);
      expect(hex(recoverPublicKey(digest, sig))).toBe(hex(getPublicKey(key)));
      expect(hex(recoverPublicKey(digest, sig, true))).toBe(hex(getPublicKey(key, true)));
      const v27 = sig.slice();
      v27[64] += 27;
      expect(hex(recoverPublicKey(digest, v27))).toBe(hex(getPublicKey(key)));
      const other = keccak256(utf8ToBytes(`other ${i}`));
      expect(hex(recoverPublicKey(other, sig))).not.toBe(hex(getPublicKey(key)));
    }
    expect(() => recoverPublicKey(new Uint8Array(32), new Uint8Array(65))).toThrowError(CryptoError);
    expect(() => recoverPublicKey(new Uint8Array(32), new Uint8Array(64))).toThrowError(CryptoError);
  });

  run('ECIES opens the EIP-8 RLPx auth and ack messages (go-ethereum ECIES, size prefix as MAC data)', () => {
    const keyA = h(eip8.static_key_a);
    const keyB = h(eip8.static_key_b);
    const auth1 = h(eip8.auth1_rlpx_v4_format_A_to_B);
    expect(eciesDecrypt(keyB, auth1).length).toBe(auth1.length - 113);
    for (const [name, key] of [
      ['auth2_eip8_format_version_4_no_extra_elements_A_to_B', keyB],
      ['auth3_eip8_format_version_56_3_extra_elements_A_to_B', keyB],
      ['ack2_eip8_format_version_4_no_extra_elements_B_to_A', keyA],
      ['ack3_eip8_format_version_57_3_extra_elements_B_to_A', keyA],
    ] as const) {
      const msg = h(eip8[name]);
      const pt = eciesDecrypt(key, msg.subarray(2), { sharedMacData: msg.subarray(0, 2) });
      expect(pt[0] & 0xc0).toBe(0xc0); // an RLP list
      const bad = msg.slice();
      bad[bad.length - 1] ^= 1;
      expect(() => eciesDecrypt(key, bad.subarray(2), { sharedMacData: bad.subarray(0, 2) })).toThrowError(CryptoError);
      expect(() => eciesDecrypt(key, msg.subarray(2))).toThrowError(CryptoError);
    }
    const ack1 = h(eip8.ack1_rlpx_v4_format_B_to_A);
    expect(eciesDecrypt(keyA, ack1).length).toBe(97);
  });
});

describe.each(availableBackends().map((b) => b.name))('keccak256Prefix on backend %s', (name) => {
  it('equals keccak256 of the concatenation for every split and stays valid across interleaved calls', () => {
    useBackend(name);
    const data = new Uint8Array(1400).map((_, i) => (i * 131 + 17) & 0xff);
    for (const split of [0, 1, 135, 136, 137, 272, 1000, 1392, 1400]) {
      const f = keccak256Prefix(data.subarray(0, split));
      const g = keccak256Prefix(data.subarray(0, 7));
      expect(hex(f(data.subarray(split)))).toBe(hex(keccak256(data)));
      // Another hash in between must not disturb the saved prefix state.
      expect(hex(g(data.subarray(7)))).toBe(hex(keccak256(data)));
      expect(hex(f(data.subarray(split)))).toBe(hex(keccak256(data)));
      expect(hex(f(new Uint8Array(0)))).toBe(hex(keccak256(data.subarray(0, split))));
    }
  });
});

it('HKDF: both backends agree, and an empty salt means a zero salt of hash length', () => {
  const ikm = new Uint8Array(40).map((_, i) => i * 7);
  const info = utf8ToBytes('status-stack');
  const outputs = availableBackends().map((b) => {
    useBackend(b.name);
    return [hex(hkdfSha256(ikm, new Uint8Array(0), info, 96)), hex(hkdfSha256(ikm, new Uint8Array(32), info, 96)), hex(hkdfSha256(ikm, undefined, info, 96))];
  });
  for (const o of outputs) expect(new Set(o).size).toBe(1);
  expect(new Set(outputs.map((o) => o[0])).size).toBe(1);
});
