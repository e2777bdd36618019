import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RLP } from '@ethereumjs/rlp';
import * as snappy from 'snappyjs';
import {
  availableBackends,
  bytesToHex,
  concatBytes,
  generatePrivateKey,
  getPublicKey,
  hexToBytes,
  randomBytes,
  useBackend,
  utf8ToBytes,
} from '@status-stack/crypto';
import { ECIES, MAC, type Devp2pPeer, type Devp2pSession } from '../src/devp2p.js';
import { deriveMacSecret, FrameMac, installFrameCodec, installFrameWriter } from '../src/frame-mac.js';
import { OverlayError, OVERLAY_ERROR } from '../src/errors.js';

const v = JSON.parse(readFileSync(new URL('../../../vectors/p2p-overlay/eip8-rlpx-handshake-and-discovery.json', import.meta.url), 'utf8'))
  .rlpx_handshake as Record<string, string> & { secrets_derived_by_B_for_auth2_ack2: Record<string, string> };

/** The handshake members of devp2p's ECIES these tests drive (protected in its declarations). */
interface Handshake extends Devp2pSession {
  _ephemeralPrivateKey: Uint8Array;
  _ephemeralPublicKey: Uint8Array;
  _gotEIP8Auth: boolean;
  _gotEIP8Ack: boolean;
  createAuthEIP8(): Uint8Array | undefined;
  parseAuthEIP8(d: Uint8Array): void;
  createAckEIP8(): Uint8Array | undefined;
  parseAckEIP8(d: Uint8Array): void;
}

/** A handshaken pair of sessions; `ours` says which ends run frame-mac.ts instead of devp2p's codec. */
function sessionPair(ours: { a: boolean; b: boolean }): { a: Handshake; b: Handshake } {
  const ka = generatePrivateKey();
  const kb = generatePrivateKey();
  const a = new ECIES(ka, getPublicKey(ka).subarray(1), getPublicKey(kb).subarray(1)) as Handshake;
  const b = new ECIES(kb, getPublicKey(kb).subarray(1), null) as Handshake;
  if (ours.a) installFrameCodec(a);
  if (ours.b) installFrameCodec(b);
  b._gotEIP8Auth = true;
  b.parseAuthEIP8(a.createAuthEIP8()!);
  a._gotEIP8Ack = true;
  a.parseAckEIP8(b.createAckEIP8()!);
  return { a, b };
}

function frameOnce(from: Devp2pSession, to: Devp2pSession, msg: Uint8Array): Uint8Array {
  const header = from.createBlockHeader(msg.length)!;
  const body = from.createBody(msg)!;
  expect(to.parseHeader(header)).toBe(msg.length);
  return to.parseBody(body)!;
}

const backends = availableBackends().map((b) => b.name);
afterAll(() => {
  useBackend('fast');
});

describe.each(backends)('RLPx frame MAC (crypto backend %s)', (backend) => {
  it("EIP-8 vector: B's ingress MAC after 'foo', seeded by our _setupFrame", () => {
    useBackend(backend);
    const keyB = hexToBytes(v.static_key_b);
    const b = new ECIES(keyB, getPublicKey(keyB).subarray(1), null) as Handshake;
    installFrameCodec(b);
    b._gotEIP8Auth = true;
    const ephB = hexToBytes(v.ephemeral_key_b);
    b._ephemeralPrivateKey = ephB;
    b._ephemeralPublicKey = getPublicKey(ephB);
    b._nonce = hexToBytes(v.nonce_b);
    b.parseAuthEIP8(hexToBytes(v.auth2_eip8_format_version_4_no_extra_elements_A_to_B));
    b.createAckEIP8();
    const secret = deriveMacSecret(b._ephemeralSharedSecret!, b._nonce, b._remoteNonce!, true);
    expect(bytesToHex(secret)).toBe(v.secrets_derived_by_B_for_auth2_ack2['mac-secret']);
    const mac = b._ingressMac;
    expect(mac).toBeInstanceOf(FrameMac);
    mac!.update(utf8ToBytes('foo'));
    expect(bytesToHex((mac as FrameMac).keccakDigest())).toBe(v.ingress_mac_of_B_after_update_with_ascii_foo);
  });

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
        const ours = FrameMac.fromSecret(secret);
        // A second MAC in between keeps the shared wasm hasher switching states, as two connections do.
        const other = FrameMac.fromSecret(secret.slice().reverse());
        for (const { kind, data } of ops) {
          if (kind === 'header') {
            theirs.updateHeader(data);
            ours.updateHeader(data);
          } else if (kind === 'body') {
            theirs.updateBody(data);
            ours.updateBody(data);
          } else {
            theirs.update(data);
            ours.update(data);
          }
          other.updateBody(new Uint8Array(32));
          expect(bytesToHex(ours.digest())).toBe(bytesToHex(theirs.digest()));
        }
      }),
      { numRuns: 40 },
    );
  });

  it("frames interoperate both ways with devp2p's own codec, and a flipped bit fails the MAC", () => {
    useBackend(backend);
    for (const ours of [{ a: true, b: false }, { a: false, b: true }]) {
      const { a, b } = sessionPair(ours);
      for (const len of [1, 15, 16, 17, 1024, 5000]) {
        const m1 = randomBytes(len);
        expect(bytesToHex(frameOnce(a, b, m1))).toBe(bytesToHex(m1));
        const m2 = randomBytes(len);
        expect(bytesToHex(frameOnce(b, a, m2))).toBe(bytesToHex(m2));
      }
    }
    const { a, b } = sessionPair({ a: false, b: true });
    const header = a.createBlockHeader(20)!;
    header[3] ^= 1;
    expect(() => b.parseHeader(header)).toThrowError(expect.objectContaining({ code: OVERLAY_ERROR.INVALID_MAC }) as Error);
    const pair = sessionPair({ a: false, b: true });
    const msg = randomBytes(40);
    expect(pair.b.parseHeader(pair.a.createBlockHeader(msg.length)!)).toBe(40);
    const body = pair.a.createBody(msg)!;
    body[body.length - 1] ^= 0x80;
    expect(() => pair.b.parseBody(body)).toThrowError(OverlayError);
  });
});

describe('frame writer', () => {
  /** A devp2p Peer stand-in: our session, a socket that records writes. */
  function writerPair() {
    const { a, b } = sessionPair({ a: true, b: false });
    const writes: Uint8Array[] = [];
    const socket = {
      destroyed: false,
      write: (d: Uint8Array) => writes.push(d.slice()),
    };
    const peer = { _eciesSession: a, _socket: socket, _closed: false } as unknown as Devp2pPeer;
    return { send: installFrameWriter(peer), peer, writes, b };
  }

  function readFrames(b: Devp2pSession, wire: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let off = 0;
    while (off < wire.length) {
      const size = b.parseHeader(wire.subarray(off, off + 32))!;
      const padded = Math.ceil(size / 16) * 16;
      out.push(b.parseBody(wire.subarray(off + 32, off + 32 + padded + 16))!.slice());
      off += 32 + padded + 16;
    }
    return out;
  }

  it("writes rlp(code) ‖ payload frames devp2p's codec reads, snappy-compressed on request, one write per tick", async () => {
    const { send, peer, writes, b } = writerPair();
    const compressible = new Uint8Array(3000).fill(7);
    const cases: Array<[number, Uint8Array, boolean]> = [
      [0x00, RLP.encode([1, 2]), false],
      [0x10, randomBytes(1024), true],
      [0x7f, compressible, true],
      [0x90, randomBytes(33), true],
      [0x123, new Uint8Array(0), false],
    ];
    for (const [code, payload, compress] of cases) expect(send(code, payload, compress)).toBe(true);
    expect(writes).toHaveLength(0);
    await new Promise((r) => process.nextTick(r));
    expect(writes).toHaveLength(1);
    const bodies = readFrames(b, concatBytes(...writes));
    expect(bodies).toHaveLength(cases.length);
    bodies.forEach((body, i) => {
      const [code, payload, compress] = cases[i];
      const id = RLP.encode(code);
      expect(bytesToHex(body.subarray(0, id.length))).toBe(bytesToHex(id));
      const rest = body.subarray(id.length);
      expect(bytesToHex(compress ? snappy.uncompress(rest) : rest)).toBe(bytesToHex(payload));
    });
    // snappy did compress the compressible one.
    expect(bodies[2].length).toBeLessThan(compressible.length / 4);
    // devp2p's own sends (Hello, Ping, Disconnect) go through the same writer; flush writes at once.
    expect(peer._sendMessage(0x02, Uint8Array.of(0xc0))).toBe(true);
    send.flush();
    expect(writes).toHaveLength(2);
    expect(readFrames(b, writes[1])[0][0]).toBe(0x02);
    // Frames larger than the write buffer, and many of them, keep their order.
    const big = randomBytes(100_000);
    const many = Array.from({ length: 200 }, (_, i) => randomBytes(500 + i));
    expect(send(0x11, big, false)).toBe(true);
    for (const m of many) expect(send(0x12, m, true)).toBe(true);
    send.flush();
    const later = readFrames(b, concatBytes(...writes.slice(2)));
    expect(later).toHaveLength(201);
    expect(bytesToHex(later[0].subarray(1))).toBe(bytesToHex(big));
    later.slice(1).forEach((body, i) => expect(bytesToHex(snappy.uncompress(body.subarray(1)))).toBe(bytesToHex(many[i])));
    peer._closed = true;
    expect(send(0x10, randomBytes(4), true)).toBe(false);
  });
});
