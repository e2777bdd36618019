// Hostile-peer harness: a status-node in its own process (so its RSS is its own), two honest
// clients chatting through it, and attackers, all on 127.0.0.1. Used by the hostile-peer tests
// (short runs) and by `npm run soak` (long runs, a table).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePrivateKey, randomBytes } from '@status-stack/crypto';
import { MemoryStorage, StatusClient, type ClientMessage } from '../../src/index.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export interface NodeProcess {
  readonly enode: string;
  readonly nodeId: string;
  readonly port: number;
  readonly pid: number;
  rssMiB(): number;
  stderr(): string;
  stop(): Promise<number | null>;
}

/** Starts `status-node` as a child process on 127.0.0.1 (OS-chosen port) and waits for its enode. */
export async function startNodeProcess(args: readonly string[]): Promise<NodeProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'hostile-node-'));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=typescript', 'packages/node/src/cli/status-node.ts', '--listen', '127.0.0.1:0', '--data-dir', dir, ...args],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-200_000)));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!/^enode:\/\/.*\n/m.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`status-node did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const enode = out.split('\n').find((l) => l.startsWith('enode://'))!.trim();
  const m = /^enode:\/\/([0-9a-f]{128})@127\.0\.0\.1:(\d+)$/.exec(enode)!;
  return {
    enode,
    nodeId: m[1],
    port: Number(m[2]),
    pid: child.pid!,
    rssMiB: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
    },
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      await rm(dir, { recursive: true, force: true });
      return code;
    },
  };
}

export interface HonestPair {
  a: StatusClient;
  b: StatusClient;
  oneToOne: string;
  publicChat: string;
  stop(): Promise<void>;
}

/** Two networked clients on the node: a public chat and a 1:1, first contact already made. */
export async function honestPair(enode: string): Promise<HonestPair> {
  // Two users, two addresses (127.0.0.1 is the attackers' neighbour only through 127.0.0.2/3):
  // per-IP limits count each user on their own, as on a real network.
  const make = (ip: string) =>
    StatusClient.createNetworked({ identity: { privateKey: generatePrivateKey() }, storage: new MemoryStorage(), host: ip, localAddress: ip, port: 0, staticPeers: [enode] });
  const a = make('127.0.0.10');
  const b = make('127.0.0.11');
  await a.start();
  await b.start();
  await a.waitForPeers(1, { signal: AbortSignal.timeout(20_000) });
  await b.waitForPeers(1, { signal: AbortSignal.timeout(20_000) });
  const publicChat = 'hostile-peers';
  await a.joinPublicChat(publicChat);
  await b.joinPublicChat(publicChat);
  const chat = await a.startOneToOne(b.publicKeyHex);
  await b.startOneToOne(a.publicKeyHex);
  // First contact, so that the measured messages travel the ratchet on the negotiated topic.
  const first = await a.sendMessage(chat.id, 'hello');
  await a.waitForDelivery(first.id, 'delivered');
  return {
    a,
    b,
    oneToOne: chat.id,
    publicChat,
    stop: async () => {
      await a.stop();
      await b.stop();
    },
  };
}

export interface TrafficResult {
  sent: number;
  delivered: number;
  /** Send → shown at the other client, ms, of each delivered message. */
  latencies: number[];
}

/** A sends a public and a 1:1 message every `intervalMs` for `durationMs`; B's arrivals are timed. */
export async function traffic(pair: HonestPair, durationMs: number, intervalMs: number): Promise<TrafficResult> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const tag = randomBytes(4).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '');
  const onMessage = (m: ClientMessage) => {
    const text = m.text ?? '';
    const t = sentAt.get(text);
    if (t !== undefined) {
      latencies.push(Date.now() - t);
      sentAt.delete(text);
    }
  };
  pair.b.on('message', onMessage);
  let sent = 0;
  const end = Date.now() + durationMs;
  let seq = 0;
  while (Date.now() < end) {
    for (const chat of [pair.publicChat, pair.oneToOne]) {
      const text = `${tag}-${seq++}`;
      sentAt.set(text, Date.now());
      sent++;
      void pair.a.sendMessage(chat, text).catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  // Late arrivals still count, within a grace period.
  const grace = Date.now() + 5_000;
  while (sentAt.size > 0 && Date.now() < grace) await new Promise((r) => setTimeout(r, 20));
  pair.b.off('message', onMessage);
  return { sent, delivered: latencies.length, latencies };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

/** What an attack reports when stopped. */
export interface AttackReport {
  /** Connections (or sessions) the attacker opened. */
  connections: number;
  /** How the node ended each attacking connection, with counts: a disconnect reason (`0x03`) or `closed` (bare TCP close). */
  reasons: Map<string, number>;
}

export interface Attack {
  readonly name: string;
  readonly load: string;
  stop(): Promise<AttackReport>;
}

export type AttackKind = 'freeze' | 'slowloris' | 'oversized' | 'flood' | 'greedy';

/**
 * Runs an attack in a process of its own (`attacker.ts`), as a remote attacker would be: its CPU is
 * not the honest clients', so their latency measures the node alone.
 */
export async function startAttack(kind: AttackKind, node: NodeProcess, params: Record<string, number> = {}): Promise<Attack> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=typescript', 'packages/client/test/hostile/attacker.ts', kind, String(node.port), node.nodeId, JSON.stringify(params)],
    { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!out.includes('\n')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`attacker did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const { name, load } = JSON.parse(out.split('\n')[0]) as { name: string; load: string };
  return {
    name,
    load,
    stop: async () => {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      const last = out.trim().split('\n').pop()!;
      const r = JSON.parse(last) as { connections: number; reasons: Record<string, number> };
      if (typeof r.connections !== 'number') throw new Error(`attacker report missing: ${err}`);
      return { connections: r.connections, reasons: new Map(Object.entries(r.reasons)) };
    },
  };
}
