// How the bin of @status-stack/node starts. From an installed package it runs the build
// (dist/cli/<name>.js). In a checkout of the repository (tsconfig.build.json beside package.json)
// it runs the TypeScript sources through tsx, a dev dependency of the repository: `npx status-node`
// works right after `npm ci`, needs no `npm run build`, and never runs a build older than the sources.
/* global process, URL */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pkg = new URL('../', import.meta.url);
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Runs the program `name` (status-node) with this process's arguments. */
export async function launch(name) {
  const source = new URL(`src/cli/${name}.ts`, pkg);
  const built = new URL(`dist/cli/${name}.js`, pkg);
  if (!(existsSync(new URL('tsconfig.build.json', pkg)) && existsSync(source))) {
    await import(built.href);
    return;
  }
  let loader;
  try {
    loader = import.meta.resolve('tsx');
  } catch {
    // A checkout built and then pruned of its dev dependencies (`npm ci && npm run build &&
    // npm prune --omit=dev`, as the Dockerfile in docs/operators.md does) runs its build.
    if (existsSync(built)) {
      await import(built.href);
      return;
    }
    process.stderr.write(`${name}: this checkout has no dev dependencies (tsx) and no build: run \`npm ci\` at the repository root first\n`);
    process.exit(70);
  }
  const child = spawn(process.execPath, [...process.execArgv, '--import', loader, '--conditions=typescript', fileURLToPath(source), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  // A signal sent to this process (not to the terminal's process group) must reach the program too.
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const s of FORWARDED) process.on(s, forward);
  child.on('error', (e) => {
    process.stderr.write(`${name}: cannot start ${process.execPath}: ${e.message}\n`);
    process.exit(70);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal, as the program did.
      for (const s of FORWARDED) process.off(s, forward);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}
