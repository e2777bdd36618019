import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '@status-stack/crypto';
import type { ClientMessage } from '../src/index.js';
import { Harness, until, type TestPeer } from './helpers/client-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

/** Two installations of one account learn each other from the account's contact-code topic and pair. */
async function pair(a1: TestPeer, a2: TestPeer): Promise<void> {
  await a1.client.publishContactCode(true);
  await until(async () => (await a2.client.installations()).some((i) => i.installationId === a1.client.installationId), 'A1 known at A2');
  await a2.client.publishContactCode(true);
  await until(async () => (await a1.client.installations()).some((i) => i.installationId === a2.client.installationId), 'A2 known at A1');
  // Our own devices are never trusted on sight.
  expect((await a1.client.installations()).find((i) => i.installationId === a2.client.installationId)?.enabled).toBe(false);
  await a1.client.enableInstallation(a2.client.installationId);
  await a2.client.enableInstallation(a1.client.installationId);
}

function collect(p: TestPeer): ClientMessage[] {
  const out: ClientMessage[] = [];
  p.client.on('message', (m) => out.push(m));
  return out;
}

describe('StatusClient with two paired devices of one account', () => {
  it('the second device sees both sides of a 1:1 chat held on the first', async () => {
    h = new Harness();
    const key = generatePrivateKey();
    const a1 = await h.peer({ privateKey: key });
    const a2 = await h.peer({ privateKey: key });
    const b = await h.peer();
    expect(a1.client.installationId).not.toBe(a2.client.installationId);
    await pair(a1, a2);
    const atA2 = collect(a2);
    const atA1 = collect(a1);
    const atB = collect(b);

    const out = await a1.client.sendMessage(b.client.publicKeyHex, 'from my phone');
    await until(() => atB.some((m) => m.id === out.id), 'A1’s message at B');
    await until(() => atA2.some((m) => m.id === out.id), 'A1’s message at A2');
    const copy = atA2.find((m) => m.id === out.id)!;
    expect(copy).toMatchObject({ chatId: b.client.publicKeyHex, outgoing: true, text: 'from my phone' });

    // B's reply is encrypted to both of A's devices (A1's bundle named A2).
    const reply = await b.client.sendMessage(a1.client.publicKeyHex, 'hi, both of you');
    await until(() => atA1.some((m) => m.id === reply.id) && atA2.some((m) => m.id === reply.id), 'B’s reply at A1 and A2');
    expect(atA2.find((m) => m.id === reply.id)!.chatId).toBe(b.client.publicKeyHex);

    // And the other way round: what A2 sends shows up on A1.
    const fromA2 = await a2.client.sendMessage(b.client.publicKeyHex, 'now from my laptop');
    await until(() => atA1.some((m) => m.id === fromA2.id) && atB.some((m) => m.id === fromA2.id), 'A2’s message at A1 and B');
    const hist1 = (await a1.client.history(b.client.publicKeyHex)).messages.map((m) => m.id);
    const hist2 = (await a2.client.history(b.client.publicKeyHex)).messages.map((m) => m.id);
    expect(hist2).toEqual(hist1);
    expect(hist1).toEqual([out.id, reply.id, fromA2.id]);
    for (const p of [a1, a2, b]) expect(p.errors).toEqual([]);
  });

  it('public chats and contacts sync to a paired device; a disabled device gets nothing more', async () => {
    h = new Harness();
    const key = generatePrivateKey();
    const a1 = await h.peer({ privateKey: key });
    const a2 = await h.peer({ privateKey: key });
    const c = await h.peer();
    await pair(a1, a2);
    await a1.client.joinPublicChat('synced-room');
    await a1.client.sendContactRequest(c.client.publicKeyHex);
    expect(await a1.client.syncDevices()).toBe(2);
    await until(async () => (await a2.client.chat('synced-room'))?.joined === true, 'public chat joined on A2');
    await until(async () => (await a2.storage.getContact(c.client.publicKeyHex))?.added === true, 'contact on A2');

    await a1.client.disableInstallation(a2.client.installationId);
    const atA2 = collect(a2);
    const m = await a1.client.sendMessage(c.client.publicKeyHex, 'not for the laptop');
    await until(async () => (await c.storage.getMessage(m.id)) !== undefined, 'message at C');
    await a1.client.waitForDelivery(m.id);
    expect(atA2.some((x) => x.id === m.id)).toBe(false);
    expect(await a2.storage.getMessage(m.id)).toBeUndefined();
  });
});
