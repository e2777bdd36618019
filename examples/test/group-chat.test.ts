import { expect, it } from 'vitest';
import { runExample } from './run-example.js';

it('group-chat: create, add, join, rename, leave, and every member ends with the same group state', async () => {
  const { code, stdout, stderr } = await runExample('examples/group-chat.ts');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(stdout).toContain('  Bob was invited to "trail crew"\n');
  expect(stdout).toContain('  Alice: Welcome, Bob! Saturday hike?   (read by Bob)\n');
  expect(stdout).toContain('  Carol: Hi both, count me in.   (read by Alice, Bob)\n');
  expect(stdout).toContain('  Alice renamed the group to "summit crew"\n');
  expect(stdout).toContain('  Alice: Just the two of us then, Carol.   (read by Carol)\n');
  const views = stdout.slice(stdout.indexOf("# each member's view")).split('\n').slice(1, 4);
  const state = 'name="summit crew" members=[Alice, Carol] joined=[Alice, Carol] admins=[Alice]';
  expect(views).toEqual([`  Alice ${state} I am in it: yes`, `  Bob   ${state} I am in it: no`, `  Carol ${state} I am in it: yes`]);
  expect(stdout.trimEnd().endsWith('group chat done')).toBe(true);
});
