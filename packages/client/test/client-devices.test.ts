import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, generatePrivateKey } from '@status-stack/crypto';
import { openAsymmetric, partitionedTopic } from '@status-stack/whisper';
import { decodeProtocolMessage, decryptWithDh } from '@status-stack/secure-transport';
import { APPLICATION_MESSAGE_TYPE, decodeApplicationMetadataMessage, decodePairInstallation, sendApplicationMessage } from '@status-stack/payloads';
import { ClientError, type ClientInstallation, type ClientMessage } from '../src/index.js';
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

/** status-go's flow: each device names itself and sends PairInstallation to our own identity; the user enables the other. */
async function pairWithMetadata(a1: TestPeer, a2: TestPeer): Promise<void> {
  await a1.client.setInstallationMetadata({ name: 'phone', deviceType: 'ios' });
  await a2.client.setInstallationMetadata({ name: 'laptop', deviceType: 'desktop' });
  await a1.client.sendPairInstallation();
  await until(async () => (await a2.client.installations()).some((i) => i.name === 'phone'), 'A1’s PairInstallation at A2');
  await a2.client.sendPairInstallation();
  await until(async () => (await a1.client.installations()).some((i) => i.name === 'laptop'), 'A2’s PairInstallation at A1');
  await a1.client.enableInstallation(a2.client.installationId);
  await a2.client.enableInstallation(a1.client.installationId);
}

describe('StatusClient device pairing with PairInstallation (status-go SendPairInstallation)', () => {
  it('sends PairInstallation unsigned, and its id is the one status-go computes: keccak256(wrapper bytes as sent)', async () => {
    h = new Harness();
    const key = generatePrivateKey();
    const a1 = await h.peer({ privateKey: key });
    const a2 = await h.peer({ privateKey: key });
    await a1.client.setInstallationMetadata({ name: 'phone', deviceType: 'ios' });
    const before = h.hub.log.length;
    const id = await a1.client.sendPairInstallation();

    // Off the wire: an asymmetric envelope on our partitioned topic, signed by us, whose ProtocolMessage holds
    // a DH-header message to our own identity carrying the ApplicationMetadataMessage.
    const topic = bytesToHex(partitionedTopic(a1.client.publicKey));
    const envs = h.hub.log.slice(before).filter((e) => bytesToHex(e.topic) === topic);
    expect(envs).toHaveLength(1);
    const opened = openAsymmetric(envs[0], key);
    expect(opened.signer).toEqual(a1.client.publicKey); // the envelope names the author
    const [dm] = [...decodeProtocolMessage(opened.payload).directMessage.values()];
    expect(dm.dhHeader).toBeDefined();
    const wrapper = decryptWithDh(key, dm.dhHeader!.key, dm.payload);
    const amm = decodeApplicationMetadataMessage(wrapper);
    expect(amm.type).toBe(APPLICATION_MESSAGE_TYPE.PAIR_INSTALLATION);
    expect(amm.signature).toHaveLength(0); // deniable, as status-go sends it
    expect(decodePairInstallation(amm.payload)).toMatchObject({ name: 'phone', deviceType: 'ios', installationId: a1.client.installationId });
    // status-go: no key recovered from an empty signature, so v1.MessageID(nil, wrapper) = keccak256(wrapper).
    expect(id).toBe(`0x${bytesToHex(keccak_256(wrapper))}`);
    expect(id).not.toBe(`0x${bytesToHex(keccak_256(new Uint8Array([...a1.client.publicKey, ...wrapper])))}`);

    // The other device opens it (author: the envelope's signer) and records the installation.
    await until(async () => (await a2.client.installations()).some((i) => i.name === 'phone'), 'A1’s PairInstallation at A2');
    expect(a2.errors).toEqual([]);
  });

  it('two installations pair by metadata, enable each other, see both sides of a 1:1 and get synced chats and contacts', async () => {
    h = new Harness();
    const key = generatePrivateKey();
    const a1 = await h.peer({ privateKey: key });
    const a2 = await h.peer({ privateKey: key });
    const b = await h.peer();
    const c = await h.peer();
    const seenAtA2: ClientInstallation[] = [];
    a2.client.on('installation', (i) => seenAtA2.push(i));

    await a1.client.setInstallationMetadata({ name: 'phone', deviceType: 'ios' });
    expect(await a1.client.installationMetadata()).toEqual({ name: 'phone', deviceType: 'ios' });
    // Nothing on the contact-code topic: the PairInstallation alone (DH to our identity, bundle attached) introduces A1.
    await a1.client.sendPairInstallation();
    await until(() => seenAtA2.length > 0, 'installation event at A2');
    expect(seenAtA2[0]).toMatchObject({ installationId: a1.client.installationId, enabled: false, name: 'phone', deviceType: 'ios' });
    expect(await a2.client.installations()).toEqual([expect.objectContaining({ installationId: a1.client.installationId, enabled: false, name: 'phone', deviceType: 'ios' })]);
    const stored = await a2.storage.getInstallation(a2.client.publicKeyHex, a1.client.installationId);
    expect(stored?.enabled).toBe(false);
    expect(JSON.parse(stored!.metadata!)).toMatchObject({ name: 'phone', deviceType: 'ios' });

    // Unpaired, A2 gets no copy of A1's 1:1 messages yet.
    const before = await a1.client.sendMessage(b.client.publicKeyHex, 'before pairing');
    await a1.client.waitForDelivery(before.id);

    await a2.client.setInstallationMetadata({ name: 'laptop', deviceType: 'desktop' });
    await a2.client.sendPairInstallation();
    await until(async () => (await a1.client.installations()).some((i) => i.installationId === a2.client.installationId && i.name === 'laptop'), 'A2 at A1');
    await a1.client.enableInstallation(a2.client.installationId);
    await a2.client.enableInstallation(a1.client.installationId);
    expect(seenAtA2.at(-1)).toMatchObject({ installationId: a1.client.installationId, enabled: true, name: 'phone' });
    expect((await a2.storage.getInstallation(a2.client.publicKeyHex, a1.client.installationId))?.enabled).toBe(true);
    expect(await a2.storage.getMessage(before.id)).toBeUndefined();

    const atA2 = collect(a2);
    const atA1 = collect(a1);
    const atB = collect(b);
    const out = await a1.client.sendMessage(b.client.publicKeyHex, 'from my phone');
    await until(() => atB.some((m) => m.id === out.id) && atA2.some((m) => m.id === out.id), 'A1’s message at B and A2');
    const reply = await b.client.sendMessage(a1.client.publicKeyHex, 'hello, both devices');
    await until(() => atA1.some((m) => m.id === reply.id) && atA2.some((m) => m.id === reply.id), 'B’s reply at A1 and A2');
    const fromA2 = await a2.client.sendMessage(b.client.publicKeyHex, 'from my laptop');
    await until(() => atA1.some((m) => m.id === fromA2.id) && atB.some((m) => m.id === fromA2.id), 'A2’s message at A1 and B');
    const ids = [out.id, reply.id, fromA2.id];
    expect((await a2.client.history(b.client.publicKeyHex)).messages.map((m) => m.id)).toEqual(ids);
    expect((await a1.client.history(b.client.publicKeyHex)).messages.map((m) => m.id)).toEqual([before.id, ...ids]);

    await a1.client.joinPublicChat('paired-room');
    await a1.client.sendContactRequest(c.client.publicKeyHex);
    expect(await a1.client.syncDevices()).toBe(3); // the public chat, contacts B and C
    await until(async () => (await a2.client.chat('paired-room'))?.joined === true, 'public chat joined on A2');
    await until(async () => (await a2.storage.getContact(c.client.publicKeyHex))?.added === true, 'contact C on A2');
    for (const p of [a1, a2, b, c]) expect(p.errors).toEqual([]);
  });

  it('installation metadata (ours and our other device’s) survives a restart on SQLite', async () => {
    h = new Harness();
    const dir = h.tempDir();
    const key = generatePrivateKey();
    const path1 = join(dir, 'a1.db');
    const path2 = join(dir, 'a2.db');
    let a1 = await h.peer({ privateKey: key, storage: h.sqlite(path1) });
    let a2 = await h.peer({ privateKey: key, storage: h.sqlite(path2) });
    await pairWithMetadata(a1, a2);
    const id1 = a1.client.installationId;
    const id2 = a2.client.installationId;
    for (const p of [a1, a2]) {
      await h.down(p);
      await p.storage.close();
    }
    a1 = await h.peer({ privateKey: key, storage: h.sqlite(path1) });
    a2 = await h.peer({ privateKey: key, storage: h.sqlite(path2) });
    expect([a1.client.installationId, a2.client.installationId]).toEqual([id1, id2]);
    expect(await a1.client.installationMetadata()).toEqual({ name: 'phone', deviceType: 'ios' });
    expect(await a2.client.installations()).toEqual([expect.objectContaining({ installationId: id1, enabled: true, name: 'phone', deviceType: 'ios' })]);
    expect(await a1.client.installations()).toEqual([expect.objectContaining({ installationId: id2, enabled: true, name: 'laptop', deviceType: 'desktop' })]);
    // Still paired after the restart: A1's 1:1 messages reach A2.
    const b = await h.peer();
    const atA2 = collect(a2);
    const m = await a1.client.sendMessage(b.client.publicKeyHex, 'after the restart');
    await until(() => atA2.some((x) => x.id === m.id), 'message at A2 after restart');
    // A newer PairInstallation renames the device; an older clock changes nothing.
    await a1.client.setInstallationMetadata({ name: 'old phone', deviceType: 'ios' });
    await a1.client.sendPairInstallation();
    await until(async () => (await a2.client.installations())[0]?.name === 'old phone', 'renamed at A2');
  });

  it('rejects blank metadata, a PairInstallation without metadata, and one from someone else', async () => {
    h = new Harness();
    const a = await h.peer();
    const mallory = await h.peer();
    await expect(a.client.sendPairInstallation()).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    await expect(a.client.setInstallationMetadata({ name: '  ', deviceType: 'ios' })).rejects.toBeInstanceOf(ClientError);
    await expect(a.client.setInstallationMetadata({ name: 'x', deviceType: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(a.client.enableInstallation('no-such-device')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // Mallory DH-encrypts a signed PairInstallation of hers to A: it opens, but is not from A's identity.
    const amm = sendApplicationMessage(
      { kind: 'pairInstallation', type: APPLICATION_MESSAGE_TYPE.PAIR_INSTALLATION, value: { clock: BigInt(Date.now()), installationId: 'evil', deviceType: 'ios', name: 'evil' } },
      mallory.privateKey,
    );
    const message = await mallory.client.secure.buildDhMessage(a.client.publicKey, amm.bytes);
    await mallory.transport.post({ topic: partitionedTopic(a.client.publicKey), publicKey: a.client.publicKey, payload: message, sign: mallory.privateKey, ttl: 10, powTarget: 0.002 });
    await until(() => a.ignored.some((e) => e.from === mallory.client.publicKeyHex && e.detail.includes('PairInstallation')), 'Mallory’s PairInstallation ignored');
    expect(await a.client.installations()).toEqual([]);
    expect(await a.storage.listInstallations(a.client.publicKeyHex)).toEqual([]);
  });
});
