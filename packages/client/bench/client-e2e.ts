// End-to-end StatusClient figures over real RLPx on 127.0.0.1: 1:1 latency client → relay → client
// (p50/p99), 1:1 messages per second through one relay, public-chat latency; beside them, in the same
// run, the raw RLPx round trip and message rate of a bare capability between two overlays.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePrivateKey, randomBytes } from '@status-stack/crypto';
import { RlpxOverlay, type PeerLink } from '@status-stack/p2p-overlay';
import { WakuNode } from '@status-stack/whisper';
import { SqliteStorage, StatusClient, type ClientMessage } from '../src/index.js';

const LATENCY_SAMPLES = 150;
const THROUGHPUT_MESSAGES = 300;
const RAW_SAMPLES = 2000;

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (v: number): string => `${v.toFixed(2)} ms`.padStart(10);
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));

async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out: ${what}`);
    await sleep(1);
  }
}

/** Raw RLPx: a one-code capability that echoes, between two overlays. */
async function rawRlpx(): Promise<{ rtt: number[]; rate: number }> {
  const cap = { name: 'bnc', version: 1, length: 1 };
  const a = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
  const b = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
  let linkA: PeerLink | undefined;
  let onEcho: (() => void) | undefined;
  let echoes = 0;
  a.register(cap, (l) => {
    linkA = l;
    l.onMessage(() => {
      echoes++;
      onEcho?.();
    });
  });
  b.register(cap, (l) => l.onMessage((code, payload) => l.send(code, payload)));
  await a.start();
  await b.start();
  try {
    await a.connect(b.enode);
    await until(() => linkA !== undefined, 'raw link');
    const payload = new Uint8Array(1024).fill(7);
    // RLP byte string of 1 KB: 0xb9 0x04 0x00 ‖ bytes
    const rlp = new Uint8Array([0xb9, 0x04, 0x00, ...payload]);
    const rtt: number[] = [];
    for (let i = 0; i < RAW_SAMPLES; i++) {
      const t0 = nowMs();
      await new Promise<void>((r) => {
        onEcho = r;
        linkA!.send(0, rlp);
      });
      rtt.push(nowMs() - t0);
    }
    onEcho = undefined;
    const start = echoes;
    const t0 = nowMs();
    for (let i = 0; i < RAW_SAMPLES; i++) linkA!.send(0, rlp);
    await until(() => echoes - start === RAW_SAMPLES, 'raw burst');
    return { rtt, rate: RAW_SAMPLES / ((nowMs() - t0) / 1000) };
  } finally {
    await a.stop();
    await b.stop();
  }
}

/** Two clients through one relay; `encrypted`: their SQLite files encrypted (what status-chat runs). */
async function clients(encrypted: boolean): Promise<{ a: StatusClient; b: StatusClient; atB: ClientMessage[]; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'client-e2e-bench-'));
  const overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
  const relay = new WakuNode(overlay, { bloomMode: 'full' });
  await relay.start();
  await overlay.start();
  const sa = SqliteStorage.open(join(dir, 'a.db'), encrypted ? { key: randomBytes(32) } : {});
  const sb = SqliteStorage.open(join(dir, 'b.db'), encrypted ? { key: randomBytes(32) } : {});
  const a = StatusClient.createNetworked({ identity: { privateKey: generatePrivateKey() }, storage: sa, staticPeers: [overlay.enode] });
  const b = StatusClient.createNetworked({ identity: { privateKey: generatePrivateKey() }, storage: sb, staticPeers: [overlay.enode] });
  const atB: ClientMessage[] = [];
  b.on('message', (m) => atB.push(m));
  await a.start();
  await b.start();
  await until(() => a.owned!.node.peers().length > 0 && b.owned!.node.peers().length > 0, 'clients connected');
  return {
    a,
    b,
    atB,
    close: async () => {
      await a.stop();
      await b.stop();
      await sa.close();
      await sb.close();
      await relay.stop();
      await overlay.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Establishes the session both ways (first contact, X3DH), so what follows runs on the ratchet. */
async function establish(a: StatusClient, b: StatusClient): Promise<void> {
  const first = await a.sendMessage(b.publicKeyHex, 'hello');
  await a.waitForDelivery(first.id);
  const back = await b.sendMessage(a.publicKeyHex, 'hi');
  await b.waitForDelivery(back.id);
  await a.sendMessage(b.publicKeyHex, 'warm-up');
}

async function burst(a: StatusClient, b: StatusClient, atB: ClientMessage[]): Promise<number> {
  const before = atB.length;
  const t0 = nowMs();
  for (let i = 0; i < THROUGHPUT_MESSAGES; i++) await a.sendMessage(b.publicKeyHex, `burst #${i}`);
  await until(() => atB.length - before >= THROUGHPUT_MESSAGES, 'burst at B', 60_000);
  return THROUGHPUT_MESSAGES / ((nowMs() - t0) / 1000);
}

const raw = await rawRlpx();
// The same burst on plain SQLite files first: the cost of the encryption, measured in this run.
let plainRate: number;
{
  const p = await clients(false);
  try {
    await establish(p.a, p.b);
    plainRate = await burst(p.a, p.b, p.atB);
  } finally {
    await p.close();
  }
}
const { a, b, atB, close } = await clients(true);
try {
  await establish(a, b);

  const seenAt = new Map<string, number>();
  b.on('message', (m) => seenAt.set(m.text, nowMs()));
  const lat: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const text = `latency #${i}`;
    const t0 = nowMs();
    await a.sendMessage(b.publicKeyHex, text);
    await until(() => seenAt.has(text), `latency message ${i}`);
    lat.push(seenAt.get(text)! - t0);
  }

  const rate = await burst(a, b, atB);

  await a.joinPublicChat('bench');
  await b.joinPublicChat('bench');
  await sleep(50);
  const pub: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const text = `public #${i}`;
    const p0 = nowMs();
    await a.sendMessage('bench', text);
    await until(() => seenAt.has(text), `public message ${i}`);
    pub.push(seenAt.get(text)! - p0);
  }

  const rawP50 = percentile(raw.rtt, 50);
  console.log('StatusClient end to end over RLPx on 127.0.0.1 (Waku v1 relay, encrypted SQLite storage, 1 KB-class messages)');
  console.log(`baseline: raw RLPx round trip, 1 KB, bare capability        p50 ${ms(rawP50)}  p99 ${ms(percentile(raw.rtt, 99))}`);
  console.log(`1:1 (ratchet + MVDS), client → relay → client, send→shown    p50 ${ms(percentile(lat, 50))}  p99 ${ms(percentile(lat, 99))}  p50/raw RTT ${(percentile(lat, 50) / rawP50).toFixed(1)}x  (status-go here: p50 753 ms)`);
  console.log(`public chat, client → relay → client, send→shown             p50 ${ms(percentile(pub, 50))}  p99 ${ms(percentile(pub, 99))}  p50/raw RTT ${(percentile(pub, 50) / rawP50).toFixed(1)}x  (status-go here: p50 348 ms)`);
  console.log(`baseline: raw RLPx messages per second (1 KB, echoed)        ${Math.round(raw.rate).toLocaleString('en-US').padStart(8)} msg/s`);
  console.log(`1:1 chat messages per second through one relay               ${Math.round(rate).toLocaleString('en-US').padStart(8)} msg/s  ratio to raw ${(rate / raw.rate).toFixed(4)}  (status-go here: 160/s)`);
  console.log(`baseline: the same 1:1 burst on plain (unencrypted) SQLite     ${Math.round(plainRate).toLocaleString('en-US').padStart(8)} msg/s  encrypted/plain ${(rate / plainRate).toFixed(2)}`);
} finally {
  await close();
}
