// MVDS benchmarks: every figure is printed beside a baseline measured in the same run.
//   npm run bench -w @status-stack/mvds
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { sha256, utf8ToBytes } from '@status-stack/crypto';
import {
  MODE,
  MemoryStore,
  MvdsNode,
  decodePayload,
  exponentialBackoff,
  encodePayload,
  simulate,
  type Mode,
  type MvdsPayload,
  type SimulationReport,
} from '../src/index.js';

function fmt(n: number, digits = 2): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

function row(label: string, ours: number, baseline: number, unit: string, baselineLabel: string): void {
  const ratio = baseline === 0 ? Number.NaN : ours / baseline;
  console.log(
    `  ${label.padEnd(40)} ${fmt(ours).padStart(12)} ${unit.padEnd(8)} | ${baselineLabel}: ${fmt(baseline).padStart(12)} | ratio ${fmt(ratio, 2)}x`,
  );
}

/** Runs fn repeatedly for ~ms milliseconds; returns operations per second. */
function opsPerSecond(fn: () => void, ms = 700): number {
  for (let i = 0; i < 200; i++) fn(); // warm-up
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

// ---- 1. Simulation: 10 nodes, 1,000 messages, 30% loss + reordering + a restart vs loss-free ----

console.log('\nMVDS simulation: 10 nodes, 1,000 messages in one group (9,000 deliveries), delays 1-4 epochs');
console.log('  lossy run: 30% loss, reordering, node 3 down epochs 8-20 and restarted from its store');
console.log('  baseline: the same schedule with no loss and no restart\n');

function report(mode: Mode, lossy: SimulationReport, clean: SimulationReport): void {
  console.log(
    `${mode} mode (lossy delivered ${lossy.delivered}/${lossy.intended}, duplicates ${lossy.duplicates}, gave up ${lossy.gaveUp}; loss-free ${clean.delivered}/${clean.intended})`,
  );
  const b = 'loss-free';
  row('delivery: epochs to full delivery', lossy.epochsToFullDelivery, clean.epochsToFullDelivery, 'epochs', b);
  row('delivery: mean latency', lossy.latency.mean, clean.latency.mean, 'epochs', b);
  row('delivery: p90 latency', lossy.latency.p90, clean.latency.p90, 'epochs', b);
  row('delivery: max latency', lossy.latency.max, clean.latency.max, 'epochs', b);
  row('all acknowledged (quiescent) at', lossy.quiescentAt ?? Number.NaN, clean.quiescentAt ?? Number.NaN, 'epoch', b);
  row('payloads sent per delivered message', lossy.payloadsPerDelivered, clean.payloadsPerDelivered, 'payloads', b);
  row('bytes sent per delivered message', lossy.bytesPerDelivered, clean.bytesPerDelivered, 'bytes', b);
  row('payloads sent (total)', lossy.payloadsSent, clean.payloadsSent, 'payloads', b);
  row('bytes sent (total)', lossy.bytesSent, clean.bytesSent, 'bytes', b);
  console.log('');
}

for (const mode of [MODE.BATCH, MODE.INTERACTIVE]) {
  const common = { nodes: 10, messages: 1000, mode, minDelay: 1, maxDelay: 4, seed: 2026, bodySize: 200 };
  const t0 = performance.now();
  const lossy = await simulate({ ...common, loss: 0.3, restarts: [{ node: 3, at: 8, down: 12 }] });
  const t1 = performance.now();
  const clean = await simulate({ ...common, loss: 0 });
  const t2 = performance.now();
  report(mode, lossy, clean);
  row('simulation wall time', t1 - t0, t2 - t1, 'ms', 'loss-free');
  console.log('');
}

// ---- 1b. Against a status-go-like peer: wire copies per delivered message ----

console.log('Against a status-go-like peer: 2 nodes, 500 messages from ours, 300 ms epochs, 300 ms network delay each way,');
console.log('  the peer hands what it receives to MVDS 600 ms late (status-go: 300 ms poll + 300 ms epoch), then ACKs');
console.log('  ours: default timing (first resend >= 2 s, doubling to 5 min, give up after 10 sends / 15 min)');
console.log('  baseline: the former schedule (resend 1 epoch after a send, 1-2-4…32 epochs, never giving up)\n');
const statusGoPeer = { nodes: 2, messages: 500, senders: [0], ackDelayMs: 600, ackDelayNodes: [1], epochMs: 300, minDelay: 1, maxDelay: 1, seed: 2026 };
const formerSchedule = { nextEpoch: exponentialBackoff(), maxTransmissions: Infinity, giveUpAfterMs: Infinity };
for (const loss of [0, 0.3]) {
  const ours = await simulate({ ...statusGoPeer, loss });
  const former = await simulate({ ...statusGoPeer, loss, ...formerSchedule });
  const pct = `${Math.round(loss * 100)}% loss`;
  console.log(`${pct}: ours delivered ${ours.delivered}/${ours.intended}, gave up ${ours.gaveUp}; former delivered ${former.delivered}/${former.intended}`);
  row(`wire copies per delivered message, ${pct}`, ours.copiesPerDelivered, former.copiesPerDelivered, 'copies', 'former');
  row(`duplicate copies at the peer, ${pct}`, ours.duplicateCopies / ours.delivered, former.duplicateCopies / former.delivered, 'per msg', 'former');
  row(`mean delivery latency, ${pct}`, ours.latency.mean * 300, former.latency.mean * 300, 'ms', 'former');
}
console.log('');

// ---- 2. Codec: our generated static code (through the runtime) vs protobufjs reflection, same schema ----

const root = protobuf.parse(readFileSync(new URL('../proto/mvds.proto', import.meta.url), 'utf8')).root;
const PayloadType = root.lookupType('vac.mvds.Payload');
const groupId = sha256(utf8ToBytes('bench'));
const body = new Uint8Array(1024).fill(7);
const ids = Array.from({ length: 8 }, (_, i) => sha256(new Uint8Array([i])));
const payload: MvdsPayload = {
  acks: ids.slice(0, 4),
  offers: ids.slice(4, 6),
  requests: [],
  messages: [{ groupId, timestamp: 1795592980n, body }],
};
const bytes = encodePayload(payload);
const pjsObject = PayloadType.fromObject({
  acks: payload.acks,
  offers: payload.offers,
  messages: [{ groupId, timestamp: 1795592980, body }],
});
const pjsBytes = PayloadType.encode(pjsObject).finish();
if (Buffer.compare(Buffer.from(pjsBytes), Buffer.from(bytes)) !== 0) throw new Error('protobufjs and our codec disagree');

console.log(`Payload codec, 1 KB message + 6 ids (${bytes.length} bytes); baseline protobufjs 8 reflection on proto/mvds.proto`);
row('encodePayload', opsPerSecond(() => encodePayload(payload)), opsPerSecond(() => PayloadType.encode(pjsObject).finish()), 'ops/s', 'protobufjs');
row('decodePayload', opsPerSecond(() => decodePayload(bytes)), opsPerSecond(() => PayloadType.decode(bytes)), 'ops/s', 'protobufjs');
console.log('');

// ---- 3. Engine: messages/s end to end between two nodes vs the wire codec alone ----

async function engineRun(count: number): Promise<number> {
  const storeA = new MemoryStore();
  const storeB = new MemoryStore();
  const queue: { to: 'A' | 'B'; bytes: Uint8Array }[] = [];
  const clock = (): number => 0;
  const a = new MvdsNode({ store: storeA, clock, transport: { send: (_p, b) => void queue.push({ to: 'B', bytes: b }) } });
  const b = new MvdsNode({ store: storeB, clock, transport: { send: (_p, x) => void queue.push({ to: 'A', bytes: x }) } });
  await a.addPeer(groupId, 'B');
  await b.addPeer(groupId, 'A');
  let received = 0;
  b.on('message', () => received++);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const m = new Uint8Array(256);
    new DataView(m.buffer).setUint32(0, i);
    await a.send(groupId, m);
    if (i % 50 === 49) {
      await a.tick();
      while (queue.length > 0) {
        const p = queue.shift()!;
        await (p.to === 'A' ? a : b).receive(p.to === 'A' ? 'B' : 'A', p.bytes);
        if (queue.length === 0) await b.flush();
      }
    }
  }
  await a.tick();
  while (queue.length > 0) {
    const p = queue.shift()!;
    await (p.to === 'A' ? a : b).receive(p.to === 'A' ? 'B' : 'A', p.bytes);
    if (queue.length === 0) await b.flush();
  }
  const ms = performance.now() - start;
  if (received !== count || !(await a.isIdle())) throw new Error('engine bench did not deliver everything');
  return (count * 1000) / ms;
}

const N = 20_000;
const engine = await engineRun(N);
const wireOnly = opsPerSecond(() => {
  const p: MvdsPayload = { acks: [], offers: [], requests: [], messages: [{ groupId, timestamp: 0n, body: new Uint8Array(256) }] };
  decodePayload(encodePayload(p));
  decodePayload(encodePayload({ acks: [ids[0]], offers: [], requests: [], messages: [] }));
});
console.log(`Engine: ${fmt(N)} messages of 256 bytes A → B, batch mode, ACKed, loss-free, MemoryStore`);
row('send → receive → ACK', engine, wireOnly, 'msg/s', 'codec only (msg+ack)');
console.log('');
