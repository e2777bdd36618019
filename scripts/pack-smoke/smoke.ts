// The packaging smoke program: what a new user writes first, compiled with `tsc --strict` (no
// skipLibCheck) against the installed tarballs and run from their `dist` with plain `node`.
// A relay node, two clients on SQLite, a public chat both ways and a 1:1 chat from first contact,
// then every part stopped. It exits 0 and prints "smoke: ok" only if every message arrived.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStatusNode } from '@status-stack/node';
import { SqliteStorage, StatusClient, createAccount, type ClientMessage } from '@status-stack/client';
import { WakuNode } from '@status-stack/whisper';
import { RlpxOverlay } from '@status-stack/p2p-overlay';
import { keccak256 } from '@status-stack/crypto';
// The archive subpaths are type-checked too (their drivers are optional peers this app lacks).
import type { SqliteArchiveOptions } from '@status-stack/whisper/archive-sqlite';
import type { PostgresArchiveOptions } from '@status-stack/whisper/archive-postgres';

export type ArchiveOptions = SqliteArchiveOptions | PostgresArchiveOptions;

const dir = mkdtempSync(join(tmpdir(), 'status-stack-smoke-'));
const timeout = (ms: number): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(ms) });

async function main(): Promise<void> {
  const relay = await startStatusNode({ listen: { host: '127.0.0.1', port: 0 }, dataDir: join(dir, 'relay'), mailserver: true, logLevel: 'warn' });
  const start = async (name: string): Promise<StatusClient> => {
    const client = StatusClient.createNetworked({
      identity: createAccount(),
      storage: SqliteStorage.open(join(dir, `${name}.db`)),
      host: '127.0.0.1',
      port: 0,
      staticPeers: [relay.enode],
    });
    await client.start();
    await client.waitForPeers(1, timeout(20_000));
    return client;
  };
  const alice = await start('alice');
  const bob = await start('bob');
  try {
    const expect = async (to: StatusClient, chatId: (m: ClientMessage) => boolean, text: string, send: () => Promise<unknown>): Promise<void> => {
      const arrived = to.waitForMessage((m) => chatId(m) && m.text === text, timeout(30_000));
      await send();
      await arrived;
    };
    await alice.joinPublicChat('smoke-test');
    await bob.joinPublicChat('smoke-test');
    await expect(bob, (m) => m.chatId === 'smoke-test', 'hello from alice', () => alice.sendMessage('smoke-test', 'hello from alice'));
    await expect(alice, (m) => m.chatId === 'smoke-test', 'hello from bob', () => bob.sendMessage('smoke-test', 'hello from bob'));

    await alice.startOneToOne(bob.publicKeyHex);
    const first = await alice.sendMessage(bob.publicKeyHex, 'hi bob');
    await bob.waitForMessage((m) => m.chatId === alice.publicKeyHex && m.text === 'hi bob', timeout(30_000));
    await alice.waitForDelivery(first.id, 'delivered', timeout(30_000));
    await expect(alice, (m) => m.chatId === bob.publicKeyHex, 'hi alice', () => bob.sendMessage(alice.publicKeyHex, 'hi alice'));

    // The lower layers load on their own too: a bare overlay with a Waku node.
    const overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
    const waku = new WakuNode(overlay);
    await waku.start();
    await overlay.start();
    await waku.stop();
    await overlay.stop();
    if (keccak256(new Uint8Array(0))[0] !== 0xc5) throw new Error('keccak256 of nothing is wrong');
  } finally {
    await alice.stop();
    await bob.stop();
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('smoke: ok');
}

main().catch((e: unknown) => {
  console.error('smoke: FAILED', e);
  process.exit(1);
});
