// Private group chat: create, add, join, rename, leave, and each member's view at the end.
//
// A Status group has no server: its state (name, members, who joined, admins) is the fold of a
// set of membership events, each signed by its author and checked by every member against the
// group rules (only admins add or rename, anyone may remove themselves...). Every change is sent,
// with the whole event set, 1:1 (secure transport + MVDS) to every member, old and new, so each
// member arrives at the same state on its own.
//
//   npx tsx --conditions=typescript examples/group-chat.ts
import { RlpxOverlay } from '@status-stack/p2p-overlay';
import { WakuNode } from '@status-stack/whisper';
import { MemoryStorage, StatusClient, createAccount, type ClientChat } from '@status-stack/client';

const cleanups: Array<() => Promise<void>> = [];
const names = new Map<string, string>();

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

async function startClient(name: string, relay: string): Promise<StatusClient> {
  const client = StatusClient.createNetworked({ identity: createAccount(), storage: new MemoryStorage(), staticPeers: [relay] });
  await client.start();
  cleanups.push(() => client.stop());
  // start() returns once we listen; the relay's RLPx + Waku handshake follows shortly.
  await client.waitForPeers(1, { signal: AbortSignal.timeout(15_000) });
  names.set(client.publicKeyHex, name);
  console.log(`${name.padEnd(5)} is ${client.alias}`);
  return client;
}

/** Polls a client's copy of the group until `ok` holds: each member converges on its own. */
async function until(client: StatusClient, groupId: string, what: string, ok: (chat: ClientChat) => boolean): Promise<ClientChat> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const chat = await client.chat(groupId);
    if (chat && ok(chat)) return chat;
    if (Date.now() > deadline) throw new Error(`${names.get(client.publicKeyHex)} never saw: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function say(from: StatusClient, groupId: string, text: string, readers: StatusClient[]): Promise<void> {
  const arrivals = readers.map((r) => r.waitForMessage((m) => m.chatId === groupId && m.text === text && !m.outgoing, { signal: AbortSignal.timeout(30_000) }));
  await from.sendMessage(groupId, text);
  await Promise.all(arrivals);
  console.log(`  ${names.get(from.publicKeyHex)}: ${text}   (read by ${readers.map((r) => names.get(r.publicKeyHex)).join(', ')})`);
}

/** Names of `0x04…` keys, sorted (the group state lists them sorted by key). */
const who = (keys: readonly string[] | undefined): string =>
  (keys ?? []).map((k) => names.get(k) ?? k.slice(0, 10)).sort().join(', ') || '-';

async function main(): Promise<void> {
  const relay = await startRelay();
  const alice = await startClient('Alice', relay);
  const bob = await startClient('Bob', relay);
  const carol = await startClient('Carol', relay);
  const isIn = (c: StatusClient) => (chat: ClientChat) => chat.group?.members.includes(c.publicKeyHex) === true;
  const hasJoined = (c: StatusClient) => (chat: ClientChat) => chat.group?.joined.includes(c.publicKeyHex) === true;

  console.log('\n# create: Alice makes a group with Bob (she is its creator and admin)');
  const group = await alice.createGroup('trail crew', [bob.publicKeyHex]);
  await until(bob, group.id, 'the invitation', isIn(bob));
  console.log(`  Bob was invited to "${group.name}"`);

  console.log('\n# join: an invitation is accepted by a signed MEMBER_JOINED event');
  await bob.joinGroup(group.id);
  await until(alice, group.id, 'Bob joining', hasJoined(bob));
  console.log('  Bob joined');
  await say(alice, group.id, 'Welcome, Bob! Saturday hike?', [bob]);

  console.log('\n# add: Alice adds Carol, who joins');
  await alice.addMembers(group.id, [carol.publicKeyHex]);
  await until(carol, group.id, 'the invitation', isIn(carol));
  await carol.joinGroup(group.id);
  await until(alice, group.id, 'Carol joining', hasJoined(carol));
  await until(bob, group.id, 'Carol joining', hasJoined(carol));
  console.log('  Carol joined');
  await say(carol, group.id, 'Hi both, count me in.', [alice, bob]);

  console.log('\n# rename: only an admin may');
  await alice.renameGroup(group.id, 'summit crew');
  await until(bob, group.id, 'the rename', (c) => c.name === 'summit crew');
  await until(carol, group.id, 'the rename', (c) => c.name === 'summit crew');
  console.log('  Alice renamed the group to "summit crew"');

  console.log('\n# leave: Bob removes himself');
  await bob.leaveGroup(group.id);
  await until(alice, group.id, 'Bob leaving', (c) => !isIn(bob)(c));
  await until(carol, group.id, 'Bob leaving', (c) => !isIn(bob)(c));
  console.log('  Bob left');
  await say(alice, group.id, 'Just the two of us then, Carol.', [carol]);

  console.log('\n# each member\'s view of the group');
  for (const [name, client] of [['Alice', alice], ['Bob', bob], ['Carol', carol]] as const) {
    const chat = await client.chat(group.id);
    const g = chat?.group;
    console.log(`  ${name.padEnd(5)} name="${chat?.name}" members=[${who(g?.members)}] joined=[${who(g?.joined)}] admins=[${who(g?.admins)}] I am in it: ${chat?.joined ? 'yes' : 'no'}`);
  }
  console.log('\ngroup chat done');
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
