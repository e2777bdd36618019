import { expect, it } from 'vitest';
import { runExample } from './run-example.js';

it('public-chat: two clients on a local RLPx relay join a public chat and talk', async () => {
  const { code, stdout, stderr } = await runExample('examples/public-chat.ts');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(stdout).toMatch(/^relay enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+$/m);
  expect(stdout).toMatch(/^Alice is [A-Z][a-z]+ [A-Z][a-z]+ [A-Z][a-z]+ \(0x04[0-9a-f]{14}…\), connected$/m);
  expect(stdout).toMatch(/^ {2}Bob got from Alice \([^)]+\): Hello #status-stack-public! {2}\[via public\]$/m);
  expect(stdout).toMatch(/^ {2}Alice got from Bob \([^)]+\): Hi Alice\. Anyone who knows the channel name can read this\. {2}\[via public\]$/m);
  expect(stdout).toMatch(/^ {2}Bob got from Alice \([^)]+\): That is what public means\. See you around, Bob\. {2}\[via public\]$/m);
  // Bob's stored copy: all three, in order, his own reply recognised as his.
  const history = stdout.slice(stdout.indexOf("Bob's #status-stack-public (3 messages):"));
  expect(history.split('\n').slice(1, 4)).toEqual([
    '  Alice Hello #status-stack-public!',
    '  me    Hi Alice. Anyone who knows the channel name can read this.',
    '  Alice That is what public means. See you around, Bob.',
  ]);
  expect(stdout.trimEnd().endsWith('public chat done')).toBe(true);
});
