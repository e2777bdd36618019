import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '@status-stack/crypto';
import { RlpxOverlay } from '@status-stack/p2p-overlay';
import { MailServer, WakuNode } from '@status-stack/whisper';
import { SqliteEnvelopeArchive } from '@status-stack/whisper/archive-sqlite';
import { StatusClient, type ClientChat, type ClientError, type ClientMessage } from '../src/index.js';
import { Harness, until } from './helpers/client-harness.js';

// Issue 8 acceptance over RLPx on 127.0.0.1 with real SQLite files: Waku v1 relay that is also a mailserver.
const stops: (() => Promise<void>)[] = [];
const h = new Harness();
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
  await h.close();
});

async function mailserverRelay(): Promise<{ enode: string; mailserver: MailServer }> {
  const overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
  const node = new WakuNode(overlay, { bloomMode: 'full' });
  const archive = new SqliteEnvelopeArchive();
  const mailserver = new MailServer(node, { archive, pruneIntervalMs: 0 });
  await node.start();
  await overlay.start();
  stops.push(async () => {
    await mailserver.close();
    await node.stop();
    await overlay.stop();
    await archive.close();
  });
  return { enode: overlay.enode, mailserver };
}

interface Peer {
  client: StatusClient;
  got: ClientMessage[];
  errors: ClientError[];
}

async function peer(relay: string, dbPath: string, privateKey: Uint8Array, ttl?: number): Promise<Peer> {
  const storage = h.sqlite(dbPath);
  const client = StatusClient.createNetworked({ identity: { privateKey }, storage, staticPeers: [relay], mailserver: relay, options: { ttl } });
  const got: ClientMessage[] = [];
  const errors: ClientError[] = [];
  client.on('message', (m) => got.push(m));
  client.on('error', (e) => errors.push(e));
  stops.push(async () => {
    await client.stop();
    await storage.close();
  });
  await client.start();
  await until(() => client.owned!.node.peers().length > 0, 'connected to the relay');
  return { client, got, errors };
}

describe('acceptance: three clients, one Waku relay + mailserver, SQLite files', () => {
  it('public chat among three, a 1:1 from first contact through X3DH to the ratchet with acks, and a group through its whole life', async () => {
    const relay = await mailserverRelay();
    const dir = h.tempDir();
    const a = await peer(relay.enode, join(dir, 'a.db'), generatePrivateKey());
    const b = await peer(relay.enode, join(dir, 'b.db'), generatePrivateKey());
    const c = await peer(relay.enode, join(dir, 'c.db'), generatePrivateKey());
    const all = [a, b, c];
    const [aHex, bHex, cHex] = all.map((p) => p.client.publicKeyHex);

    // 1:1 A↔B, before any public message carried B's bundle to A: first contact on B's partitioned topic with a DH header, B answers with X3DH on the
    // negotiated topic, then the Double Ratchet both ways; every message acknowledged through MVDS.
    const d1 = await a.client.sendMessage(bHex, 'first contact');
    await until(() => b.got.some((m) => m.id === d1.id), '1:1 A→B');
    expect(b.got.find((m) => m.id === d1.id)!.via).toMatchObject({ channel: 'partitioned', method: 'dh' });
    await a.client.waitForDelivery(d1.id);
    const d2 = await b.client.sendMessage(aHex, 'answer');
    await until(() => a.got.some((m) => m.id === d2.id), '1:1 B→A');
    expect(a.got.find((m) => m.id === d2.id)!.via).toMatchObject({ channel: 'negotiated', method: 'x3dh' });
    await b.client.waitForDelivery(d2.id);
    const d3 = await a.client.sendMessage(bHex, 'ratchet A→B');
    await until(() => b.got.some((m) => m.id === d3.id), 'ratchet A→B');
    expect(b.got.find((m) => m.id === d3.id)!.via).toMatchObject({ channel: 'negotiated', method: 'ratchet' });
    await a.client.waitForDelivery(d3.id);
    const d4 = await b.client.sendMessage(aHex, 'ratchet B→A');
    await until(() => a.got.some((m) => m.id === d4.id), 'ratchet B→A');
    expect(a.got.find((m) => m.id === d4.id)!.via).toMatchObject({ channel: 'negotiated', method: 'ratchet' });
    await b.client.waitForDelivery(d4.id);
    for (const [p, peerHex] of [
      [a, bHex],
      [b, aHex],
    ] as const) {
      const page = await p.client.history(peerHex);
      expect(page.messages.map((m) => m.id)).toEqual([d1.id, d2.id, d3.id, d4.id]);
      expect(page.messages.filter((m) => m.outgoing).every((m) => m.deliveryState === 'delivered')).toBe(true);
    }

    // Public chat: everyone speaks, everyone hears everyone, in the same (clock, id) order.
    for (const p of all) await p.client.joinPublicChat('acceptance');
    const said: string[] = [];
    for (const p of all) {
      const m = await p.client.sendMessage('acceptance', `hi from ${p.client.alias}`);
      said.push(m.id);
      for (const q of all) if (q !== p) await until(() => q.got.some((x) => x.id === m.id), `public message of ${p.client.alias} at ${q.client.alias}`);
    }
    const publicOrder = await Promise.all(all.map(async (p) => (await p.client.history('acceptance')).messages.map((m) => m.id)));
    for (const order of publicOrder) expect([...order].sort()).toEqual([...said].sort());
    expect(publicOrder[1]).toEqual(publicOrder[0]);
    expect(publicOrder[2]).toEqual(publicOrder[0]);

    // Private group: create (with B), B joins, add C, C joins, rename, a message, B leaves, A removes C.
    const groupAt = async (p: Peer, id: string): Promise<ClientChat['group']> => (await p.client.chat(id))?.group;
    const everywhere = (ps: Peer[], id: string, ok: (g: NonNullable<ClientChat['group']>) => boolean, what: string): Promise<void> =>
      until(async () => {
        for (const p of ps) {
          const g = await groupAt(p, id);
          if (!g || !ok(g)) return false;
        }
        return true;
      }, what);
    const group = await a.client.createGroup('acceptance group', [bHex]);
    await everywhere([a, b], group.id, (g) => g.members.length === 2, 'group created at B');
    await b.client.joinGroup(group.id);
    await everywhere([a, b], group.id, (g) => g.joined.length === 2, 'B joined, at A');
    await a.client.addMembers(group.id, [cHex]);
    await everywhere(all, group.id, (g) => g.members.length === 3, 'C added, everywhere');
    await c.client.joinGroup(group.id);
    await everywhere([a], group.id, (g) => g.joined.length === 3, 'C joined, at A');
    await a.client.renameGroup(group.id, 'renamed group');
    await everywhere(all, group.id, (g) => g.name === 'renamed group' && g.joined.length === 3, 'rename and joins everywhere');
    const gm = await c.client.sendMessage(group.id, 'hello group');
    await until(() => a.got.some((x) => x.id === gm.id) && b.got.some((x) => x.id === gm.id), 'group message at A and B');
    await b.client.leaveGroup(group.id);
    await everywhere(all, group.id, (g) => !g.members.includes(bHex), 'B left, everywhere');
    await a.client.removeMember(group.id, cHex);
    await everywhere([a, c], group.id, (g) => g.members.length === 1, 'C removed, at A and C');
    const states = await Promise.all(all.map((p) => groupAt(p, group.id)));
    expect(states[0]).toMatchObject({ name: 'renamed group', members: [aHex], admins: [aHex] });
    // Every member's state is equal at the end; B, gone before C's removal, holds the state up to its leave.
    expect(states[2]).toEqual(states[0]);
    expect(states[1]).toMatchObject({ name: 'renamed group', members: [aHex, cHex].sort() });
    expect((await b.client.chat(group.id))?.joined).toBe(false);
    expect((await c.client.chat(group.id))?.joined).toBe(false);
    for (const p of all) expect(p.errors).toEqual([]);
  });

  it('a client offline during a conversation gets all of it from the mailserver on restart, in order, without duplicates', async () => {
    const relay = await mailserverRelay();
    const dir = h.tempDir();
    const keyC = generatePrivateKey();
    // A and B send with a 2 s TTL, so by the time C is back the relay's pool has dropped the envelopes:
    // C can only get them from the mailserver's archive.
    const a = await peer(relay.enode, join(dir, 'a.db'), generatePrivateKey(), 2);
    const b = await peer(relay.enode, join(dir, 'b.db'), generatePrivateKey(), 2);
    let c = await peer(relay.enode, join(dir, 'c.db'), keyC);
    for (const p of [a, b, c]) await p.client.joinPublicChat('town');
    const hello = await a.client.sendMessage('town', 'everyone here?');
    await until(() => c.got.some((m) => m.id === hello.id), 'C online and reading');
    const cHex = c.client.publicKeyHex;

    await c.client.stop(); // C goes offline mid-conversation
    await c.client.storage.close();
    const said: string[] = [hello.id];
    for (let i = 0; i < 6; i++) said.push((await (i % 2 === 0 ? b : a).client.sendMessage('town', `while C was away #${i}`)).id);
    const direct = await a.client.sendMessage(cHex, 'ping C, 1:1 while you are away');
    await until(() => b.got.filter((m) => m.chatId === 'town').length >= 4, 'the conversation at B');
    await until(() => relay.mailserver.stats.archived >= 8, 'archived at the mailserver');
    await new Promise((r) => setTimeout(r, 3500));

    c = await peer(relay.enode, join(dir, 'c.db'), keyC);
    await until(async () => (await c.client.storage.countMessages('town')) === said.length, 'the whole public conversation at C', 30_000);
    await until(async () => (await c.client.storage.getMessage(direct.id)) !== undefined, 'the 1:1 message at C', 30_000);
    const page = await c.client.history('town');
    expect(page.messages.map((m) => m.id)).toEqual(said);
    expect(new Set(c.got.map((m) => m.id)).size).toBe(c.got.length);
    expect(c.got.filter((m) => m.chatId === 'town').every((m) => m.via?.history === true)).toBe(true);
    expect(relay.mailserver.stats.served).toBeGreaterThan(0);
    await a.client.waitForDelivery(direct.id);
    for (const p of [a, b, c]) expect(p.errors).toEqual([]);
  });
});
