// Public chat: two clients on a local relay talk in #status-stack-public.
//
// A public chat has no keys to exchange: its Whisper topic and its symmetric key are both derived
// from the channel name (PBKDF2 / keccak, as status-go does), so anyone who knows the name can read
// and write. Here one Waku v1 relay listens on 127.0.0.1 (RLPx, port chosen by the OS), and Alice
// and Bob, each with an in-memory storage, connect to it as their static peer.
//
//   npx tsx --conditions=typescript examples/public-chat.ts
import { RlpxOverlay } from '@status-stack/p2p-overlay';
import { WakuNode } from '@status-stack/whisper';
import { MemoryStorage, StatusClient, createAccount, type ClientMessage } from '@status-stack/client';

const CHANNEL = 'status-stack-public';
const cleanups: Array<() => Promise<void>> = [];

/** A relay: an RLPx overlay carrying a Waku node that accepts and forwards every topic. */
async function startRelay(): Promise<string> {
  const overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0, clientId: 'status-stack/example-relay' });
  const node = new WakuNode(overlay, { bloomMode: 'full' });
  await node.start();
  await overlay.start();
  cleanups.push(async () => {
    await node.stop();
    await overlay.stop();
  });
  return overlay.enode;
}

/** A client with a fresh account whose networked stack (overlay + Waku node) keeps `relay` connected. */
async function startClient(label: string, relay: string): Promise<StatusClient> {
  const account = createAccount();
  const client = StatusClient.createNetworked({ identity: account, storage: new MemoryStorage(), staticPeers: [relay] });
  await client.start();
  cleanups.push(() => client.stop());
  // start() returns once we listen; the relay's RLPx + Waku handshake follows shortly.
  await client.waitForPeers(1, { signal: AbortSignal.timeout(15_000) });
  console.log(`${label.padEnd(5)} is ${client.alias} (${client.publicKeyHex.slice(0, 18)}…), connected`);
  return client;
}

/** Waits for a message from the other side (our own posts come back too: skip them). */
function receive(client: StatusClient, text: string): Promise<ClientMessage> {
  return client.waitForMessage((m) => m.chatId === CHANNEL && m.text === text && !m.outgoing, { signal: AbortSignal.timeout(30_000) });
}

async function main(): Promise<void> {
  const relay = await startRelay();
  console.log(`relay ${relay}`);
  const alice = await startClient('Alice', relay);
  const bob = await startClient('Bob', relay);

  // Joining subscribes to the channel's topic. A relay only forwards: keeping history for late
  // joiners is a mailserver's job (see mailserver-history.ts), so both join before the first post.
  await alice.joinPublicChat(CHANNEL);
  await bob.joinPublicChat(CHANNEL);
  console.log(`\nboth joined #${CHANNEL}`);

  const lines: Array<[StatusClient, StatusClient, string]> = [
    [alice, bob, 'Hello #status-stack-public!'],
    [bob, alice, 'Hi Alice. Anyone who knows the channel name can read this.'],
    [alice, bob, 'That is what public means. See you around, Bob.'],
  ];
  for (const [from, to, text] of lines) {
    await from.sendMessage(CHANNEL, text);
    const got = await receive(to, text);
    // The receiver knows the author by the signature on the message, not by anything the sender claims.
    const author = got.from === alice.publicKeyHex ? 'Alice' : 'Bob';
    console.log(`  ${to === alice ? 'Alice' : 'Bob'} got from ${author} (${got.alias}): ${got.text}  [via ${got.via?.channel}]`);
  }

  // Each side stores the conversation in Lamport-clock order.
  const page = await bob.history(CHANNEL);
  console.log(`\nBob's #${CHANNEL} (${page.messages.length} messages):`);
  for (const m of page.messages) console.log(`  ${m.from === bob.publicKeyHex ? 'me   ' : 'Alice'} ${m.text}`);
  console.log('\npublic chat done');
}

async function shutdown(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c().catch((e: unknown) => console.error('cleanup:', e));
}

main()
  .then(shutdown)
  .catch(async (e: unknown) => {
    console.error(e);
    await shutdown();
    process.exitCode = 1;
  });
