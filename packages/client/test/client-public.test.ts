import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex } from '@status-stack/crypto';
import { computePow, openSymmetric, publicChatKey, publicChatTopic } from '@status-stack/whisper';
import { decodeProtocolMessage } from '@status-stack/secure-transport';
import { APPLICATION_MESSAGE_TYPE, CONTENT_TYPE, MESSAGE_TYPE, decodeChatMessage, emptyChatMessage, encodeChatMessage, openApplicationMessage, wrapApplicationMessage } from '@status-stack/payloads';
import { threeWordName, type ClientMessage } from '../src/index.js';
import { Harness, until } from './helpers/client-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('StatusClient public chats over MemoryTransport', () => {
  it('a message goes both ways, shown with the signer key and three-word name', async () => {
    h = new Harness();
    const a = await h.peer();
    const b = await h.peer();
    await a.client.joinPublicChat('status');
    await b.client.joinPublicChat('status');
    const atB: ClientMessage[] = [];
    const atA: ClientMessage[] = [];
    b.client.on('message', (m) => atB.push(m));
    a.client.on('message', (m) => atA.push(m));

    const sent = await a.client.sendMessage('status', 'hello from A');
    expect(sent.deliveryState).toBe('sent');
    await until(() => atB.length === 1, 'A’s message at B');
    expect(atB[0].id).toBe(sent.id);
    expect(atB[0].text).toBe('hello from A');
    expect(atB[0].from).toBe(a.client.publicKeyHex);
    expect(atB[0].alias).toBe(threeWordName(a.client.publicKeyHex));
    expect(atB[0].via).toEqual({ channel: 'public', method: null, history: false });

    await b.client.sendMessage('status', 'hello back');
    await until(() => atA.some((m) => m.text === 'hello back'), 'B’s reply at A');
    // Our own message echoed by the transport is not shown twice.
    expect(atA.filter((m) => m.id === sent.id)).toHaveLength(1);

    const pageA = await a.client.history('status');
    const pageB = await b.client.history('status');
    expect(pageA.messages.map((m) => m.text)).toEqual(['hello from A', 'hello back']);
    expect(pageB.messages.map((m) => m.id)).toEqual(pageA.messages.map((m) => m.id));
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });

  it('the wire is status-go’s: topic and key from the chat name, TTL 15, signed envelope, ProtocolMessage.public_message', async () => {
    h = new Harness();
    const a = await h.peer();
    await a.client.joinPublicChat('wire-check');
    const before = h.hub.log.length;
    await a.client.sendMessage('wire-check', 'x');
    const env = h.hub.log.slice(before).find((e) => bytesToHex(e.topic) === bytesToHex(publicChatTopic('wire-check')));
    expect(env).toBeDefined();
    expect(env!.ttl).toBe(15);
    expect(computePow(env!)).toBeGreaterThanOrEqual(0.002);
    const opened = openSymmetric(env!, publicChatKey('wire-check'));
    expect(opened.signer).toEqual(a.client.publicKey);
    const pm = decodeProtocolMessage(opened.payload);
    expect(pm.installationId).toBe(a.client.installationId);
    expect(pm.bundles).toHaveLength(1);
    expect(pm.directMessage.size).toBe(0);
    const amm = openApplicationMessage(pm.publicMessage!);
    expect(amm.type).toBe(APPLICATION_MESSAGE_TYPE.CHAT_MESSAGE);
    expect(amm.authorHex).toBe(a.client.publicKeyHex);
    const cm = decodeChatMessage(amm.payload);
    expect(cm.messageType).toBe(MESSAGE_TYPE.PUBLIC_GROUP);
    expect(cm.chatId).toBe('wire-check');
    expect(cm.text).toBe('x');
  });

  it('de-duplicates a replayed envelope and orders by clock, not by arrival', async () => {
    h = new Harness();
    const a = await h.peer();
    const b = await h.peer();
    await b.client.joinPublicChat('order');
    const got: ClientMessage[] = [];
    b.client.on('message', (m) => got.push(m));
    // Hand-made messages from A with clocks out of arrival order.
    const now = Date.now();
    const post = async (clock: bigint, text: string, dup = 1): Promise<string> => {
      const cm = { ...emptyChatMessage(), clock, timestamp: BigInt(now), text, chatId: 'order', messageType: MESSAGE_TYPE.PUBLIC_GROUP, contentType: CONTENT_TYPE.TEXT_PLAIN };
      const amm = wrapApplicationMessage(APPLICATION_MESSAGE_TYPE.CHAT_MESSAGE, encodeChatMessage(cm), a.privateKey);
      const pm = await a.client.secure.buildPublicMessage(amm.bytes);
      for (let i = 0; i < dup; i++) {
        // A fresh envelope each time (new padding): the envelope hashes differ, the message id does not.
        await a.transport.post({ topic: publicChatTopic('order'), symKey: publicChatKey('order'), payload: pm, sign: a.privateKey, ttl: 15 });
      }
      return amm.id;
    };
    const id3 = await post(BigInt(now) + 3n, 'third', 2);
    const id1 = await post(BigInt(now) + 1n, 'first');
    const id2 = await post(BigInt(now) + 2n, 'second', 3);
    await until(() => got.length >= 3, 'three messages');
    await new Promise((r) => setTimeout(r, 50));
    expect(got.map((m) => m.id).sort()).toEqual([id1, id2, id3].sort());
    expect(got).toHaveLength(3);
    const page = await b.client.history('order');
    expect(page.messages.map((m) => m.text)).toEqual(['first', 'second', 'third']);
    expect(await b.storage.countMessages('order')).toBe(3);
  });

  it('messages for a public chat we have not joined, or left, are not shown', async () => {
    h = new Harness();
    const a = await h.peer();
    const b = await h.peer();
    await a.client.joinPublicChat('room');
    await b.client.joinPublicChat('room');
    await b.client.leavePublicChat('room');
    await a.client.sendMessage('room', 'nobody listening');
    await new Promise((r) => setTimeout(r, 50));
    expect(await b.storage.countMessages('room')).toBe(0);
  });

  it('a forged author (message signed by C in an envelope signed by A) is a typed error, not a message', async () => {
    h = new Harness();
    const a = await h.peer();
    const b = await h.peer();
    const c = await h.peer();
    await b.client.joinPublicChat('forge');
    const cm = { ...emptyChatMessage(), clock: BigInt(Date.now()), timestamp: BigInt(Date.now()), text: 'I am C', chatId: 'forge', messageType: MESSAGE_TYPE.PUBLIC_GROUP, contentType: CONTENT_TYPE.TEXT_PLAIN };
    const amm = wrapApplicationMessage(APPLICATION_MESSAGE_TYPE.CHAT_MESSAGE, encodeChatMessage(cm), c.privateKey);
    const pm = await a.client.secure.buildPublicMessage(amm.bytes);
    await a.transport.post({ topic: publicChatTopic('forge'), symKey: publicChatKey('forge'), payload: pm, sign: a.privateKey, ttl: 15 });
    await until(() => b.errors.length > 0, 'error at B');
    expect(b.errors[0].code).toBe('AUTHOR_MISMATCH');
    expect(await b.storage.countMessages('forge')).toBe(0);
  });

  it('garbage and unsigned envelopes on a joined topic become typed events', async () => {
    h = new Harness();
    const a = await h.peer();
    const b = await h.peer();
    await b.client.joinPublicChat('junk');
    await a.transport.post({ topic: publicChatTopic('junk'), symKey: publicChatKey('junk'), payload: new Uint8Array([1, 2, 3]), sign: a.privateKey, ttl: 15 });
    await a.transport.post({ topic: publicChatTopic('junk'), symKey: publicChatKey('junk'), payload: new Uint8Array([1, 2, 3]), ttl: 15 });
    await until(() => b.errors.length > 0 && b.ignored.length > 0, 'error and ignored at B');
    expect(b.errors[0].code).toBe('DECRYPTION_FAILED');
    expect(b.ignored[0].reason).toBe('UNSIGNED');
    // B still works.
    await a.client.joinPublicChat('junk');
    const m = await a.client.sendMessage('junk', 'still alive?');
    await until(async () => (await b.storage.getMessage(m.id)) !== undefined, 'message after junk');
  });
});

