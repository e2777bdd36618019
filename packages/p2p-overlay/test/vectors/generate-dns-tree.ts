// Generates vectors/p2p-overlay/dns-tree-status-stack.json (run once: npx tsx --conditions=typescript test/vectors/generate-dns-tree.ts).
import { writeFileSync } from 'node:fs';
import { keccak256, utf8ToBytes } from '@status-stack/crypto';
import { createEnr, buildEnrTree } from '../../src/index.js';
// Fixed keys: keccak256 of a label, so anyone can rebuild them.
const key = (label: string) => keccak256(utf8ToBytes(label));
const enrs = Array.from({ length: 15 }, (_, i) => createEnr(key(`status-stack dns node ${i}`), { seq: 1, ip: '127.0.0.1', tcp: 30300 + i, udp: 30300 + i }).text);
const link = buildEnrTree(key('status-stack dns link signer'), 'more.nodes.example.org', { enrs: enrs.slice(0, 1), seq: 3 });
const tree = buildEnrTree(key('status-stack dns signer'), 'nodes.example.org', { enrs, links: [link.url], seq: 5 });
writeFileSync(new URL('../../../../vectors/p2p-overlay/dns-tree-status-stack.json', import.meta.url), JSON.stringify({
  description: 'EIP-1459 tree built by status-stack buildEnrTree: 15 ENRs (two levels of branches, 13 per branch) and one link, signed deterministically (RFC 6979). Keys are keccak256(utf8(label)).',
  signer_key_label: 'status-stack dns signer',
  node_key_labels: Array.from({ length: 15 }, (_, i) => `status-stack dns node ${i}`),
  node_fields: 'seq 1, ip 127.0.0.1, tcp = udp = 30300 + i',
  link_signer_key_label: 'status-stack dns link signer',
  seq: 5,
  url: tree.url,
  link_url: link.url,
  records: Object.fromEntries(tree.records),
  link_records: Object.fromEntries(link.records),
}, null, 2) + '\n');
console.log(tree.url, tree.records.size, link.url);
