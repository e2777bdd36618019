// The bins of @status-stack/client in a checkout: `npx status-chat` (status-inspect)
// must run the workspace's program, not ask the public registry. npm links a bin only when its file
// exists at install time (bin-links skips a missing one silently), so the bins are committed
// launchers (bin/*.js), not build output; in a checkout they run the TypeScript sources.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './fixtures/status-chat-harness.js';

const pkgDir = join(repoRoot, 'packages/client');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
const BINS = ['status-chat', 'status-inspect'];
// status-node is @status-stack/node's bin, started through the same kind of launcher (packages/node/test/bin.test.ts).
const nodePkgDir = join(repoRoot, 'packages/node');
const nodePkg = JSON.parse(readFileSync(join(nodePkgDir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function npmExec(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  // --no: never install from a registry; a bin that is not linked locally is an error, not a download.
  const r = spawnSync(npm, ['exec', '--no', '--', ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, npm_config_offline: 'true' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('bins in a checkout', () => {
  it('every bin is a committed launcher that exists without a build (so `npm ci` links it), is executable, and is published', () => {
    expect(Object.keys(pkg.bin).sort()).toEqual([...BINS].sort());
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { bin?: Record<string, string> }> };
    for (const name of BINS) {
      const rel = pkg.bin[name];
      // dist/ is git-ignored build output: absent when npm ci runs, so npm would link nothing.
      expect(rel, name).not.toMatch(/(^|\/)dist\//);
      const file = join(pkgDir, rel);
      expect(existsSync(file), `${file} exists`).toBe(true);
      accessSync(file, constants.X_OK);
      expect(readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
      // npm ci links what the lock file records for the workspace.
      expect(lock.packages['packages/client'].bin?.[name]).toBe(rel.replace(/^\.\//, ''));
      expect(pkg.files).toContain(rel.replace(/^\.\//, '').split('/')[0]);
    }
  });

  it('npm links them (as npm ci / npm install does) and `npm exec --no` runs the checkout’s programs', () => {
    // A project depending on the workspace package, linked as npm links workspaces; `npm rebuild`
    // links bins exactly as an install does.
    const project = mkdtempSync(join(tmpdir(), 'status-bins-'));
    dirs.push(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'bins-check', version: '1.0.0', private: true, dependencies: { '@status-stack/client': `file:${pkgDir}` } }));
    mkdirSync(join(project, 'node_modules/@status-stack'), { recursive: true });
    symlinkSync(pkgDir, join(project, 'node_modules/@status-stack/client'), 'dir');
    const rebuilt = spawnSync(npm, ['rebuild', '--ignore-scripts', '--offline'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    expect(rebuilt.status, rebuilt.stderr).toBe(0);
    for (const name of BINS) {
      const link = join(project, 'node_modules/.bin', name);
      expect(lstatSync(link).isSymbolicLink(), `${name} linked`).toBe(true);
      expect(realpathSync(link)).toBe(realpathSync(join(pkgDir, pkg.bin[name])));
    }
    const chat = npmExec(project, ['status-chat', '--help']);
    expect(chat.status, chat.stderr).toBe(0);
    expect(chat.stdout).toContain('Usage: status-chat');
    expect(chat.stdout).toContain('--offline');
    const inspect = npmExec(project, ['status-inspect', '--help']);
    expect(inspect.status, inspect.stderr).toBe(0);
    expect(inspect.stdout).toContain('Usage: status-inspect');
    // Exit codes come through the launcher.
    expect(npmExec(project, ['status-chat', '--no-such-flag']).status).toBe(2);
  });

  it('at the repository root (after npm ci), `npx status-chat` resolves to the workspace bin, not the registry', () => {
    for (const name of BINS) {
      const link = join(repoRoot, 'node_modules/.bin', name);
      expect(existsSync(link), `node_modules/.bin/${name}: run \`npm ci\` (or \`npm rebuild --ignore-scripts @status-stack/client\`) at the repository root to link the bins`).toBe(true);
      expect(realpathSync(link)).toBe(realpathSync(join(pkgDir, pkg.bin[name])));
    }
    const r = npmExec(repoRoot, ['status-chat', '--help']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Usage: status-chat');
  });

  it('an installed package (no tsconfig.build.json: not a checkout) runs its build, dist/cli/<name>.js, in the same process', () => {
    const installed = mkdtempSync(join(tmpdir(), 'status-bins-installed-'));
    dirs.push(installed);
    mkdirSync(join(installed, 'bin'));
    mkdirSync(join(installed, 'dist/cli'), { recursive: true });
    writeFileSync(join(installed, 'package.json'), JSON.stringify({ name: '@status-stack/client', type: 'module' }));
    for (const f of ['launch.js', 'status-chat.js']) writeFileSync(join(installed, 'bin', f), readFileSync(join(pkgDir, 'bin', f)));
    writeFileSync(join(installed, 'dist/cli/status-chat.js'), "console.log(`dist ran (${process.pid}): ${process.argv.slice(2).join(' ')}`);\n");
    const r = spawnSync(process.execPath, [join(installed, 'bin/status-chat.js'), 'send', '--to', '#x'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`dist ran (${r.pid}): send --to #x\n`);
  });

  it('a signal sent to the launcher reaches the program: status-node started through its bin stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'status-bins-node-'));
    dirs.push(dataDir);
    const child = spawn(process.execPath, [join(nodePkgDir, nodePkg.bin['status-node']), '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const deadline = Date.now() + 30_000;
    while (!/^enode:\/\//m.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no enode line\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(err).toMatch(/SIGTERM: shutting down/);
    expect(err).toMatch(/INFO {2}stopped/);
  });
});
