/**
 * Secure-transport benchmarks. Each figure is printed beside a baseline measured in the same run
 * (raw AES-256-CTR + HMAC-SHA256 over 1 KB through node:crypto), with the ratio; status-go's
 * figures from ARCHITECTURE.md are shown for reference. Run: npm run bench -w @status-stack/secure-transport
 */
import { createCipheriv, createHmac, randomBytes as nodeRandomBytes } from 'node:crypto';
import { generatePrivateKey, getBackend, getPublicKey } from '@status-stack/crypto';
import {
  MemorySessionStore,
  SecureTransport,
  decodeProtocolMessage,
  encodeProtocolMessage,
  initiatorState,
  ratchetDecrypt,
  ratchetEncrypt,
  responderState,
  x3dhInitiator,
  x3dhResponder,
} from '../src/index.js';

const PAYLOAD = new Uint8Array(nodeRandomBytes(1024));
const DURATION_MS = 1000;

async function measure(fn: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await fn();
  let n = 0;
  const start = performance.now();
  for (;;) {
    const elapsed = performance.now() - start;
    if (elapsed >= DURATION_MS) return (n * 1000) / elapsed;
    for (let i = 0; i < 10; i++) await fn();
    n += 10;
  }
}

function rawCtrHmac(): void {
  const key = new Uint8Array(32).fill(1);
  const iv = new Uint8Array(16).fill(2);
  const c = createCipheriv('aes-256-ctr', key, iv);
  const ct = Buffer.concat([c.update(PAYLOAD), c.final()]);
  createHmac('sha256', key).update(iv).update(ct).digest();
  // The decrypt side: verify then decipher.
  createHmac('sha256', key).update(iv).update(ct).digest();
  const d = createCipheriv('aes-256-ctr', key, iv);
  Buffer.concat([d.update(ct), d.final()]);
}

async function main(): Promise<void> {
  console.log(`secure-transport benchmarks, 1 KB payloads, crypto backend: ${getBackend().name}`);
  const baseline = await measure(rawCtrHmac);
  const fmt = (x: number): string => Math.round(x).toLocaleString('en-US').padStart(9);
  const row = (label: string, ops: number, ref?: string): void => {
    console.log(`${label.padEnd(58)} ${fmt(ops)} /s   baseline ${fmt(baseline)} /s   ratio ${(ops / baseline).toFixed(4)}${ref ? `   (status-go: ${ref})` : ''}`);
  };
  console.log(`${'baseline: raw AES-256-CTR + HMAC-SHA256 encrypt+decrypt'.padEnd(58)} ${fmt(baseline)} /s`);

  // Double Ratchet, crypto only, one way: encrypt then decrypt on the same chain.
  const sk = new Uint8Array(32).fill(9);
  const spk = generatePrivateKey();
  let alice = initiatorState(sk, getPublicKey(spk, true));
  let bob = responderState(sk, spk);
  row('Double Ratchet encrypt+decrypt, crypto only, one way', await measure(() => {
    const e = ratchetEncrypt(alice, PAYLOAD);
    alice = e.state;
    bob = ratchetDecrypt(bob, e.header, e.ciphertext).state;
  }), '9,800 /s');
  let turn = 0;
  row('Double Ratchet encrypt+decrypt, crypto only, alternating', await measure(() => {
    if (turn++ % 2 === 0) {
      const e = ratchetEncrypt(alice, PAYLOAD);
      alice = e.state;
      bob = ratchetDecrypt(bob, e.header, e.ciphertext).state;
    } else {
      const e = ratchetEncrypt(bob, PAYLOAD);
      bob = e.state;
      alice = ratchetDecrypt(alice, e.header, e.ciphertext).state;
    }
  }), '1,370 /s');

  // Through the whole protocol: ProtocolMessage, bundle signed and verified, session store.
  const a = new SecureTransport({ identityPrivateKey: generatePrivateKey(), installationId: 'a1', store: new MemorySessionStore() });
  const b = new SecureTransport({ identityPrivateKey: generatePrivateKey(), installationId: 'b1', store: new MemorySessionStore() });
  await a.processBundle(await b.ourBundle());
  await b.decrypt(a.identityKey, (await a.encrypt(b.identityKey, PAYLOAD)).message);
  await a.decrypt(b.identityKey, (await b.encrypt(a.identityKey, PAYLOAD)).message);
  // The wire codec alone: a first-contact ProtocolMessage (one bundle, one direct message, 1 KB).
  const typical = (await a.encrypt(b.identityKey, PAYLOAD)).message;
  const typicalDecoded = decodeProtocolMessage(typical);
  row(`ProtocolMessage decode (${typical.length} B: bundle + DR message)`, await measure(() => decodeProtocolMessage(typical)));
  row(`ProtocolMessage encode (${typical.length} B: bundle + DR message)`, await measure(() => encodeProtocolMessage(typicalDecoded)));
  row('1 KB encrypt+decrypt through an established session', await measure(async () => {
    const m = await a.encrypt(b.identityKey, PAYLOAD);
    await b.decrypt(a.identityKey, m.message);
  }), '142 /s with its database');

  // Session setup: X3DH both sides, then the full first message.
  const ik = generatePrivateKey();
  const ikPub = getPublicKey(ik, true);
  const bobIk = generatePrivateKey();
  const bobIkPub = getPublicKey(bobIk, true);
  const spkPub = getPublicKey(spk, true);
  row('X3DH key agreement (both sides)', await measure(() => {
    const ek = generatePrivateKey();
    x3dhInitiator(ik, ek, bobIkPub, spkPub);
    x3dhResponder(bobIk, spk, ikPub, getPublicKey(ek, true));
  }), '1,200 /s');
  const bBundle = await b.ourBundle();
  row('session setup: bundle, X3DH, first message opened', await measure(async () => {
    const s = new SecureTransport({ identityPrivateKey: ik, installationId: 'x', store: new MemorySessionStore() });
    await s.processBundle(bBundle);
    const m = await s.encrypt(b.identityKey, PAYLOAD);
    await b.decrypt(s.identityKey, m.message);
  }));
}

await main();
