// One-to-one: from first contact to Double Ratchet messages, with delivery states.
//
// Alice knows nothing of Bob but his public key (as if she had scanned his QR code). Her first
// message goes to Bob's partitioned topic (derived from his key), encrypted to his key (ECIES). She
// has no X3DH bundle of his yet (he published it on his contact-code topic when he started, before
// she listened there, and republishes it only every few hours), so, as status-go does, the secure
// transport falls back to a plain DH of the two identity keys and attaches her own bundle. Bob answers with an X3DH agreement on that bundle, on the negotiated
// topic (a topic and key only the two of them can derive), and from then on every message turns
// the Double Ratchet. Each message is an MVDS message: the receiver acknowledges it, and the
// sender's copy goes pending → sent → delivered.
//
//   npx tsx --conditions=typescript examples/one-to-one.ts
import { RlpxOverlay } from '@status-stack/p2p-overlay';
import { WakuNode } from '@status-stack/whisper';
import { MemoryStorage, StatusClient, createAccount, type ClientMessage, type DeliveryState } from '@status-stack/client';

const cleanups: Array<() => Promise<void>> = [];

/** A relay: an RLPx overlay on 127.0.0.1 carrying a Waku node that forwards every topic. */
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

interface User {
  name: string;
  client: StatusClient;
  /** Delivery states each of our messages went through, by message id. */
  states: Map<string, DeliveryState[]>;
}

async function startUser(name: string, relay: string): Promise<User> {
  const client = StatusClient.createNetworked({ identity: createAccount(), storage: new MemoryStorage(), staticPeers: [relay] });
  const states = new Map<string, DeliveryState[]>();
  // Our own message is reported as it is stored ('pending'); 'delivery' events report every change after.
  client.on('message', (m) => m.outgoing && states.set(m.id, [m.deliveryState]));
  client.on('delivery', (e) => states.get(e.messageId)?.push(e.state));
  await client.start();
  cleanups.push(() => client.stop());
  // start() returns once we listen; the relay's RLPx + Waku handshake follows shortly.
  await client.waitForPeers(1, { signal: AbortSignal.timeout(15_000) });
  console.log(`${name.padEnd(5)} is ${client.alias} (${client.publicKeyHex.slice(0, 18)}…)`);
  return { name, client, states };
}

/** Sends `text` from one user to the other, shows how it arrived, then waits for the acknowledgement. */
async function say(from: User, to: User, text: string): Promise<void> {
  // The 1:1 chat id at each side is the other's public key.
  const arrived = to.client.waitForMessage((m) => m.chatId === from.client.publicKeyHex && m.text === text, { signal: AbortSignal.timeout(30_000) });
  const sent = await from.client.sendMessage(to.client.publicKeyHex, text);
  const got: ClientMessage = await arrived;
  console.log(`  ${from.name} → ${to.name}: ${got.text}`);
  console.log(`      arrived via ${got.via?.channel} topic, opened with ${got.via?.method}`);
  await from.client.waitForDelivery(sent.id, 'delivered', { signal: AbortSignal.timeout(30_000) });
  console.log(`      ${from.name}'s copy: ${from.states.get(sent.id)?.join(' → ')}`);
}

async function main(): Promise<void> {
  const relay = await startRelay();
  const alice = await startUser('Alice', relay);
  const bob = await startUser('Bob', relay);

  console.log('\n# first contact: Alice has only Bob\'s public key');
  await alice.client.startOneToOne(bob.client.publicKeyHex);
  await say(alice, bob, 'Hi Bob, got your key from your QR code.');

  console.log('\n# Bob answers with X3DH on the bundle Alice sent; from then on the Double Ratchet');
  await say(bob, alice, 'Hi Alice! Welcome to our own topic.');
  await say(alice, bob, 'Every message here uses a fresh ratchet key.');
  await say(bob, alice, 'And every one is acknowledged.');

  // The stored conversation at Alice's side, in clock order, with the state of each message.
  const page = await alice.client.history(bob.client.publicKeyHex);
  console.log('\nAlice\'s 1:1 with Bob:');
  for (const m of page.messages) console.log(`  ${(m.outgoing ? 'me' : 'Bob').padEnd(4)} ${m.deliveryState.padEnd(9)} ${m.text}`);
  console.log('\none-to-one done');
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
