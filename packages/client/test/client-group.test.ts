import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey, getPublicKey } from '@status-stack/crypto';
import { partitionedTopic } from '@status-stack/whisper';
import {
  APPLICATION_MESSAGE_TYPE,
  MEMBERSHIP_EVENT_TYPE,
  buildMembershipUpdate,
  groupChatId,
  publicKeyToHex,
  signGroupEvent,
  wrapApplicationMessage,
} from '@status-stack/payloads';
import type { ClientChat, ClientMessage } from '../src/index.js';
import { Harness, until, type TestPeer } from './helpers/client-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

async function groupOf(p: TestPeer, chatId: string): Promise<ClientChat['group']> {
  return (await p.client.chat(chatId))?.group;
}

async function sameState(peers: TestPeer[], chatId: string, expected: (g: NonNullable<ClientChat['group']>) => boolean, what: string): Promise<void> {
  await until(async () => {
    for (const p of peers) {
      const g = await groupOf(p, chatId);
      if (!g || !expected(g)) return false;
    }
    return true;
  }, what);
}

describe('StatusClient private groups over MemoryTransport', () => {
  it('create, add, join, rename, message, promote, leave, remove: every member folds the same state', async () => {
    h = new Harness();
    const [a, b, c, d] = [await h.peer(), await h.peer(), await h.peer(), await h.peer()];
    const all = [a, b, c, d];
    const chat = await a.client.createGroup('friends', [b.client.publicKeyHex, c.client.publicKeyHex]);
    const id = chat.id;
    expect(chat.group?.members).toEqual([a, b, c].map((p) => p.client.publicKeyHex).sort());
    await sameState([a, b, c], id, (g) => g.members.length === 3, 'B and C see the group');
    // Invited, not yet joined.
    expect((await b.client.chat(id))?.joined).toBe(false);

    await b.client.joinGroup(id);
    await c.client.joinGroup(id);
    await sameState([a, b, c], id, (g) => g.joined.length === 3, 'joins everywhere');
    expect((await b.client.chat(id))?.joined).toBe(true);

    await a.client.addMembers(id, [d.client.publicKeyHex]);
    await sameState(all, id, (g) => g.members.length === 4, 'D added everywhere');
    await d.client.joinGroup(id);
    await a.client.renameGroup(id, 'best friends');
    await sameState(all, id, (g) => g.name === 'best friends' && g.joined.length === 4, 'rename + D joined');

    // Messages fan out pairwise to every member.
    const seen = new Map<TestPeer, ClientMessage[]>(all.map((p) => [p, []]));
    for (const p of all) p.client.on('message', (m) => seen.get(p)!.push(m));
    const m1 = await b.client.sendMessage(id, 'hi group, B here');
    await until(() => [a, c, d].every((p) => seen.get(p)!.some((m) => m.id === m1.id)), 'B’s group message at A, C, D');
    expect(seen.get(c)!.find((m) => m.id === m1.id)!.chatId).toBe(id);
    await b.client.waitForDelivery(m1.id);

    await a.client.addAdmins(id, [b.client.publicKeyHex]);
    await sameState(all, id, (g) => g.admins.includes(b.client.publicKeyHex), 'B admin everywhere');
    // B, now an admin, renames.
    await b.client.renameGroup(id, 'B’s club');
    await c.client.leaveGroup(id);
    await sameState([a, b, d], id, (g) => g.name === 'B’s club' && !g.members.includes(c.client.publicKeyHex), 'C left, seen by A, B, D');
    expect((await c.client.chat(id))?.joined).toBe(false);
    await b.client.removeMember(id, d.client.publicKeyHex);
    await sameState([a, b, d], id, (g) => !g.members.includes(d.client.publicKeyHex), 'D removed, seen by A, B and D');

    const finals = await Promise.all([a, b].map((p) => groupOf(p, id)));
    expect(finals[0]).toEqual(finals[1]);
    expect(finals[0]!.members).toEqual([a, b].map((p) => p.client.publicKeyHex).sort());
    expect(finals[0]!.admins).toEqual([a, b].map((p) => p.client.publicKeyHex).sort());
    expect(await groupOf(d, id)).toEqual(finals[0]);

    // D is out: a message after the removal does not reach D, and D can no longer send to the group.
    const m2 = await a.client.sendMessage(id, 'just A and B now');
    await until(() => seen.get(b)!.some((m) => m.id === m2.id), 'A’s message at B');
    expect(seen.get(d)!.some((m) => m.id === m2.id)).toBe(false);
    await expect(d.client.sendMessage(id, 'let me in')).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    for (const p of all) expect(p.errors).toEqual([]);
  });

  it('non-admins cannot rename or add; the attempt is refused locally with NOT_ALLOWED', async () => {
    h = new Harness();
    const a = await h.peer();
    const b = await h.peer();
    const c = await h.peer();
    const chat = await a.client.createGroup('g', [b.client.publicKeyHex]);
    await until(async () => (await b.client.chat(chat.id)) !== undefined, 'group at B');
    await expect(b.client.renameGroup(chat.id, 'mine')).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    await expect(b.client.addMembers(chat.id, [c.client.publicKeyHex])).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    expect((await a.client.chat(chat.id))?.group?.name).toBe('g');
  });

  it('updates for a group we are not in, and events that break the rules, become typed events', async () => {
    h = new Harness();
    const a = await h.peer();
    const b = await h.peer();
    // X (not a client here) creates a group with only A; B receives an update for it out of the blue.
    const x = generatePrivateKey();
    const xPub = getPublicKey(x);
    const chatId = groupChatId(xPub);
    const now = BigInt(Date.now());
    const created = signGroupEvent(chatId, { clock: now, members: [], name: 'x', type: MEMBERSHIP_EVENT_TYPE.CHAT_CREATED }, x);
    const added = signGroupEvent(chatId, { clock: now + 1n, members: [a.client.publicKeyHex], name: '', type: MEMBERSHIP_EVENT_TYPE.MEMBERS_ADDED }, x);
    const update = wrapApplicationMessage(APPLICATION_MESSAGE_TYPE.MEMBERSHIP_UPDATE_MESSAGE, buildMembershipUpdate(chatId, [created, added]), x);
    // Sent by B's own secure transport path of a third identity: use A's transport with X's keys is not possible,
    // so X posts through A's MemoryTransport with its own signature.
    const { SecureTransport, MemorySessionStore } = await import('@status-stack/secure-transport');
    const xSecure = new SecureTransport({ identityPrivateKey: x, installationId: 'x-device', store: new MemorySessionStore() });
    const post = async (to: TestPeer, bytes: Uint8Array): Promise<void> => {
      const enc = await xSecure.encrypt(to.client.publicKey, bytes);
      await a.transport.post({ topic: partitionedTopic(to.client.publicKey), publicKey: to.client.publicKey, payload: enc.message, sign: x, ttl: 15 });
    };
    await post(b, update.bytes);
    await until(() => b.ignored.some((e) => e.reason === 'NOT_MEMBER'), 'NOT_MEMBER at B');
    expect(await b.client.chat(chatId)).toBeUndefined();

    // A is a member: A gets the group. Then a rename by a non-admin (signed by A's key inside X's update) is rejected.
    await post(a, update.bytes);
    await until(async () => (await a.client.chat(chatId)) !== undefined, 'group at A');
    const stranger = generatePrivateKey();
    const bogus = signGroupEvent(chatId, { clock: now + 5n, members: [], name: 'hijacked', type: MEMBERSHIP_EVENT_TYPE.NAME_CHANGED }, stranger);
    const update2 = wrapApplicationMessage(APPLICATION_MESSAGE_TYPE.MEMBERSHIP_UPDATE_MESSAGE, buildMembershipUpdate(chatId, [created, added, bogus]), x);
    await post(a, update2.bytes);
    await until(() => a.ignored.some((e) => e.reason === 'GROUP_EVENT_REJECTED'), 'rejected event at A');
    expect((await a.client.chat(chatId))?.group?.name).toBe('x');
    expect((await a.client.chat(chatId))?.group?.creator).toBe(publicKeyToHex(xPub));
  });
});
