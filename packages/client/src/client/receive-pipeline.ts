import { bytesToHex, equalBytes, normalizePublicKey } from '@status-stack/crypto';
import type { ReceivedMessage } from '@status-stack/whisper';
import { SECURE_TRANSPORT_ERROR, SecureTransportError, type DecryptResult } from '@status-stack/secure-transport';
import { decodePayload, isDatasyncPayload } from '@status-stack/mvds';
import {
  APPLICATION_MESSAGE_TYPE,
  openApplicationMessage,
  publicKeyToHex,
  receiveApplicationMessage,
  type ChatMessage,
  type ContactUpdate,
  type OpenedMembershipUpdate,
  type PairInstallation,
  type ReceivedApplicationMessage,
} from '@status-stack/payloads';
import { StorageError } from '../errors.js';
import type { ClientCore } from './client-core.js';
import type { Channel, ChatTransport } from './chat-transport.js';
import { EMPTY } from './constants.js';
import { CLIENT_ERROR, IGNORED_REASON } from './errors.js';
import type { MessageSender, SyncedMessage } from './message-sender.js';
import type { ReceivedVia } from './types.js';

/** The feature handlers an application message is dispatched to, once its channel and author are checked. */
export interface ApplicationHandlers {
  chatMessage(cm: ChatMessage, rec: ReceivedApplicationMessage, via: ReceivedVia, chatName: string | undefined): Promise<void>;
  contactUpdate(update: ContactUpdate, from: string): Promise<void>;
  membershipUpdate(update: OpenedMembershipUpdate, rec: ReceivedApplicationMessage, via: ReceivedVia): Promise<void>;
  pairInstallation(value: PairInstallation): Promise<void>;
  syncedPublicChat(name: string): Promise<void>;
  syncedContact(publicKey: string, ensName: string): Promise<void>;
}

/** Where a message came from, as the layers below vouched for it. */
interface Arrived {
  signer: Uint8Array;
  via: ReceivedVia;
  sentMs: number;
  /** The public chat whose filter matched, for a public-chat envelope. */
  chatName?: string;
}

/** MVDS recovery processes what came on a direct channel; the envelope's channel is not stored with it. */
const RECOVERED_VIA: ReceivedVia = { channel: 'negotiated', method: null, history: false };

function isMvdsPayload(bytes: Uint8Array): boolean {
  try {
    return isDatasyncPayload(decodePayload(bytes));
  } catch {
    return false;
  }
}

/**
 * The way in: an envelope a filter matched → the secure transport (decrypt, or open a public
 * message) → MVDS for sync payloads → the ApplicationMetadataMessage → the feature handler of its type.
 */
export class ReceivePipeline {
  constructor(
    private readonly core: ClientCore,
    private readonly chats: ChatTransport,
    private readonly sender: MessageSender,
    private readonly handlers: ApplicationHandlers,
  ) {}

  async handleEnvelope(channel: Channel, m: ReceivedMessage, chatName?: string): Promise<void> {
    const c = this.core;
    if (c.status === 'stopped') return;
    if (!m.signer) {
      // status-go: "status requires a signature" (no Status payload comes in an unsigned envelope).
      c.ignore(IGNORED_REASON.UNSIGNED, `unsigned envelope on ${channel} topic ${bytesToHex(m.topic)}: status requires a signature`);
      return;
    }
    const signer = m.signer;
    const signerHex = publicKeyToHex(signer);
    if (await this.chats.seenBefore(channel, m)) return;
    let res: DecryptResult;
    try {
      res = await c.secure.decrypt(signer, m.payload);
      await this.chats.markSeen(channel, m);
    } catch (e) {
      if (e instanceof SecureTransportError && e.code === SECURE_TRANSPORT_ERROR.DUPLICATE_MESSAGE) {
        c.ignore(IGNORED_REASON.DUPLICATE, `message from ${signerHex} on ${channel}: ${e.message}`, { from: signerHex });
        return;
      }
      // A storage failure leaves the session as it was (one transaction): a retransmission opens later.
      const code = e instanceof StorageError ? CLIENT_ERROR.STORAGE_FAILED : CLIENT_ERROR.DECRYPTION_FAILED;
      c.payloadError(code, `message from ${signerHex} on ${channel}: ${(e as Error).message}`, e);
      return;
    }
    const arrived: Arrived = { signer, via: { channel, method: res.method, history: m.p2p }, sentMs: m.sent * 1000, chatName };
    switch (res.status) {
      case 'public':
        if (!this.chats.accepts('publicMessage', channel, `public message on ${channel} topic`, { from: signerHex })) return;
        if (res.plaintext && res.plaintext.length > 0) await this.handleApplication(res.plaintext, arrived);
        return;
      case 'decrypted': {
        if (!this.chats.accepts('directMessage', channel, `direct message on ${channel} topic`, { from: signerHex })) return;
        if (signerHex !== c.publicKeyHex) await this.chats.markNegotiated(signerHex);
        const pt = res.plaintext ?? EMPTY;
        if (pt.length === 0) return;
        if (isMvdsPayload(pt)) await this.handleSync(signerHex, pt, arrived);
        else await this.handleApplication(pt, arrived);
        return;
      }
      case 'not-addressed':
        if (res.reply) await this.chats.postProtocolMessage(signerHex, normalizePublicKey(signer), res.reply).catch(() => undefined);
        c.ignore(IGNORED_REASON.NOT_FOR_THIS_DEVICE, `message from ${signerHex} has no entry for this device; sent our bundle back`, { from: signerHex });
        return;
      case 'not-paired':
        c.ignore(IGNORED_REASON.NOT_FOR_THIS_DEVICE, `message from our unpaired device ${res.installationId}`, { from: signerHex });
        return;
      case 'own-message':
        return;
    }
  }

  /** Every message MVDS took in from the payload is processed, even when MVDS failed afterwards: it will not hand them over again. */
  private async handleSync(peer: string, payload: Uint8Array, arrived: Arrived): Promise<void> {
    const receipt = await this.sender.receiveSync(peer, payload);
    if (receipt.error !== undefined) this.core.reportError(receipt.error, CLIENT_ERROR.SYNC_FAILED, `MVDS payload from ${peer}`);
    for (const m of receipt.messages) await this.handleSynced(m, arrived);
  }

  private async handleSynced(m: SyncedMessage, arrived: Arrived): Promise<void> {
    try {
      await this.handleApplication(m.body, arrived);
      await this.sender.markProcessed(m.id);
    } catch (e) {
      // Not marked processed: it is processed again on the next start.
      this.core.reportError(e, CLIENT_ERROR.STORAGE_FAILED, 'processing');
    }
  }

  /**
   * MVDS stores a message before the client has shown it; a crash in between would lose it (MVDS
   * never delivers an id twice). On start, every MVDS message not marked processed is processed again:
   * all handlers are idempotent (message ids, ContactUpdate clocks, group event sets).
   */
  async recoverInbox(): Promise<void> {
    const { messages, unreadable } = await this.sender.unprocessed();
    for (const u of unreadable) {
      this.core.reportError(u.error, CLIENT_ERROR.INVALID_PAYLOAD, `stored MVDS message ${u.id}`);
      await this.sender.markProcessed(u.id);
    }
    for (const m of messages) {
      let author: Uint8Array;
      try {
        author = openApplicationMessage(m.body).author;
      } catch (err) {
        this.core.reportError(err, CLIENT_ERROR.INVALID_PAYLOAD, `stored MVDS message ${m.id}`);
        await this.sender.markProcessed(m.id);
        continue;
      }
      if (!equalBytes(author, this.core.publicKey)) await this.handleApplication(m.body, { signer: author, via: RECOVERED_VIA, sentMs: m.sentMs });
      await this.sender.markProcessed(m.id);
    }
  }

  private async handleApplication(bytes: Uint8Array, arrived: Arrived): Promise<void> {
    const c = this.core;
    const { signer, via } = arrived;
    let rec: ReceivedApplicationMessage;
    try {
      // An unsigned wrapper (deniable: PairInstallation) is authored by the signer the layers below vouched
      // for; its id is keccak256 of the wrapper alone, as status-go computes it.
      rec = receiveApplicationMessage(bytes, { transportTimestampMs: arrived.sentMs, transportAuthor: signer });
    } catch (e) {
      c.payloadError(CLIENT_ERROR.INVALID_PAYLOAD, `payload from ${publicKeyToHex(signer)}: ${(e as Error).message}`, e);
      return;
    }
    if (!equalBytes(rec.author, normalizePublicKey(signer))) {
      c.payloadError(CLIENT_ERROR.AUTHOR_MISMATCH, `message ${rec.id} is signed by ${rec.authorHex} but arrived in an envelope signed by ${publicKeyToHex(signer)}`);
      return;
    }
    const from = { from: rec.authorHex };
    const d = rec.decoded;
    const h = this.handlers;
    switch (d.kind) {
      case 'chatMessage':
        await h.chatMessage(d.value, rec, via, arrived.chatName);
        return;
      case 'contactUpdate':
        if (this.chats.accepts('contactUpdate', via.channel, 'ContactUpdate on a public topic', from)) await h.contactUpdate(d.value, rec.authorHex);
        return;
      case 'membershipUpdate':
        if (!this.chats.accepts('membershipUpdate', via.channel, 'membership update on a public topic', from)) return;
        if (rec.membershipUpdate) await h.membershipUpdate(rec.membershipUpdate, rec, via);
        return;
      case 'pairInstallation': {
        const detail = `PairInstallation from ${rec.authorHex} on ${via.channel}, not from one of our devices`;
        if (!this.fromOurDevice(rec.authorHex, detail) || !this.chats.accepts('pairInstallation', via.channel, detail, from)) return;
        await h.pairInstallation(d.value);
        return;
      }
      case 'syncInstallationPublicChat':
      case 'syncInstallationContact': {
        const detail = `${d.kind} from ${rec.authorHex}, not one of our devices`;
        if (!this.fromOurDevice(rec.authorHex, detail) || !this.chats.accepts('deviceSync', via.channel, detail, from)) return;
        if (d.kind === 'syncInstallationPublicChat') await h.syncedPublicChat(d.value.id);
        else await h.syncedContact(d.value.id, d.value.ensName);
        return;
      }
      default:
        if (d.type === APPLICATION_MESSAGE_TYPE.CONTACT_CODE_ADVERTISEMENT) return;
        c.ignore(IGNORED_REASON.UNSUPPORTED_TYPE, `application message type ${d.type} (${d.kind})`, from);
    }
  }

  /** Pairing and device sync come from our own identity only (status-go's check, reported as WRONG_CHANNEL). */
  private fromOurDevice(author: string, detail: string): boolean {
    if (author === this.core.publicKeyHex) return true;
    this.core.ignore(IGNORED_REASON.WRONG_CHANNEL, detail, { from: author });
    return false;
  }
}
