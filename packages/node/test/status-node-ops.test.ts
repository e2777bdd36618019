// The status-node program as an operator runs it: options from a --config file (flags on top),
// --log-format json (every stderr line one JSON object), --metrics serving /health and /metrics,
// a client connecting, SIGTERM, exit 0. And a bad config file: exit 2 naming the key.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesToHex, generatePrivateKey } from '@status-stack/crypto';
import { RlpxOverlay } from '@status-stack/p2p-overlay';
import { WakuNode } from '@status-stack/whisper';
import { LOG_LEVELS } from '../src/index.js';
import { until } from '../../../test-support/index.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const entry = 'packages/node/src/cli/status-node.ts';
const dir = mkdtempSync(join(tmpdir(), 'status-node-ops-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


interface JsonLine {
  time: string;
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

describe('status-node --config --log-format json --metrics (a real process)', () => {
  it('logs only JSON lines, serves /health and /metrics, and stops cleanly on SIGTERM', async () => {
    const config = join(dir, 'status-node.json');
    writeFileSync(config, JSON.stringify({ listen: '127.0.0.1:30399', logFormat: 'json', logLevel: 'debug', metrics: '127.0.0.1:0', mailserver: true, archive: 'sqlite::memory:', dataDir: 'data' }));
    // --listen on the command line overrides the file's port (which may be taken).
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=typescript', entry, '--config', config, '--listen', '127.0.0.1:0', '--node-key-hex', bytesToHex(generatePrivateKey())], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    let overlay: RlpxOverlay | undefined;
    let client: WakuNode | undefined;
    try {
      await until(() => /^enode:\/\/.*\n/m.test(out) || child.exitCode !== null, 'the enode line');
      expect(child.exitCode, err).toBeNull();
      const enode = out.split('\n').find((l) => l.startsWith('enode://'))!;
      const lines = (): JsonLine[] =>
        err
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as JsonLine);
      const metricsUrl = lines().find((l) => typeof l.fields.metrics === 'string')?.fields.metrics as string;
      expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const h = await fetch(`${metricsUrl}/health`);
      expect(h.status).toBe(200);
      expect(await h.json()).toEqual({ status: 'ready', ready: true, enode, peers: { total: 0, waku: 0 } });

      overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
      client = new WakuNode(overlay);
      await client.start();
      await overlay.start();
      await overlay.connect(enode);
      await until(() => client!.peers().length === 1, 'handshake');
      await until(async () => ((await (await fetch(`${metricsUrl}/health`)).json()) as { peers: { waku: number } }).peers.waku === 1, 'health counts the peer');
      const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
      expect(metrics).toMatch(/^status_node_peers\{protocol="waku"\} 1$/m);
      expect(metrics).toMatch(/^status_node_archive_envelopes 0$/m);
      await until(() => lines().some((l) => l.msg.startsWith('peer joined')), 'a "peer joined" line');
      const joined = lines().find((l) => l.msg.startsWith('peer joined'))!;
      expect(joined.fields).toMatchObject({ peer: overlay.nodeId, inbound: true, address: '127.0.0.1', peers: 1 });
    } finally {
      await client?.stop();
      await overlay?.stop();
      child.kill('SIGTERM');
    }
    expect(await exited, err).toBe(0);

    const lines = err.split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      const j = JSON.parse(line) as JsonLine;
      expect(Object.keys(j)).toEqual(['time', 'level', 'msg', 'fields']);
      expect(new Date(j.time).toISOString()).toBe(j.time);
      expect(LOG_LEVELS).toContain(j.level);
      expect(typeof j.msg).toBe('string');
      expect(typeof j.fields).toBe('object');
    }
    const parsed = lines.map((l) => JSON.parse(l) as JsonLine);
    expect(parsed.some((l) => l.msg.startsWith('listening on 127.0.0.1:'))).toBe(true);
    expect(parsed.some((l) => l.msg === 'SIGTERM: shutting down')).toBe(true);
    expect(parsed.at(-1)!.msg).toBe('stopped');
    // The libraries' debug output came through the JSON logger too.
    expect(parsed.some((l) => l.fields.source === 'debug' && l.level === 'debug')).toBe(true);
  });

  it('a bad config file: exit 2, the message naming the file, the key and the value; nothing starts', () => {
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ maxPeers: 'fifty' }));
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=typescript', entry, '--config', config, '--listen', '127.0.0.1:0'], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`config file ${config}: "maxPeers" must be a number, got a string "fifty" [INVALID_CONFIG_VALUE]`);
  });
});
