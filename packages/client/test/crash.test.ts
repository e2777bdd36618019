import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStorage, createAccount, readKeystore, writeKeystore } from '../src/index.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const writer = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'client-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a writer until it has reported `after` more commits plus a random delay, then SIGKILLs it; returns the last reported index. */
function runAndKill(path: string, after: number, extraDelayMs: number, script = writer, extraArgs: string[] = []): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=typescript', script, path, ...extraArgs], {
      cwd: packageRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffered = '';
    let lastReported = -1;
    let seen = 0;
    let killing = false;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() as string;
      for (const line of lines) {
        if (line === 'ready') continue;
        lastReported = Number(line);
        seen++;
        if (seen >= after && !killing) {
          killing = true;
          setTimeout(() => child.kill('SIGKILL'), extraDelayMs);
        }
      }
    });
    child.on('error', reject);
    // 'close', not 'exit': only then has every line the writer wrote before the kill been read,
    // so `lastReported` really is the last commit it reported.
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code}: ${stderr}`));
      else resolve(lastReported);
    });
  });
}

describe('SqliteStorage crash consistency', () => {
  it('after SIGKILL at a random point, every transaction is whole or absent and nothing reported committed is lost', async () => {
    const path = join(dir, 'crash.db');
    let previous = 0;
    for (let round = 0; round < 3; round++) {
      const reported = await runAndKill(path, 5 + Math.floor(Math.random() * 60), Math.floor(Math.random() * 40));
      const s = SqliteStorage.open(path);
      try {
        const chat = await s.getChat('crash');
        expect(chat).toBeDefined();
        const last = Number(chat?.lastClock);
        // committed-and-reported is never lost; at most one more commit landed before the report
        expect(last).toBeGreaterThanOrEqual(reported);
        expect(last).toBeLessThanOrEqual(reported + 1);
        expect(last).toBeGreaterThan(previous);
        const progress = await s.kvGet('progress', 'last');
        expect(progress && new DataView(progress.buffer, progress.byteOffset).getBigUint64(0)).toBe(BigInt(last));
        expect(await s.countMessages('crash')).toBe(3 * last);
        const all = [];
        let page = await s.listMessages('crash', { limit: 1000 });
        all.push(...page.messages);
        while (page.next) {
          page = await s.listMessages('crash', { limit: 1000, cursor: page.next });
          all.push(...page.messages);
        }
        for (let i = 1; i <= last; i++) {
          const trio = all.slice(3 * (i - 1), 3 * i);
          expect(trio.map((m) => m.id)).toEqual([`m-${i}-a`, `m-${i}-b`, `m-${i}-c`]);
          expect(trio[0].deliveryState).toBe(i < last ? 'delivered' : 'pending');
          expect(trio[2].payload?.[255]).toBe(i & 0xff);
        }
        previous = last;
      } finally {
        await s.close();
      }
    }
  });
});

describe('key store crash consistency', () => {
  it('after SIGKILL during rewrites, the file is always one complete key store', async () => {
    const path = join(dir, 'account.keystore.json');
    const a = createAccount();
    const b = createAccount();
    const script = fileURLToPath(new URL('./fixtures/keystore-writer.ts', import.meta.url));
    for (let round = 0; round < 2; round++) {
      const reported = await runAndKill(path, 3 + Math.floor(Math.random() * 20), Math.floor(Math.random() * 15), script, [a.mnemonic, b.mnemonic]);
      const opened = await readKeystore(path, 'pw');
      // the last reported write, or the one after it if its rename landed before the kill
      const candidates = [reported, reported + 1].map((i) => (i % 2 === 0 ? a : b).publicKeyHex);
      expect(candidates).toContain(opened.publicKeyHex);
    }
    // the next write clears the temporary files the killed writers left behind
    await writeKeystore(path, a, 'pw', { kdf: { N: 1024, r: 8, p: 1 } });
    expect(readdirSync(dir).filter((f) => f.includes('account.keystore'))).toEqual(['account.keystore.json']);
  });
});
