import { afterEach, expect, it } from 'vitest';
import { generatePrivateKey } from '@status-stack/crypto';
import { MemoryHub, MemoryTransport } from '@status-stack/whisper';
import { CLIENT_ERROR, ClientError, MemoryStorage, StatusClient } from '../src/index.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

function networked(staticPeers: string[] = []): StatusClient {
  const client = StatusClient.createNetworked({ identity: { privateKey: generatePrivateKey() }, storage: new MemoryStorage(), staticPeers });
  stops.push(() => client.stop());
  return client;
}

it('waitForPeers resolves once a static peer completed the handshake, and aborts with a typed error when none comes', async () => {
  const lonely = networked();
  await lonely.start();
  const err = await lonely.waitForPeers(1, { signal: AbortSignal.timeout(200) }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ClientError);
  expect((err as ClientError).code).toBe(CLIENT_ERROR.ABORTED);

  const other = networked([lonely.owned!.overlay.enode]);
  await other.start();
  await other.waitForPeers(1, { signal: AbortSignal.timeout(15_000) });
  expect(other.owned!.node.peers()).toHaveLength(1);
  await lonely.waitForPeers(1, { signal: AbortSignal.timeout(15_000) });
  expect(lonely.owned!.node.peers().map((p) => p.id)).toEqual([other.owned!.overlay.nodeId]);
});

it('waitForPeers resolves at once for a client on a transport it does not own', async () => {
  const client = new StatusClient({ identity: { privateKey: generatePrivateKey() }, storage: new MemoryStorage(), transport: new MemoryTransport(new MemoryHub()) });
  stops.push(() => client.stop());
  await client.start();
  await client.waitForPeers(1, { signal: AbortSignal.timeout(100) });
});
