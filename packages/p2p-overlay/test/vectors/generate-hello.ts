// Writes vectors/p2p-overlay/hello-status-stack.json: our Hello for each capability mix we run,
// for a node key derived from a label (keccak256), with the canonical bytes a port must produce.
// Run: npx tsx --conditions=typescript packages/p2p-overlay/test/vectors/generate-hello.ts
import { writeFileSync } from 'node:fs';
import { bytesToHex, getPublicKey, keccak256, utf8ToBytes } from '@status-stack/crypto';
import { encodeDisconnect, encodeHello } from '../../src/hello.js';

const key = keccak256(utf8ToBytes('status-stack hello vector node key'));
const nodeId = getPublicKey(key).subarray(1);
const mixes: Array<[string, Array<{ name: string; version: number }>]> = [
  ['waku/1 alone (WakuNode acceptWaku0: false)', [{ name: 'waku', version: 1 }]],
  ['waku/0 + waku/1 (WakuNode default, status-node --waku)', [{ name: 'waku', version: 1 }, { name: 'waku', version: 0 }]],
  ['shh/6 (WhisperNode)', [{ name: 'shh', version: 6 }]],
  ['shh/6 + waku/1', [{ name: 'waku', version: 1 }, { name: 'shh', version: 6 }]],
  ['shh/6 + waku/0 + waku/1 (status-node --whisper --waku)', [{ name: 'waku', version: 1 }, { name: 'waku', version: 0 }, { name: 'shh', version: 6 }]],
];
const out = {
  source: 'ours: encodeHello / encodeDisconnect of @status-stack/p2p-overlay (packages/p2p-overlay/test/vectors/generate-hello.ts)',
  nodeKey: bytesToHex(key),
  nodeKeyDerivation: "keccak256(utf8('status-stack hello vector node key'))",
  nodeId: bytesToHex(nodeId),
  clientId: 'status-stack/v0.1.0/nodejs',
  listenPort: 30303,
  hellos: mixes.map(([name, caps]) => ({
    name,
    capabilitiesGiven: caps.map((c) => `${c.name}/${c.version}`),
    payload: bytesToHex(encodeHello({ clientId: 'status-stack/v0.1.0/nodejs', capabilities: caps, listenPort: 30303, nodeId })),
  })),
  disconnects: [0x00, 0x03, 0x04, 0x10].map((reason) => ({ reason, payload: bytesToHex(encodeDisconnect(reason)) })),
};
writeFileSync(new URL('../../../../vectors/p2p-overlay/hello-status-stack.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
