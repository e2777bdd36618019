// Prints each primitive's operations per second on both backends, measured in the same run.
import {
  aes256GcmDecrypt,
  aes256GcmEncrypt,
  aesCtr,
  availableBackends,
  createKeccak256,
  createRlpxMac,
  ecdh,
  eciesDecrypt,
  eciesEncrypt,
  generatePrivateKey,
  getPublicKey,
  keccak256,
  pbkdf2Sha256,
  randomBytes,
  recoverPublicKey,
  sha256,
  sign,
  useBackend,
  type BackendName,
} from '../src/index.js';

function opsPerSecond(fn: () => void, minMs = 300): number {
  for (let i = 0; i < 5; i++) fn();
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 10; i++) fn();
    n += 10;
    elapsed = performance.now() - start;
  }
  return (n * 1000) / elapsed;
}

const kb = randomBytes(1024);
const key = generatePrivateKey();
const pub = getPublicKey(generatePrivateKey());
const digest = keccak256(kb);
const sig = sign(digest, key);
const aesKey = randomBytes(32);
const nonce = randomBytes(12);
const sealed = aes256GcmEncrypt(aesKey, nonce, kb);
const iv = randomBytes(16);
const ecies = eciesEncrypt(getPublicKey(key), kb);
const header = randomBytes(16);
const body = randomBytes(1040);
/** A fresh MAC per backend switch: the MAC's implementation is chosen when it is created. */
const rlpxMac = () => {
  const mac = createRlpxMac(aesKey);
  return () => {
    mac.updateHeader(header);
    mac.updateBody(body);
  };
};
const runningKeccak = () => {
  const h = createKeccak256().update(kb);
  return () => h.update(header).digest();
};

/** Each case makes its function after the backend is chosen. */
const cases: Array<[string, () => () => void]> = [
  ['RLPx frame MAC, 1 KB frame (header + body)', rlpxMac],
  ['running keccak256: 16-byte update + digest', runningKeccak],
  ['keccak256 1 KB', () => () => keccak256(kb)],
  ['sha256 1 KB', () => () => sha256(kb)],
  ['secp256k1 public key', () => () => getPublicKey(key)],
  ['secp256k1 sign', () => () => sign(digest, key)],
  ['secp256k1 recover', () => () => recoverPublicKey(digest, sig)],
  ['secp256k1 ECDH', () => () => ecdh(key, pub)],
  ['ECIES encrypt 1 KB', () => () => eciesEncrypt(pub, kb)],
  ['ECIES decrypt 1 KB', () => () => eciesDecrypt(key, ecies)],
  ['AES-256-GCM seal 1 KB', () => () => aes256GcmEncrypt(aesKey, nonce, kb)],
  ['AES-256-GCM open 1 KB', () => () => aes256GcmDecrypt(aesKey, nonce, sealed)],
  ['AES-256-CTR 1 KB', () => () => aesCtr(aesKey, iv, kb)],
  ['PBKDF2 65356 iterations', () => () => pbkdf2Sha256(kb.subarray(0, 16), new Uint8Array(0), 65356, 32)],
];

const names = availableBackends().map((b) => b.name) as BackendName[];
const rows: string[][] = [['primitive', ...names.map((n) => `${n} ops/s`), names.length > 1 ? 'fast/portable' : '']];
for (const [label, fn] of cases) {
  const results = names.map((n) => {
    useBackend(n);
    return opsPerSecond(fn(), label.startsWith('PBKDF2') ? 200 : 300);
  });
  const ratio = results.length > 1 ? `${(results[1] / results[0]).toFixed(1)}x` : '';
  rows.push([label, ...results.map((r) => Math.round(r).toLocaleString('en-US')), ratio]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
