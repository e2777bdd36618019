#!/usr/bin/env node
// Compares what each workspace package imports at runtime with what its package.json declares.
//
//   node scripts/deps-check.mjs          # prints every mismatch, exits 1 if any
//
// Scanned: src/, generated/, bin/ (the shipped code). A bare specifier imported there must be
// in `dependencies`, `optionalDependencies` or `peerDependencies`; a declared runtime
// dependency must be imported there (or be a types package that the emitted .d.ts needs).
// Type-only imports (`import type`) count as "types": the package providing them
// (`@types/x` for untyped x) must then be declared too, since our .d.ts mention them.
import console from 'node:console';
import process from 'node:process';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCANNED = ['src', 'generated', 'bin'];
const CODE = /\.(?:[cm]?[jt]s|tsx)$/;

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (CODE.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The package name of a bare specifier ('@a/b/c' → '@a/b', 'x/y' → 'x'), or undefined. */
export function packageOf(spec) {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('#')) return undefined;
  if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) return undefined;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * The specifiers one file imports: { runtime: Set, types: Set }. Handles static imports and
 * re-exports, `import type`, dynamic `import('x')`, and string constants passed to a dynamic
 * import (`const M: string = 'x'; … import(M)`), which is how the pg driver is loaded.
 */
export function importsOf(text) {
  const runtime = new Set();
  const types = new Set();
  const noComments = stripComments(text);
  const stmt = /(?:^|[\n;])\s*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"]([^'"]+)['"]/g;
  for (const m of noComments.matchAll(stmt)) {
    const typeOnly = Boolean(m[2]) || /^\{[^}]*\}$/.test(m[3]) && m[3].slice(1, -1).split(',').every((x) => !x.trim() || /^type\s/.test(x.trim()));
    (typeOnly ? types : runtime).add(m[4]);
  }
  for (const m of noComments.matchAll(/(?:^|[\n;])\s*import\s*['"]([^'"]+)['"]/g)) runtime.add(m[1]);
  for (const m of noComments.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) runtime.add(m[1]);
  for (const m of noComments.matchAll(/\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) runtime.add(m[1]);
  // import(NAME) where NAME is a string constant in the same file.
  for (const m of noComments.matchAll(/\bimport\s*\(\s*([A-Za-z_$][\w$]*)\s*\)/g)) {
    const decl = new RegExp(`\\b(?:const|let|var)\\s+${m[1]}\\b[^=]*=\\s*['"]([^'"]+)['"]`).exec(noComments);
    if (decl) runtime.add(decl[1]);
  }
  // `import('x')` in type positions (`typeof import('x')`) is a type use only.
  for (const m of noComments.matchAll(/\btypeof\s+import\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    runtime.delete(m[1]);
    types.add(m[1]);
  }
  return { runtime, types };
}

/** The text without comments (strings and template literals kept as they are). */
export function stripComments(text) {
  let out = '';
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
      out += ' ';
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function walkDts(dir, out = [], depth = Infinity) {
  if (!existsSync(dir) || depth < 0) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules') continue;
    if (statSync(p).isDirectory()) walkDts(p, out, depth - 1);
    else if (name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

export function workspacePackages() {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return root.workspaces.map((w) => {
    const dir = join(ROOT, w);
    return { dir, rel: w, json: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) };
  });
}

function hasOwnTypes(name, fromDir) {
  // A package ships its own types if its package.json has types/typings/exports types.
  let dir = fromDir;
  for (;;) {
    const pj = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(pj)) {
      const j = JSON.parse(readFileSync(pj, 'utf8'));
      if (j.types || j.typings) return true;
      const s = JSON.stringify(j.exports ?? {});
      if (s.includes('"types"') || s.includes('.d.ts')) return true;
      // Declarations next to the JavaScript (found by TypeScript without a `types` field).
      return walkDts(join(dir, 'node_modules', name), [], 4).length > 0;
    }
    const up = dirname(dir);
    if (up === dir) return true; // not installed: cannot tell, do not complain
    dir = up;
  }
}

/** Returns a list of human-readable problems; empty when every package is exact. */
export function checkDependencies() {
  const problems = [];
  const all = workspacePackages();
  const byName = new Map(all.map((p) => [p.json.name, p.json]));
  for (const pkg of all) {
    const { json } = pkg;
    const runtime = new Map(); // package -> first file
    const types = new Map();
    for (const sub of SCANNED) {
      for (const file of walk(join(pkg.dir, sub))) {
        const { runtime: r, types: t } = importsOf(readFileSync(file, 'utf8'));
        for (const s of r) { const n = packageOf(s); if (n && n !== json.name && !runtime.has(n)) runtime.set(n, relative(ROOT, file)); }
        for (const s of t) { const n = packageOf(s); if (n && n !== json.name && !types.has(n)) types.set(n, relative(ROOT, file)); }
      }
    }
    const deps = json.dependencies ?? {};
    const optional = json.optionalDependencies ?? {};
    const peers = json.peerDependencies ?? {};
    const declared = new Set([...Object.keys(deps), ...Object.keys(optional), ...Object.keys(peers)]);
    for (const [n, file] of runtime) {
      if (!declared.has(n)) problems.push(`${json.name}: imports '${n}' (${file}) but does not declare it`);
    }
    for (const [n, file] of types) {
      if (!declared.has(n) && !runtime.has(n)) problems.push(`${json.name}: type-imports '${n}' (${file}) but does not declare it`);
    }
    // What the emitted declarations mention must resolve for a user: declared, with types.
    const typeNeeds = new Set();
    for (const file of walkDts(join(pkg.dir, 'dist'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from\s*|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)) {
        const n = packageOf(m[1]);
        if (!n || n === json.name) continue;
        const where = relative(ROOT, file);
        if (!declared.has(n) && !(n in (json.peerDependencies ?? {}))) problems.push(`${json.name}: ${where} mentions '${n}', which is not a dependency`);
        if (!n.startsWith('@types/') && !hasOwnTypes(n, pkg.dir)) {
          const t = `@types/${n.startsWith('@') ? n.slice(1).replace('/', '__') : n}`;
          if (typeNeeds.has(t)) continue;
          typeNeeds.add(t);
          if (!(t in deps) && !(t in peers) && !(t in optional)) problems.push(`${json.name}: ${where} mentions '${n}', which has no types of its own; declare '${t}'`);
        }
      }
    }
    // A package may declare what a workspace package it imports takes as a peer: it provides it
    // (the client gives whisper's SQLite archive its driver).
    const provided = new Set();
    for (const n of runtime.keys()) for (const peer of Object.keys(byName.get(n)?.peerDependencies ?? {})) provided.add(peer);
    // `@types/x` is used when x is: src/ imports pg, so the emitted .d.ts (built or not yet) names it.
    const typesOf = (n) => (n.startsWith('@types/') ? n.slice(7).replace(/^(.+)__/, '@$1/') : undefined);
    const used = (n) =>
      runtime.has(n) || types.has(n) || typeNeeds.has(n) || provided.has(n) || (typesOf(n) !== undefined && runtime.has(typesOf(n)));
    for (const n of Object.keys(deps)) {
      if (!used(n)) problems.push(`${json.name}: declares dependency '${n}' that src/ does not import`);
    }
    for (const n of Object.keys(optional)) {
      if (!runtime.has(n)) problems.push(`${json.name}: declares optional dependency '${n}' that src/ does not import`);
    }
    for (const n of Object.keys(peers)) {
      if (!used(n)) problems.push(`${json.name}: declares peer dependency '${n}' that src/ does not import`);
    }
  }
  return problems;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const problems = checkDependencies();
  for (const p of problems) console.log(p);
  console.log(problems.length ? `${problems.length} dependency problem(s)` : 'dependencies: every package declares exactly what it imports');
  process.exit(problems.length ? 1 : 0);
}
