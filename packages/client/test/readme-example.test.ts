// The README's runnable example ("Embedding a relay node"), extracted from README.md and run as
// written in a child process (imports through the package's public entry), so it cannot drift.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { repoRoot } from './fixtures/status-chat-harness.js';

const readme = readFileSync(join(repoRoot, 'packages/client/README.md'), 'utf8');

/** The first ```ts block after the heading `## <title>`. */
function example(title: string): string {
  const at = readme.indexOf(`\n## ${title}`);
  if (at < 0) throw new Error(`README.md has no "## ${title}" section`);
  const m = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!m) throw new Error(`no ts example under "## ${title}"`);
  return m[1];
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

it('README: startStatusNode with typed options, a client connecting to it, both stopped', () => {
  const code = example('Embedding a relay node (`startStatusNode`)');
  expect(code).toContain('startStatusNode({');
  // Inside the repository (a git-ignored folder), so `@status-stack/client` resolves to the workspace.
  mkdirSync(join(repoRoot, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(repoRoot, '.tmp', 'readme-example-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'example.ts'), code);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=typescript', 'example.ts'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^relay enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+\npeers 1\n$/);
});
