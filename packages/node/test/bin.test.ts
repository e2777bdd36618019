// The `status-node` bin of @status-stack/node: a committed launcher (npm links a bin only when its
// file exists at install time, so it cannot be build output), linked at the repository root by
// `npm ci`; in a checkout it runs the TypeScript sources, installed (or in a checkout pruned of its
// dev dependencies, as in the Dockerfile of docs/operators.md) it runs the build.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const pkgDir = join(repoRoot, 'packages/node');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A copy of the launcher in a folder outside the repository (so no tsx resolves), with `files`. */
function fakePackage(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'status-node-bin-'));
  dirs.push(d);
  mkdirSync(join(d, 'bin'));
  for (const f of ['launch.js', 'status-node.js']) writeFileSync(join(d, 'bin', f), readFileSync(join(pkgDir, 'bin', f)));
  writeFileSync(join(d, 'package.json'), JSON.stringify({ name: '@status-stack/node', type: 'module' }));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(d, rel, '..'), { recursive: true });
    writeFileSync(join(d, rel), text);
  }
  return d;
}

const DIST = "console.log(`dist ran (${process.pid}): ${process.argv.slice(2).join(' ')}`);\n";

describe('the status-node bin', () => {
  it('is a committed, executable launcher, recorded in the lock file and published', () => {
    expect(Object.keys(pkg.bin)).toEqual(['status-node']);
    const rel = pkg.bin['status-node'];
    expect(rel).not.toMatch(/(^|\/)dist\//);
    const file = join(pkgDir, rel);
    accessSync(file, constants.X_OK);
    expect(readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { bin?: Record<string, string> }> };
    expect(lock.packages['packages/node'].bin?.['status-node']).toBe(rel.replace(/^\.\//, ''));
    expect(pkg.files).toContain('bin');
  });

  it('at the repository root `npm exec --no status-node` runs the checkout’s program (the sources)', () => {
    const link = join(repoRoot, 'node_modules/.bin/status-node');
    expect(existsSync(link), 'node_modules/.bin/status-node: run `npm ci` (or `npm rebuild --ignore-scripts @status-stack/node`) at the repository root').toBe(true);
    expect(realpathSync(link)).toBe(realpathSync(join(pkgDir, pkg.bin['status-node'])));
    const env = { ...process.env, npm_config_offline: 'true' };
    const help = spawnSync(npm, ['exec', '--no', '--', 'status-node', '--help'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000, env });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: status-node');
    for (const flag of ['--config <file>', '--metrics <host:port>', '--log-format <format>']) expect(help.stdout).toContain(flag);
    const bad = spawnSync(npm, ['exec', '--no', '--', 'status-node', '--no-such-flag'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000, env });
    expect(bad.status).toBe(2);
  });

  it('an installed package (no tsconfig.build.json) runs dist/cli/status-node.js in the same process', () => {
    const d = fakePackage({ 'dist/cli/status-node.js': DIST });
    const r = spawnSync(process.execPath, [join(d, 'bin/status-node.js'), '--listen', '0.0.0.0:1'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`dist ran (${r.pid}): --listen 0.0.0.0:1\n`);
  });

  it('a checkout without tsx runs its build if there is one, else says to run npm ci (exit 70)', () => {
    const built = fakePackage({ 'tsconfig.build.json': '{}', 'src/cli/status-node.ts': 'throw new Error("sources ran");\n', 'dist/cli/status-node.js': DIST });
    const r = spawnSync(process.execPath, [join(built, 'bin/status-node.js'), '--help'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`dist ran (${r.pid}): --help\n`);
    const unbuilt = fakePackage({ 'tsconfig.build.json': '{}', 'src/cli/status-node.ts': 'throw new Error("sources ran");\n' });
    const u = spawnSync(process.execPath, [join(unbuilt, 'bin/status-node.js')], { encoding: 'utf8' });
    expect(u.status).toBe(70);
    expect(u.stderr).toContain('no dev dependencies (tsx) and no build: run `npm ci`');
  });
});
