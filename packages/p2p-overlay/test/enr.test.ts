import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ENR as ChainsafeENR } from '@chainsafe/enr';
import { bytesToHex, generatePrivateKey, getPublicKey, hexToBytes } from '@status-stack/crypto';
import { createEnr, decodeEnr, enrHasCapability, enrToEnode, OVERLAY_ERROR } from '../src/index.js';

interface Eip778Vector {
  text_encoding: string;
  private_key: string;
  seq: number;
  node_id: string;
  public_key_uncompressed_computed_independently: string;
  decoded: { ip: string; udp: number };
}
const vector = JSON.parse(readFileSync(new URL('../../../vectors/p2p-overlay/enr-eip778.json', import.meta.url), 'utf8')) as Eip778Vector;

describe('ENR (EIP-778)', () => {
  it('decodes the EIP-778 example record', () => {
    const enr = decodeEnr(vector.text_encoding);
    expect(enr.seq).toBe(BigInt(vector.seq));
    expect(enr.nodeId).toBe(vector.node_id);
    expect(enr.enodeId).toBe(vector.public_key_uncompressed_computed_independently.slice(2));
    expect(enr.ip).toBe(vector.decoded.ip);
    expect(enr.udp).toBe(vector.decoded.udp);
    expect(enr.tcp).toBeUndefined();
    expect(enr.text).toBe(vector.text_encoding);
  });

  it('re-creates the EIP-778 example byte for byte from its key (deterministic signature)', () => {
    const enr = createEnr(hexToBytes(vector.private_key), { seq: 1, ip: '127.0.0.1', udp: 30303 });
    expect(enr.text).toBe(vector.text_encoding);
  });

  it('agrees with @chainsafe/enr on our own records', () => {
    const key = generatePrivateKey();
    const ours = createEnr(key, { seq: 7, ip: '10.1.2.3', tcp: 30303, udp: 30304, capabilities: [{ name: 'waku', version: 1 }] });
    const theirs = ChainsafeENR.decodeTxt(ours.text);
    expect(theirs.nodeId).toBe(ours.nodeId);
    expect(theirs.seq).toBe(7n);
    expect(theirs.ip).toBe('10.1.2.3');
    expect(theirs.tcp).toBe(30303);
    expect(theirs.udp).toBe(30304);
    expect(bytesToHex(theirs.publicKey)).toBe(bytesToHex(getPublicKey(key, true)));
    expect(enrHasCapability(ours, { name: 'waku', version: 1 })).toBe(true);
    expect(enrHasCapability(ours, { name: 'waku', version: 0 })).toBe(false);
    expect(enrToEnode(ours)).toBe(`enode://${ours.enodeId}@10.1.2.3:30303?discport=30304`);
  });

  it('rejects tampered, truncated and malformed records with INVALID_ENR', () => {
    const raw = decodeEnr(vector.text_encoding).raw;
    const bad: Array<string | Uint8Array> = [
      'enx:abc',
      'enr:!!!',
      'enr:',
      new Uint8Array(301),
      raw.subarray(0, raw.length - 3),
      Uint8Array.of(0xc0),
    ];
    const flipped = raw.slice();
    flipped[raw.length - 1] ^= 1; // udp port bit: signature no longer matches
    bad.push(flipped);
    for (const b of bad) expect(() => decodeEnr(b)).toThrow(expect.objectContaining({ code: OVERLAY_ERROR.INVALID_ENR }));
    expect(() => enrToEnode(decodeEnr(vector.text_encoding))).toThrow(expect.objectContaining({ code: OVERLAY_ERROR.INVALID_ENR }));
  });

  it('random bytes never escape as anything but INVALID_ENR', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 320 }), (b) => {
        try {
          decodeEnr(b);
        } catch (e) {
          expect((e as { code?: string }).code).toBe(OVERLAY_ERROR.INVALID_ENR);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips created records', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }), fc.bigInt({ min: 0n, max: 2n ** 63n }), (tcp, udp, seq) => {
        const key = hexToBytes(vector.private_key);
        const enr = createEnr(key, { seq, ip: '192.168.0.1', tcp, udp });
        const back = decodeEnr(enr.text);
        expect(back.tcp).toBe(tcp);
        expect(back.udp).toBe(udp);
        expect(back.seq).toBe(seq);
      }),
      { numRuns: 30 },
    );
  });
});
