#!/usr/bin/env node
// npm's prepack/postpack hooks of every package: `strip` removes the source-only export conditions
// (`typescript`, `status-stack:source`, which the repository's tests and tsx use to run src/) from the
// package.json that goes into the tarball, keeping the original beside it; `restore` puts it back.
// A user's own `customConditions: ["typescript"]` can then never reach our raw sources.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

export const SOURCE_CONDITIONS = ['typescript', 'status-stack:source'];
const BACKUP = 'package.json.repo';

/** The manifest with every source-only condition removed from `exports`. */
export function stripSourceConditions(manifest) {
  const out = JSON.parse(JSON.stringify(manifest));
  const strip = (node) => {
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(Object.entries(node).filter(([k]) => !SOURCE_CONDITIONS.includes(k)).map(([k, v]) => [k, strip(v)]));
  };
  if (out.exports !== undefined) out.exports = strip(out.exports);
  return out;
}

function main(mode, dir) {
  const manifest = join(dir, 'package.json');
  const backup = join(dir, BACKUP);
  if (mode === 'strip') {
    // Run twice (an interrupted pack), the backup already holds the original: keep it.
    if (!existsSync(backup)) writeFileSync(backup, readFileSync(manifest));
    const original = JSON.parse(readFileSync(backup, 'utf8'));
    writeFileSync(manifest, `${JSON.stringify(stripSourceConditions(original), null, 2)}\n`);
  } else if (mode === 'restore') {
    if (existsSync(backup)) renameSync(backup, manifest);
  } else {
    throw new Error(`usage: pack-manifest.mjs strip|restore (got ${String(mode)})`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv[2], process.cwd());
