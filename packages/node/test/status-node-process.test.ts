// The status-node executable as a real process: prints its enode, accepts a connection, logs the
// peer, exits 0 on SIGTERM; --help lists every option; bad options exit 2 with a typed message.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey, getPublicKey, hexToBytes, bytesToHex } from '@status-stack/crypto';
import { HandshakeInitiator, RlpxOverlay } from '@status-stack/p2p-overlay';
import { connect } from 'node:net';
import { WakuNode, WhisperNode } from '@status-stack/whisper';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const entry = 'packages/node/src/cli/status-node.ts';

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function spawnNode(args: string[]): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=typescript', entry, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function until(cond: () => boolean, what: string, p?: Proc, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}${p ? `\nstdout: ${p.stdout()}\nstderr: ${p.stderr()}` : ''}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('status-node executable', () => {
  let dir: string;
  const running: Proc[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'status-node-proc-'));
  });
  afterAll(async () => {
    for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('prints its enode, accepts a Waku and a Whisper peer, logs them, exits 0 on SIGTERM; the node key persists', async () => {
    const p = spawnNode(['--listen', '127.0.0.1:0', '--data-dir', dir, '--whisper', '--waku', '--mailserver']);
    running.push(p);
    await until(() => p.stdout().includes('\n'), 'enode line', p);
    const lines = p.stdout().trim().split('\n');
    expect(lines).toHaveLength(1);
    const enode = lines[0];
    expect(enode).toMatch(/^enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:[1-9]\d*$/);

    // The key file was created with mode 0600 and is the key behind the enode.
    const keyFile = join(dir, 'nodekey');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const key = hexToBytes((await readFile(keyFile, 'utf8')).trim());
    expect(enode.slice('enode://'.length, 'enode://'.length + 128)).toBe(bytesToHex(getPublicKey(key).subarray(1)));

    const overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
    const waku = new WakuNode(overlay);
    const shh = new WhisperNode(overlay);
    try {
      await waku.start();
      await shh.start();
      await overlay.start();
      const info = await overlay.connect(enode);
      expect(info.capabilities.map((c) => `${c.name}/${c.version}`).sort()).toEqual(['shh/6', 'waku/1']);
      await until(() => waku.peers().length === 1 && shh.peers().length === 1, 'protocol handshakes', p);
      await until(() => p.stderr().includes(`peer joined ${overlay.nodeId.slice(0, 16)}`), '"peer joined" log', p);
    } finally {
      await waku.stop();
      await shh.stop();
      await overlay.stop();
    }
    await until(() => p.stderr().includes('peer left'), '"peer left" log', p);

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.stderr()).toContain('SIGTERM: shutting down');
    expect(p.stderr()).toMatch(/INFO +stopped\n$/);

    // Restarted on the same data dir: same key, same node id.
    const again = spawnNode(['--listen', '127.0.0.1:0', '--data-dir', dir, '--log-level', 'warn']);
    running.push(again);
    await until(() => again.stdout().includes('\n'), 'second enode line', again);
    expect(again.stdout().slice(0, 8 + 128)).toBe(enode.slice(0, 8 + 128));
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
    // warn level: no info lines.
    expect(again.stderr()).not.toContain('INFO');
  });

  it('one write of a valid auth plus trailing bytes does not freeze it: an honest peer handshakes within 1 s, SIGTERM stops it', async () => {
    const p = spawnNode(['--listen', '127.0.0.1:0', '--data-dir', join(dir, 'freeze'), '--waku']);
    running.push(p);
    await until(() => p.stdout().includes('\n'), 'enode line', p);
    const enode = p.stdout().trim();
    const [, id, port] = /^enode:\/\/([0-9a-f]{128})@127\.0\.0\.1:(\d+)$/.exec(enode)!;
    // The attack: auth and 64 zero bytes in one TCP write (it spun the node at 100% before).
    const attacker = connect(Number(port), '127.0.0.1');
    attacker.on('error', () => {});
    const attackerClosed = new Promise<void>((r) => attacker.once('close', () => r()));
    await new Promise<void>((r) => attacker.once('connect', () => r()));
    const auth = new HandshakeInitiator(generatePrivateKey(), hexToBytes(id)).auth;
    attacker.write(Uint8Array.of(...auth, ...new Uint8Array(64)));
    attacker.resume();
    await attackerClosed;
    const overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
    const waku = new WakuNode(overlay);
    try {
      await waku.start();
      await overlay.start();
      const t0 = Date.now();
      await overlay.connect(enode);
      expect(Date.now() - t0).toBeLessThan(1000);
    } finally {
      await waku.stop();
      await overlay.stop();
    }
    const t1 = Date.now();
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(Date.now() - t1).toBeLessThan(5000);
  });

  it('--help lists every option and exits 0; a bad option value exits 2 naming the error code', async () => {
    const help = spawnNode(['--help']);
    expect(await help.exited).toBe(0);
    for (const flag of [
      '--listen',
      '--node-key',
      '--node-key-hex',
      '--whisper',
      '--waku',
      '--min-pow',
      '--rate-limit-ip',
      '--rate-limit-peer',
      '--rate-limit-topic',
      '--light',
      '--mailserver',
      '--mailserver-password',
      '--archive',
      '--retention-days',
      '--static',
      '--bootstrap',
      '--discovery',
      '--max-peers',
      '--data-dir',
      '--log-level',
    ]) {
      expect(help.stdout()).toMatch(new RegExp(`^ +${flag}[ ,]`, 'm'));
    }
    const bad = spawnNode(['--listen', '127.0.0.1:0', '--data-dir', dir, '--min-pow', 'lots']);
    expect(await bad.exited).toBe(2);
    expect(bad.stdout()).toBe('');
    expect(bad.stderr()).toContain('--min-pow must be a number');
    expect(bad.stderr()).toContain('[INVALID_NUMBER]');
  });
});
