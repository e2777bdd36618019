// Throughput of 1 KB messages on loopback: RLPx (this package) against a raw length-framed TCP
// socket measured in the same run. One direction, sender and receiver in this process.
import * as net from 'node:net';
import { randomBytes } from '@status-stack/crypto';
import { generatePrivateKey, getPublicKey } from '@status-stack/crypto';
import { RlpxOverlay, type PeerLink } from '../src/index.js';
import * as snappy from 'snappyjs';
import { ECIES, type Devp2pSession } from '../src/devp2p.js';
import { installFrameCodec } from '../src/frame-mac.js';
import { snappyCompress, snappyUncompress } from '../src/snappy.js';

const SIZE = 1024;
const BATCH = 500;

interface Result {
  name: string;
  messages: number;
  seconds: number;
}

/** Counts deliveries and resolves once every message sent so far has arrived. */
class Counter {
  received = 0;
  sent = Infinity;
  private resolve!: () => void;
  readonly done = new Promise<void>((r) => (this.resolve = r));
  hit(): void {
    if (++this.received >= this.sent) this.resolve();
  }
  finish(sent: number): void {
    this.sent = sent;
    if (this.received >= sent) this.resolve();
  }
}

/**
 * Sends batches for `budgetS` seconds, yielding between batches so the receiver runs, then
 * waits for the last message: messages / (time to the last delivery).
 */
async function pump(budgetS: number, send: () => void, counter: Counter): Promise<{ messages: number; seconds: number }> {
  const t0 = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e9;
  let n = 0;
  while (elapsed() < budgetS) {
    for (let i = 0; i < BATCH; i++) send();
    n += BATCH;
    // Keep the in-flight backlog bounded so the sender cannot run far ahead of the receiver.
    while (n - counter.received > 20 * BATCH) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
  }
  counter.finish(n);
  await counter.done;
  return { messages: n, seconds: elapsed() };
}

async function rawTcp(budgetS: number): Promise<Result> {
  const payload = randomBytes(SIZE);
  const counter = new Counter();
  const server = net.createServer((sock) => {
    let buf = new Uint8Array(0);
    sock.on('data', (chunk: Buffer) => {
      const data = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      let b = buf.length > 0 ? concat(buf, data) : data;
      let off = 0;
      while (b.length - off >= 4) {
        const len = ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
        if (b.length - off < 4 + len) break;
        off += 4 + len;
        counter.hit();
      }
      b = b.subarray(off);
      buf = b.slice();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const client = net.connect(port, '127.0.0.1');
  client.setNoDelay(true);
  await new Promise<void>((r) => client.once('connect', () => r()));
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, SIZE);
  const r = await pump(budgetS, () => {
    client.write(header);
    client.write(payload);
  }, counter);
  client.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  return { name: 'raw TCP, 4-byte length framing', ...r };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function rlpx(budgetS: number): Promise<Result> {
  const cap = { name: 'bench', version: 1, length: 1 };
  const a = new RlpxOverlay();
  const b = new RlpxOverlay();
  const counter = new Counter();
  let sender: PeerLink | undefined;
  a.register(cap, (l) => (sender = l));
  b.register(cap, (l) =>
    l.onMessage(() => counter.hit()),
  );
  await a.start();
  await b.start();
  await a.connect(b.enode);
  const payload = randomBytes(SIZE);
  const r = await pump(budgetS, () => sender!.send(0, payload), counter);
  await a.stop();
  await b.stop();
  return { name: 'RLPx v5 (EIP-8, snappy), RlpxOverlay', ...r };
}

interface FrameCodec {
  _gotEIP8Auth: boolean;
  _gotEIP8Ack: boolean;
  createAuthEIP8(): Uint8Array | undefined;
  parseAuthEIP8(d: Uint8Array): void;
  createAckEIP8(): Uint8Array | undefined;
  parseAckEIP8(d: Uint8Array): void;
  createBlockHeader(size: number): Uint8Array | undefined;
  createBody(d: Uint8Array): Uint8Array | undefined;
  parseHeader(d: Uint8Array): number | undefined;
  parseBody(d: Uint8Array): Uint8Array | undefined;
}

/**
 * The frame codec alone, both ends, no socket, no snappy: AES-CTR plus the keccak MACs. `ours`
 * installs `frame-mac.ts` on the sessions (what RlpxOverlay runs); otherwise devp2p's own.
 */
function frameCodec(budgetS: number, ours: boolean): Result {
  const ka = generatePrivateKey();
  const kb = generatePrivateKey();
  const a = new ECIES(ka, getPublicKey(ka).subarray(1), getPublicKey(kb).subarray(1)) as FrameCodec;
  const b = new ECIES(kb, getPublicKey(kb).subarray(1), null) as FrameCodec;
  if (ours) {
    installFrameCodec(a as unknown as Devp2pSession);
    installFrameCodec(b as unknown as Devp2pSession);
  }
  b._gotEIP8Auth = true;
  b.parseAuthEIP8(a.createAuthEIP8()!);
  a._gotEIP8Ack = true;
  a.parseAckEIP8(b.createAckEIP8()!);
  const msg = randomBytes(SIZE + 1);
  const t0 = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e9;
  let n = 0;
  while (elapsed() < budgetS) {
    for (let i = 0; i < 100; i++) {
      const header = a.createBlockHeader(msg.length)!;
      const body = a.createBody(msg)!;
      b.parseHeader(header);
      b.parseBody(body);
    }
    n += 100;
  }
  return { name: ours ? '  frame codec only (ours), no socket' : "  frame codec only (devp2p's), no socket", messages: n, seconds: elapsed() };
}

/** snappy on a 1 KB random payload, compress and uncompress (what EIP-706 adds per message). */
function snappyOnly(budgetS: number, ours: boolean): Result {
  const payload = randomBytes(SIZE);
  const t0 = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e9;
  let n = 0;
  while (elapsed() < budgetS) {
    if (ours) for (let i = 0; i < 100; i++) snappyUncompress(snappyCompress(payload), SIZE);
    else for (let i = 0; i < 100; i++) snappy.uncompress(snappy.compress(payload));
    n += 100;
  }
  return { name: `  snappy compress + uncompress (${ours ? 'ours' : 'snappyjs'})`, messages: n, seconds: elapsed() };
}

function row(r: Result): string {
  const rate = r.messages / r.seconds;
  const mb = (rate * SIZE) / 1e6;
  return `${r.name.padEnd(42)} ${Math.round(rate).toLocaleString('en-US').padStart(10)} msg/s ${mb.toFixed(1).padStart(8)} MB/s   (${r.messages} msgs in ${r.seconds.toFixed(2)} s)`;
}

async function main(): Promise<void> {
  if (process.argv.includes('--rlpx-only')) {
    // For profiling (`node --cpu-prof`): the RLPx path alone.
    console.log(row(await rlpx(5)));
    return;
  }
  // Warm-up, so the JIT and the socket paths are hot for both.
  await rawTcp(0.3);
  await rlpx(0.5);
  // Alternating rounds, summed: on a shared machine the load then weighs on both alike.
  const raw: Result = { name: 'raw TCP, 4-byte length framing', messages: 0, seconds: 0 };
  const ours: Result = { name: 'RLPx v5 (EIP-8, snappy), RlpxOverlay', messages: 0, seconds: 0 };
  for (let round = 0; round < 4; round++) {
    for (const [total, r] of [
      [raw, await rawTcp(0.75)],
      [ours, await rlpx(1.25)],
    ] as const) {
      total.messages += r.messages;
      total.seconds += r.seconds;
    }
  }
  const ratio = ours.messages / ours.seconds / (raw.messages / raw.seconds);
  console.log(`1 KB messages over loopback, one direction (node ${process.version})`);
  console.log(row(raw) + '   <- baseline');
  console.log(row(ours));
  console.log(row(frameCodec(1, true)));
  console.log(row(frameCodec(0.5, false)) + '   <- before (devp2p MAC)');
  console.log(row(snappyOnly(0.5, true)));
  console.log(row(snappyOnly(0.5, false)) + '   <- before (snappyjs)');
  console.log(`ratio RLPx / raw TCP: ${(ratio * 100).toFixed(1)}% (target >= 50%)`);
}

await main();
