// The main job (`npm start`): a local Status network on 127.0.0.1, no internet needed.
// One relay + mailserver node (Waku v1 over RLPx, SQLite archive) and two clients with real
// SQLite storage in a temporary folder exchange a public-chat message, a 1:1 conversation
// (first contact → X3DH → Double Ratchet on the negotiated topic, with MVDS delivery acks)
// and a private group chat, printing a transcript. `--keep-running` leaves the relay and the
// clients up (for `status-chat`: it prints the command to paste) until Ctrl-C.
// SIGINT or SIGTERM stops it at any point: everything it started is stopped, its folder removed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RlpxOverlay } from '@status-stack/p2p-overlay';
import { MailServer, WakuNode } from '@status-stack/whisper';
import { SqliteEnvelopeArchive } from '@status-stack/whisper/archive-sqlite';
import { SqliteStorage, StatusClient, createAccount, writeKeystore, type Account, type ClientMessage } from '@status-stack/client';

const keepRunning = process.argv.includes('--keep-running');
const dir = mkdtempSync(join(tmpdir(), 'status-stack-demo-'));
const cleanups: Array<() => Promise<void>> = [];
/** A shutdown that takes longer than this is cut short (the process exits anyway). */
const SHUTDOWN_DEADLINE_MS = 3000;

// Installed first: a signal during the transcript stops the demo too. A wrapper (npm) and the
// terminal often deliver the same signal twice: the second one changes nothing.
let signalled: ((signal: NodeJS.Signals) => void) | undefined;
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    if (signalled) return signalled(signal);
    void shutdown().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

/** A word the shell passes on as it is (quoted when it has to be). */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function line(text: string): void {
  console.log(text);
}

async function startRelay(): Promise<string> {
  const overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0, clientId: 'status-stack/demo-relay' });
  const node = new WakuNode(overlay, { bloomMode: 'full' });
  const archive = new SqliteEnvelopeArchive({ path: join(dir, 'relay-archive.sqlite') });
  const mailserver = new MailServer(node, { archive });
  await node.start();
  await overlay.start();
  cleanups.push(async () => {
    await mailserver.close();
    await node.stop();
    await overlay.stop();
    await archive.close();
  });
  return overlay.enode;
}

interface User {
  label: string;
  account: Account;
  client: StatusClient;
}

async function startUser(label: string, relay: string): Promise<User> {
  const account = createAccount();
  // As an app does it: the key store (0600) and the key that encrypts the database come from one
  // scrypt of the password. (A demo password, and a cheaper scrypt than the default 2^15.)
  const storageKey = await writeKeystore(join(dir, `${label.toLowerCase()}.account.json`), account, `${label} demo password`, { kdf: { N: 2 ** 14 } });
  const storage = SqliteStorage.open(join(dir, `${label.toLowerCase()}.sqlite`), { key: storageKey });
  const client = StatusClient.createNetworked({ identity: account, storage, staticPeers: [relay], mailserver: relay });
  await client.start();
  cleanups.push(async () => {
    await client.stop();
    await storage.close();
  });
  // start() returns once we listen; the relay's RLPx + Waku handshake follows shortly.
  await client.waitForPeers(1, { signal: AbortSignal.timeout(15_000) });
  line(`${label.padEnd(5)} ${account.name} (${account.publicKeyHex.slice(0, 18)}…)`);
  return { label, account, client };
}

const names = new Map<string, string>();
function show(where: string, m: ClientMessage): void {
  const who = names.get(m.from) ?? m.alias;
  const via = m.via ? `  via ${m.via.channel}${m.via.method ? '/' + m.via.method : ''}` : '';
  line(`  [${where}] ${who}: ${m.text}${via}`);
}

async function receive(user: User, chatId: string, text: string): Promise<ClientMessage> {
  return user.client.waitForMessage((m) => m.chatId === chatId && m.text === text && !m.outgoing, { signal: AbortSignal.timeout(30_000) });
}

async function main(): Promise<void> {
  line(`status-stack demo: a relay/mailserver and two clients on 127.0.0.1 (data in ${dir})`);
  const relay = await startRelay();
  line(`relay ${relay}`);
  const alice = await startUser('Alice', relay);
  const bob = await startUser('Bob', relay);
  names.set(alice.account.publicKeyHex, `Alice (${alice.account.name})`);
  names.set(bob.account.publicKeyHex, `Bob (${bob.account.name})`);

  line('\n# public chat #status-stack-demo');
  await alice.client.joinPublicChat('status-stack-demo');
  await bob.client.joinPublicChat('status-stack-demo');
  const p1 = 'Hello everyone on #status-stack-demo!';
  await alice.client.sendMessage('status-stack-demo', p1);
  show('#status-stack-demo', await receive(bob, 'status-stack-demo', p1));
  const p2 = 'Hi Alice, Bob here.';
  await bob.client.sendMessage('status-stack-demo', p2);
  show('#status-stack-demo', await receive(alice, 'status-stack-demo', p2));

  line('\n# one-to-one');
  const toBob = await alice.client.startOneToOne(bob.account.publicKeyHex);
  const d1 = 'Hi Bob, this is a private message.';
  const sent1 = await alice.client.sendMessage(toBob.id, d1);
  const got1 = await receive(bob, alice.account.publicKeyHex, d1);
  show('1:1', got1);
  await alice.client.waitForDelivery(sent1.id, 'delivered', { signal: AbortSignal.timeout(30_000) });
  line(`  (Alice's message: delivered)`);
  const d2 = 'Got it, Alice. Replying over our negotiated topic.';
  const sent2 = await bob.client.sendMessage(alice.account.publicKeyHex, d2);
  show('1:1', await receive(alice, bob.account.publicKeyHex, d2));
  await bob.client.waitForDelivery(sent2.id, 'delivered', { signal: AbortSignal.timeout(30_000) });
  line(`  (Bob's reply: delivered)`);
  const d3 = 'Ratchet keys keep turning.';
  const sent3 = await alice.client.sendMessage(toBob.id, d3);
  show('1:1', await receive(bob, alice.account.publicKeyHex, d3));
  await alice.client.waitForDelivery(sent3.id, 'delivered', { signal: AbortSignal.timeout(30_000) });
  line(`  (Alice's message: delivered)`);

  line('\n# private group chat');
  const group = await alice.client.createGroup('demo group', [bob.account.publicKeyHex]);
  line(`  Alice created "${group.name}" with Bob`);
  const deadline = Date.now() + 30_000;
  while (!(await bob.client.chat(group.id))) {
    if (Date.now() > deadline) throw new Error('Bob never learned about the group');
    await new Promise((r) => setTimeout(r, 20));
  }
  await bob.client.joinGroup(group.id);
  line('  Bob joined');
  const g1 = 'Welcome to the group, Bob!';
  await alice.client.sendMessage(group.id, g1);
  show('demo group', await receive(bob, group.id, g1));
  const g2 = 'Thanks! Renaming it.';
  await bob.client.sendMessage(group.id, g2);
  show('demo group', await receive(alice, group.id, g2));
  await alice.client.renameGroup(group.id, 'status-stack friends');
  const renamed = Date.now() + 30_000;
  while ((await bob.client.chat(group.id))?.name !== 'status-stack friends') {
    if (Date.now() > renamed) throw new Error('the rename never reached Bob');
    await new Promise((r) => setTimeout(r, 20));
  }
  line(`  Alice renamed the group; Bob sees "${(await bob.client.chat(group.id))?.name}"`);

  if (keepRunning && !stopping) {
    line(`\nkeeping the network up: relay ${relay}`);
    line('connect with (from this repository, in another terminal; a new account is made on first start):');
    line(`  npx status-chat --data-dir ${shellWord(join(dir, 'you'))} --connect ${relay} --mailserver ${relay}`);
    line('then /join #status-stack-demo to meet Alice and Bob. Ctrl-C here stops the network.');
    await new Promise<void>((resolve) => (signalled = () => resolve()));
  }
  line('\ndemo complete');
}

let shutdownRun: Promise<void> | undefined;
function shutdown(): Promise<void> {
  shutdownRun ??= stopAll();
  return shutdownRun;
}

async function stopAll(): Promise<void> {
  setTimeout(() => {
    console.error(`shutdown took more than ${SHUTDOWN_DEADLINE_MS / 1000} s: exiting`);
    rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS).unref();
  for (const c of cleanups.splice(0).reverse()) {
    try {
      await c();
    } catch (e) {
      console.error('cleanup:', e);
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

main()
  .then(shutdown)
  // Explicit exit: nothing the demo started may keep the process (and `npm start`) waiting.
  .then(() => process.exit(0))
  .catch(async (e: unknown) => {
    // Stopped by a signal mid-transcript: what failed was cut short on purpose (the handler exits).
    if (stopping) return;
    console.error(e);
    await shutdown();
    process.exit(1);
  });
