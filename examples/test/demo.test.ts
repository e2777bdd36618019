import { expect, it } from 'vitest';
import { runExample } from './run-example.js';

it('the main-job demo runs to completion: two nodes exchange messages both ways', async () => {
  const { code, stdout, stderr } = await runExample('examples/demo.ts');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(stdout).toMatch(/bob {3}<- [0-9a-f]{12}…: hello bob/);
  expect(stdout).toMatch(/alice <- [0-9a-f]{12}…: hello alice, got "hello bob"/);
  expect(stdout).toContain('demo complete');
});
