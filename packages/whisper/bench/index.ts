// Throughput of sealing/opening 1 KB messages and of relaying, each printed beside a baseline measured
// in the same run (raw AES-256-GCM encrypt+decrypt of the same 1 KB) and the go-ethereum figures to beat.
import { aes256GcmDecrypt, aes256GcmEncrypt, generatePrivateKey, getBackend, getPublicKey, randomBytes } from '@status-stack/crypto';
import { RlpxOverlay } from '@status-stack/p2p-overlay';
import { openAsymmetric, openSymmetric, publicChatKey, publicChatTopic, WhisperNode, wrapMessage, type Envelope } from '../src/index.js';

function rate(label: string, fn: () => void, ms = 1000): number {
  for (let i = 0; i < 20; i++) fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 10; i++) fn();
    n += 10;
    now = performance.now();
  }
  const r = (n * 1000) / (now - start);
  void label;
  return r;
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US').padStart(9);
function row(label: string, ours: number, baseline: number, goFigure?: number): void {
  const go = goFigure ? `   go-ethereum/status-go ${fmt(goFigure)} /s (x${(ours / goFigure).toFixed(2)})` : '';
  console.log(`${label.padEnd(44)} ${fmt(ours)} /s   AES-GCM baseline ${fmt(baseline)} /s   ratio ${(ours / baseline).toFixed(3)}${go}`);
}

const payload = randomBytes(1024);
const topic = publicChatTopic('bench');
const symKey = publicChatKey('bench');
const signer = generatePrivateKey();
const recipient = generatePrivateKey();
const recipientPub = getPublicKey(recipient);

console.log(`crypto backend: ${getBackend().name}; payload 1 KB; PoW target 0.002, TTL 10`);
const nonce = randomBytes(12);
const baseline = rate('aes-gcm', () => aes256GcmDecrypt(symKey, nonce, aes256GcmEncrypt(symKey, nonce, payload)));
console.log(`${'raw AES-256-GCM encrypt+decrypt (baseline)'.padEnd(44)} ${fmt(baseline)} /s`);

const sealSym = rate('seal sym', () => wrapMessage({ topic, payload, symKey, signingKey: signer, ttl: 10, powTarget: 0.002 }));
row('seal symmetric (sign + AES-GCM + PoW)', sealSym, baseline, 5100);
const sealAsym = rate('seal asym', () => wrapMessage({ topic, payload, publicKey: recipientPub, signingKey: signer, ttl: 10, powTarget: 0.002 }));
row('seal asymmetric (sign + ECIES + PoW)', sealAsym, baseline, 2200);

const symEnv = wrapMessage({ topic, payload, symKey, signingKey: signer, ttl: 10, powTarget: 0.002 });
const asymEnv = wrapMessage({ topic, payload, publicKey: recipientPub, signingKey: signer, ttl: 10, powTarget: 0.002 });
const openSym = rate('open sym', () => openSymmetric(symEnv, symKey));
row('open symmetric + signer recovery', openSym, baseline, 6900);
const openAsym = rate('open asym', () => openAsymmetric(asymEnv, recipient));
row('open asymmetric + signer recovery', openAsym, baseline, 3800);

async function relay(): Promise<number> {
  const overlays = [0, 1, 2].map(() => new RlpxOverlay({ host: '127.0.0.1', port: 0 }));
  const nodes = overlays.map((o) => new WhisperNode(o, { confirmations: false }));
  for (const n of nodes) await n.start();
  for (const o of overlays) await o.start();
  await overlays[0].connect(overlays[1].enode);
  await overlays[1].connect(overlays[2].enode);
  const ready = () => nodes[1].peers().length === 2 && nodes[0].peers().length === 1 && nodes[2].peers().length === 1;
  while (!ready()) await new Promise((r) => setTimeout(r, 5));
  const count = 3000;
  const envs: Envelope[] = [];
  for (let i = 0; i < count; i++) envs.push(wrapMessage({ topic, payload: randomBytes(1024), symKey, ttl: 60, powTarget: 0 }));
  const start = performance.now();
  for (let i = 0; i < count; i += 100) {
    for (const e of envs.slice(i, i + 100)) nodes[0].postEnvelope(e);
    await new Promise((r) => setImmediate(r));
  }
  while (nodes[2].stats.poolSize < count) await new Promise((r) => setTimeout(r, 1));
  const elapsed = performance.now() - start;
  for (const n of nodes) await n.stop();
  for (const o of overlays) await o.stop();
  return (count * 1000) / elapsed;
}

const relayed = await relay();
row('relay A→B→C over RLPx loopback (envelopes)', relayed, baseline);

// Mailserver serving over RLPx (SQLite and PostgreSQL archives), beside each store's own read rate.
await import('./mailserver-serve.js');
