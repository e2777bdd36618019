import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex, generatePrivateKey, getPublicKey } from '@status-stack/crypto';
import { RlpxOverlay } from '@status-stack/p2p-overlay';
import { WhisperNode } from '@status-stack/whisper';
import { publicKeyToHex } from '@status-stack/payloads';
import { MemoryStorage, StatusClient, type ClientMessage } from '../src/index.js';
import { Harness, until } from './helpers/client-harness.js';

// Fast epochs and resends (defaults: first resend after 2 s, doubling to 5 min): the peer that was killed must
// get what it missed within the test's budget, not after a 5-minute backoff.
const FAST_MVDS = { mvdsEpochMs: 50, mvdsFirstResendMs: 200, mvdsMaxResendIntervalMs: 1000 };

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const child = fileURLToPath(new URL('./helpers/client-crash-child.ts', import.meta.url));

const stops: (() => Promise<void>)[] = [];
let h: Harness;
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
  await h.close();
});

interface Report {
  stored: string[];
  received: string[];
  delivered: string[];
}

/** Runs the child until it has stored `after` messages, waits a random moment, SIGKILLs it. */
function runAndKill(args: string[], after: number, delayMs: number): Promise<Report> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--conditions=typescript', child, ...args], { cwd: packageRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const report: Report = { stored: [], received: [], delivered: [] };
    let buffered = '';
    let stderr = '';
    let killing = false;
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() as string;
      for (const line of lines) {
        const [what, id] = line.split(' ');
        if (what === 'stored') report.stored.push(id);
        else if (what === 'recv') report.received.push(id);
        else if (what === 'delivered') report.delivered.push(id);
        if (report.stored.length >= after && !killing) {
          killing = true;
          setTimeout(() => p.kill('SIGKILL'), delayMs);
        }
      }
    });
    p.on('error', reject);
    p.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(report) : reject(new Error(`child exited with ${code}: ${stderr}`))));
  });
}

describe('StatusClient killed mid-conversation (forked process, SIGKILL)', () => {
  it('restarts on its SQLite file with nothing lost: shown and sent messages kept, unacknowledged ones retransmitted, sessions still decrypt', async () => {
    h = new Harness();
    const dir = h.tempDir();
    const overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
    const relay = new WhisperNode(overlay, { bloomMode: 'full' });
    await relay.start();
    await overlay.start();
    stops.push(async () => {
      await relay.stop();
      await overlay.stop();
    });
    const bStorage = new MemoryStorage();
    const b = StatusClient.createNetworked({ identity: { privateKey: generatePrivateKey() }, storage: bStorage, staticPeers: [overlay.enode], protocol: 'whisper', options: FAST_MVDS });
    stops.push(async () => {
      await b.stop();
      await bStorage.close();
    });
    await b.start();
    await until(() => b.owned!.node.peers().length > 0, 'B connected');
    const keyA = generatePrivateKey();
    const aHex = publicKeyToHex(getPublicKey(keyA));
    const atB: ClientMessage[] = [];
    b.on('message', (m) => atB.push(m));

    // B talks back while A writes, so A is killed while receiving too.
    let talking = true;
    const bSent: string[] = [];
    const chatter = (async () => {
      await until(() => atB.length > 0, 'first message from the child', 30_000);
      for (let i = 0; talking; i++) {
        bSent.push((await b.sendMessage(aHex, `from B, #${i}`)).id);
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    const dbPath = join(dir, 'a.db');
    const report = await runAndKill([dbPath, bytesToHex(keyA), overlay.enode, b.publicKeyHex], 8 + Math.floor(Math.random() * 12), Math.floor(Math.random() * 30));
    talking = false;
    await chatter;
    expect(report.stored.length).toBeGreaterThanOrEqual(8);

    const storage = h.sqlite(dbPath);
    const a = StatusClient.createNetworked({ identity: { privateKey: keyA }, storage, staticPeers: [overlay.enode], protocol: 'whisper', options: FAST_MVDS });
    const errors: unknown[] = [];
    a.on('error', (e) => errors.push(e));
    const atA: ClientMessage[] = [];
    a.on('message', (m) => atA.push(m));
    stops.push(() => a.stop());
    // Everything the dead process reported is on disk.
    for (const id of [...report.stored, ...report.received]) expect(await storage.getMessage(id)).toBeDefined();
    for (const id of report.delivered) expect((await storage.getMessage(id))?.deliveryState).toBe('delivered');
    await a.start();
    await until(() => a.owned!.node.peers().length > 0, 'A connected again');

    // Unacknowledged messages of the dead run reach B, and get acknowledged.
    await until(() => report.stored.every((id) => atB.some((m) => m.id === id)), 'all of A’s messages at B', 30_000);
    for (const id of report.stored) await a.waitForDelivery(id);
    // Everything B sent reaches A, exactly once (B's MVDS retransmits what the dead A did not acknowledge).
    await until(async () => {
      for (const id of bSent) if (!(await storage.getMessage(id))) return false;
      return true;
    }, 'all of B’s messages at A', 30_000);
    expect(new Set(atA.map((m) => m.id)).size).toBe(atA.length);

    // Sessions still decrypt both ways.
    const fresh = await a.sendMessage(b.publicKeyHex, 'back from the dead');
    await until(() => atB.some((m) => m.id === fresh.id), 'post-restart message at B');
    const answer = await b.sendMessage(aHex, 'welcome back');
    await until(() => atA.some((m) => m.id === answer.id), 'answer at A');
    expect(atA.find((m) => m.id === answer.id)!.via?.method).toBe('ratchet');
    const all = await a.history(b.publicKeyHex, { limit: 10_000 });
    expect(new Set(all.messages.map((m) => m.id)).size).toBe(all.messages.length);
    expect(errors).toEqual([]);
  });
});
