import { bytesToHex, bytesToUtf8, hexToBytes, utf8ToBytes } from '@status-stack/crypto';
import { MvdsNode, decodeMessage as decodeMvdsMessage, decodePayload, messageId as mvdsMessageId, oneToOneGroupId } from '@status-stack/mvds';
import { publicKeyFromHex } from '@status-stack/payloads';
import type { ClientStorage, DeliveryState, MessageRecord } from '../types.js';
import { log, type ClientCore } from './client-core.js';
import type { ChatTransport } from './chat-transport.js';
import { CLIENT_NS, EMPTY } from './constants.js';
import { CLIENT_ERROR, ClientError } from './errors.js';
import { foldGroup, groupEventsOf } from './group.js';
import { decodeRecord, encodeRecord } from './json-codec.js';
import { MVDS_NS, StorageMvdsStore } from './mvds-store.js';

/** Outgoing work, persisted in the outbox before it is handed to the transport or to MVDS. */
export interface OutboxEntry {
  kind: 'public' | 'direct';
  /** Status message id this work belongs to, when it carries a chat message. */
  messageId?: string;
  chatId: string;
  /** The ApplicationMetadataMessage bytes. */
  body: Uint8Array;
  /** `0x04…` recipients of a direct send. */
  recipients?: string[];
}

/** A message MVDS took in (new: never the same id twice) from a sync payload or its own store. */
export interface SyncedMessage {
  /** MVDS message id (hex). */
  id: string;
  body: Uint8Array;
  /** The MVDS timestamp in ms. */
  sentMs: number;
}

/** What one MVDS payload brought: its new messages, and the failure MVDS reported after taking them in, if any. */
export interface SyncReceipt {
  messages: SyncedMessage[];
  error?: unknown;
}

/** Writes an outbox entry (in a transaction of the caller's, with what it belongs to). */
export async function putOutbox(kv: Pick<ClientStorage, 'kvPut'>, key: string, entry: OutboxEntry): Promise<void> {
  await kv.kvPut(CLIENT_NS.OUTBOX, key, encodeRecord(entry));
}

/** The forward order of an outgoing message's delivery states. */
export const OUTGOING_PROGRESS: readonly DeliveryState[] = ['pending', 'sent', 'delivered'];

/**
 * The way out: an ApplicationMetadataMessage is posted to a public topic, or handed to MVDS, which
 * encrypts it for every device of each recipient (and ours) and posts it. Keeps the outbox (work
 * not yet handed on), the MVDS-id ↔ message-id maps and the delivery state of our messages.
 */
export class MessageSender {
  private mvdsNode: MvdsNode | undefined;
  private deliveryChain: Promise<void> = Promise.resolve();
  private paired: Set<string> | undefined;
  private teardown: (() => void)[] = [];

  constructor(
    private readonly core: ClientCore,
    private readonly chats: ChatTransport,
  ) {}

  private get mvds(): MvdsNode {
    if (!this.mvdsNode) throw new ClientError(CLIENT_ERROR.NOT_STARTED, 'client is not started');
    return this.mvdsNode;
  }

  /** Creates the MVDS engine on the client's storage; `startEpochs` starts its clock. */
  open(): void {
    const c = this.core;
    const mvds = new MvdsNode({
      store: new StorageMvdsStore(c.storage),
      transport: { send: (peer, payload) => this.postDirect(peer, payload) },
      clock: c.now,
      sendImmediately: true,
      // The resend schedule and give-up bounds are in ms; the engine maps them to its epochs.
      epochMs: c.settings.mvdsEpochMs,
      ...c.settings.mvdsResend,
    });
    this.mvdsNode = mvds;
    this.teardown = [mvds.on('delivered', (id) => this.onMvdsDelivered(bytesToHex(id))), mvds.on('gaveUp', (id) => this.onMvdsGaveUp(bytesToHex(id)))];
  }

  /** Resumes MVDS: retransmits what was not acknowledged. */
  startEpochs(): void {
    this.mvds.start(this.core.settings.mvdsEpochMs);
  }

  unsubscribe(): void {
    for (const u of this.teardown) u();
    this.teardown = [];
  }

  async stop(): Promise<void> {
    await this.mvdsNode?.stop();
    await this.deliveryChain;
  }

  // ------------------------------------------------------------------ MVDS in

  /**
   * Hands a sync payload from `peer` to MVDS and returns the new messages it took in. MVDS stores a
   * message before this returns; when it fails after that (storage, the ACK), the messages it took
   * are returned with the error: it will not offer them again, so the caller must process them.
   */
  async receiveSync(peer: string, payload: Uint8Array): Promise<SyncReceipt> {
    let carried: Set<string>;
    try {
      carried = new Set(decodePayload(payload).messages.map((m) => bytesToHex(mvdsMessageId(m))));
    } catch (error) {
      return { messages: [], error };
    }
    const messages: SyncedMessage[] = [];
    const off = this.mvds.on('message', (m) => {
      const id = bytesToHex(m.id);
      if (m.from === peer && carried.has(id)) messages.push({ id, body: m.body, sentMs: Number(m.timestamp) * 1000 });
    });
    try {
      await this.mvds.receive(peer, payload);
      return { messages };
    } catch (error) {
      return { messages, error };
    } finally {
      off();
    }
  }

  /** The body is processed (or was ours): not processed again on start. */
  async markProcessed(mvdsId: string): Promise<void> {
    await this.core.storage.kvPut(CLIENT_NS.MVDS_DONE, mvdsId, EMPTY);
  }

  /**
   * MVDS stores a message before the client has shown it; a crash in between would lose it (MVDS
   * never delivers an id twice). The messages MVDS holds that are not marked processed, with the
   * ids of stored messages that cannot be read.
   */
  async unprocessed(): Promise<{ messages: SyncedMessage[]; unreadable: { id: string; error: unknown }[] }> {
    const done = new Set((await this.core.storage.kvList(CLIENT_NS.MVDS_DONE)).map((e) => e.key));
    const messages: SyncedMessage[] = [];
    const unreadable: { id: string; error: unknown }[] = [];
    for (const e of await this.core.storage.kvList(MVDS_NS.MESSAGE)) {
      if (done.has(e.key)) continue;
      try {
        const m = decodeMvdsMessage(e.value);
        messages.push({ id: e.key, body: m.body, sentMs: Number(m.timestamp) * 1000 });
      } catch (error) {
        unreadable.push({ id: e.key, error });
      }
    }
    return { messages, unreadable };
  }

  // ------------------------------------------------------------------ outbox

  /** Persists outgoing work in the outbox, then runs it; what a crash interrupts is re-run on the next start. */
  async dispatch(entry: OutboxEntry, key: string): Promise<void> {
    await putOutbox(this.core.storage, key, entry);
    await this.run(entry, key);
  }

  async retryOutbox(): Promise<void> {
    for (const e of await this.core.storage.kvList(CLIENT_NS.OUTBOX)) {
      if (this.core.status !== 'running') return;
      await this.run(decodeRecord<OutboxEntry>(e.value, 'outbox entry'), e.key);
    }
  }

  /** Runs outbox work: posts it (public) or hands it to MVDS for every recipient (direct), then drops it from the outbox. */
  async run(entry: OutboxEntry, key: string): Promise<void> {
    const c = this.core;
    if (entry.kind === 'public') {
      try {
        const message = await c.secure.buildPublicMessage(entry.body);
        await this.chats.postOn(this.chats.publicChatKeys(entry.chatId), message);
      } catch (e) {
        // Stays in the outbox: retried on the next start.
        if (entry.messageId) await this.setDelivery(entry.messageId, 'pending');
        c.reportError(e, CLIENT_ERROR.TRANSPORT_FAILED, `posting to public chat ${entry.chatId}`);
        return;
      }
      await c.storage.kvDelete(CLIENT_NS.OUTBOX, key);
      if (entry.messageId) await this.setDelivery(entry.messageId, 'sent');
      return;
    }
    const mvdsIds: string[] = [];
    try {
      for (const peer of entry.recipients ?? []) {
        if (peer === c.publicKeyHex) continue;
        const groupId = oneToOneGroupId(c.publicKey, publicKeyFromHex(peer));
        await this.mvds.addPeer(groupId, peer);
        const id = bytesToHex(await this.mvds.send(groupId, entry.body));
        await this.markProcessed(id);
        mvdsIds.push(id);
      }
    } catch (e) {
      c.reportError(e, CLIENT_ERROR.SYNC_FAILED, `handing a message for ${entry.chatId} to MVDS`);
      return;
    }
    const messageId = entry.messageId;
    if (!messageId) {
      await c.storage.kvDelete(CLIENT_NS.OUTBOX, key);
      return;
    }
    await this.serialDelivery(async () => {
      const waiting: string[] = [];
      let gaveUp = false;
      for (const id of mvdsIds) {
        await c.storage.kvPut(CLIENT_NS.MVDS_TO_MESSAGE, id, utf8ToBytes(messageId));
        if (await c.storage.kvDelete(CLIENT_NS.MVDS_ACKED, id)) continue;
        if (await c.storage.kvDelete(CLIENT_NS.MVDS_GAVE_UP, id)) gaveUp = true;
        waiting.push(id);
      }
      await c.storage.kvPut(CLIENT_NS.AWAITING_ACK, messageId, encodeRecord(waiting));
      await c.storage.kvDelete(CLIENT_NS.OUTBOX, key);
      await this.setDelivery(messageId, waiting.length === 0 ? 'delivered' : gaveUp ? 'failed' : 'sent');
    });
  }

  /**
   * Sends one of our (not delivered) messages again: work still in the outbox runs again; a 1:1 or
   * group message restarts its MVDS retransmission for every recipient that has not acknowledged it,
   * or, when MVDS holds nothing for it any more, is handed to MVDS again; a public one is posted again.
   */
  async resend(m: MessageRecord): Promise<void> {
    const c = this.core;
    const queued = await c.storage.kvGet(CLIENT_NS.OUTBOX, m.id);
    if (queued) {
      await this.run(decodeRecord<OutboxEntry>(queued, 'outbox entry'), m.id);
      return;
    }
    const stored = await c.storage.kvGet(CLIENT_NS.AWAITING_ACK, m.id);
    const waiting = stored ? decodeRecord<string[]>(stored, 'awaiting ack') : [];
    if (waiting.length > 0) {
      // 'sent' first: an ACK to the resend (or a new give-up) must land after it, not before.
      await this.serialDelivery(() => this.setDelivery(m.id, 'sent'));
      let restarted = 0;
      for (const id of waiting) {
        await c.storage.kvDelete(CLIENT_NS.MVDS_GAVE_UP, id);
        restarted += await this.mvds.resend(hexToBytes(id));
      }
      if (restarted > 0) return;
      // MVDS holds no record for them any more: hand the message to MVDS again below.
    }
    if (m.payload === null) throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `message ${m.id} has no stored payload to send again`);
    const chat = await c.storage.getChat(m.chatId);
    if (!chat) throw new ClientError(CLIENT_ERROR.UNKNOWN_CHAT, `no chat ${JSON.stringify(m.chatId)} for message ${m.id}`);
    let recipients: string[] | undefined;
    if (chat.type === 'one-to-one') recipients = [chat.id];
    else if (chat.type === 'private-group') recipients = (foldGroup(chat.id, groupEventsOf(chat)).state?.members ?? []).filter((p) => p !== c.publicKeyHex);
    const entry: OutboxEntry = recipients
      ? { kind: 'direct', chatId: chat.id, messageId: m.id, body: m.payload, recipients }
      : { kind: 'public', chatId: chat.id, messageId: m.id, body: m.payload };
    await this.dispatch(entry, m.id);
  }

  // ------------------------------------------------------------------ delivery states

  private serialDelivery(fn: () => Promise<void>): Promise<void> {
    const run = this.deliveryChain.then(fn);
    this.deliveryChain = run.catch((e: unknown) => this.core.reportError(e, CLIENT_ERROR.STORAGE_FAILED, 'delivery bookkeeping'));
    return run;
  }

  private onMvdsDelivered(mvdsId: string): void {
    const s = this.core.storage;
    void this.serialDelivery(async () => {
      const mapped = await s.kvGet(CLIENT_NS.MVDS_TO_MESSAGE, mvdsId);
      if (!mapped) {
        await s.kvPut(CLIENT_NS.MVDS_ACKED, mvdsId, EMPTY);
        return;
      }
      const messageId = bytesToUtf8(mapped);
      const stored = await s.kvGet(CLIENT_NS.AWAITING_ACK, messageId);
      const waiting = stored ? decodeRecord<string[]>(stored, 'awaiting ack').filter((id) => id !== mvdsId) : [];
      if (waiting.length > 0) {
        await s.kvPut(CLIENT_NS.AWAITING_ACK, messageId, encodeRecord(waiting));
        return;
      }
      await s.kvDelete(CLIENT_NS.AWAITING_ACK, messageId);
      await this.setDelivery(messageId, 'delivered');
    });
  }

  /**
   * MVDS stopped retransmitting to a recipient that never acknowledged (maxTransmissions / giveUpAfterMs):
   * the message is `failed`, stored and reported, until a late ACK delivers it or `resendMessage` retries.
   * It stays in AWAITING_ACK: that ACK, or the resend, still finds it.
   */
  private onMvdsGaveUp(mvdsId: string): void {
    const s = this.core.storage;
    void this.serialDelivery(async () => {
      const mapped = await s.kvGet(CLIENT_NS.MVDS_TO_MESSAGE, mvdsId);
      if (!mapped) {
        await s.kvPut(CLIENT_NS.MVDS_GAVE_UP, mvdsId, EMPTY);
        return;
      }
      const messageId = bytesToUtf8(mapped);
      log('MVDS gave up on %s (message %s): failed', mvdsId, messageId);
      await this.setDelivery(messageId, 'failed');
    });
  }

  private async setDelivery(messageId: string, state: DeliveryState): Promise<void> {
    const m = await this.core.storage.getMessage(messageId);
    if (!m || m.deliveryState === state || m.deliveryState === 'delivered') return;
    await this.core.storage.updateDeliveryState(messageId, state);
    this.core.emitter.emit('delivery', { messageId, chatId: m.chatId, state });
  }

  // ------------------------------------------------------------------ encrypt per device, post

  /** Encrypts a payload for every device of `peer` (and ours) and posts it: the MVDS transport, and device sync. */
  async postDirect(peer: string, payload: Uint8Array): Promise<void> {
    const c = this.core;
    const key = publicKeyFromHex(peer);
    const encrypted = await c.secure.encrypt(key, payload);
    if (peer === c.publicKeyHex) {
      // To our own paired devices only: nothing to post when none is enabled.
      if (encrypted.targets.length > 0) await this.chats.postProtocolMessage(peer, key, encrypted.message);
      return;
    }
    await this.chats.postProtocolMessage(peer, key, encrypted.message);
    // The same ProtocolMessage has entries for our paired devices: they read it on our partitioned topic.
    const ours = await this.pairedDevices();
    if (encrypted.targets.some((t) => ours.has(t))) await this.chats.postProtocolMessage(c.publicKeyHex, c.publicKey, encrypted.message);
  }

  /** Installation ids of our enabled devices; only enable/disableInstallation change them (and call `forgetPairedDevices`). */
  private async pairedDevices(): Promise<Set<string>> {
    this.paired ??= new Set((await this.core.secure.installations()).filter((i) => i.enabled).map((i) => i.installationId));
    return this.paired;
  }

  forgetPairedDevices(): void {
    this.paired = undefined;
  }
}
