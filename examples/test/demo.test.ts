import { expect, it } from 'vitest';
import { runExample } from './run-example.js';

it('the main-job demo runs to completion: public chat, 1:1 with delivery acks, and a group chat over RLPx', async () => {
  const { code, stdout, stderr } = await runExample('examples/demo.ts');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(stdout).toMatch(/^relay enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+$/m);
  expect(stdout).toMatch(/\[#status-stack-demo\] Bob \([A-Z][a-z]+ [A-Z][a-z]+ [A-Z][a-z]+\): Hi Alice, Bob here\. {2}via public/);
  expect(stdout).toMatch(/\[1:1\] Bob \([^)]+\): Got it, Alice\. Replying over our negotiated topic\. {2}via negotiated\/ratchet/);
  expect(stdout.match(/delivered\)/g)).toHaveLength(3);
  expect(stdout).toMatch(/\[demo group\] Bob \([^)]+\): Thanks! Renaming it\./);
  expect(stdout).toContain('Bob sees "status-stack friends"');
  expect(stdout.trimEnd().endsWith('demo complete')).toBe(true);
});
