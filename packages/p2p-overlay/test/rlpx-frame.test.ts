import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RLP } from '@ethereumjs/rlp';
import * as snappy from 'snappyjs';
import {
  availableBackends,
  bytesToHex,
  concatBytes,
  createRlpxMac,
  generatePrivateKey,
  getPublicKey,
  hexToBytes,
  randomBytes,
  useBackend,
  utf8ToBytes,
  type RlpxFrameCipher,
} from '@status-stack/crypto';
import { ECIES, MAC, type Devp2pSession } from './oracle/devp2p.js';
import { HandshakeInitiator, HandshakeRecipient, type FrameSecrets } from '../src/rlpx-handshake.js';
import { createFrameCiphers, createFrameWriter, openFrameBody, openFrameHeader, roundUp16, ByteQueue } from '../src/rlpx-frame.js';
import { OverlayError, OVERLAY_ERROR } from '../src/errors.js';

/*
 * Our RLPx handshake and framing against the EIP-8 known answers and against devp2p's own ECIES
 * session, an independent implementation used here as an oracle (through its protected members,
 * which only tests touch).
 */

const v = JSON.parse(readFileSync(new URL('../../../vectors/p2p-overlay/eip8-rlpx-handshake-and-discovery.json', import.meta.url), 'utf8'))
  .rlpx_handshake as Record<string, string> & { secrets_derived_by_B_for_auth2_ack2: Record<string, string> };

/** The handshake members of devp2p's ECIES these tests drive (protected in its declarations). */
interface Oracle extends Devp2pSession {
  _ephemeralPrivateKey: Uint8Array;
  _ephemeralPublicKey: Uint8Array;
  _gotEIP8Auth: boolean;
  _gotEIP8Ack: boolean;
  _remoteEphemeralPublicKey: Uint8Array | null;
  createAuthEIP8(): Uint8Array | undefined;
  parseAuthEIP8(d: Uint8Array): void;
  createAckEIP8(): Uint8Array | undefined;
  parseAckEIP8(d: Uint8Array): void;
}

const id = (k: Uint8Array) => getPublicKey(k).subarray(1);

/** Our side and devp2p's, handshaken; `weDial` says which side sent auth. */
function mixedPair(weDial: boolean): { ours: { egress: RlpxFrameCipher; ingress: RlpxFrameCipher }; theirs: Oracle } {
  const ko = generatePrivateKey();
  const kt = generatePrivateKey();
  let secrets: FrameSecrets;
  let theirs: Oracle;
  if (weDial) {
    theirs = new ECIES(kt, id(kt), null) as Oracle;
    const init = new HandshakeInitiator(ko, id(kt));
    theirs._gotEIP8Auth = true;
    theirs.parseAuthEIP8(init.auth);
    const ack = theirs.createAckEIP8()!;
    secrets = init.readAck(ack);
  } else {
    theirs = new ECIES(kt, id(kt), id(ko)) as Oracle;
    const rec = new HandshakeRecipient(ko);
    const r = rec.readAuth(theirs.createAuthEIP8()!);
    theirs._gotEIP8Ack = true;
    theirs.parseAckEIP8(r.ack);
    secrets = r.secrets;
    expect(bytesToHex(secrets.remoteId)).toBe(bytesToHex(id(kt)));
  }
  return { ours: createFrameCiphers(secrets), theirs };
}

/** Reads every frame in `wire` with our codec. */
function readOurs(ingress: RlpxFrameCipher, wire: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let off = 0;
  while (off < wire.length) {
    const size = openFrameHeader(ingress, wire.subarray(off, off + 32));
    const end = off + 32 + roundUp16(size) + 16;
    out.push(openFrameBody(ingress, wire.subarray(off + 32, end), size).slice());
    off = end;
  }
  return out;
}

/** Reads every frame in `wire` with devp2p's codec. */
function readTheirs(s: Devp2pSession, wire: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let off = 0;
  while (off < wire.length) {
    const size = s.parseHeader(wire.subarray(off, off + 32))!;
    const padded = roundUp16(size);
    out.push(s.parseBody(wire.subarray(off + 32, off + 32 + padded + 16))!.slice());
    off += 32 + padded + 16;
  }
  return out;
}

function writerTo(egress: RlpxFrameCipher) {
  const writes: Uint8Array[] = [];
  return { writer: createFrameWriter(egress, (c) => writes.push(c.slice())), writes };
}

const backends = availableBackends().map((b) => b.name);
afterAll(() => {
  useBackend('fast');
});

describe('RLPx handshake known answers (EIP-8 test vectors)', () => {
  const keyA = hexToBytes(v.static_key_a);
  const keyB = hexToBytes(v.static_key_b);

  for (const name of [
    'auth1_rlpx_v4_format_A_to_B',
    'auth2_eip8_format_version_4_no_extra_elements_A_to_B',
    'auth3_eip8_format_version_56_3_extra_elements_A_to_B',
  ]) {
    it(`B reads ${name.split('_')[0]} and proves A's key`, () => {
      const b = new HandshakeRecipient(keyB, { ephemeralKey: hexToBytes(v.ephemeral_key_b), nonce: hexToBytes(v.nonce_b) });
      const { secrets, ack } = b.readAuth(hexToBytes(v[name]));
      expect(bytesToHex(secrets.remoteId)).toBe(bytesToHex(id(keyA)));
      // B answers in the form the auth came in: legacy (ECIES point first) or EIP-8 (size prefix).
      expect(ack[0] === 0x04).toBe(name.startsWith('auth1'));
    });
  }

  it("B derives the vector's secrets and ingress MAC from Auth2/Ack2", () => {
    const auth = hexToBytes(v.auth2_eip8_format_version_4_no_extra_elements_A_to_B);
    const b = new HandshakeRecipient(keyB, { ephemeralKey: hexToBytes(v.ephemeral_key_b), nonce: hexToBytes(v.nonce_b) });
    const { secrets } = b.readAuth(auth);
    const expected = v.secrets_derived_by_B_for_auth2_ack2;
    expect(bytesToHex(secrets.aesSecret)).toBe(expected['aes-secret']);
    expect(bytesToHex(secrets.macSecret)).toBe(expected['mac-secret']);
    // The vector's ingress MAC is B's, seeded with (mac-secret ⊕ nonce-B) ‖ auth2, then 'foo'.
    const mac = createRlpxMac(secrets.macSecret);
    mac.update(secrets.ingressMacSeed);
    mac.update(utf8ToBytes('foo'));
    expect(bytesToHex(mac.digest())).toBe(v.ingress_mac_of_B_after_update_with_ascii_foo);
  });

  it("A reads Ack1, Ack2 and Ack3 (legacy, EIP-8, EIP-8 with extra elements) and derives the vector's secrets", () => {
    for (const name of ['ack1_rlpx_v4_format_B_to_A', 'ack2_eip8_format_version_4_no_extra_elements_B_to_A', 'ack3_eip8_format_version_57_3_extra_elements_B_to_A']) {
      const a = new HandshakeInitiator(keyA, id(keyB), { ephemeralKey: hexToBytes(v.ephemeral_key_a), nonce: hexToBytes(v.nonce_a) });
      const secrets = a.readAck(hexToBytes(v[name]));
      // The secrets depend only on the ephemeral keys and nonces, which all three vectors share.
      expect(bytesToHex(secrets.aesSecret)).toBe(v.secrets_derived_by_B_for_auth2_ack2['aes-secret']);
      expect(bytesToHex(secrets.macSecret)).toBe(v.secrets_derived_by_B_for_auth2_ack2['mac-secret']);
      expect(bytesToHex(secrets.remoteId)).toBe(bytesToHex(id(keyB)));
    }
  });

  it('refuses an auth that is not for our key, and a tampered one, with HANDSHAKE_FAILED', () => {
    const auth = hexToBytes(v.auth2_eip8_format_version_4_no_extra_elements_A_to_B);
    expect(() => new HandshakeRecipient(generatePrivateKey()).readAuth(auth)).toThrowError(
      expect.objectContaining({ code: OVERLAY_ERROR.HANDSHAKE_FAILED }) as Error,
    );
    const bad = auth.slice();
    bad[100] ^= 1;
    expect(() => new HandshakeRecipient(keyB).readAuth(bad)).toThrowError(OverlayError);
  });
});

describe.each(backends)('RLPx framing against devp2p (crypto backend %s)', (backend) => {
  it("agrees with devp2p's MAC on random sequences of header, body and raw updates", () => {
    useBackend(backend);
    const op = fc.oneof(
      fc.record({ kind: fc.constant('header' as const), data: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
      fc.record({ kind: fc.constant('body' as const), data: fc.integer({ min: 1, max: 80 }).chain((n) => fc.uint8Array({ minLength: n * 16, maxLength: n * 16 })) }),
      fc.record({ kind: fc.constant('raw' as const), data: fc.uint8Array({ maxLength: 300, size: 'max' }) }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(op, { maxLength: 25, size: 'max' }), (secret, ops) => {
        const theirs = new MAC(secret);
        const ours = createRlpxMac(secret);
        // A second MAC in between keeps the shared wasm hasher switching states, as two connections do.
        const other = createRlpxMac(secret.slice().reverse());
        for (const { kind, data } of ops) {
          let tag: Uint8Array;
          if (kind === 'header') {
            theirs.updateHeader(data);
            tag = ours.updateHeader(data);
          } else if (kind === 'body') {
            theirs.updateBody(data);
            tag = ours.updateBody(data);
          } else {
            theirs.update(data);
            ours.update(data);
            tag = ours.digest().subarray(0, 16);
          }
          other.updateBody(new Uint8Array(32));
          expect(bytesToHex(tag)).toBe(bytesToHex(theirs.digest()));
        }
      }),
      { numRuns: 40 },
    );
  });

  it("handshakes with devp2p's ECIES in both roles, and frames interoperate both ways", async () => {
    useBackend(backend);
    for (const weDial of [true, false]) {
      const { ours, theirs } = mixedPair(weDial);
      const { writer, writes } = writerTo(ours.egress);
      for (const len of [1, 15, 16, 17, 1024, 5000]) {
        const m1 = randomBytes(len);
        const wire = concatBytes(theirs.createBlockHeader(m1.length)!, theirs.createBody(m1)!);
        expect(bytesToHex(readOurs(ours.ingress, wire)[0])).toBe(bytesToHex(m1));
        const m2 = randomBytes(len);
        writer.send(0x10, m2, false);
        writer.flush();
        const body = readTheirs(theirs, writes.pop()!)[0];
        expect(body[0]).toBe(0x10);
        expect(bytesToHex(body.subarray(1))).toBe(bytesToHex(m2));
      }
    }
  });

  it('a flipped bit in a header or body fails its MAC with INVALID_MAC', () => {
    useBackend(backend);
    const { ours, theirs } = mixedPair(true);
    const header = theirs.createBlockHeader(20)!;
    header[3] ^= 1;
    expect(() => openFrameHeader(ours.ingress, header)).toThrowError(expect.objectContaining({ code: OVERLAY_ERROR.INVALID_MAC }) as Error);
    const pair = mixedPair(false);
    const msg = randomBytes(40);
    expect(openFrameHeader(pair.ours.ingress, pair.theirs.createBlockHeader(msg.length)!)).toBe(40);
    const body = pair.theirs.createBody(msg)!;
    body[body.length - 1] ^= 0x80;
    expect(() => openFrameBody(pair.ours.ingress, body, 40)).toThrowError(expect.objectContaining({ code: OVERLAY_ERROR.INVALID_MAC }) as Error);
  });
});

describe('frame writer', () => {
  it("writes rlp(code) ‖ payload frames devp2p's codec reads, snappy-compressed on request, one write per tick", async () => {
    const { ours, theirs } = mixedPair(true);
    const { writer, writes } = writerTo(ours.egress);
    const compressible = new Uint8Array(3000).fill(7);
    const cases: Array<[number, Uint8Array, boolean]> = [
      [0x00, RLP.encode([1, 2]), false],
      [0x10, randomBytes(1024), true],
      [0x7f, compressible, true],
      [0x90, randomBytes(33), true],
      [0x123, new Uint8Array(0), false],
    ];
    for (const [code, payload, compress] of cases) writer.send(code, payload, compress);
    expect(writes).toHaveLength(0);
    await new Promise((r) => process.nextTick(r));
    expect(writes).toHaveLength(1);
    const bodies = readTheirs(theirs, concatBytes(...writes));
    expect(bodies).toHaveLength(cases.length);
    bodies.forEach((body, i) => {
      const [code, payload, compress] = cases[i];
      const idBytes = RLP.encode(code);
      expect(bytesToHex(body.subarray(0, idBytes.length))).toBe(bytesToHex(idBytes));
      const rest = body.subarray(idBytes.length);
      expect(bytesToHex(compress ? snappy.uncompress(rest) : rest)).toBe(bytesToHex(payload));
    });
    // snappy did compress the compressible one.
    expect(bodies[2].length).toBeLessThan(compressible.length / 4);
    // Frames larger than the write buffer, and many of them, keep their order; flush writes at once.
    const big = randomBytes(100_000);
    const many = Array.from({ length: 200 }, (_, i) => randomBytes(500 + i));
    writer.send(0x11, big, false);
    for (const m of many) writer.send(0x12, m, true);
    writer.flush();
    const later = readTheirs(theirs, concatBytes(...writes.slice(1)));
    expect(later).toHaveLength(201);
    expect(bytesToHex(later[0].subarray(1))).toBe(bytesToHex(big));
    later.slice(1).forEach((body, i) => expect(bytesToHex(snappy.uncompress(body.subarray(1)))).toBe(bytesToHex(many[i])));
  });
});

describe('ByteQueue', () => {
  it('takes any split of the input back in order, copying only across chunks', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 40 }), (data, cuts) => {
        const q = new ByteQueue();
        let off = 0;
        for (const c of cuts) {
          q.push(data.subarray(off, Math.min(data.length, off + c)));
          off = Math.min(data.length, off + c);
        }
        q.push(data.subarray(off));
        expect(q.length).toBe(data.length);
        const out: Uint8Array[] = [];
        let i = 0;
        while (q.length > 0) {
          const n = Math.min(q.length, cuts[i++ % cuts.length]);
          expect(bytesToHex(q.peek(n))).toBe(bytesToHex(data.subarray(out.reduce((s, o) => s + o.length, 0), out.reduce((s, o) => s + o.length, 0) + n)));
          out.push(q.take(n).slice());
        }
        expect(bytesToHex(concatBytes(...out))).toBe(bytesToHex(data));
      }),
      { numRuns: 100 },
    );
  });
});
