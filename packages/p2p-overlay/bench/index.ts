// Throughput of 1 KB messages on loopback: RLPx (this package) against a raw length-framed TCP
// socket measured in the same run, one direction. The main comparison has both ends in this
// thread, so every byte of work of both nodes is counted on one core, and its baseline is steady
// from run to run. The second layout runs the sending node in a worker thread, as two nodes would
// be two processes: each side then has a core of its own, and raw TCP gains as much as RLPx
// (its baseline varies between runs on a 2-core machine, so that ratio is reported, not targeted).
//
//   --rlpx-only               RLPx, both ends in this thread, 5 s (for `node --cpu-prof`)
//   --rlpx-two-threads-only   RLPx, sender in a worker thread, 5 s
import * as net from 'node:net';
import { Worker, isMainThread, parentPort, type MessagePort } from 'node:worker_threads';
import { randomBytes } from '@status-stack/crypto';
import { generatePrivateKey, getPublicKey } from '@status-stack/crypto';
import { RlpxOverlay, type PeerLink } from '../src/index.js';
import * as snappy from 'snappyjs';
import { ECIES } from '../test/oracle/devp2p.js';
import { HandshakeInitiator, HandshakeRecipient } from '../src/rlpx-handshake.js';
import { createFrameCiphers, createFrameWriter, openFrameBody, openFrameHeader, roundUp16 } from '../src/rlpx-frame.js';
import { snappyCompress, snappyUncompress } from '../src/snappy.js';

const SIZE = 1024;
const BATCH = 500;
const CAP = { name: 'bench', version: 1, length: 1 };

interface Result {
  name: string;
  messages: number;
  seconds: number;
}

/** `rawTick` is context only: raw TCP coalescing a tick's messages into one write, as our RLPx writer does. */
type Kind = 'raw' | 'rlpx' | 'rawTick';

const NAMES = {
  one: { raw: 'raw TCP, one write per message, 1 thread', rlpx: 'RLPx v5 (EIP-8, snappy), 1 thread', rawTick: '  raw TCP, one write per tick, 1 thread' },
  two: { raw: '  raw TCP, one write per message, 2 threads', rlpx: '  RLPx v5 (EIP-8, snappy), 2 threads', rawTick: '  raw TCP, one write per tick, 2 threads' },
} as const;

/** Milliseconds on a clock both threads share (each thread's `performance.now()` has its own origin). */
const now = (): number => performance.timeOrigin + performance.now();
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

// ---- The two ends. The same code serves the one-thread and the two-thread measurement. ----

interface Sender {
  send(): void;
  close(): Promise<void>;
}

interface Receiver {
  /** Where the sender dials: a port for raw TCP, an enode URL for RLPx. */
  port: number;
  enode: string;
  close(): Promise<void>;
}

/**
 * Raw TCP receiver: 4-byte big-endian length prefix, `hit` once per complete message. Chunks are
 * read in place; only a message split across chunks is copied (its bytes so far).
 */
async function rawReceiver(hit: () => void): Promise<Receiver> {
  const server = net.createServer((sock) => {
    let rest: Uint8Array | undefined;
    sock.on('data', (chunk: Buffer) => {
      let b = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (rest) b = concat(rest, b);
      let off = 0;
      while (b.length - off >= 4) {
        const len = ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
        if (b.length - off < 4 + len) break;
        off += 4 + len;
        hit();
      }
      rest = off < b.length ? b.slice(off) : undefined;
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  // `close` waits for the accepted socket too, which ends once the sender has closed its side.
  return { port, enode: '', close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Raw TCP sender, the honest baseline: each message framed once and written with one write, Nagle off. */
async function rawSender(port: number): Promise<Sender> {
  const client = net.connect(port, '127.0.0.1');
  client.setNoDelay(true);
  await new Promise<void>((r) => client.once('connect', () => r()));
  const framed = new Uint8Array(4 + SIZE);
  new DataView(framed.buffer).setUint32(0, SIZE);
  framed.set(randomBytes(SIZE), 4);
  return {
    send: () => {
      client.write(framed);
    },
    close: async () => {
      client.destroy();
    },
  };
}

/** Raw TCP sender that copies each framed message into a buffer written once per tick (context row). */
async function rawTickSender(port: number): Promise<Sender> {
  const payload = randomBytes(SIZE);
  const client = net.connect(port, '127.0.0.1');
  client.setNoDelay(true);
  await new Promise<void>((r) => client.once('connect', () => r()));
  let buf = new Uint8Array(64 * 1024);
  let used = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    client.write(buf.subarray(0, used));
    buf = new Uint8Array(64 * 1024);
    used = 0;
  };
  return {
    send: () => {
      if (buf.length - used < 4 + SIZE) flush();
      new DataView(buf.buffer, used, 4).setUint32(0, SIZE);
      buf.set(payload, used + 4);
      used += 4 + SIZE;
      if (!scheduled) {
        scheduled = true;
        process.nextTick(flush);
      }
    },
    close: async () => {
      client.destroy();
    },
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function rlpxReceiver(hit: () => void): Promise<Receiver> {
  const b = new RlpxOverlay();
  b.register(CAP, (l) => l.onMessage(() => hit()));
  await b.start();
  return { port: b.port, enode: b.enode, close: () => b.stop() };
}

async function rlpxSender(enode: string): Promise<Sender> {
  const a = new RlpxOverlay();
  let link: PeerLink | undefined;
  const linked = new Promise<void>((r) =>
    a.register(CAP, (l) => {
      link = l;
      r();
    }),
  );
  await a.start();
  await a.connect(enode);
  await linked;
  const payload = randomBytes(SIZE);
  return { send: () => link!.send(0, payload), close: () => a.stop() };
}

/**
 * Sends batches for `budgetS` seconds, yielding between batches so the sockets (and, in one
 * thread, the receiver) run. `received` bounds the in-flight backlog. `last` is told the total
 * before the final batch goes out, so the receiver always knows it by the last delivery (in
 * another thread it could otherwise arrive before the total does).
 */
async function sendFor(
  budgetS: number,
  send: () => void,
  received: () => number,
  last: (messages: number) => void,
): Promise<{ t0: number; messages: number }> {
  const t0 = now();
  let n = 0;
  for (;;) {
    const final = now() - t0 >= budgetS * 1000;
    if (final) last(n + BATCH);
    for (let i = 0; i < BATCH; i++) send();
    n += BATCH;
    if (final) break;
    // Keep the in-flight backlog bounded so the sender cannot run far ahead of the receiver.
    while (n - received() > 20 * BATCH) await tick();
    await tick();
  }
  return { t0, messages: n };
}

// ---- One thread: both ends here. ----

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

function senderFor(kind: Kind, receiver: { port: number; enode: string }): Promise<Sender> {
  if (kind === 'rlpx') return rlpxSender(receiver.enode);
  return kind === 'raw' ? rawSender(receiver.port) : rawTickSender(receiver.port);
}

/** messages / (first send to last delivery), sender and receiver both in this thread. */
async function oneThread(kind: Kind, budgetS: number): Promise<Result> {
  const counter = new Counter();
  const hit = () => counter.hit();
  const receiver = kind === 'rlpx' ? await rlpxReceiver(hit) : await rawReceiver(hit);
  const sender = await senderFor(kind, receiver);
  const { t0, messages } = await sendFor(budgetS, sender.send, () => counter.received, (n) => counter.finish(n));
  await counter.done;
  const seconds = (now() - t0) / 1000;
  await sender.close();
  await receiver.close();
  return { name: NAMES.one[kind], messages, seconds };
}

// ---- Two threads: the sender in a worker, the receiver here. ----

/** A round for the sender thread. */
interface SendOrder {
  kind: Kind;
  port: number;
  enode: string;
  budgetS: number;
  /** Int32 cells: [DELIVERED] written by the receiver, [SENT] by the sender before its final batch. */
  shared: SharedArrayBuffer;
}
type ToSender = SendOrder | 'close' | 'exit';
type FromSender = { t0: number; messages: number } | 'closed';

const DELIVERED = 0;
const SENT = 1;

/**
 * Deliveries counted in shared memory, so the sender thread can bound its backlog without
 * messages between the threads; the sender publishes its total there before its final batch,
 * so the last delivery notes the end time itself.
 */
class SharedCounter {
  readonly shared = new SharedArrayBuffer(8);
  private readonly cells = new Int32Array(this.shared);
  end = 0;
  private resolve!: () => void;
  readonly done = new Promise<void>((r) => (this.resolve = r));
  constructor() {
    Atomics.store(this.cells, SENT, 0x7fffffff);
  }
  hit(): void {
    if (Atomics.add(this.cells, DELIVERED, 1) + 1 === Atomics.load(this.cells, SENT)) {
      this.end = now();
      this.resolve();
    }
  }
}

/** The sender thread: one per run, reused across rounds so its JIT warm-up carries over. */
async function senderThread(port: MessagePort): Promise<void> {
  for (;;) {
    const order = await nextMessage(port);
    if (order === 'exit') break;
    if (order === 'close') throw new Error('close without a round');
    const cells = new Int32Array(order.shared);
    const sender = await senderFor(order.kind, order);
    const report = await sendFor(
      order.budgetS,
      sender.send,
      () => Atomics.load(cells, DELIVERED),
      (n) => Atomics.store(cells, SENT, n),
    );
    port.postMessage(report satisfies FromSender);
    // Close only once the receiver has everything: stopping the overlay drops what it still queues.
    if ((await nextMessage(port)) !== 'close') throw new Error('expected close');
    await sender.close();
    port.postMessage('closed' satisfies FromSender);
  }
  port.close();
}

function nextMessage(port: MessagePort): Promise<ToSender> {
  return new Promise((r) => port.once('message', (m: ToSender) => r(m)));
}

class SenderThread {
  // tsx registers its loader in the worker too; `--conditions=typescript` picks the TS sources.
  private readonly worker = new Worker(
    `import { register } from 'tsx/esm/api'; register(); await import(${JSON.stringify(import.meta.url)});`,
    { eval: true, execArgv: ['--conditions=typescript'] },
  );

  /** Posts `msg` and waits for the answer; rejects if the thread fails or exits meanwhile. */
  ask(msg: ToSender): Promise<FromSender> {
    const w = this.worker;
    const answer = new Promise<FromSender>((resolve, reject) => {
      const off = () => {
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      };
      const onMessage = (m: FromSender) => (off(), resolve(m));
      const onError = (e: Error) => (off(), reject(e));
      const onExit = (code: number) => (off(), reject(new Error(`sender thread exited (${code})`)));
      w.on('message', onMessage).on('error', onError).on('exit', onExit);
    });
    w.postMessage(msg);
    return answer;
  }

  /** Lets the thread leave its loop, then terminates it, so no handle keeps the process alive. */
  async stop(): Promise<void> {
    this.worker.postMessage('exit' satisfies ToSender);
    await this.worker.terminate();
  }
}

/** messages / (sender's first send to receiver's last delivery), sender in the worker thread. */
async function twoThreads(thread: SenderThread, kind: Kind, budgetS: number): Promise<Result> {
  const counter = new SharedCounter();
  const hit = () => counter.hit();
  const receiver = kind === 'rlpx' ? await rlpxReceiver(hit) : await rawReceiver(hit);
  const report = await thread.ask({ kind, port: receiver.port, enode: receiver.enode, budgetS, shared: counter.shared });
  if (report === 'closed') throw new Error('expected a report');
  await counter.done;
  const seconds = (counter.end - report.t0) / 1000;
  await thread.ask('close');
  await receiver.close();
  return { name: NAMES.two[kind], messages: report.messages, seconds };
}

// ---- Components, no socket. ----

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
 * runs our handshake, frame writer and reader (what RlpxOverlay runs); otherwise devp2p's ECIES session.
 */
function frameCodec(budgetS: number, ours: boolean): Result {
  return ours ? ourFrameCodec(budgetS) : devp2pFrameCodec(budgetS);
}

function ourFrameCodec(budgetS: number): Result {
  const ka = generatePrivateKey();
  const kb = generatePrivateKey();
  const init = new HandshakeInitiator(ka, getPublicKey(kb).subarray(1));
  const { ack, secrets: sb } = new HandshakeRecipient(kb).readAuth(init.auth);
  const a = createFrameCiphers(init.readAck(ack));
  const b = createFrameCiphers(sb);
  let wire: Uint8Array = new Uint8Array(0);
  const writer = createFrameWriter(a.egress, (chunk) => (wire = chunk));
  const msg = randomBytes(SIZE);
  const t0 = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e9;
  let n = 0;
  while (elapsed() < budgetS) {
    for (let i = 0; i < 100; i++) {
      writer.send(0x10, msg, false);
      writer.flush();
      const size = openFrameHeader(b.ingress, wire.subarray(0, 32));
      openFrameBody(b.ingress, wire.subarray(32, 32 + roundUp16(size) + 16), size);
    }
    n += 100;
  }
  return { name: '  frame codec only (ours), no socket', messages: n, seconds: elapsed() };
}

function devp2pFrameCodec(budgetS: number): Result {
  const ka = generatePrivateKey();
  const kb = generatePrivateKey();
  const a = new ECIES(ka, getPublicKey(ka).subarray(1), getPublicKey(kb).subarray(1)) as unknown as FrameCodec;
  const b = new ECIES(kb, getPublicKey(kb).subarray(1), null) as unknown as FrameCodec;
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
  return { name: "  frame codec only (devp2p's), no socket", messages: n, seconds: elapsed() };
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

/** Alternating rounds, summed: on a shared machine the load then weighs on both alike. */
async function alternate(
  rounds: number,
  measure: (kind: Kind, budgetS: number) => Promise<Result>,
  names: { raw: string; rlpx: string },
): Promise<{ raw: Result; rlpx: Result }> {
  const raw: Result = { name: names.raw, messages: 0, seconds: 0 };
  const rlpx: Result = { name: names.rlpx, messages: 0, seconds: 0 };
  for (let round = 0; round < rounds; round++) {
    for (const [total, r] of [
      [raw, await measure('raw', 0.75)],
      [rlpx, await measure('rlpx', 1.25)],
    ] as const) {
      total.messages += r.messages;
      total.seconds += r.seconds;
    }
  }
  return { raw, rlpx };
}

const rate = (r: Result): number => r.messages / r.seconds;

async function main(): Promise<void> {
  if (process.argv.includes('--rlpx-only')) {
    // For profiling (`node --cpu-prof`): the RLPx path alone.
    console.log(row(await oneThread('rlpx', 5)));
    return;
  }
  const thread = new SenderThread();
  try {
    if (process.argv.includes('--rlpx-two-threads-only')) {
      console.log(row(await twoThreads(thread, 'rlpx', 5)));
      return;
    }
    // Warm-up, so the JIT and the socket paths are hot for both, in both threads.
    await oneThread('raw', 0.3);
    await oneThread('rlpx', 0.5);
    const one = await alternate(4, oneThread, NAMES.one);
    const measureTwo = (kind: Kind, budgetS: number) => twoThreads(thread, kind, budgetS);
    await measureTwo('raw', 0.3);
    await measureTwo('rlpx', 0.5);
    const two = await alternate(2, measureTwo, NAMES.two);
    // Context, not the target's baseline: how much of RLPx's rate is its writer's coalescing.
    await oneThread('rawTick', 0.3);
    const tick1 = await oneThread('rawTick', 1.5);
    console.log(
      `1 KB messages over loopback, one direction (node ${process.version}); ` +
        '1 thread: both ends in the main thread; 2 threads: sender node in a worker thread, receiver node in the main thread',
    );
    console.log(row(one.raw) + '   <- baseline');
    console.log(row(one.rlpx));
    console.log(row(two.raw));
    console.log(row(two.rlpx));
    console.log(row(tick1) + '   <- context: raw TCP coalescing a tick of messages, as our writer does');
    console.log(row(frameCodec(1, true)));
    console.log(row(frameCodec(0.5, false)) + '   <- before (devp2p MAC)');
    console.log(row(snappyOnly(0.5, true)));
    console.log(row(snappyOnly(0.5, false)) + '   <- before (snappyjs)');
    const pct = (r: { raw: Result; rlpx: Result }) => ((rate(r.rlpx) / rate(r.raw)) * 100).toFixed(1);
    console.log(`RLPx's share of raw TCP (same run, one write per message), both ends in one thread: ${pct(one)}%`);
    console.log(`RLPx's share of raw TCP, sender and receiver in separate threads: ${pct(two)}%`);
    console.log(
      `summary: RLPx ${Math.round(rate(two.rlpx)).toLocaleString('en-US')} msg/s (2 threads) | same-run baseline raw TCP ${Math.round(rate(two.raw)).toLocaleString('en-US')} msg/s | ` +
        'reference status-go v0.62.18 43,345 msg/s, raw TCP 625,012 msg/s (go1.19, 2-core machine of this kind, measured 2026-12-02; target ≥ 90,000 msg/s)',
    );
  } finally {
    await thread.stop();
  }
}

// This module is also the sender thread's entry point (the worker imports it).
if (isMainThread) await main();
else await senderThread(parentPort!);
