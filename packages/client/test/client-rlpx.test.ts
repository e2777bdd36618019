import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '@status-stack/crypto';
import { RlpxOverlay } from '@status-stack/p2p-overlay';
import { WakuNode, WhisperNode, type EnvelopeNode } from '@status-stack/whisper';
import { join } from 'node:path';
import { MemoryStorage, StatusClient, type ClientChat, type ClientError, type ClientMessage } from '../src/index.js';
import { Harness, until } from './helpers/client-harness.js';

// Two clients and a relay, all over real RLPx on 127.0.0.1 with OS-chosen ports.
const stops: (() => Promise<void>)[] = [];
const files = new Harness();
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
  await files.close();
});

type Protocol = 'whisper' | 'waku';

async function relay(protocol: Protocol): Promise<{ enode: string; node: EnvelopeNode }> {
  const overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
  const node = protocol === 'whisper' ? new WhisperNode(overlay, { bloomMode: 'full' }) : new WakuNode(overlay, { bloomMode: 'full' });
  await node.start();
  await overlay.start();
  stops.push(async () => {
    await node.stop();
    await overlay.stop();
  });
  return { enode: overlay.enode, node };
}

async function client(
  relayEnode: string,
  protocol: Protocol,
  sqliteDir?: string,
  privateKey: Uint8Array = generatePrivateKey(),
): Promise<{ client: StatusClient; got: ClientMessage[]; errors: ClientError[] }> {
  const storage = sqliteDir ? files.sqlite(join(sqliteDir, `${Math.random().toString(36).slice(2)}.db`)) : new MemoryStorage();
  const c = StatusClient.createNetworked({ identity: { privateKey }, storage, host: '127.0.0.1', port: 0, staticPeers: [relayEnode], protocol });
  const got: ClientMessage[] = [];
  const errors: ClientError[] = [];
  c.on('message', (m) => got.push(m));
  c.on('error', (e) => errors.push(e));
  stops.push(async () => {
    await c.stop();
    await storage.close();
  });
  await c.start();
  await until(() => c.owned!.node.peers().length > 0, 'whisper handshake with the relay');
  return { client: c, got, errors };
}

describe.each(['whisper', 'waku'] as const)('StatusClient over RLPx (127.0.0.1) with %s nodes', (protocol) => {
  it('public chat both ways and a 1:1 exchange both ways through a relay', async () => {
    const r = await relay(protocol);
    const a = await client(r.enode, protocol);
    const b = await client(r.enode, protocol);
    await a.client.joinPublicChat('rlpx-room');
    await b.client.joinPublicChat('rlpx-room');
    const p1 = await a.client.sendMessage('rlpx-room', 'hello over TCP');
    await until(() => b.got.some((m) => m.id === p1.id), 'public message A→B');
    const p2 = await b.client.sendMessage('rlpx-room', 'and back');
    await until(() => a.got.some((m) => m.id === p2.id), 'public message B→A');

    const d1 = await a.client.sendMessage(b.client.publicKeyHex, '1:1 over RLPx');
    await until(() => b.got.some((m) => m.id === d1.id), '1:1 A→B');
    await a.client.waitForDelivery(d1.id);
    const d2 = await b.client.sendMessage(a.client.publicKeyHex, '1:1 reply over RLPx');
    await until(() => a.got.some((m) => m.id === d2.id), '1:1 B→A');
    await b.client.waitForDelivery(d2.id);
    expect(a.got.find((m) => m.id === d2.id)!.via?.channel).toBe('negotiated');
    expect(b.got.find((m) => m.id === d1.id)!.via?.channel).toBe('partitioned');
    const d3 = await a.client.sendMessage(b.client.publicKeyHex, 'ratchet over RLPx');
    await until(() => b.got.some((m) => m.id === d3.id), '1:1 A→B on the ratchet');
    expect(b.got.find((m) => m.id === d3.id)!.via).toMatchObject({ channel: 'negotiated', method: 'ratchet' });
    await a.client.waitForDelivery(d3.id);
    expect(r.node.stats.relayed).toBeGreaterThan(0);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });

  it('stop() closes the overlay it created: the relay sees the peers go', async () => {
    const r = await relay(protocol);
    const a = await client(r.enode, protocol);
    expect(r.node.peers().length).toBe(1);
    await a.client.stop();
    await until(() => r.node.peers().length === 0, 'relay drops the stopped client');
    expect(a.client.isRunning).toBe(false);
  });

  it('three clients on SQLite files: a group through create, add, join, rename, message, leave, remove; members left with equal state', async () => {
    const r = await relay(protocol);
    const dir = files.tempDir();
    const [a, b, c] = [await client(r.enode, protocol, dir), await client(r.enode, protocol, dir), await client(r.enode, protocol, dir)];
    const groupAt = async (p: { client: StatusClient }, id: string): Promise<ClientChat['group']> => (await p.client.chat(id))?.group;
    const everywhere = (ps: { client: StatusClient }[], id: string, ok: (g: NonNullable<ClientChat['group']>) => boolean, what: string): Promise<void> =>
      until(async () => {
        for (const p of ps) {
          const g = await groupAt(p, id);
          if (!g || !ok(g)) return false;
        }
        return true;
      }, what);
    const chat = await a.client.createGroup('over tcp', [b.client.publicKeyHex]);
    await everywhere([a, b], chat.id, (g) => g.members.length === 2, 'group at B');
    await b.client.joinGroup(chat.id);
    // Events travel only with updates: A must hold B's join before its next update can carry it to C.
    await everywhere([a, b], chat.id, (g) => g.joined.length === 2, 'B joined, at A');
    await a.client.addMembers(chat.id, [c.client.publicKeyHex]);
    await everywhere([a, b, c], chat.id, (g) => g.members.length === 3 && g.joined.length === 2, 'C added everywhere');
    await c.client.joinGroup(chat.id);
    await a.client.renameGroup(chat.id, 'renamed over tcp');
    await everywhere([a, b, c], chat.id, (g) => g.name === 'renamed over tcp' && g.joined.length === 3, 'rename + join everywhere');
    const m = await c.client.sendMessage(chat.id, 'hello group over TCP');
    await until(() => a.got.some((x) => x.id === m.id) && b.got.some((x) => x.id === m.id), 'group message at A and B');
    await b.client.leaveGroup(chat.id);
    await everywhere([a, b, c], chat.id, (g) => !g.members.includes(b.client.publicKeyHex), 'B left, everywhere');
    await a.client.removeMember(chat.id, c.client.publicKeyHex);
    // B has left: it no longer receives the group's updates; A and the removed C see the removal.
    await everywhere([a, c], chat.id, (g) => g.members.length === 1, 'C removed, at A and C');
    const states = await Promise.all([a, b, c].map((p) => groupAt(p, chat.id)));
    expect(states[2]).toEqual(states[0]);
    expect(states[0]!.members).toEqual([a.client.publicKeyHex]);
    expect(states[0]!.name).toBe('renamed over tcp');
    expect(states[1]!.members).not.toContain(b.client.publicKeyHex);
    expect((await b.client.chat(chat.id))?.joined).toBe(false);
    for (const p of [a, b, c]) expect(p.errors).toEqual([]);
  });

  it('a paired second device sees both sides of a 1:1 chat', async () => {
    const r = await relay(protocol);
    const key = generatePrivateKey();
    const a1 = await client(r.enode, protocol, undefined, key);
    const a2 = await client(r.enode, protocol, undefined, key);
    const b = await client(r.enode, protocol);
    // status-go's pairing: each device names itself and sends PairInstallation (DH to our own identity).
    await a1.client.setInstallationMetadata({ name: 'device 1', deviceType: 'desktop' });
    await a2.client.setInstallationMetadata({ name: 'device 2', deviceType: 'android' });
    await a1.client.sendPairInstallation();
    await until(async () => (await a2.client.installations())[0]?.name === 'device 1', 'A1 known at A2');
    await a2.client.sendPairInstallation();
    await until(async () => (await a1.client.installations())[0]?.name === 'device 2', 'A2 known at A1');
    expect((await a1.client.installations())[0]).toMatchObject({ installationId: a2.client.installationId, enabled: false, deviceType: 'android' });
    await a1.client.enableInstallation(a2.client.installationId);
    await a2.client.enableInstallation(a1.client.installationId);
    const out = await a1.client.sendMessage(b.client.publicKeyHex, 'from device 1');
    await until(() => b.got.some((m) => m.id === out.id) && a2.got.some((m) => m.id === out.id), 'A1’s message at B and A2');
    const reply = await b.client.sendMessage(a1.client.publicKeyHex, 'to both devices');
    await until(() => a1.got.some((m) => m.id === reply.id) && a2.got.some((m) => m.id === reply.id), 'B’s reply at A1 and A2');
    expect((await a2.client.history(b.client.publicKeyHex)).messages.map((m) => m.id)).toEqual([out.id, reply.id]);
    for (const p of [a1, a2, b]) expect(p.errors).toEqual([]);
  });
});
