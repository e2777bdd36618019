#!/usr/bin/env node
// The packaging check of .ci/run, after `npm run build`: packs every workspace package as
// `npm publish` would (prepack/postpack hooks included) and checks each tarball is what a user
// should get: dist with its types, LICENSE and full metadata; no .tsbuildinfo, no tests, and no
// source-only export condition; and that packing left the repository's manifests as they were.
// Then it installs the tarballs into a fresh application outside the repository with the isolated
// layout (`npm install --install-strategy=linked`, as pnpm users get: a package sees only what it
// declares), type-checks scripts/pack-smoke/smoke.ts there with `tsc --strict` and no skipLibCheck,
// and runs it from the packages' dist with plain `node`: a relay, two clients, public and 1:1.
// `--skip-install` runs the tarball checks only.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import console from 'node:console';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { workspacePackages } from './deps-check.mjs';
import { SOURCE_CONDITIONS } from './pack-manifest.mjs';

const REQUIRED_FIELDS = ['name', 'version', 'description', 'license', 'keywords', 'homepage', 'repository', 'bugs', 'engines'];

/** Problems of one packed package: its file list and its packed package.json. */
export function tarballProblems(name, files, manifest, readme = '') {
  const problems = [];
  const say = (what) => problems.push(`${name}: ${what}`);
  for (const f of files) {
    if (f.endsWith('.tsbuildinfo')) say(`ships ${f}`);
    if (/(^|\/)test\//.test(f) || /\.test\.[cm]?[jt]s$/.test(f)) say(`ships a test: ${f}`);
    if (f.endsWith('package.json.repo')) say(`ships the pack backup ${f}`);
  }
  if (!files.includes('LICENSE')) say('has no LICENSE');
  if (!files.includes('README.md')) say('has no README.md');
  if (!files.includes('dist/index.js') || !files.includes('dist/index.d.ts')) say('has no dist/index.js with its types');
  for (const field of REQUIRED_FIELDS) if (manifest[field] === undefined) say(`package.json lacks "${field}"`);
  if (manifest.repository !== undefined && typeof manifest.repository.directory !== 'string') say('repository has no directory');
  const walk = (node, path) => {
    if (node === null || typeof node !== 'object') {
      if (typeof node === 'string' && node.startsWith('./') && !files.includes(node.slice(2))) say(`exports ${path} points at ${node}, which is not in the tarball`);
      return;
    }
    for (const [k, v] of Object.entries(node)) {
      if (SOURCE_CONDITIONS.includes(k)) say(`exports ${path} keeps the source-only condition "${k}"`);
      walk(v, `${path}/${k}`);
    }
  };
  walk(manifest.exports, '');
  // A README link that is not a URL must name a file of the tarball: `../../docs` is dead on npm.
  for (const [, target] of readme.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
    const path = target.split('#')[0].replace(/^\.\//, '');
    if (!files.some((f) => f === path || f.startsWith(`${path.replace(/\/$/, '')}/`))) say(`README links to ${target}, which is not in the tarball`);
  }
  return problems;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Native modules the application builds when installed; the repository's build of the same version is reused. */
const NATIVE = ['better-sqlite3', 'better-sqlite3-multiple-ciphers', 'secp256k1'];

const installedVersion = (name) => JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;

/** The application's package.json: every tarball, forced (overrides) so no registry copy can stand in. */
export function smokeAppManifest(tarballs) {
  const deps = Object.fromEntries(tarballs.map((t) => [t.name, `file:./tarballs/${t.filename}`]));
  return {
    name: 'status-stack-smoke-app',
    private: true,
    type: 'module',
    dependencies: deps,
    devDependencies: { typescript: installedVersion('typescript'), '@types/node': installedVersion('@types/node') },
    overrides: deps,
  };
}

/**
 * Native modules: npm would compile better-sqlite3 (twice) and secp256k1 from source here, which
 * takes minutes; so the install runs without scripts and each addon's build of the same version is
 * copied from the repository's node_modules (else rebuilt). The layout under test is unchanged.
 */
function provideNativeBuilds(app) {
  const store = join(app, 'node_modules', '.store');
  for (const entry of readdirSync(store)) {
    const name = NATIVE.find((n) => entry.startsWith(`${n}@`));
    if (!name) continue;
    const dir = join(store, entry, 'node_modules', name);
    const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
    const ours = join(ROOT, 'node_modules', name);
    if (existsSync(join(ours, 'build')) && installedVersion(name) === version) cpSync(join(ours, 'build'), join(dir, 'build'), { recursive: true });
    else execFileSync('npm', ['rebuild', name], { cwd: app, stdio: 'inherit' });
  }
}

/** Installs the tarballs with the isolated layout, type-checks the smoke program strictly and runs it. */
function installCheck(out, packed) {
  const app = mkdtempSync(join(tmpdir(), 'status-stack-smoke-app-'));
  const step = (what, cmd, args, timeout) => {
    const t = Date.now();
    try {
      execFileSync(cmd, args, { cwd: app, stdio: 'inherit', timeout, env: { ...process.env, NODE_OPTIONS: '' } });
      console.log(`smoke app: ${what} (${Date.now() - t} ms)`);
      return true;
    } catch (e) {
      console.log(`smoke app: ${what} FAILED: ${e.message.split('\n')[0]}`);
      return false;
    }
  };
  try {
    cpSync(out, join(app, 'tarballs'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify(smokeAppManifest(packed), null, 2));
    for (const f of ['smoke.ts', 'tsconfig.json']) cpSync(join(ROOT, 'scripts', 'pack-smoke', f), join(app, f));
    const problems = [];
    if (!step('npm install --install-strategy=linked', 'npm', ['install', '--install-strategy=linked', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], 600_000)) {
      return ['the tarballs do not install with the isolated layout'];
    }
    provideNativeBuilds(app);
    if (!step('tsc --strict, no skipLibCheck', process.execPath, [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], 300_000)) {
      problems.push('the smoke program does not type-check against the installed .d.ts (tsc --strict, no skipLibCheck)');
    } else if (!step('node out/smoke.js', process.execPath, [join(app, 'out', 'smoke.js')], 180_000)) {
      problems.push('the smoke program fails from the installed dist');
    }
    return problems;
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
}

function main() {
  const started = Date.now();
  const out = mkdtempSync(join(tmpdir(), 'status-stack-pack-'));
  const problems = [];
  try {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--workspaces', '--json', '--pack-destination', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
    for (const p of packed) {
      const tarball = join(out, p.filename);
      const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
      const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
      const readme = files.includes('README.md') ? execFileSync('tar', ['-xzOf', tarball, 'package/README.md'], { encoding: 'utf8' }) : '';
      problems.push(...tarballProblems(p.name, files, manifest, readme));
      console.log(`${p.name}: ${files.length} files, ${(p.size / 1024).toFixed(0)} KiB packed`);
    }
    for (const pkg of workspacePackages()) {
      if (existsSync(join(pkg.dir, 'package.json.repo'))) problems.push(`${pkg.json.name}: packing left package.json.repo behind`);
      const manifest = JSON.parse(readFileSync(join(pkg.dir, 'package.json'), 'utf8'));
      if (!JSON.stringify(manifest.exports ?? {}).includes('"typescript"')) problems.push(`${pkg.json.name}: packing did not restore the repository's manifest`);
    }
    if (problems.length === 0 && !process.argv.includes('--skip-install')) problems.push(...installCheck(out, packed));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  for (const p of problems) console.log(p);
  console.log(`pack check: ${problems.length === 0 ? 'every tarball is clean' : `${problems.length} problem(s)`} (${Date.now() - started} ms)`);
  process.exit(problems.length === 0 ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
