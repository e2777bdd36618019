import { MEMBERSHIP_EVENT_TYPE } from '@status-stack/payloads';
import { SecureTransport } from '@status-stack/secure-transport';
import type { EnvelopeTransport, Topic } from '@status-stack/whisper';
import { parseEnode } from '@status-stack/p2p-overlay';
import { loadOrCreateInstallationId } from '../account/installation-id.js';
import { threeWordName } from '../account/three-word-name.js';
import type { ClientStorage, ContactRecord, DeliveryState, MessagePage, MessagePageOptions } from '../types.js';
import { toKeyHex } from './arguments.js';
import { buildClientParts, type ClientParts } from './client-parts.js';
import { ClientCore } from './client-core.js';
import { CLIENT_ERROR, ClientError, throwIfAborted } from './errors.js';
import { iterateEvents, waitForEvent } from './events.js';
import { toClientChat } from './group.js';
import { toClientMessage } from './handlers/chat-messages.js';
import { buildNetworkStack } from './networked.js';
import { StorageSessionStore } from './session-store.js';
import { waitForDeliveryState, waitForPeerCount } from './waits.js';
import type {
  ClientChat,
  ClientInstallation,
  ClientMessage,
  InstallationMetadata,
  IterateOptions,
  NetworkedClientOptions,
  OwnedResources,
  RequestHistoryOptions,
  SendOptions,
  StatusClientEvents,
  StatusClientOptions,
  WaitOptions,
} from './types.js';

/**
 * A Status client: public chats, 1:1 chats over the secure transport with MVDS, private groups,
 * all on any `EnvelopeTransport` (a Whisper/Waku node over RLPx, or an in-memory hub) and one
 * `ClientStorage`. Everything it shows, sends or acknowledges is persisted before it is reported.
 *
 * The work is done by its parts: the chat transport (topics, keys, filters, channel rules), the
 * message sender (outbox, MVDS, delivery states), the receive pipeline, and one handler per feature.
 */
export class StatusClient {
  readonly storage: ClientStorage;
  readonly transport: EnvelopeTransport;
  /** 65-byte uncompressed identity key. */
  readonly publicKey: Uint8Array;
  /** `0x04…` identity key: our id on the network and our 1:1 chat id at the other side. */
  readonly publicKeyHex: string;
  /** Our three-word name. */
  readonly alias: string;
  /** The networked stack this client created (see `createNetworked`), stopped with it. */
  readonly owned: OwnedResources | undefined;

  private readonly core: ClientCore;
  private readonly parts: ClientParts;
  private teardown: (() => void)[] = [];

  constructor(options: StatusClientOptions) {
    const core = new ClientCore(options);
    this.core = core;
    this.storage = core.storage;
    this.transport = core.transport;
    this.owned = core.owned;
    this.publicKey = core.publicKey;
    this.publicKeyHex = core.publicKeyHex;
    this.alias = threeWordName(core.publicKey);
    this.parts = buildClientParts(core);
  }

  /**
   * A client on the default networked stack: an RLPx overlay on host:port (0: OS-chosen), a
   * Whisper node (Waku when available and asked for) relaying on it, and a peer pool keeping
   * `staticPeers` and the trusted `mailserver` connected. `start()` brings it all up; `stop()` closes it.
   */
  static createNetworked(options: NetworkedClientOptions): StatusClient {
    const owned = buildNetworkStack(options);
    return new StatusClient({
      identity: options.identity,
      storage: options.storage,
      now: options.now,
      options: options.options,
      transport: owned.node,
      owned,
      mailserver: options.mailserver ? parseEnode(options.mailserver).id : undefined,
      history: options.mailserver !== undefined,
    });
  }

  // ------------------------------------------------------------------ events

  on<E extends keyof StatusClientEvents>(event: E, listener: StatusClientEvents[E]): () => void {
    return this.core.emitter.on(event, listener);
  }

  off<E extends keyof StatusClientEvents>(event: E, listener: StatusClientEvents[E]): void {
    this.core.emitter.off(event, listener);
  }

  once<E extends keyof StatusClientEvents>(event: E, listener: StatusClientEvents[E]): () => void {
    return this.core.emitter.once(event, listener);
  }

  /** New messages of one chat (or of all chats) as they arrive, until `signal` aborts or the loop breaks. */
  messages(chatId?: string, options: IterateOptions = {}): AsyncIterableIterator<ClientMessage> {
    return iterateEvents<ClientMessage>(
      (push) => this.on('message', (m) => {
        if (chatId === undefined || m.chatId === chatId) push(m);
      }),
      options.signal,
    );
  }

  /** Every event of one kind as an async iterator. */
  events<E extends keyof StatusClientEvents>(event: E, options: IterateOptions = {}): AsyncIterableIterator<Parameters<StatusClientEvents[E]>[0]> {
    type V = Parameters<StatusClientEvents[E]>[0];
    return iterateEvents<V>((push) => this.on(event, ((v: V) => push(v)) as unknown as StatusClientEvents[E]), options.signal);
  }

  /**
   * For a networked client (`createNetworked`): resolves once at least `count` peers have completed
   * the Whisper/Waku handshake with our node — `start()` returns when we listen, and the static peers
   * and the mailserver connect shortly after. A client on a transport passed in resolves at once.
   * Rejects with TIMEOUT after `timeoutMs` (see {@link WaitOptions}: 30 s by default without a signal).
   */
  async waitForPeers(count = 1, options: WaitOptions = {}): Promise<void> {
    const limit = this.core.waitLimit(options, 'waitForPeers');
    if (this.owned) await waitForPeerCount(this.owned.node, count, limit, options.signal);
  }

  /** Resolves with the first new message that satisfies `predicate`; TIMEOUT after `timeoutMs` (see {@link WaitOptions}). */
  waitForMessage(predicate: (m: ClientMessage) => boolean, options: WaitOptions = {}): Promise<ClientMessage> {
    let limit: number;
    try {
      limit = this.core.waitLimit(options, 'waitForMessage');
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return waitForEvent<ClientMessage>((push) => this.on('message', push), predicate, options.signal, 'waitForMessage', limit);
  }

  /** Resolves once our message `messageId` reaches `state` (now or later); TIMEOUT after `timeoutMs` (see {@link WaitOptions}). */
  async waitForDelivery(messageId: string, state: DeliveryState = 'delivered', options: WaitOptions = {}): Promise<void> {
    const limit = this.core.waitLimit(options, 'waitForDelivery');
    await waitForDeliveryState(this.storage, (push) => this.on('delivery', push), messageId, state, limit, options.signal);
  }

  // ------------------------------------------------------------------ lifecycle

  get installationId(): string {
    return this.core.installationId;
  }

  get isRunning(): boolean {
    return this.core.status === 'running';
  }

  /** The secure transport (bundles, installations) of a started client. */
  get secure(): SecureTransport {
    return this.core.secure;
  }

  /**
   * Starts the owned network stack (if any), listens on our partitioned and contact-code topics and
   * on every chat in storage, resumes MVDS (retransmitting what was not acknowledged), retries the
   * outbox, publishes our bundle and asks for history when the transport can.
   */
  async start(options: IterateOptions = {}): Promise<void> {
    const c = this.core;
    if (c.status !== 'new') throw new ClientError(CLIENT_ERROR.ALREADY_STARTED, `client is ${c.status}`);
    c.status = 'starting';
    try {
      throwIfAborted(options.signal, 'start');
      c.installation = c.identityInstallationId ?? (await loadOrCreateInstallationId(this.storage));
      c.secureTransport = new SecureTransport({
        identityPrivateKey: c.privateKey,
        installationId: c.installation,
        store: new StorageSessionStore(this.storage),
        now: c.now,
      });
      this.parts.sender.open();
      if (this.owned) {
        await this.owned.node.start();
        await this.owned.overlay.start();
        await this.owned.pool?.start();
      }
      await this.parts.chatTransport.listenAll();
      throwIfAborted(options.signal, 'start');
      c.status = 'running';
      await c.enqueue(() => this.parts.pipeline.recoverInbox(), true);
      await this.parts.chatTransport.pruneSeenEnvelopes();
      this.parts.sender.startEpochs();
      c.track(this.parts.sender.retryOutbox());
      c.track(this.parts.devices.publishContactCode(false));
      const timer = setInterval(() => c.track(this.parts.devices.publishContactCode(false)), Math.min(c.settings.contactCodeIntervalMs, 60 * 60 * 1000));
      timer.unref();
      c.timers.add(timer);
      if (c.settings.historyEnabled) this.teardown.push(this.parts.history.startAutomatic());
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Stops everything the client started: timers, filters, MVDS, the owned network stack. Storage and a passed-in transport stay open. */
  async stop(): Promise<void> {
    const c = this.core;
    if (c.status === 'stopped') return;
    c.status = 'stopped';
    for (const t of c.timers) clearInterval(t);
    c.timers.clear();
    this.parts.chatTransport.unlistenAll();
    this.parts.sender.unsubscribe();
    for (const u of this.teardown) u();
    this.teardown = [];
    await c.settle();
    await this.parts.sender.stop();
    if (this.owned) {
      await this.owned.pool?.stop();
      await this.owned.node.stop();
      await this.owned.overlay.stop();
    }
  }

  /** Every distinct topic of our filters. */
  listenedTopics(): Topic[] {
    return this.parts.chatTransport.listenedTopics();
  }

  // ------------------------------------------------------------------ chats

  async chats(): Promise<ClientChat[]> {
    return (await this.storage.listChats()).map(toClientChat);
  }

  async chat(chatId: string): Promise<ClientChat | undefined> {
    const c = await this.storage.getChat(chatId);
    return c && toClientChat(c);
  }

  /** Stored messages of a chat in (clock, id) order. */
  history(chatId: string, options: MessagePageOptions = { limit: 100 }): Promise<MessagePage> {
    return this.storage.listMessages(chatId, options);
  }

  /** Joins a public chat: listens on its topic and asks the mailserver for its history (when the transport can). */
  joinPublicChat(name: string, options: IterateOptions = {}): Promise<ClientChat> {
    return this.parts.publicChats.join(name, options);
  }

  leavePublicChat(name: string): Promise<void> {
    return this.parts.publicChats.leave(name);
  }

  /** Opens (or returns) the 1:1 chat with `publicKey` and listens for it. */
  startOneToOne(publicKey: string | Uint8Array): Promise<ClientChat> {
    return this.parts.oneToOne.start(publicKey);
  }

  contacts(): Promise<ContactRecord[]> {
    return this.parts.contacts.list();
  }

  /** A contact request as status-go v0.62 makes it: a ContactUpdate (our name) sent 1:1; adds the contact. */
  sendContactRequest(publicKey: string | Uint8Array, options: { ensName?: string; signal?: AbortSignal } = {}): Promise<void> {
    return this.parts.contacts.sendRequest(publicKey, options);
  }

  // ------------------------------------------------------------------ sending

  /**
   * Sends a text message to a chat: a public chat we joined, a 1:1 chat (by the peer's `0x04…` key,
   * created on first use) or a private group we are a member of. Resolves with the stored message
   * once it is persisted and handed to the transport (public) or to MVDS (1:1, group).
   */
  async sendMessage(chatId: string, text: string, options: SendOptions = {}): Promise<ClientMessage> {
    const { chat, draft } = await this.parts.chatMessages.prepare(chatId, text, options);
    if (chat.type === 'private-group') return this.parts.groups.send(chat.id, draft, options);
    return this.parts.chatMessages.send(chat, draft);
  }

  /**
   * Sends one of our messages again, for a message that `failed` (MVDS gave up waiting for an ACK) or is
   * still pending / sent. A 1:1 or group message starts its MVDS retransmission over for every recipient
   * that has not acknowledged it (send count 0, sent now, the full schedule and bounds again); work still
   * in the outbox runs again; a public message is posted again (receivers drop the duplicate by id).
   * The state goes back to `sent` (then `delivered` on the ACK, or `failed` again). A delivered message is
   * left alone. Resolves with the message as stored.
   */
  async resendMessage(messageId: string, options: IterateOptions = {}): Promise<ClientMessage> {
    this.core.assertRunning();
    throwIfAborted(options.signal, 'resendMessage');
    const m = await this.storage.getMessage(messageId);
    if (!m || !m.outgoing) throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `no message of ours with id ${JSON.stringify(messageId)}`);
    if (m.deliveryState !== 'delivered') await this.parts.sender.resend(m);
    return toClientMessage((await this.storage.getMessage(messageId)) ?? m);
  }

  /** Publishes our bundle on our contact-code topic when it changed or the interval passed. */
  publishContactCode(force = true): Promise<boolean> {
    return this.parts.devices.publishContactCode(force);
  }

  // ------------------------------------------------------------------ groups

  /** Creates a private group with us as creator and admin, adds `members`, and tells them. */
  createGroup(name: string, members: readonly (string | Uint8Array)[], options: IterateOptions = {}): Promise<ClientChat> {
    return this.parts.groups.create(name, members, options);
  }

  async addMembers(chatId: string, members: readonly (string | Uint8Array)[], options: IterateOptions = {}): Promise<ClientChat> {
    const hex = [...new Set(members.map(toKeyHex))];
    return this.parts.groups.event(chatId, MEMBERSHIP_EVENT_TYPE.MEMBERS_ADDED, { members: hex }, options);
  }

  /** Accepts an invitation: MEMBER_JOINED by us. */
  async joinGroup(chatId: string, options: IterateOptions = {}): Promise<ClientChat> {
    return this.parts.groups.event(chatId, MEMBERSHIP_EVENT_TYPE.MEMBER_JOINED, {}, options);
  }

  /** Leaves: MEMBER_REMOVED of ourselves, sent to every member. */
  async leaveGroup(chatId: string, options: IterateOptions = {}): Promise<ClientChat> {
    return this.parts.groups.event(chatId, MEMBERSHIP_EVENT_TYPE.MEMBER_REMOVED, { members: [this.publicKeyHex] }, options);
  }

  async removeMember(chatId: string, member: string | Uint8Array, options: IterateOptions = {}): Promise<ClientChat> {
    return this.parts.groups.event(chatId, MEMBERSHIP_EVENT_TYPE.MEMBER_REMOVED, { members: [toKeyHex(member)] }, options);
  }

  async renameGroup(chatId: string, name: string, options: IterateOptions = {}): Promise<ClientChat> {
    return this.parts.groups.event(chatId, MEMBERSHIP_EVENT_TYPE.NAME_CHANGED, { name }, options);
  }

  async addAdmins(chatId: string, admins: readonly (string | Uint8Array)[], options: IterateOptions = {}): Promise<ClientChat> {
    return this.parts.groups.event(chatId, MEMBERSHIP_EVENT_TYPE.ADMINS_ADDED, { members: [...new Set(admins.map(toKeyHex))] }, options);
  }

  // ------------------------------------------------------------------ devices

  /** Our other installations (devices) the secure transport knows of, paired (enabled) or not, with the metadata their PairInstallation gave. */
  installations(): Promise<ClientInstallation[]> {
    return this.parts.devices.installations();
  }

  /** The metadata of this installation (set by `setInstallationMetadata`), or undefined. */
  installationMetadata(): Promise<InstallationMetadata | undefined> {
    return this.parts.devices.installationMetadata();
  }

  /** Names this installation (status-go SetInstallationMetadata); kept in storage, sent by `sendPairInstallation`. */
  setInstallationMetadata(metadata: InstallationMetadata): Promise<void> {
    return this.parts.devices.setInstallationMetadata(metadata);
  }

  /**
   * status-go's SendPairInstallation: our installation's metadata as a PairInstallation, DH-encrypted to
   * our own identity (no ratchet, no MVDS) with our bundle attached, on our partitioned topic. Every
   * other device of ours opens it, paired or not, learns this installation and records its name;
   * it stays disabled there until the user enables it. The ApplicationMetadataMessage is unsigned, as
   * status-go sends it; resolves with its message id, keccak256(wrapper bytes), as status-go computes it.
   */
  sendPairInstallation(options: IterateOptions = {}): Promise<string> {
    return this.parts.devices.sendPairInstallation(options);
  }

  /**
   * Pairs one of our own devices (learned from its PairInstallation, our contact-code topic or a
   * message): from now on everything we send is also encrypted to it, and our bundle (republished
   * now) names it, so contacts encrypt to it too.
   */
  async enableInstallation(installationId: string): Promise<void> {
    await this.parts.devices.setEnabled(installationId, true);
  }

  async disableInstallation(installationId: string): Promise<void> {
    await this.parts.devices.setEnabled(installationId, false);
  }

  /** Sends our joined public chats and contacts to our paired devices (SyncInstallationPublicChat / SyncInstallationContact). */
  syncDevices(options: IterateOptions = {}): Promise<number> {
    return this.parts.devices.sync(options);
  }

  // ------------------------------------------------------------------ history

  /**
   * Makes the next requestHistory of each of `topics` start at `fromSeconds` (Unix seconds), as if the
   * last request for it had ended there: a user can ask for older history than the window already fetched.
   */
  rewindHistory(topics: readonly Topic[], fromSeconds: number): Promise<void> {
    return this.parts.history.rewind(topics, fromSeconds);
  }

  /**
   * Asks the transport's mailserver for the history of `topics`, from where the last request for each
   * topic ended (or `historyWindowSeconds` back), paging through cursors; remembers the new upper bound per topic.
   * Resolves with the number of pages once every envelope delivered has been processed. Progress
   * (pages, envelopes, the oldest send time reached) goes to `onProgress` and the 'history-progress'
   * event after each page, and once more with `done: true` at the end.
   */
  requestHistory(topics: readonly Topic[], options: RequestHistoryOptions = {}): Promise<number> {
    return this.parts.history.request(topics, options);
  }
}
