import { expect, it } from 'vitest';
import { RlpxOverlay } from '../src/index.js';
import { until } from './helpers.js';

// The README's first example, as written there, with its console output captured.
it('the README example runs: two nodes, two capabilities, a message each way', async () => {
  const seen: string[] = [];
  const console = { log: (...args: unknown[]) => seen.push(args.slice(0, 2).join(' ')) };

  const shh = { name: 'shh', version: 6, length: 128 };
  const waku = { name: 'waku', version: 1, length: 128 };

  const alice = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
  const bob = new RlpxOverlay({ host: '127.0.0.1', port: 0 });

  alice.register(shh, (link) => link.onMessage((code, payload) => console.log('alice got shh', code, payload)));
  alice.register(waku, (link) => link.send(3, Uint8Array.of(0xc0))); // capability-relative code, RLP payload
  bob.register(shh, (link) => link.send(1, Uint8Array.of(0x01)));
  bob.register(waku, (link) => link.onMessage((code, payload) => console.log('bob got waku', code, payload)));

  await alice.start();
  await bob.start();
  await alice.connect(bob.enode); // enode://<64-byte key hex>@127.0.0.1:<port>

  await until(() => seen.length === 2, 'both messages');
  expect(seen.sort()).toEqual(['alice got shh 1', 'bob got waku 3']);

  await alice.stop(); // peers see Disconnect(CLIENT_QUITTING)
  await bob.stop();
});
