import { threeWordName } from '../../account/three-word-name.js';
import type { ContactRecord } from '../../types.js';
import { toKeyHex } from '../arguments.js';
import type { ChatTransport } from '../chat-transport.js';
import type { ClientCore } from '../client-core.js';
import { CLIENT_ERROR, ClientError } from '../errors.js';
import type { ClientChat } from '../types.js';

/** 1:1 chats: opened by us (the peer becomes a contact) or by a peer's first message. */
export class OneToOneChats {
  constructor(
    private readonly core: ClientCore,
    private readonly chats: ChatTransport,
  ) {}

  /** Opens (or returns) the 1:1 chat with `publicKey` and listens for it. */
  async start(publicKey: string | Uint8Array): Promise<ClientChat> {
    this.core.assertRunning();
    const peer = toKeyHex(publicKey);
    if (peer === this.core.publicKeyHex) throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, 'a 1:1 chat with ourselves is not a chat');
    return this.ensure(peer, true);
  }

  /** The 1:1 chat with `peer`, created if new; with `addContact`, the peer is an added contact too. */
  async ensure(peer: string, addContact: boolean): Promise<ClientChat> {
    const { storage, emitter } = this.core;
    const now = this.core.now();
    let chat = await storage.getChat(peer);
    let created = false;
    if (!chat) {
      chat = { id: peer, type: 'one-to-one', name: threeWordName(peer), joined: true, lastClock: 0n, members: null, createdAt: now, updatedAt: now };
      await storage.putChat(chat);
      created = true;
    }
    if (addContact && !(await storage.getContact(peer))?.added) {
      const c: ContactRecord = (await storage.getContact(peer)) ?? { publicKey: peer, name: null, added: true, blocked: false, lastUpdated: 0n };
      const contact = { ...c, added: true };
      await storage.putContact(contact);
      emitter.emit('contact', contact);
    }
    this.chats.listenPeer(peer);
    if (created) emitter.emit('chat', { ...chat });
    return { ...chat };
  }
}
