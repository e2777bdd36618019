// Mailserver history: what was said while you were offline.
//
// Whisper/Waku relays keep an envelope only until it expires (status-go sends chat messages with
// a TTL of seconds), so a client that was offline asks a mailserver: a node that archives every
// envelope it sees (here in SQLite) and answers history requests from its trusted peers. A
// networked StatusClient given a `mailserver` asks it, on start, for everything on the topics it
// listens on since its last request (or the last 24 h).
//
// Bob joins #status-stack-history, then goes offline; Alice posts three messages; Bob comes back
// (same SQLite file: he remembers the chat and when he last fetched it) and receives them.
//
//   npx tsx --conditions=typescript examples/mailserver-history.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RlpxOverlay } from '@status-stack/p2p-overlay';
import { MailServer, WakuNode } from '@status-stack/whisper';
import { SqliteEnvelopeArchive } from '@status-stack/whisper/archive-sqlite';
import { SqliteStorage, StatusClient, createAccount, unlockKeystoreFile, writeKeystore, type Account, type ClientMessage } from '@status-stack/client';

const CHANNEL = 'status-stack-history';
// Alice's envelopes live 2 s, so by the time Bob is back the relay has dropped them from its pool:
// the only way they can reach him is the mailserver's archive.
const TTL_SECONDS = 2;

const dir = mkdtempSync(join(tmpdir(), 'status-stack-history-'));
const cleanups: Array<() => Promise<void>> = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A Waku relay on 127.0.0.1 that is also a mailserver with an SQLite archive. */
async function startMailserver(): Promise<{ enode: string; mailserver: MailServer }> {
  const overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0, clientId: 'status-stack/example-mailserver' });
  const node = new WakuNode(overlay, { bloomMode: 'full' });
  const archive = new SqliteEnvelopeArchive({ path: join(dir, 'archive.sqlite') });
  const mailserver = new MailServer(node, { archive });
  await node.start();
  await overlay.start();
  cleanups.push(async () => {
    await mailserver.close();
    await node.stop();
    await overlay.stop();
    await archive.close();
  });
  return { enode: overlay.enode, mailserver };
}

// An example password; a cheaper scrypt than the key store's default (2^15).
const PASSWORD = 'example password';
const KDF = { N: 2 ** 14 };
const fileOf = (account: Account, ext: string): string => join(dir, `${account.publicKeyHex.slice(2, 12)}.${ext}`);

/** A new account with its key store (0600) beside its database. */
async function newAccount(): Promise<Account> {
  const account = createAccount();
  await writeKeystore(fileOf(account, 'account.json'), account, PASSWORD, { kdf: KDF });
  return account;
}

/** Starts a client on an SQLite file; `stop()` takes it offline (the file stays). */
async function goOnline(account: Account, enode: string, collect?: ClientMessage[]): Promise<{ client: StatusClient; stop: () => Promise<void> }> {
  // Unlocking the key store also yields the key of the encrypted database (one scrypt for both).
  const { storageKey } = await unlockKeystoreFile(fileOf(account, 'account.json'), PASSWORD);
  const storage = SqliteStorage.open(fileOf(account, 'sqlite'), { key: storageKey });
  const client = StatusClient.createNetworked({ identity: account, storage, staticPeers: [enode], mailserver: enode, options: { ttl: TTL_SECONDS } });
  // Listen before start(): history may arrive as soon as the mailserver is connected.
  if (collect) client.on('message', (m) => collect.push(m));
  await client.start();
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await client.stop();
    await storage.close();
  };
  cleanups.push(stop);
  // start() returns once we listen; the relay's RLPx + Waku handshake follows shortly.
  await client.waitForPeers(1, { signal: AbortSignal.timeout(15_000) });
  return { client, stop };
}

async function waitFor(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function main(): Promise<void> {
  const { enode, mailserver } = await startMailserver();
  console.log(`mailserver ${enode}`);
  const aliceAccount = await newAccount();
  const bobAccount = await newAccount();

  const alice = await goOnline(aliceAccount, enode);
  await alice.client.joinPublicChat(CHANNEL);
  let bob = await goOnline(bobAccount, enode);
  await bob.client.joinPublicChat(CHANNEL);
  console.log(`Alice (${aliceAccount.name}) and Bob (${bobAccount.name}) joined #${CHANNEL}`);

  await bob.stop();
  console.log('\nBob goes offline');
  const said = ['Bob, are you there?', 'Guess not. The trail opens at 9.', 'Bring water. See you Saturday!'];
  for (const text of said) {
    await alice.client.sendMessage(CHANNEL, text);
    console.log(`  Alice posts: ${text}`);
  }
  await waitFor('the archive', () => mailserver.stats.archived >= said.length);
  await sleep(TTL_SECONDS * 1000 + 1500); // the relay's pool forgets them
  console.log(`  (the mailserver has archived ${mailserver.stats.archived} envelopes; Alice's have expired from the relay)`);

  console.log('\nBob comes back online');
  const arrived: ClientMessage[] = [];
  bob = await goOnline(bobAccount, enode, arrived);
  await waitFor('the history', () => arrived.filter((m) => m.chatId === CHANNEL).length >= said.length);
  const fromHistory = arrived.filter((m) => m.chatId === CHANNEL && m.via?.history).length;
  console.log(`  ${fromHistory} messages arrived from the mailserver's history`);

  // Stored in Lamport-clock order, whatever order the mailserver sent them in (it sends newest first).
  const page = await bob.client.history(CHANNEL);
  console.log(`\nBob's #${CHANNEL}:`);
  for (const m of page.messages) {
    const time = new Date(m.timestamp).toISOString().slice(11, 19);
    console.log(`  ${time} ${m.from === aliceAccount.publicKeyHex ? 'Alice' : 'Bob'}: ${m.text}`);
  }
  console.log('\nmailserver history done');
}

async function shutdown(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c().catch((e: unknown) => console.error('cleanup:', e));
  rmSync(dir, { recursive: true, force: true });
}

main()
  .then(shutdown)
  .catch(async (e: unknown) => {
    console.error(e);
    await shutdown();
    process.exitCode = 1;
  });
