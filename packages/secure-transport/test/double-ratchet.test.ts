import { createCipheriv, createHmac, hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, ecdh, getPublicKey, hexToBytes, utf8ToBytes, bytesToUtf8 } from '@status-stack/crypto';
import {
  KDF_INFO,
  SecureTransportError,
  decryptSkipped,
  initiatorState,
  ratchetDecrypt,
  ratchetEncrypt,
  responderState,
  type RatchetHeader,
  type RatchetState,
  type SkippedMessageKey,
} from '../src/index.js';
import { loadVector } from './helpers.js';

interface DrVector {
  double_ratchet_session: {
    shared_key: string;
    their_ratchet_private_key: string;
    our_ratchet_private_key: string;
    messages: { plaintext_utf8: string; n: number; pn: number; key: string; ciphertext: string }[];
  };
}
const kat = loadVector<DrVector>('secure-transport-vectors.json').double_ratchet_session;
const sk = hexToBytes(kat.shared_key);
const bobSpk = hexToBytes(kat.their_ratchet_private_key);

/** A receiver that keeps skipped keys like the session layer does. */
class Receiver {
  skipped = new Map<string, Uint8Array>();
  constructor(public state: RatchetState) {}
  decrypt(h: RatchetHeader, ct: Uint8Array, maxSkip = 1000): Uint8Array {
    const k = `${bytesToHex(h.key)}:${h.n}`;
    const mk = this.skipped.get(k);
    if (mk) {
      const pt = decryptSkipped(mk, h, ct);
      this.skipped.delete(k);
      return pt;
    }
    const r = ratchetDecrypt(this.state, h, ct, { maxSkip });
    this.state = r.state;
    for (const s of r.skipped as SkippedMessageKey[]) this.skipped.set(`${bytesToHex(s.dh)}:${s.n}`, s.mk);
    return r.plaintext;
  }
}

describe('Double Ratchet known answer (our vector)', () => {
  it('the initiator with fixed keys produces the recorded headers and ciphertexts', () => {
    let s = initiatorState(sk, getPublicKey(bobSpk, true), hexToBytes(kat.our_ratchet_private_key));
    for (const m of kat.messages) {
      const r = ratchetEncrypt(s, utf8ToBytes(m.plaintext_utf8));
      s = r.state;
      expect([r.header.n, r.header.pn, bytesToHex(r.header.key)]).toEqual([m.n, m.pn, m.key]);
      expect(bytesToHex(r.ciphertext)).toBe(m.ciphertext);
    }
  });

  it('message 0 matches an independent node:crypto computation of the Status construction', () => {
    const ours = hexToBytes(kat.our_ratchet_private_key);
    const dh = ecdh(ours, getPublicKey(bobSpk, true));
    const okm = new Uint8Array(hkdfSync('sha256', dh, sk, KDF_INFO.ROOT, 96));
    const ck = okm.subarray(32, 64);
    const mk = createHmac('sha256', ck).update(Uint8Array.of(0x10)).digest();
    const keys = new Uint8Array(hkdfSync('sha256', mk, new Uint8Array(32), KDF_INFO.MESSAGE, 80));
    const iv = keys.subarray(64, 80);
    const body = Buffer.concat([iv, createCipheriv('aes-256-ctr', keys.subarray(0, 32), iv).update(utf8ToBytes('first'))]);
    const ad = Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]), getPublicKey(ours, true)]);
    const mac = createHmac('sha256', keys.subarray(32, 64)).update(ad).update(body).digest();
    expect(kat.messages[0].ciphertext).toBe(Buffer.concat([body, mac]).toString('hex'));
  });

  it('the responder opens the recorded messages, in any order', () => {
    const perms = [
      [0, 1, 2],
      [2, 0, 1],
      [1, 2, 0],
    ];
    for (const order of perms) {
      const bob = new Receiver(responderState(sk, bobSpk));
      for (const i of order) {
        const m = kat.messages[i];
        const pt = bob.decrypt({ key: hexToBytes(m.key), n: m.n, pn: m.pn }, hexToBytes(m.ciphertext));
        expect(bytesToUtf8(pt)).toBe(m.plaintext_utf8);
      }
      expect(bob.skipped.size).toBe(0);
    }
  });
});

function pair(): { alice: RatchetState; bob: Receiver; bobState: RatchetState } {
  const alice = initiatorState(sk, getPublicKey(bobSpk, true));
  const bobState = responderState(sk, bobSpk);
  return { alice, bob: new Receiver(bobState), bobState };
}

const expectCode = (fn: () => unknown, code: string): void => {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SecureTransportError);
  expect((caught as SecureTransportError).code).toBe(code);
};

describe('Double Ratchet behaviour', () => {
  it('alternating conversation ratchets DH keys each turn', () => {
    let { alice } = pair();
    const bob = pair().bob;
    const aliceRecv = new Receiver(alice);
    const keysSeen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const a = ratchetEncrypt(aliceRecv.state, utf8ToBytes(`a${i}`));
      aliceRecv.state = a.state;
      keysSeen.add(bytesToHex(a.header.key));
      expect(bytesToUtf8(bob.decrypt(a.header, a.ciphertext))).toBe(`a${i}`);
      const b = ratchetEncrypt(bob.state, utf8ToBytes(`b${i}`));
      bob.state = b.state;
      keysSeen.add(bytesToHex(b.header.key));
      expect(bytesToUtf8(aliceRecv.decrypt(b.header, b.ciphertext))).toBe(`b${i}`);
    }
    alice = aliceRecv.state;
    expect(keysSeen.size).toBe(20);
    expect(alice.pn).toBe(1);
  });

  it('a replayed message is DUPLICATE_MESSAGE and changes nothing', () => {
    const { alice, bob } = pair();
    const m = ratchetEncrypt(alice, utf8ToBytes('x'));
    bob.decrypt(m.header, m.ciphertext);
    const before = structuredClone(bob.state);
    expectCode(() => bob.decrypt(m.header, m.ciphertext), 'DUPLICATE_MESSAGE');
    expect(bob.state).toEqual(before);
  });

  it('a skipped-key bomb (huge n or pn) is TOO_MANY_SKIPPED, computing nothing', () => {
    const { alice, bob } = pair();
    const m = ratchetEncrypt(alice, utf8ToBytes('x'));
    expectCode(() => bob.decrypt({ ...m.header, n: 0xffffffff }, m.ciphertext), 'TOO_MANY_SKIPPED');
    expectCode(() => bob.decrypt({ ...m.header, n: 1001 }, m.ciphertext), 'TOO_MANY_SKIPPED');
    const other = getPublicKey(new Uint8Array(32).fill(7), true);
    expectCode(() => bob.decrypt({ key: other, n: 0, pn: 5000 }, m.ciphertext), 'TOO_MANY_SKIPPED');
    expect(bob.skipped.size).toBe(0);
    expect(bytesToUtf8(bob.decrypt(m.header, m.ciphertext))).toBe('x');
  });

  it('a tampered ciphertext, header or truncated payload fails without touching state', () => {
    const { alice, bob } = pair();
    const m = ratchetEncrypt(alice, utf8ToBytes('hello'));
    const before = structuredClone(bob.state);
    fc.assert(
      fc.property(fc.nat({ max: m.ciphertext.length * 8 - 1 }), (bit) => {
        const ct = m.ciphertext.slice();
        ct[bit >> 3] ^= 1 << (bit & 7);
        expectCode(() => bob.decrypt(m.header, ct), 'DECRYPTION_FAILED');
      }),
      { numRuns: 100 },
    );
    expectCode(() => bob.decrypt({ ...m.header, pn: 1 }, m.ciphertext), 'DECRYPTION_FAILED');
    expectCode(() => bob.decrypt(m.header, m.ciphertext.subarray(0, 47)), 'TRUNCATED_PAYLOAD');
    expect(bob.state).toEqual(before);
    expect(bob.skipped.size).toBe(0);
    expect(bytesToUtf8(bob.decrypt(m.header, m.ciphertext))).toBe('hello');
  });

  it('out-of-order across DH ratchet steps uses skipped keys from the previous chain', () => {
    const { alice, bob } = pair();
    const aliceR = new Receiver(alice);
    const first = [0, 1, 2].map((i) => {
      const r = ratchetEncrypt(aliceR.state, utf8ToBytes(`c1-${i}`));
      aliceR.state = r.state;
      return r;
    });
    bob.decrypt(first[0].header, first[0].ciphertext);
    const reply = ratchetEncrypt(bob.state, utf8ToBytes('reply'));
    bob.state = reply.state;
    aliceR.decrypt(reply.header, reply.ciphertext);
    const second = ratchetEncrypt(aliceR.state, utf8ToBytes('c2-0'));
    expect(second.header.pn).toBe(3);
    expect(bytesToUtf8(bob.decrypt(second.header, second.ciphertext))).toBe('c2-0');
    expect(bob.skipped.size).toBe(2);
    expect(bytesToUtf8(bob.decrypt(first[2].header, first[2].ciphertext))).toBe('c1-2');
    expect(bytesToUtf8(bob.decrypt(first[1].header, first[1].ciphertext))).toBe('c1-1');
    expect(bob.skipped.size).toBe(0);
  });
});
