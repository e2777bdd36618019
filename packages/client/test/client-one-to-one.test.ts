import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex } from '@status-stack/crypto';
import { negotiatedSecret, openAsymmetric, partitionedTopic } from '@status-stack/whisper';
import { MemorySessionStore, SecureTransport, decodeProtocolMessage } from '@status-stack/secure-transport';
import { decodePayload, oneToOneGroupId } from '@status-stack/mvds';
import { APPLICATION_MESSAGE_TYPE, CONTENT_TYPE, MESSAGE_TYPE, decodeChatMessage, emptyChatMessage, encodeChatMessage, openApplicationMessage, wrapApplicationMessage } from '@status-stack/payloads';
import { CLIENT_NS, type ClientMessage, type DeliveryEvent } from '../src/index.js';
import { Harness, until } from './helpers/client-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

function collect(client: { on(e: 'message', l: (m: ClientMessage) => void): () => void }): ClientMessage[] {
  const out: ClientMessage[] = [];
  client.on('message', (m) => out.push(m));
  return out;
}

describe('StatusClient 1:1 chats over MemoryTransport', () => {
  it('first contact on the partitioned topic (DH header), then X3DH and ratchet on the negotiated topic, both ways, with delivery acks', async () => {
    h = new Harness();
    const a = await h.peer();
    const b = await h.peer();
    const atA = collect(a.client);
    const atB = collect(b.client);
    const deliveries: DeliveryEvent[] = [];
    a.client.on('delivery', (d) => deliveries.push(d));
    // B's contact code went out before A listened for it: A has no bundle of B's.
    await until(async () => (await b.storage.kvGet(CLIENT_NS.META, 'contact-code')) !== undefined, 'B’s contact code published');

    const before = h.hub.log.length;
    const first = await a.client.sendMessage(b.client.publicKeyHex, 'hi B, first contact');
    await until(() => atB.some((m) => m.id === first.id), 'first message at B');
    const got = atB.find((m) => m.id === first.id)!;
    expect(got.chatId).toBe(a.client.publicKeyHex);
    expect(got.from).toBe(a.client.publicKeyHex);
    expect(got.via).toEqual({ channel: 'partitioned', method: 'dh', history: false });

    // On the wire: an asymmetric envelope on B's partitioned topic whose ProtocolMessage has the "none" DH entry,
    // carrying an MVDS payload with the 1:1 group id, whose body is the signed ApplicationMetadataMessage.
    const env = h.hub.log.slice(before).find((e) => bytesToHex(e.topic) === bytesToHex(partitionedTopic(b.client.publicKey)));
    expect(env).toBeDefined();
    expect(env!.ttl).toBe(15);
    const opened = openAsymmetric(env!, b.privateKey);
    expect(opened.signer).toEqual(a.client.publicKey);
    const pm = decodeProtocolMessage(opened.payload);
    expect([...pm.directMessage.keys()]).toEqual(['none']);
    expect(pm.directMessage.get('none')!.dhHeader).toBeDefined();

    await a.client.waitForDelivery(first.id, 'delivered');
    expect(deliveries.filter((d) => d.messageId === first.id).map((d) => d.state)).toEqual(['sent', 'delivered']);
    // Waiting for an earlier state of a message that has moved past it returns at once.
    await a.client.waitForDelivery(first.id, 'sent', { signal: AbortSignal.timeout(1000) });

    // B answers: B has A's bundle now, so X3DH, on the negotiated topic.
    const reply = await b.client.sendMessage(a.client.publicKeyHex, 'hello A');
    await until(() => atA.some((m) => m.id === reply.id), 'reply at A');
    const r = atA.find((m) => m.id === reply.id)!;
    expect(r.via?.channel).toBe('negotiated');
    expect(r.via?.method).toBe('x3dh');
    expect(r.chatId).toBe(b.client.publicKeyHex);
    await b.client.waitForDelivery(reply.id, 'delivered');

    // From here on both directions ride the ratchet on the negotiated topic.
    const neg = negotiatedSecret(a.privateKey, b.client.publicKey);
    const beforeRatchet = h.hub.log.length;
    const m2 = await a.client.sendMessage(b.client.publicKeyHex, 'ratchet A→B');
    await until(() => atB.some((m) => m.id === m2.id), 'ratchet message at B');
    expect(atB.find((m) => m.id === m2.id)!.via).toEqual({ channel: 'negotiated', method: 'ratchet', history: false });
    expect(h.hub.log.slice(beforeRatchet).some((e) => bytesToHex(e.topic) === bytesToHex(neg.topic))).toBe(true);
    const m3 = await b.client.sendMessage(a.client.publicKeyHex, 'ratchet B→A');
    await until(() => atA.some((m) => m.id === m3.id), 'ratchet message at A');
    expect(atA.find((m) => m.id === m3.id)!.via).toEqual({ channel: 'negotiated', method: 'ratchet', history: false });
    await a.client.waitForDelivery(m2.id);
    await b.client.waitForDelivery(m3.id);

    const histA = await a.client.history(b.client.publicKeyHex);
    const histB = await b.client.history(a.client.publicKeyHex);
    expect(histA.messages.map((m) => m.text)).toEqual(['hi B, first contact', 'hello A', 'ratchet A→B', 'ratchet B→A']);
    expect(histB.messages.map((m) => m.id)).toEqual(histA.messages.map((m) => m.id));
    expect(histA.messages.filter((m) => m.outgoing).every((m) => m.deliveryState === 'delivered')).toBe(true);
    expect(histB.messages.filter((m) => m.outgoing).every((m) => m.deliveryState === 'delivered')).toBe(true);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });

  it('the MVDS group id is status-go’s 1:1 group id and the MVDS body is the ApplicationMetadataMessage', async () => {
    h = new Harness();
    const a = await h.peer();
    const b = await h.peer({ start: false });
    const before = h.hub.log.length;
    const sent = await a.client.sendMessage(b.client.publicKeyHex, 'check the layers');
    const env = h.hub.log.slice(before).find((e) => bytesToHex(e.topic) === bytesToHex(partitionedTopic(b.client.publicKey)))!;
    const pm = decodeProtocolMessage(openAsymmetric(env, b.privateKey).payload);
    // B is offline: open the DH entry with B's key the way B's secure transport would.
    const bSecure = new SecureTransport({ identityPrivateKey: b.privateKey, installationId: 'b-device', store: new MemorySessionStore() });
    const res = await bSecure.decrypt(a.client.publicKey, openAsymmetric(env, b.privateKey).payload);
    expect(res.method).toBe('dh');
    const payload = decodePayload(res.plaintext!);
    expect(payload.messages).toHaveLength(1);
    expect(bytesToHex(payload.messages[0].groupId)).toBe(bytesToHex(oneToOneGroupId(a.client.publicKey, b.client.publicKey)));
    const amm = openApplicationMessage(payload.messages[0].body);
    expect(amm.id).toBe(sent.id);
    expect(amm.type).toBe(APPLICATION_MESSAGE_TYPE.CHAT_MESSAGE);
    const cm = decodeChatMessage(amm.payload);
    expect(cm.messageType).toBe(MESSAGE_TYPE.ONE_TO_ONE);
    expect(cm.chatId).toBe(b.client.publicKeyHex);
    expect(pm.bundles[0].identity.length).toBe(33);
  });

  it('with the contact code seen first, the very first message is X3DH', async () => {
    h = new Harness();
    const a = await h.peer();
    const b = await h.peer();
    await a.client.startOneToOne(b.client.publicKeyHex);
    const installations = async (): Promise<number> => (await a.client.secure.installations(b.client.publicKey)).length;
    await b.client.publishContactCode(true);
    await until(async () => (await installations()) === 1, 'B’s bundle at A from the contact-code topic');
    const atB = collect(b.client);
    const first = await a.client.sendMessage(b.client.publicKeyHex, 'straight to X3DH');
    await until(() => atB.some((m) => m.id === first.id), 'message at B');
    expect(atB[0].via).toEqual({ channel: 'partitioned', method: 'x3dh', history: false });
    await a.client.waitForDelivery(first.id);
  });

  it('a contact request (ContactUpdate) adds the contact at both ends', async () => {
    h = new Harness();
    const a = await h.peer();
    const b = await h.peer();
    const contactsAtB: string[] = [];
    b.client.on('contact', (c) => contactsAtB.push(c.publicKey));
    await a.client.sendContactRequest(b.client.publicKey, { ensName: 'alice.stateofus.eth' });
    await until(() => contactsAtB.includes(a.client.publicKeyHex), 'contact at B');
    const c = await b.storage.getContact(a.client.publicKeyHex);
    expect(c?.name).toBe('alice.stateofus.eth');
    expect((await a.storage.getContact(b.client.publicKeyHex))?.added).toBe(true);
    expect((await b.client.chat(a.client.publicKeyHex))?.type).toBe('one-to-one');
  });

  it('a 1:1 message naming the wrong type for its channel, or signed by someone else, never becomes a message', async () => {
    h = new Harness();
    const a = await h.peer();
    const b = await h.peer();
    const c = await h.peer();
    // A public-chat message sent 1:1: wrong channel.
    const cm = { ...emptyChatMessage(), clock: BigInt(Date.now()), timestamp: BigInt(Date.now()), text: 'sneaky', chatId: 'somewhere', messageType: MESSAGE_TYPE.PUBLIC_GROUP, contentType: CONTENT_TYPE.TEXT_PLAIN };
    const amm = wrapApplicationMessage(APPLICATION_MESSAGE_TYPE.CHAT_MESSAGE, encodeChatMessage(cm), a.privateKey);
    const enc = await a.client.secure.encrypt(b.client.publicKey, amm.bytes);
    await a.transport.post({ topic: partitionedTopic(b.client.publicKey), publicKey: b.client.publicKey, payload: enc.message, sign: a.privateKey, ttl: 15 });
    // A 1:1 message signed by C inside A's envelope: forged author.
    const forged = wrapApplicationMessage(
      APPLICATION_MESSAGE_TYPE.CHAT_MESSAGE,
      encodeChatMessage({ ...cm, text: 'from "C"', chatId: b.client.publicKeyHex, messageType: MESSAGE_TYPE.ONE_TO_ONE }),
      c.privateKey,
    );
    const enc2 = await a.client.secure.encrypt(b.client.publicKey, forged.bytes);
    await a.transport.post({ topic: partitionedTopic(b.client.publicKey), publicKey: b.client.publicKey, payload: enc2.message, sign: a.privateKey, ttl: 15 });
    await until(() => b.ignored.some((e) => e.reason === 'WRONG_CHANNEL') && b.errors.some((e) => e.code === 'AUTHOR_MISMATCH'), 'typed events at B');
    expect(await b.storage.countMessages(a.client.publicKeyHex)).toBe(0);
    expect(await b.storage.getMessage(amm.id)).toBeUndefined();
    expect(await b.storage.getMessage(forged.id)).toBeUndefined();
  });
});
