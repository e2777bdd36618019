// A client process for the kill test: talks 1:1 to a peer through a relay over RLPx, persisting to
// a SQLite file, and reports on stdout what it has stored, received and seen delivered, until it is killed.
import { hexToBytes } from '@status-stack/crypto';
import { SqliteStorage, StatusClient } from '../../src/index.js';

// Fast epochs and resends (defaults: first resend after 2 s, doubling to 5 min): the peer that was killed must
// get what it missed within the test's budget, not after a 5-minute backoff.
const FAST_MVDS = { mvdsEpochMs: 50, mvdsFirstResendMs: 200, mvdsMaxResendIntervalMs: 1000 };

const [dbPath, keyHex, relayEnode, peerHex] = process.argv.slice(2);
const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const storage = SqliteStorage.open(dbPath);
const client = StatusClient.createNetworked({
  identity: { privateKey: hexToBytes(keyHex) },
  storage,
  staticPeers: [relayEnode],
  protocol: 'whisper',
  options: FAST_MVDS,
});
client.on('message', (m) => {
  if (!m.outgoing) out(`recv ${m.id}`);
});
client.on('delivery', (d) => out(`${d.state} ${d.messageId}`));
await client.start();
while (client.owned!.node.peers().length === 0) await new Promise((r) => setTimeout(r, 10));
out('ready');
for (let i = 0; ; i++) {
  const m = await client.sendMessage(peerHex, `from the child, #${i}`);
  out(`stored ${m.id}`);
  await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 20)));
}
