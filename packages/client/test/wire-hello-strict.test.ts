// The Hello that the stack's ready-made nodes put on the wire, read over real TCP by an overlay
// that records what it decrypted, and decoded with go-ethereum's strict rules: a default
// `status-node --waku`, `status-node --whisper --waku` and `StatusClient.createNetworked()`.
// Before our own Hello encoding, waku/0's version went out as the byte 0x00, and status-go
// dropped every such node (`rlp: non-canonical integer … Caps[1].Version`).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToUtf8, generatePrivateKey } from '@status-stack/crypto';
import { P2P_SCHEMA, RlpxOverlay, decodeRlpStrictAs } from '@status-stack/p2p-overlay';
import { parseNodeOptions, startStatusNode } from '@status-stack/node';
import { MemoryStorage, StatusClient } from '../src/index.js';
import { until } from '../../../test-support/index.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
});


/** An overlay speaking everything, recording each Hello it reads. */
async function recorder(): Promise<{ overlay: RlpxOverlay; hellos: Uint8Array[] }> {
  const hellos: Uint8Array[] = [];
  const overlay = new RlpxOverlay({ tap: (dir, code, payload) => dir === 'in' && code === 0 && hellos.push(payload.slice()) });
  for (const c of [
    { name: 'shh', version: 6, length: 128 },
    { name: 'waku', version: 0, length: 128 },
    { name: 'waku', version: 1, length: 128 },
  ]) {
    overlay.register(c, () => {});
  }
  await overlay.start();
  closers.push(() => overlay.stop());
  return { overlay, hellos };
}

function capsOf(hello: Uint8Array): string[] {
  const fields = decodeRlpStrictAs(hello, P2P_SCHEMA.HELLO) as unknown as [Uint8Array, Uint8Array, Uint8Array[][]];
  return fields[2].map(([n, v]) => `${bytesToUtf8(n)}/${v.length === 0 ? 0 : v[0]}`);
}

describe('the Hello of the ready-made nodes passes the strict decoder', () => {
  for (const [label, flags, caps] of [
    ['status-node --waku', { waku: true }, ['waku/0', 'waku/1']],
    ['status-node --whisper --waku', { waku: true, whisper: true }, ['shh/6', 'waku/0', 'waku/1']],
  ] as Array<[string, { waku?: boolean; whisper?: boolean }, string[]]>) {
    it(label, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'hello-strict-'));
      closers.push(() => rm(dataDir, { recursive: true, force: true }));
      const rec = await recorder();
      const node = await startStatusNode(parseNodeOptions({ listen: '127.0.0.1:0', dataDir, static: [rec.overlay.enode], ...flags }), { logger: () => {} });
      closers.push(() => node.stop());
      await until(() => rec.hellos.length > 0, 'Hello from status-node');
      expect(capsOf(rec.hellos[0])).toEqual(caps);
    });
  }

  it('StatusClient.createNetworked() (Waku, its default)', async () => {
    const rec = await recorder();
    const storage = new MemoryStorage();
    const client = StatusClient.createNetworked({ identity: { privateKey: generatePrivateKey() }, storage, host: '127.0.0.1', port: 0, staticPeers: [rec.overlay.enode] });
    closers.push(async () => {
      await client.stop();
      await storage.close();
    });
    await client.start();
    await until(() => rec.hellos.length > 0, 'Hello from the client');
    expect(capsOf(rec.hellos[0])).toEqual(['waku/0', 'waku/1']);
  });
});
