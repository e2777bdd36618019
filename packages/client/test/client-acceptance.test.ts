import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '@status-stack/crypto';
import { RlpxOverlay } from '@status-stack/p2p-overlay';
import { MailServer, SqliteEnvelopeArchive, WakuNode } from '@status-stack/whisper';
import { StatusClient, type ClientError, type ClientMessage } from '../src/index.js';
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
