import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { runExample } from './run-example.js';

it('custom-transport: the transport part is under 50 lines', () => {
  const source = readFileSync(new URL('../custom-transport.ts', import.meta.url), 'utf8');
  const start = source.indexOf('// ---- the transport');
  const end = source.indexOf('// ---- end of the transport');
  expect(start).toBeGreaterThan(0);
  expect(end).toBeGreaterThan(start);
  const lines = source.slice(start, end).split('\n').length - 2;
  expect(lines).toBeLessThan(50);
  expect(source.slice(start, end)).toContain('implements EnvelopeTransport');
});

it('custom-transport: two clients chat over an in-process bus, public and 1:1 with delivery acks', async () => {
  const { code, stdout, stderr } = await runExample('examples/custom-transport.ts');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(stdout).toMatch(/^Alice is [A-Z][a-z]+ [A-Z][a-z]+ [A-Z][a-z]+, Bob is [A-Z][a-z]+ [A-Z][a-z]+ [A-Z][a-z]+, both on a BusTransport$/m);
  expect(stdout).toContain('  [#bus-riders] Alice → Bob: Anyone on this bus?  (via public)\n');
  expect(stdout).toContain('  [#bus-riders] Bob → Alice: Me! It is a short ride.  (via public)\n');
  expect(stdout).toMatch(/^ {2}\[1:1\] Alice → Bob: Psst, Bob\. {2}\(via partitioned\/(dh|x3dh), delivered\)$/m);
  expect(stdout).toMatch(/^ {2}\[1:1\] Bob → Alice: Hi Alice, only you can read this\. {2}\(via negotiated\/(x3dh|ratchet), delivered\)$/m);
  expect(stdout).toContain('  [1:1] Alice → Bob: Ratchet and all, on our own bus.  (via negotiated/ratchet, delivered)\n');
  expect(stdout.trimEnd().endsWith('custom transport done')).toBe(true);
});
