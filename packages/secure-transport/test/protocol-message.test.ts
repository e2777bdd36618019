import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, getPublicKey, hexToBytes, utf8ToBytes } from '@status-stack/crypto';
import {
  SecureTransportError,
  bundleSignatureMaterial,
  decodeBundle,
  decodeBundleContainer,
  decodeDhHeader,
  decodeDirectMessageProtocol,
  decodeDrHeader,
  decodeProtocolMessage,
  decodeSignedPreKey,
  decodeX3dhHeader,
  encodeBundle,
  encodeDirectMessageProtocol,
  encodeDrHeader,
  encodeProtocolMessage,
  signBundle,
  verifyBundle,
  type SignedPreKey,
} from '../src/index.js';
import { loadVector } from './helpers.js';

interface KeySpec {
  private_key: string;
  version: number;
  protocol_version: number;
}
interface Vectors {
  bundle: {
    identity_private_key: string;
    signed_pre_keys: Record<string, KeySpec>;
    timestamp: string;
    signature_material: string;
    signature: string;
    encoded: string;
    container_private_signed_pre_key: string;
    container_encoded: string;
  };
  signed_pre_key: { input: { key_private: string }; encoded: string };
  x3dh_header: { key_private: string; id_private: string; encoded: string };
  dr_header: { encoded: string };
  dh_header: { key_private: string; encoded: string };
  direct_message_protocol: { encoded: string };
  protocol_message: { encoded: string; public_encoded: string };
}
const v = loadVector<Vectors>('secure-transport-vectors.json');
const pub = (h: string): Uint8Array => getPublicKey(hexToBytes(h), true);

describe('codec known answers (vectors/secure-transport/secure-transport-vectors.json)', () => {
  it('SignedPreKey, X3DHHeader, DRHeader, DHHeader decode to their inputs and re-encode', () => {
    const spk = decodeSignedPreKey(hexToBytes(v.signed_pre_key.encoded));
    expect(bytesToHex(spk.signedPreKey)).toBe(bytesToHex(pub(v.signed_pre_key.input.key_private)));
    expect([spk.version, spk.protocolVersion]).toEqual([1, 1]);
    const x = decodeX3dhHeader(hexToBytes(v.x3dh_header.encoded));
    expect(bytesToHex(x.key)).toBe(bytesToHex(pub(v.x3dh_header.key_private)));
    expect(bytesToHex(x.id)).toBe(bytesToHex(pub(v.x3dh_header.id_private)));
    const dr = decodeDrHeader(hexToBytes(v.dr_header.encoded));
    expect([dr.n, dr.pn]).toEqual([300, 7]);
    expect(bytesToHex(encodeDrHeader(dr))).toBe(v.dr_header.encoded);
    // Field layout by hand: key (1, len 33), n (2, varint 300 = ac 02), pn (3, 7), id (4, len 33).
    expect(v.dr_header.encoded.slice(0, 4)).toBe('0a21');
    expect(v.dr_header.encoded.slice(70, 80)).toBe('10ac021807');
    expect(bytesToHex(decodeDhHeader(hexToBytes(v.dh_header.encoded)).key)).toBe(bytesToHex(pub(v.dh_header.key_private)));
  });

  it('Bundle: signature material, signature and encoding reproduce; container round-trips', () => {
    const b = v.bundle;
    const keys = new Map<string, SignedPreKey>(
      Object.entries(b.signed_pre_keys).map(([id, k]) => [id, { signedPreKey: pub(k.private_key), version: k.version, protocolVersion: k.protocol_version }]),
    );
    const bundle = signBundle(hexToBytes(b.identity_private_key), keys, BigInt(b.timestamp));
    expect(bytesToHex(bundleSignatureMaterial(bundle))).toBe(b.signature_material);
    // Material by hand: sorted ids, each utf8(id) ‖ key ‖ decimal version, then the decimal timestamp.
    const manual =
      bytesToHex(utf8ToBytes('device-a')) + bytesToHex(pub(b.signed_pre_keys['device-a'].private_key)) + bytesToHex(utf8ToBytes('1')) +
      bytesToHex(utf8ToBytes('device-b')) + bytesToHex(pub(b.signed_pre_keys['device-b'].private_key)) + bytesToHex(utf8ToBytes('3')) +
      bytesToHex(utf8ToBytes(b.timestamp));
    expect(b.signature_material).toBe(manual);
    expect(bytesToHex(bundle.signature)).toBe(b.signature);
    expect(bytesToHex(encodeBundle(bundle))).toBe(b.encoded);
    const decoded = decodeBundle(hexToBytes(b.encoded));
    expect(decoded.timestamp).toBe(BigInt(b.timestamp));
    expect(bytesToHex(verifyBundle(decoded))).toBe(bytesToHex(pub(b.identity_private_key)));
    const c = decodeBundleContainer(hexToBytes(b.container_encoded));
    expect(bytesToHex(c.privateSignedPreKey)).toBe(b.container_private_signed_pre_key);
    expect(bytesToHex(encodeBundle(c.bundle!))).toBe(b.encoded);
  });

  it('bundle without timestamp signs without it (backward compatibility)', () => {
    const keys = new Map<string, SignedPreKey>([['1', { signedPreKey: utf8ToBytes('key'), version: 0, protocolVersion: 0 }]]);
    expect(bytesToHex(bundleSignatureMaterial({ signedPreKeys: keys, timestamp: 0n }))).toBe(bytesToHex(utf8ToBytes('1key0')));
  });

  it('DirectMessageProtocol and ProtocolMessage decode to their parts and re-encode', () => {
    const dm = decodeDirectMessageProtocol(hexToBytes(v.direct_message_protocol.encoded));
    expect(new TextDecoder().decode(dm.payload)).toBe('ciphertext');
    expect(dm.dhHeader).toBeUndefined();
    expect(bytesToHex(encodeDirectMessageProtocol(dm))).toBe(v.direct_message_protocol.encoded);
    const pm = decodeProtocolMessage(hexToBytes(v.protocol_message.encoded));
    expect(pm.installationId).toBe('device-a');
    expect([...pm.directMessage.keys()]).toEqual(['device-c']);
    expect(bytesToHex(encodeBundle(pm.bundles[0]))).toBe(v.bundle.encoded);
    expect(bytesToHex(encodeProtocolMessage(pm))).toBe(v.protocol_message.encoded);
    const pub2 = decodeProtocolMessage(hexToBytes(v.protocol_message.public_encoded));
    expect(new TextDecoder().decode(pub2.publicMessage)).toBe('hello public');
    // public_message is field 102, wire type 2: key varint 0xb2 0x06.
    expect(v.protocol_message.public_encoded).toContain('b2060c' + bytesToHex(utf8ToBytes('hello public')));
  });

  it('DH_header is field 101 (key varint 0xaa 0x06) and the map key "none" selects it', () => {
    const dm = encodeDirectMessageProtocol({ dhHeader: { key: pub('22'.repeat(32)) }, payload: new Uint8Array([9]) });
    expect(bytesToHex(dm)).toMatch(/^1a0109aa0623/);
  });
});

describe('decoders reject bad bytes with typed errors only', () => {
  const decoders = [decodeProtocolMessage, decodeBundle, decodeDirectMessageProtocol, decodeDrHeader, decodeSignedPreKey, decodeBundleContainer];
  it('random bytes never escape as anything but SecureTransportError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        for (const d of decoders) {
          try {
            d(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(SecureTransportError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('every truncation of a real message is rejected or decodes to a prefix, never crashes', () => {
    const full = hexToBytes(v.protocol_message.encoded);
    let rejected = 0;
    for (let i = 1; i < full.length; i++) {
      try {
        decodeProtocolMessage(full.subarray(0, i));
      } catch (e) {
        expect(e).toBeInstanceOf(SecureTransportError);
        expect((e as SecureTransportError).code).toBe('MALFORMED_MESSAGE');
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(full.length / 2);
  });

  it('bit flips of a real message are rejected with typed errors or decode', () => {
    const full = hexToBytes(v.protocol_message.encoded);
    fc.assert(
      fc.property(fc.nat({ max: full.length * 8 - 1 }), (bit) => {
        const m = full.slice();
        m[bit >> 3] ^= 1 << (bit & 7);
        try {
          decodeProtocolMessage(m);
        } catch (e) {
          expect(e).toBeInstanceOf(SecureTransportError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a length prefix pointing past the end, a 11-byte varint, a group wire type and bad UTF-8 are MALFORMED_MESSAGE', () => {
    for (const bad of ['12ff01', '10ffffffffffffffffffff01', '13', '1202c328']) {
      expect(() => decodeProtocolMessage(hexToBytes(bad))).toThrowError(expect.objectContaining({ code: 'MALFORMED_MESSAGE' }));
    }
  });

  it('a known field with another wire type is skipped, as protobuf-go does', () => {
    // n (field 2) sent length-delimited, then pn = 7.
    const h = decodeDrHeader(hexToBytes('1201ff1807'));
    expect([h.n, h.pn]).toEqual([0, 7]);
  });

  it('uint32 fields keep the low 32 bits of a wider varint, as Go does', () => {
    // n = 2^32 + 5 as a varint.
    const h = decodeDrHeader(hexToBytes('108580808010'));
    expect(h.n).toBe(5);
  });
});
