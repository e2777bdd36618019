import { APPLICATION_MESSAGE_TYPE, isPublicKeyHex, sendApplicationMessage, type ContactUpdate } from '@status-stack/payloads';
import type { ContactRecord } from '../../types.js';
import { toKeyHex } from '../arguments.js';
import type { ClientCore } from '../client-core.js';
import { CLIENT_ERROR, throwIfAborted } from '../errors.js';
import type { MessageSender } from '../message-sender.js';
import type { OneToOneChats } from './one-to-one.js';

/** Contacts: contact requests (ContactUpdate) sent and received, and contacts synced from our devices. */
export class Contacts {
  constructor(
    private readonly core: ClientCore,
    private readonly sender: MessageSender,
    private readonly oneToOne: OneToOneChats,
  ) {}

  list(): Promise<ContactRecord[]> {
    return this.core.storage.listContacts();
  }

  /** A contact request as status-go v0.62 makes it: a ContactUpdate (our name) sent 1:1; adds the contact. */
  async sendRequest(publicKey: string | Uint8Array, options: { ensName?: string; signal?: AbortSignal }): Promise<void> {
    const c = this.core;
    c.assertRunning();
    const peer = toKeyHex(publicKey);
    await this.oneToOne.ensure(peer, true);
    const update: ContactUpdate = { clock: BigInt(c.now()), ensName: options.ensName ?? '', profileImage: '' };
    const amm = sendApplicationMessage({ kind: 'contactUpdate', type: APPLICATION_MESSAGE_TYPE.CONTACT_UPDATE, value: update }, c.privateKey, c.publicKey);
    throwIfAborted(options.signal, 'sendContactRequest');
    await this.sender.dispatch({ kind: 'direct', chatId: peer, body: amm.bytes, recipients: [peer] }, `contact-update:${amm.id}`);
  }

  async receiveUpdate(update: ContactUpdate, from: string): Promise<void> {
    const existing = await this.core.storage.getContact(from);
    if (existing && existing.lastUpdated >= update.clock) return;
    const contact: ContactRecord = {
      publicKey: from,
      name: update.ensName === '' ? (existing?.name ?? null) : update.ensName,
      added: existing?.added ?? false,
      blocked: existing?.blocked ?? false,
      lastUpdated: update.clock,
    };
    await this.core.storage.putContact(contact);
    await this.oneToOne.ensure(from, false);
    this.core.emitter.emit('contact', contact);
  }

  /** A SyncInstallationContact from one of our devices: the contact is added here too. */
  async addSynced(publicKey: string, ensName: string): Promise<void> {
    const c = this.core;
    if (!isPublicKeyHex(publicKey) || publicKey === c.publicKeyHex) {
      c.payloadError(CLIENT_ERROR.INVALID_PAYLOAD, `synced contact is not a usable key: ${JSON.stringify(publicKey)}`);
      return;
    }
    const existing = await c.storage.getContact(publicKey);
    if (existing?.added) return;
    const contact: ContactRecord = { publicKey, name: ensName === '' ? (existing?.name ?? null) : ensName, added: true, blocked: false, lastUpdated: existing?.lastUpdated ?? 0n };
    await c.storage.putContact(contact);
    await this.oneToOne.ensure(publicKey, false);
    c.emitter.emit('contact', contact);
  }
}
