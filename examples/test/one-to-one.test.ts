import { expect, it } from 'vitest';
import { runExample } from './run-example.js';

it('one-to-one: first contact, then X3DH and the Double Ratchet on the negotiated topic, every message delivered', async () => {
  const { code, stdout, stderr } = await runExample('examples/one-to-one.ts');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const blocks = stdout.split(/^ {2}(?=Alice → Bob|Bob → Alice)/m).slice(1);
  expect(blocks.map((b) => b.split('\n')[0])).toEqual([
    'Alice → Bob: Hi Bob, got your key from your QR code.',
    'Bob → Alice: Hi Alice! Welcome to our own topic.',
    'Alice → Bob: Every message here uses a fresh ratchet key.',
    'Bob → Alice: And every one is acknowledged.',
  ]);
  // First contact goes to Bob's partitioned topic (DH unless Alice already had his bundle), the rest to the negotiated topic.
  expect(blocks[0]).toMatch(/arrived via partitioned topic, opened with (dh|x3dh)\n/);
  expect(blocks[1]).toMatch(/arrived via negotiated topic, opened with (x3dh|ratchet)\n/);
  expect(blocks[2]).toContain('arrived via negotiated topic, opened with ratchet\n');
  expect(blocks[3]).toContain('arrived via negotiated topic, opened with ratchet\n');
  for (const [i, b] of blocks.entries()) expect(b).toContain(`${i % 2 === 0 ? 'Alice' : 'Bob'}'s copy: pending → sent → delivered\n`);
  const history = stdout.slice(stdout.indexOf("Alice's 1:1 with Bob:"));
  expect(history.split('\n').slice(1, 5)).toEqual([
    '  me   delivered Hi Bob, got your key from your QR code.',
    '  Bob  received  Hi Alice! Welcome to our own topic.',
    '  me   delivered Every message here uses a fresh ratchet key.',
    '  Bob  received  And every one is acknowledged.',
  ]);
  expect(stdout.trimEnd().endsWith('one-to-one done')).toBe(true);
});
