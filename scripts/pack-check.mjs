#!/usr/bin/env node
// The packaging check of .ci/run, after `npm run build`: packs every workspace package as
// `npm publish` would (prepack/postpack hooks included) and checks each tarball is what a user
// should get: dist with its types, LICENSE and full metadata; no .tsbuildinfo, no tests, and no
// source-only export condition; and that packing left the repository's manifests as they were.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import console from 'node:console';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { workspacePackages } from './deps-check.mjs';
import { SOURCE_CONDITIONS } from './pack-manifest.mjs';

const REQUIRED_FIELDS = ['name', 'version', 'description', 'license', 'keywords', 'homepage', 'repository', 'bugs', 'engines'];

/** Problems of one packed package: its file list and its packed package.json. */
export function tarballProblems(name, files, manifest) {
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
  return problems;
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
      problems.push(...tarballProblems(p.name, files, manifest));
      console.log(`${p.name}: ${files.length} files, ${(p.size / 1024).toFixed(0)} KiB packed`);
    }
    for (const pkg of workspacePackages()) {
      if (existsSync(join(pkg.dir, 'package.json.repo'))) problems.push(`${pkg.json.name}: packing left package.json.repo behind`);
      const manifest = JSON.parse(readFileSync(join(pkg.dir, 'package.json'), 'utf8'));
      if (!JSON.stringify(manifest.exports ?? {}).includes('"typescript"')) problems.push(`${pkg.json.name}: packing did not restore the repository's manifest`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  for (const p of problems) console.log(p);
  console.log(`pack check: ${problems.length === 0 ? 'every tarball is clean' : `${problems.length} problem(s)`} (${Date.now() - started} ms)`);
  process.exit(problems.length === 0 ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
