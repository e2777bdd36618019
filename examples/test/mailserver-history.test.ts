import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { expect, it } from 'vitest';
import { runExample } from './run-example.js';

const tempDirs = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('status-stack-history-'));

it('mailserver-history: Bob, offline while Alice posts, gets her messages from the mailserver on start, in order', async () => {
  const before = new Set(tempDirs());
  const { code, stdout, stderr } = await runExample('examples/mailserver-history.ts');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(stdout).toMatch(/^mailserver enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+$/m);
  expect(stdout).toContain('\nBob goes offline\n');
  expect(stdout).toMatch(/the mailserver has archived \d+ envelopes/);
  // Every one of them came through the history request, none live from the relay.
  expect(stdout).toContain('  3 messages arrived from the mailserver\'s history\n');
  const history = stdout.slice(stdout.indexOf("Bob's #status-stack-history:")).split('\n').slice(1, 4);
  expect(history.map((l) => l.replace(/^ {2}\d\d:\d\d:\d\d /, ''))).toEqual([
    'Alice: Bob, are you there?',
    'Alice: Guess not. The trail opens at 9.',
    'Alice: Bring water. See you Saturday!',
  ]);
  expect(stdout.trimEnd().endsWith('mailserver history done')).toBe(true);
  // Its SQLite files (archive, Bob's and Alice's storage) went with its temporary folder.
  expect(tempDirs().filter((n) => !before.has(n))).toEqual([]);
});
