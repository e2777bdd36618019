// Importing the package entry points must not load a database driver or any native addon besides
// @status-stack/crypto's optional libsecp256k1 accelerator: SQLite and PostgreSQL live behind
// '@status-stack/whisper/archive-sqlite' and '/archive-postgres'. Each import runs in a fresh
// `node` process with scripts/native-load-probe.mjs, which records every process.dlopen and every
// CommonJS module loaded from a database driver's folder.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const probe = fileURLToPath(new URL('../../../scripts/native-load-probe.mjs', import.meta.url));
const ALLOWED_NATIVE = /[\\/]node_modules[\\/](?:.*[\\/])?secp256k1[\\/]/;

interface ProbeResult {
  dlopen: string[];
  modules: string[];
}

function loadedBy(specifier: string): ProbeResult {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=typescript', '--import', probe, '-e', `await import(${JSON.stringify(specifier)});`],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const line = out.split('\n').find((l) => l.startsWith('NATIVE-PROBE '));
  if (!line) throw new Error(`no probe output from ${specifier}: ${out}`);
  return JSON.parse(line.slice('NATIVE-PROBE '.length)) as ProbeResult;
}

function unwanted(r: ProbeResult): string[] {
  return [...r.dlopen, ...r.modules].filter((f) => !ALLOWED_NATIVE.test(f)).map((f) => f.replace(root, ''));
}

describe('importing a package entry point', () => {
  it.each(['@status-stack/whisper', '@status-stack/p2p-overlay'])('%s loads no database driver or native addon', (specifier) => {
    expect(unwanted(loadedBy(specifier))).toEqual([]);
  });

  it('the probe sees a driver: @status-stack/whisper/archive-sqlite loads better-sqlite3', () => {
    const found = unwanted(loadedBy('@status-stack/whisper/archive-sqlite'));
    expect(found.some((f) => /better-sqlite3[\\/]lib[\\/]database\.js$/.test(f))).toBe(true);
  });

  it('the probe sees a native addon: opening an SQLite archive dlopens better_sqlite3.node', () => {
    const r = loadedBy('data:text/javascript,' + encodeURIComponent(
      "import { createRequire } from 'node:module'; const require = createRequire(" + JSON.stringify(probe) + "); const D = require('better-sqlite3'); new D(':memory:').close();",
    ));
    expect(r.dlopen.some((f) => f.endsWith('.node') && !ALLOWED_NATIVE.test(f))).toBe(true);
  });
});
