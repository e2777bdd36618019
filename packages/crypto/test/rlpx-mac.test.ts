import { readFileSync } from 'node:fs';
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { availableBackends, bytesToHex, concatBytes, CryptoError, createRlpxFrameCipher, createRlpxMac, hexToBytes, keccak256, useBackend, utf8ToBytes, type RlpxMac } from '../src/index.js';
import { buildKeccakModule, expandAes256Key, keccakWasm } from '../src/keccak-wasm.js';

interface Step {
  op: 'update' | 'header' | 'body';
  input_length?: number;
  input_stream?: string;
  input_hex?: string;
  tag?: string;
  digest?: string;
}
const kat = JSON.parse(readFileSync(new URL('../../../vectors/crypto/rlpx-frame-mac.json', import.meta.url), 'utf8')) as { mac_secret: string; steps: Step[] };
const eip8 = JSON.parse(readFileSync(new URL('../../../vectors/crypto/eip8-rlpx-handshake-and-discovery.json', import.meta.url), 'utf8')).rlpx_handshake as Record<string, string> & {
  secrets_derived_by_B_for_auth2_ack2: Record<string, string>;
};

/** The vector file's input streams: keccak256 chains of a label, cut to length. */
function stream(label: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let h = keccak256(utf8ToBytes(label));
  for (let i = 0; i < n; i += 32) {
    out.set(h.subarray(0, Math.min(32, n - i)), i);
    h = keccak256(h);
  }
  return out;
}

const backends = availableBackends().map((b) => b.name);

describe.each(backends)('RLPx frame MAC, backend %s', (name) => {
  const run = (title: string, fn: () => void) =>
    it(title, () => {
      useBackend(name);
      try {
        fn();
      } finally {
        useBackend('fast');
      }
    });

  run('reproduces the known-answer steps (computed with devp2p, an independent implementation)', () => {
    const mac = createRlpxMac(hexToBytes(kat.mac_secret));
    for (const step of kat.steps) {
      const input = step.input_hex !== undefined ? hexToBytes(step.input_hex) : stream(step.input_stream!, step.input_length!);
      if (step.input_stream) expect(bytesToHex(input)).toBe(bytesToHex(stream(step.input_stream, step.input_length!)));
      if (step.op === 'update') {
        mac.update(input);
        expect(bytesToHex(mac.digest().subarray(0, 16))).toBe(step.digest);
      } else {
        const tag = step.op === 'header' ? mac.updateHeader(input) : mac.updateBody(input);
        expect(bytesToHex(tag)).toBe(step.tag);
        expect(bytesToHex(mac.digest().subarray(0, 16))).toBe(step.tag);
      }
    }
  });

  run("EIP-8 vector: B's ingress MAC seeded with (mac-secret ^ nonce_b) ‖ auth2, then 'foo'", () => {
    const secret = hexToBytes(eip8.secrets_derived_by_B_for_auth2_ack2['mac-secret']);
    const nonce = hexToBytes(eip8.nonce_b);
    const mac = createRlpxMac(secret);
    mac.update(concatBytes(secret.map((b, i) => b ^ nonce[i]), hexToBytes(eip8.auth2_eip8_format_version_4_no_extra_elements_A_to_B)));
    mac.update(utf8ToBytes('foo'));
    expect(bytesToHex(mac.digest())).toBe(eip8.ingress_mac_of_B_after_update_with_ascii_foo);
  });

  run('writes tags into the given buffer, and rejects a wrong secret or header length', () => {
    const a = createRlpxMac(new Uint8Array(32).fill(1));
    const b = createRlpxMac(new Uint8Array(32).fill(1));
    const out = new Uint8Array(40);
    const header = new Uint8Array(16).fill(9);
    const slot = out.subarray(8, 24);
    expect(a.updateHeader(header, slot)).toBe(slot);
    expect(bytesToHex(out.subarray(8, 24))).toBe(bytesToHex(b.updateHeader(header)));
    expect(out.subarray(0, 8).every((x) => x === 0) && out.subarray(24).every((x) => x === 0)).toBe(true);
    expect(() => createRlpxMac(new Uint8Array(16))).toThrow(CryptoError);
    expect(() => a.updateHeader(new Uint8Array(15))).toThrow(CryptoError);
  });
});

describe('RLPx frame MAC: the wasm module agrees with the portable one', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('header' as const), data: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
    fc.record({ kind: fc.constant('body' as const), data: fc.integer({ min: 0, max: 90 }).chain((n) => fc.uint8Array({ minLength: n * 16, maxLength: n * 16 })) }),
    fc.record({ kind: fc.constant('raw' as const), data: fc.uint8Array({ maxLength: 400, size: 'max' }) }),
  );
  const make = (backend: 'fast' | 'portable', secret: Uint8Array): RlpxMac => {
    useBackend(backend);
    try {
      return createRlpxMac(secret);
    } finally {
      useBackend('fast');
    }
  };

  it('on random sequences of header, body and raw steps, with other MACs interleaved', () => {
    expect(keccakWasm).not.toBeNull();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(op, { maxLength: 25, size: 'max' }), (secret, ops) => {
        const fast = make('fast', secret);
        const portable = make('portable', secret);
        const other = make('fast', secret.slice().reverse());
        for (const { kind, data } of ops) {
          const t1 = kind === 'header' ? fast.updateHeader(data) : kind === 'body' ? fast.updateBody(data) : (fast.update(data), fast.digest());
          other.updateBody(new Uint8Array(32));
          const t2 = kind === 'header' ? portable.updateHeader(data) : kind === 'body' ? portable.updateBody(data) : (portable.update(data), portable.digest());
          expect(bytesToHex(t1)).toBe(bytesToHex(t2));
        }
        expect(bytesToHex(fast.digest())).toBe(bytesToHex(portable.digest()));
      }),
      { numRuns: 60 },
    );
  });

  it('bodies longer than the 32 KiB input window, and many MACs alive at once (the memory grows)', () => {
    const body = stream('long body', 100_000 - (100_000 % 16));
    const macs = Array.from({ length: 300 }, (_, i) => [make('fast', new Uint8Array(32).fill(i)), make('portable', new Uint8Array(32).fill(i))] as const);
    for (const [fast, portable] of macs) {
      fast.update(utf8ToBytes('seed'));
      portable.update(utf8ToBytes('seed'));
    }
    for (const [fast, portable] of macs.slice(0, 20)) expect(bytesToHex(fast.updateBody(body))).toBe(bytesToHex(portable.updateBody(body)));
    for (const [fast, portable] of macs) expect(bytesToHex(fast.digest())).toBe(bytesToHex(portable.digest()));
  });
});

describe('our keccak/AES wasm module', () => {
  it('AES-256 single blocks match node:crypto for random keys and blocks', () => {
    const { sbox } = buildKeccakModule();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (key, block) => {
        const engine = keccakWasm!;
        const slot = engine.alloc();
        try {
          engine.setRoundKeys(slot, key);
          const mem = engine.bytes();
          mem.set(block, 4896);
          engine.fns.aes(slot + 208, 4896, 4896);
          const expected = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false).update(block);
          expect(bytesToHex(engine.bytes().subarray(4896, 4912))).toBe(bytesToHex(expected));
        } finally {
          engine.free(slot);
        }
      }),
      { numRuns: 200 },
    );
    // FIPS 197 appendix A.3: the key expansion example's last four words.
    const rk = expandAes256Key(hexToBytes('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4'), sbox);
    expect(bytesToHex(rk.subarray(224, 240))).toBe('fe4890d1e6188d0b046df344706c631e');
  });
});

describe('RLPx frame cipher (keystream and MAC together)', () => {
  const make = (backend: 'fast' | 'portable', aes: Uint8Array, mac: Uint8Array) => {
    useBackend(backend);
    try {
      return createRlpxFrameCipher(aes, mac);
    } finally {
      useBackend('fast');
    }
  };
  const pairs = [
    ['fast', 'portable'],
    ['portable', 'fast'],
    ['fast', 'fast'],
  ] as const;

  it.each(pairs)('frames sealed on %s open on %s, with the same tags, for bodies inside and beyond the wasm window', (from, to) => {
    const aes = stream(`aes ${from} ${to}`, 32);
    const macSecret = stream(`mac ${from} ${to}`, 32);
    const sender = make(from, aes, macSecret);
    const receiver = make(to, aes, macSecret);
    const reference = make('portable', aes, macSecret);
    for (const s of [sender, receiver, reference]) s.mac.update(utf8ToBytes('handshake seed'));
    for (const length of [16, 1040, 4096, 32 * 1024 - 16, 32 * 1024, 70_000 - (70_000 % 16), 32]) {
      const header = new Uint8Array(32);
      header.set([length >>> 16, (length >>> 8) & 0xff, length & 0xff, 0xc2, 0x80, 0x80]);
      const body = new Uint8Array(length + 16);
      body.set(stream(`body ${length}`, length));
      const [h1, b1, h2, b2] = [header.slice(), body.slice(), header.slice(), body.slice()];
      sender.sealHeader(h1);
      sender.sealBody(b1);
      reference.sealHeader(h2);
      reference.sealBody(b2);
      expect(bytesToHex(h1)).toBe(bytesToHex(h2));
      expect(bytesToHex(b1)).toBe(bytesToHex(b2));
      expect(bytesToHex(receiver.openHeader(h1)!)).toBe(bytesToHex(header.subarray(0, 16)));
      expect(bytesToHex(receiver.openBody(b1)!)).toBe(bytesToHex(body.subarray(0, length)));
    }
  });

  it.each(['fast', 'portable'] as const)('a flipped bit in a header, a body or a tag fails the MAC (%s)', (backend) => {
    for (const flip of ['header', 'headerTag', 'body', 'bodyTag'] as const) {
      const sender = make(backend, new Uint8Array(32).fill(1), new Uint8Array(32).fill(2));
      const receiver = make(backend, new Uint8Array(32).fill(1), new Uint8Array(32).fill(2));
      const header = new Uint8Array(32);
      header[2] = 48;
      const body = new Uint8Array(64).fill(7);
      sender.sealHeader(header);
      sender.sealBody(body);
      if (flip === 'header') header[4] ^= 1;
      if (flip === 'headerTag') header[20] ^= 1;
      if (flip === 'body') body[3] ^= 0x80;
      if (flip === 'bodyTag') body[60] ^= 1;
      const opened = receiver.openHeader(header);
      if (flip.startsWith('header')) {
        expect(opened).toBeNull();
        continue;
      }
      expect(opened).not.toBeNull();
      expect(receiver.openBody(body)).toBeNull();
    }
    const c = make(backend, new Uint8Array(32), new Uint8Array(32));
    expect(() => c.sealBody(new Uint8Array(20))).toThrow(CryptoError);
    expect(() => c.sealHeader(new Uint8Array(16))).toThrow(CryptoError);
    expect(() => c.openHeader(new Uint8Array(31))).toThrow(CryptoError);
    expect(() => c.openBody(new Uint8Array(8))).toThrow(CryptoError);
    expect(() => createRlpxFrameCipher(new Uint8Array(16), new Uint8Array(32))).toThrow(CryptoError);
  });
});
