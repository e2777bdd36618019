import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToHex, compressPublicKey, hexToBytes, keccak256, utf8ToBytes } from '@status-stack/crypto';
import {
  OVERLAY_ERROR,
  base32Decode,
  base32Encode,
  buildEnrTree,
  createEnr,
  decodeEnr,
  entryHash,
  mapDnsResolver,
  parseEnrTreeRoot,
  parseEnrTreeUrl,
  resolveEnrTree,
  verifyEnrTreeRoot,
} from '../src/index.js';

const example = JSON.parse(readFileSync(new URL('../../../vectors/p2p-overlay/dnsdisc-example.json', import.meta.url), 'utf8')) as {
  url: string;
  url_public_key_uncompressed: string;
  domain: string;
  records: Record<string, string>;
};
const ours = JSON.parse(readFileSync(new URL('../../../vectors/p2p-overlay/dns-tree-status-stack.json', import.meta.url), 'utf8')) as {
  url: string;
  link_url: string;
  seq: number;
  signer_key_label: string;
  link_signer_key_label: string;
  node_key_labels: string[];
  records: Record<string, string>;
  link_records: Record<string, string>;
};
const key = (label: string) => keccak256(utf8ToBytes(label));

describe('EIP-1459 DNS node lists', () => {
  it('the spec example: URL key, entry hashes and ENRs check out', () => {
    const { publicKey, domain } = parseEnrTreeUrl(example.url);
    expect(domain).toBe(example.domain);
    // The example URL's key is not the one that signed the example zone (see the vector's note).
    expect(bytesToHex(publicKey).slice(0, 10)).toBe('033a514176');
    for (const [name, text] of Object.entries(example.records)) {
      if (name === '@') continue;
      expect(entryHash(text)).toBe(name);
      if (text.startsWith('enr:')) expect(decodeEnr(text).text).toBe(text);
    }
    const root = parseEnrTreeRoot(example.records['@']);
    expect(root).toMatchObject({ enrRoot: 'JWXYDBPXYWG6FX3GMDIBFA6CJ4', linkRoot: 'C7HRFPF3BLGF3YR4DY5KX3SMBE', seq: 1 });
    expect(root.signature).toHaveLength(65);
    expect(verifyEnrTreeRoot(root, hexToBytes(example.url_public_key_uncompressed))).toBe(true);
    expect(verifyEnrTreeRoot(root, compressPublicKey(hexToBytes(example.url_public_key_uncompressed)))).toBe(true);
    expect(verifyEnrTreeRoot(root, publicKey)).toBe(false);
  });

  it('builds our vector tree byte for byte', () => {
    const enrs = ours.node_key_labels.map((l, i) => createEnr(key(l), { seq: 1, ip: '127.0.0.1', tcp: 30300 + i, udp: 30300 + i }));
    const link = buildEnrTree(key(ours.link_signer_key_label), 'more.nodes.example.org', { enrs: enrs.slice(0, 1), seq: 3 });
    const tree = buildEnrTree(key(ours.signer_key_label), 'nodes.example.org', { enrs, links: [link.url], seq: ours.seq });
    expect(tree.url).toBe(ours.url);
    expect(link.url).toBe(ours.link_url);
    expect(Object.fromEntries(tree.records)).toEqual(ours.records);
    expect(Object.fromEntries(link.records)).toEqual(ours.link_records);
    // 15 leaves need two branch levels: one top branch, two below it.
    const branches = Object.values(ours.records).filter((t) => t.startsWith('enrtree-branch:') && t.length > 15);
    expect(branches).toHaveLength(3);
    for (const b of branches) expect(b.slice(15).split(',').length).toBeLessThanOrEqual(13);
  });

  it('resolves our vector tree through a local resolver, following the link', async () => {
    const resolver = mapDnsResolver({ ...ours.records, ...ours.link_records });
    const found = await resolveEnrTree(ours.url, resolver);
    const expected = ours.node_key_labels.map((l, i) => createEnr(key(l), { seq: 1, ip: '127.0.0.1', tcp: 30300 + i, udp: 30300 + i }).nodeId);
    expect(found.map((e) => e.nodeId).sort()).toEqual(expected.sort());
    const limited = await resolveEnrTree(ours.url, resolver, { maxEnrs: 4 });
    expect(limited).toHaveLength(4);
  });

  it('rejects a root signed by another key, or a tampered root', async () => {
    const enrs = [createEnr(key('x'), { ip: '127.0.0.1', tcp: 1 })];
    const good = buildEnrTree(key('signer'), 'a.example', { enrs });
    const other = buildEnrTree(key('someone else'), 'a.example', { enrs });
    await expect(resolveEnrTree(good.url, mapDnsResolver(other.records))).rejects.toMatchObject({ code: OVERLAY_ERROR.INVALID_DNS_TREE });
    const tampered = new Map(good.records);
    tampered.set('a.example', good.root.replace('seq=1', 'seq=2'));
    await expect(resolveEnrTree(good.url, mapDnsResolver(tampered))).rejects.toMatchObject({ code: OVERLAY_ERROR.INVALID_DNS_TREE });
    expect(verifyEnrTreeRoot(parseEnrTreeRoot(good.root), parseEnrTreeUrl(good.url).publicKey)).toBe(true);
    await expect(resolveEnrTree(good.url, mapDnsResolver({}))).rejects.toMatchObject({ code: OVERLAY_ERROR.DISCOVERY_FAILED });
  });

  it('skips entries that do not match their hash or are not valid ENRs', async () => {
    const a = createEnr(key('a'), { ip: '127.0.0.1', tcp: 1 });
    const b = createEnr(key('b'), { ip: '127.0.0.1', tcp: 2 });
    const tree = buildEnrTree(key('signer'), 'b.example', { enrs: [a, b] });
    const records = new Map(tree.records);
    const bName = `${entryHash(b.text).toLowerCase()}.b.example`;
    records.set(bName, b.text.slice(0, -2) + 'AA');
    const found = await resolveEnrTree(tree.url, mapDnsResolver(records));
    expect(found.map((e) => e.nodeId)).toEqual([a.nodeId]);
  });

  it('rejects malformed URLs and roots', () => {
    for (const u of ['enrtree://@x', 'enrtree://AAAA@x.org', 'https://x.org', 'enrtree://AM5FCQLWIZX2QFPNJAP7VUERCCRNGRHWZG3YYHIUV7BVDQ5FDPRT2']) {
      expect(() => parseEnrTreeUrl(u)).toThrow(expect.objectContaining({ code: OVERLAY_ERROR.INVALID_DNS_TREE }));
    }
    for (const r of ['enrtree-root:v1', 'enrtree-root:v1 e=X l=Y seq=1 sig=', example.records['@'].replace(/sig=.*/, 'sig=AAAA')]) {
      expect(() => parseEnrTreeRoot(r)).toThrow(expect.objectContaining({ code: OVERLAY_ERROR.INVALID_DNS_TREE }));
    }
  });

  it('base32 round-trips (RFC 4648, no padding)', () => {
    expect(base32Encode(utf8ToBytes('foobar'))).toBe('MZXW6YTBOI');
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(base32Decode(base32Encode(b))).toEqual(b);
      }));
  });
});
