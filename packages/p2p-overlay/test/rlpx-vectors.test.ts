import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ECIES } from '../src/devp2p.js';
import { bytesToHex, getPublicKey, hexToBytes, utf8ToBytes } from '@status-stack/crypto';

/**
 * RlpxOverlay's handshake and framing are @ethereumjs/devp2p's: these EIP-8 known answers pin
 * that engine down, so a devp2p upgrade that broke the wire would fail here first.
 */
const v = JSON.parse(readFileSync(new URL('../../../vectors/p2p-overlay/eip8-rlpx-handshake-and-discovery.json', import.meta.url), 'utf8'))
  .rlpx_handshake as Record<string, string> & { secrets_derived_by_B_for_auth2_ack2: Record<string, string> };

/** The ECIES session fields these checks read and set (devp2p marks them protected). */
interface SessionGuts {
  _remoteNonce: Uint8Array | null;
  _remotePublicKey: Uint8Array | null;
  _remoteEphemeralPublicKey: Uint8Array | null;
  _nonce: Uint8Array;
  _ephemeralPrivateKey: Uint8Array;
  _ephemeralPublicKey: Uint8Array;
  _ingressMac: { _secret: Uint8Array; update(d: Uint8Array): void; _hash: { clone(): { digest(): Uint8Array } } } | null;
  _egressAes: unknown;
  /** devp2p's Peer sets these once the first bytes show an EIP-8 size prefix. */
  _gotEIP8Auth: boolean;
  _gotEIP8Ack: boolean;
  parseAuthEIP8(d: Uint8Array): void;
  parseAckEIP8(d: Uint8Array): void;
  createAckEIP8(): Uint8Array | undefined;
}

function recipientB(): SessionGuts {
  const keyB = hexToBytes(v.static_key_b);
  const s = new ECIES(keyB, getPublicKey(keyB).subarray(1), null) as SessionGuts;
  s._gotEIP8Auth = true;
  return s;
}

describe('RLPx handshake known answers (EIP-8 test vectors)', () => {
  const pubA = getPublicKey(hexToBytes(v.static_key_a));
  const ephA = getPublicKey(hexToBytes(v.ephemeral_key_a));

  for (const name of ['auth2_eip8_format_version_4_no_extra_elements_A_to_B', 'auth3_eip8_format_version_56_3_extra_elements_A_to_B']) {
    it(`B reads ${name.split('_').slice(0, 1)[0]} (EIP-8, ${name.includes('56') ? 'version 56 with extra list elements' : 'version 4'})`, () => {
      const b = recipientB();
      b.parseAuthEIP8(hexToBytes(v[name]));
      expect(bytesToHex(b._remoteNonce!)).toBe(v.nonce_a);
      expect(bytesToHex(b._remotePublicKey!)).toBe(bytesToHex(pubA));
      expect(bytesToHex(b._remoteEphemeralPublicKey!)).toBe(bytesToHex(ephA));
    });
  }

  it("B derives the vector's frame secrets and ingress MAC from Auth2", () => {
    const b = recipientB();
    const ephB = hexToBytes(v.ephemeral_key_b);
    b._ephemeralPrivateKey = ephB;
    b._ephemeralPublicKey = getPublicKey(ephB);
    b._nonce = hexToBytes(v.nonce_b);
    b.parseAuthEIP8(hexToBytes(v.auth2_eip8_format_version_4_no_extra_elements_A_to_B));
    b.createAckEIP8();
    const mac = b._ingressMac!;
    expect(bytesToHex(mac._secret)).toBe(v.secrets_derived_by_B_for_auth2_ack2['mac-secret']);
    mac.update(utf8ToBytes('foo'));
    expect(bytesToHex(mac._hash.clone().digest())).toBe(v.ingress_mac_of_B_after_update_with_ascii_foo);
  });

  it('A reads Ack2 and Ack3 (EIP-8, with extra elements) from B', () => {
    for (const name of ['ack2_eip8_format_version_4_no_extra_elements_B_to_A', 'ack3_eip8_format_version_57_3_extra_elements_B_to_A']) {
      const keyA = hexToBytes(v.static_key_a);
      const keyB = hexToBytes(v.static_key_b);
      const a = new ECIES(keyA, getPublicKey(keyA).subarray(1), getPublicKey(keyB).subarray(1)) as unknown as SessionGuts & { createAuthEIP8(): Uint8Array | undefined };
      a.createAuthEIP8();
      a._gotEIP8Ack = true;
      a.parseAckEIP8(hexToBytes(v[name]));
      expect(bytesToHex(a._remoteNonce!)).toBe(v.nonce_b);
      expect(bytesToHex(a._remoteEphemeralPublicKey!)).toBe(bytesToHex(getPublicKey(hexToBytes(v.ephemeral_key_b))));
    }
  });
});
