// The README's runnable example, extracted from README.md and run as written in a child process
// (importing the package's public entry), so it cannot drift.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const readme = readFileSync(join(repoRoot, 'packages/node/README.md'), 'utf8');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

it('README: startStatusNode with metrics, /health and /metrics fetched, stopped', () => {
  const at = readme.indexOf('\n## In a program (`startStatusNode`)');
  expect(at).toBeGreaterThan(0);
  const code = /```ts\n([\s\S]*?)```/.exec(readme.slice(at))![1];
  expect(code).toContain("from '@status-stack/node'");
  // Inside the repository (a git-ignored folder), so `@status-stack/node` resolves to the workspace.
  mkdirSync(join(repoRoot, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(repoRoot, '.tmp', 'node-readme-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'example.ts'), code);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=typescript', 'example.ts'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^relay enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+\nhealth ready 0\npeers metric true\n$/);
});
