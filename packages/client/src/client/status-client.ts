import createDebug from 'debug';
import { bytesToHex, bytesToUtf8, equalBytes, getPublicKey, hexToBytes, normalizePublicKey, utf8ToBytes } from '@status-stack/crypto';
import {
  contactCodeTopic,
  contactCodeTopicName,
  discoveryTopic,
  negotiatedSecret,
  partitionedTopic,
  publicChatKey,
  publicChatTopic,
  type EnvelopeTransport,
  type Filter,
  type OutgoingMessage,
  type ReceivedMessage,
  type Topic,
} from '@status-stack/whisper';
import { SECURE_TRANSPORT_ERROR, SecureTransport, SecureTransportError, type DecryptResult } from '@status-stack/secure-transport';
import { MVDS_TIMING, MvdsNode, decodeMessage as decodeMvdsMessage, decodePayload, isDatasyncPayload, oneToOneGroupId } from '@status-stack/mvds';
import {
  APPLICATION_MESSAGE_TYPE,
  CONTENT_TYPE,
  MEMBERSHIP_EVENT_TYPE,
  MESSAGE_TYPE,
  buildMembershipUpdate,
  emptyChatMessage,
  groupChatId,
  isPublicKeyHex,
  nextClock,
  openApplicationMessage,
  isGroupChatId,
  publicChatId,
  publicKeyFromHex,
  publicKeyToHex,
  receiveApplicationMessage,
  resolveIncomingChatId,
  sendApplicationMessage,
  sendUnsignedApplicationMessage,
  signGroupEvent,
  validateText,
  wrapApplicationMessage,
  type ChatMessage,
  type ContactUpdate,
  type GroupState,
  type OpenedMembershipUpdate,
  type PairInstallation,
  type ReceivedApplicationMessage,
  type SignedGroupEvent,
} from '@status-stack/payloads';
import { loadOrCreateInstallationId } from '../account/installation-id.js';
import { StorageError } from '../errors.js';
import { threeWordName } from '../account/three-word-name.js';
import type { Account, ChatRecord, ClientStorage, InstallationRecord, ContactRecord, DeliveryState, MessagePage, MessagePageOptions, MessageRecord } from '../types.js';
import { CLIENT_ERROR, ClientError, IGNORED_REASON, abortError, checkTimeout, throwIfAborted, timeoutError, type IgnoredReason } from './errors.js';
import { TypedEmitter, iterateEvents, waitForEvent } from './events.js';
import { encodeGroupEvents, foldGroup, groupEventsOf, mergeGroupEvents } from './group.js';
import { decodeRecord, encodeRecord } from './json-codec.js';
import { MVDS_NS, StorageMvdsStore } from './mvds-store.js';
import { StorageSessionStore } from './session-store.js';
import { buildNetworkStack } from './networked.js';
import { parseEnode } from '@status-stack/p2p-overlay';
import type {
  ClientChat,
  ClientIdentity,
  ClientInstallation,
  ClientMessage,
  DeliveryEvent,
  HistoryProgress,
  IgnoredEvent,
  InstallationMetadata,
  IterateOptions,
  NetworkedClientOptions,
  OwnedResources,
  ReceivedVia,
  RequestHistoryOptions,
  SendOptions,
  StatusClientEvents,
  StatusClientOptions,
  WaitOptions,
} from './types.js';

const log = createDebug('status:client');

/** Key/value namespaces of the client's own bookkeeping. */
export const CLIENT_NS = {
  /** Peers (`0x04…`) that have answered us: we talk to them on the negotiated topic. */
  NEGOTIATED: 'client.negotiated',
  /** Outgoing work persisted before it is handed to the transport or MVDS; retried on start. */
  OUTBOX: 'client.outbox',
  /** MVDS message id (hex) → Status message id. */
  MVDS_TO_MESSAGE: 'client.mvds-to-message',
  /** MVDS message ids acknowledged before their mapping was written. */
  MVDS_ACKED: 'client.mvds-acked',
  /** Status message id → MVDS ids still waiting for an ACK (JSON list). */
  AWAITING_ACK: 'client.awaiting-ack',
  META: 'client.meta',
  /** MVDS message ids (hex) whose body the client has processed (or sent): the rest are processed again on start. */
  MVDS_DONE: 'client.mvds-done',
  /** MVDS message ids MVDS gave up on (no ACK) before their mapping was written. */
  MVDS_GAVE_UP: 'client.mvds-gave-up',
  /**
   * Direct-message envelopes (hash hex → expiry) already opened: a relay's initial sync or a mailserver
   * hands them to a restarted client again, and a ratchet message from a finished chain cannot be told
   * from a forgery once its key is gone.
   */
  SEEN_ENVELOPES: 'client.seen-envelope',
  /** Topic (hex) → upper bound (Unix seconds) of the history fetched for it. */
  HISTORY: 'client.history',
} as const;

export const CLIENT_DEFAULTS = {
  MVDS_EPOCH_MS: 300,
  /** First MVDS resend no sooner than this after a send: status-go ACKs within ~0.25–0.76 s. */
  MVDS_FIRST_RESEND_MS: MVDS_TIMING.FIRST_RESEND_MS,
  /** The MVDS resend interval doubles up to this. */
  MVDS_MAX_RESEND_INTERVAL_MS: MVDS_TIMING.MAX_RESEND_INTERVAL_MS,
  /** A message still unacknowledged after this many transmissions to a peer becomes `failed`. */
  MVDS_MAX_TRANSMISSIONS: MVDS_TIMING.MAX_TRANSMISSIONS,
  /** …or this long after its first transmission (time the client runs), whichever comes first. */
  MVDS_GIVE_UP_AFTER_MS: MVDS_TIMING.GIVE_UP_AFTER_MS,
  CONTACT_CODE_INTERVAL_MS: 6 * 60 * 60 * 1000,
  TTL: 15,
  POW_TARGET: 0.002,
  HISTORY_WINDOW_SECONDS: 24 * 60 * 60,
  HISTORY_PAGE_LIMIT: 100,
  /** waitForPeers / waitForMessage / waitForDelivery give up after this long when given no signal. */
  WAIT_TIMEOUT_MS: 30_000,
} as const;

const EMPTY = new Uint8Array(0);

type Channel = ReceivedVia['channel'];

interface OutboxEntry {
  kind: 'public' | 'direct';
  /** Status message id this work belongs to, when it carries a chat message. */
  messageId?: string;
  chatId: string;
  /** The ApplicationMetadataMessage bytes. */
  body: Uint8Array;
  /** `0x04…` recipients of a direct send. */
  recipients?: string[];
}

interface MvdsContext {
  signer: Uint8Array;
  via: ReceivedVia;
  sentMs: number;
}

function isAccount(identity: ClientIdentity | Account): identity is Account {
  return 'chatKey' in identity;
}

const UUID_PREFIX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-/i;

/**
 * A chat id a caller passed: one that cannot be an id at all (not a string, empty, padded), a
 * `0x…` that is not a valid public key, or a `<uuid>-…` that is not a group id is INVALID_ARGUMENT.
 * A well-formed id with no chat behind it is for the caller to report as UNKNOWN_CHAT.
 */
function checkChatId(chatId: unknown): string {
  if (typeof chatId !== 'string' || chatId.length === 0 || chatId.trim() !== chatId) {
    throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `not a chat id: ${JSON.stringify(chatId)} (a public chat name, a 0x04… key or a group id)`);
  }
  if (/^0x/i.test(chatId) && !isPublicKeyHex(chatId.toLowerCase())) {
    throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `not a public key: ${JSON.stringify(chatId)} (a 1:1 chat id is 0x04 and 128 hex digits of a secp256k1 point)`);
  }
  if (UUID_PREFIX.test(chatId) && !isGroupChatId(chatId)) {
    throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `not a group chat id: ${JSON.stringify(chatId)} (a lowercase UUID, "-" and the creator's 0x04… key)`);
  }
  return chatId;
}

function toKeyHex(key: string | Uint8Array): string {
  try {
    if (typeof key === 'string') {
      const k = key.toLowerCase();
      if (!isPublicKeyHex(k)) throw new Error('not a 0x04 public key');
      return k;
    }
    return publicKeyToHex(key);
  } catch (e) {
    throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `not a public key: ${typeof key === 'string' ? key : bytesToHex(key)}`, { cause: e });
  }
}

/**
 * A Status client: public chats, 1:1 chats over the secure transport with MVDS, private groups,
 * all on any `EnvelopeTransport` (a Whisper/Waku node over RLPx, or an in-memory hub) and one
 * `ClientStorage`. Everything it shows, sends or acknowledges is persisted before it is reported.
 */
/** The forward order of an outgoing message's delivery states. */
const OUTGOING_PROGRESS: readonly DeliveryState[] = ['pending', 'sent', 'delivered'];

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

  private readonly privateKey: Uint8Array;
  private readonly now: () => number;
  private readonly ttl: number;
  private readonly powTarget: number;
  private readonly mvdsEpochMs: number;
  private readonly mvdsResend: { firstResendMs: number; maxResendIntervalMs: number; maxTransmissions: number; giveUpAfterMs: number };
  private readonly contactCodeIntervalMs: number;
  private readonly historyWindowSeconds: number;
  private readonly historyPageLimit: number;
  private readonly waitTimeoutMs: number;
  private readonly historyEnabled: boolean;
  private readonly mailserver: string | undefined;
  private readonly identityInstallationId: string | undefined;
  private readonly emitter: TypedEmitter<StatusClientEvents>;

  private installation: string | undefined;
  private secureTransport: SecureTransport | undefined;
  private mvdsNode: MvdsNode | undefined;
  private status: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  private readonly subscriptions = new Map<string, () => void>();
  private readonly subscriptionTopics = new Map<string, Topic[]>();
  private readonly negotiated = new Set<string>();
  private readonly symKeys = new Map<string, { topic: Topic; symKey: Uint8Array }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly background = new Set<Promise<unknown>>();
  private inbound: Promise<void> = Promise.resolve();
  private deliveryChain: Promise<void> = Promise.resolve();
  private mvdsContext: MvdsContext | undefined;
  private paired: Set<string> | undefined;
  private teardown: (() => void)[] = [];
  /** Watchers of history envelopes (p2p) while requestHistory runs: its progress counts them. */
  private readonly historyWatchers = new Set<(m: ReceivedMessage) => void>();

  constructor(options: StatusClientOptions) {
    const id = options.identity;
    this.privateKey = (isAccount(id) ? id.chatKey.privateKey : id.privateKey).slice();
    this.identityInstallationId = isAccount(id) ? undefined : id.installationId;
    this.publicKey = getPublicKey(this.privateKey);
    this.publicKeyHex = publicKeyToHex(this.publicKey);
    this.alias = threeWordName(this.publicKey);
    this.storage = options.storage;
    this.transport = options.transport;
    this.owned = options.owned;
    this.now = options.now ?? Date.now;
    const o = options.options ?? {};
    this.ttl = o.ttl ?? CLIENT_DEFAULTS.TTL;
    this.powTarget = o.powTarget ?? CLIENT_DEFAULTS.POW_TARGET;
    this.mvdsEpochMs = o.mvdsEpochMs ?? CLIENT_DEFAULTS.MVDS_EPOCH_MS;
    this.mvdsResend = {
      firstResendMs: o.mvdsFirstResendMs ?? CLIENT_DEFAULTS.MVDS_FIRST_RESEND_MS,
      maxResendIntervalMs: o.mvdsMaxResendIntervalMs ?? CLIENT_DEFAULTS.MVDS_MAX_RESEND_INTERVAL_MS,
      maxTransmissions: o.mvdsMaxTransmissions ?? CLIENT_DEFAULTS.MVDS_MAX_TRANSMISSIONS,
      giveUpAfterMs: o.mvdsGiveUpAfterMs ?? CLIENT_DEFAULTS.MVDS_GIVE_UP_AFTER_MS,
    };
    this.contactCodeIntervalMs = o.contactCodeIntervalMs ?? CLIENT_DEFAULTS.CONTACT_CODE_INTERVAL_MS;
    this.historyWindowSeconds = o.historyWindowSeconds ?? CLIENT_DEFAULTS.HISTORY_WINDOW_SECONDS;
    this.historyPageLimit = o.historyPageLimit ?? CLIENT_DEFAULTS.HISTORY_PAGE_LIMIT;
    this.waitTimeoutMs = checkTimeout(o.waitTimeoutMs ?? CLIENT_DEFAULTS.WAIT_TIMEOUT_MS, 'options.waitTimeoutMs');
    this.mailserver = options.mailserver;
    this.historyEnabled = this.transport.requestHistory !== undefined && (options.history ?? true);
    this.historyRetry = historyRetryPolicy(o);
    this.emitter = new TypedEmitter<StatusClientEvents>((event, e) => log('listener of %s threw: %O', event, e));
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
    return this.emitter.on(event, listener);
  }

  off<E extends keyof StatusClientEvents>(event: E, listener: StatusClientEvents[E]): void {
    this.emitter.off(event, listener);
  }

  once<E extends keyof StatusClientEvents>(event: E, listener: StatusClientEvents[E]): () => void {
    return this.emitter.once(event, listener);
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

  /** The time limit of a wait: `timeoutMs` if given, else the client's default when there is no signal, else none. */
  private waitLimit(options: WaitOptions, what: string): number {
    if (options.timeoutMs !== undefined) return checkTimeout(options.timeoutMs, what);
    return options.signal ? Infinity : this.waitTimeoutMs;
  }

  /**
   * For a networked client (`createNetworked`): resolves once at least `count` peers have completed
   * the Whisper/Waku handshake with our node — `start()` returns when we listen, and the static peers
   * and the mailserver connect shortly after. A client on a transport passed in resolves at once.
   * Rejects with TIMEOUT after `timeoutMs` (see {@link WaitOptions}: 30 s by default without a signal).
   */
  async waitForPeers(count = 1, options: WaitOptions = {}): Promise<void> {
    const limit = this.waitLimit(options, 'waitForPeers');
    const node = this.owned?.node;
    if (!node) return;
    throwIfAborted(options.signal, 'waitForPeers');
    if (node.peers().length >= count) return;
    await new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const check = () => {
        if (node.peers().length < count) return;
        done();
        resolve();
      };
      const abort = () => {
        done();
        reject(abortError(options.signal, 'waitForPeers'));
      };
      const done = () => {
        node.off('peer:handshake', check);
        options.signal?.removeEventListener('abort', abort);
        if (timer !== undefined) clearTimeout(timer);
      };
      node.on('peer:handshake', check);
      options.signal?.addEventListener('abort', abort, { once: true });
      if (Number.isFinite(limit)) {
        timer = setTimeout(() => {
          done();
          reject(timeoutError(`waitForPeers(${count}) with ${node.peers().length} peer(s)`, limit));
        }, limit);
      }
      check();
    });
  }

  /** Resolves with the first new message that satisfies `predicate`; TIMEOUT after `timeoutMs` (see {@link WaitOptions}). */
  waitForMessage(predicate: (m: ClientMessage) => boolean, options: WaitOptions = {}): Promise<ClientMessage> {
    let limit: number;
    try {
      limit = this.waitLimit(options, 'waitForMessage');
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return waitForEvent<ClientMessage>((push) => this.on('message', push), predicate, options.signal, 'waitForMessage', limit);
  }

  /** Resolves once our message `messageId` reaches `state` (now or later); TIMEOUT after `timeoutMs` (see {@link WaitOptions}). */
  async waitForDelivery(messageId: string, state: DeliveryState = 'delivered', options: WaitOptions = {}): Promise<void> {
    const limit = this.waitLimit(options, 'waitForDelivery');
    // An outgoing message only moves forward (pending → sent → delivered): waiting for a state is
    // satisfied by any later one too, so a fast acknowledgement cannot make a waiter miss 'sent'.
    const rank = (s: DeliveryState | undefined): number => (s === undefined ? -1 : OUTGOING_PROGRESS.indexOf(s));
    const reached = (s: DeliveryState | undefined): boolean => s === state || (rank(state) >= 0 && rank(s) >= rank(state));
    const wait = waitForEvent<DeliveryEvent>(
      (push) => this.on('delivery', push),
      (e) => e.messageId === messageId && reached(e.state),
      options.signal,
      `waitForDelivery(${messageId}, '${state}')`,
      limit,
    );
    const current = await this.storage.getMessage(messageId);
    if (reached(current?.deliveryState)) {
      wait.catch(() => undefined);
      return;
    }
    await wait;
  }


  // ------------------------------------------------------------------ lifecycle

  get installationId(): string {
    if (this.installation === undefined) throw new ClientError(CLIENT_ERROR.NOT_STARTED, 'the installation id is known once the client has started');
    return this.installation;
  }

  get isRunning(): boolean {
    return this.status === 'running';
  }

  /** The secure transport (bundles, installations) of a started client. */
  get secure(): SecureTransport {
    if (!this.secureTransport) throw new ClientError(CLIENT_ERROR.NOT_STARTED, 'client is not started');
    return this.secureTransport;
  }

  private get mvds(): MvdsNode {
    if (!this.mvdsNode) throw new ClientError(CLIENT_ERROR.NOT_STARTED, 'client is not started');
    return this.mvdsNode;
  }

  /**
   * Starts the owned network stack (if any), listens on our partitioned and contact-code topics and
   * on every chat in storage, resumes MVDS (retransmitting what was not acknowledged), retries the
   * outbox, publishes our bundle and asks for history when the transport can.
   */
  async start(options: IterateOptions = {}): Promise<void> {
    if (this.status !== 'new') throw new ClientError(CLIENT_ERROR.ALREADY_STARTED, `client is ${this.status}`);
    this.status = 'starting';
    try {
      throwIfAborted(options.signal, 'start');
      this.installation = this.identityInstallationId ?? (await loadOrCreateInstallationId(this.storage));
      this.secureTransport = new SecureTransport({
        identityPrivateKey: this.privateKey,
        installationId: this.installation,
        store: new StorageSessionStore(this.storage),
        now: this.now,
      });
      const mvds = new MvdsNode({
        store: new StorageMvdsStore(this.storage),
        transport: { send: (peer, payload) => this.postDirect(peer, payload) },
        clock: this.now,
        sendImmediately: true,
        // The resend schedule and give-up bounds are in ms; the engine maps them to its epochs.
        epochMs: this.mvdsEpochMs,
        ...this.mvdsResend,
      });
      this.mvdsNode = mvds;
      this.teardown = [
        mvds.on('message', (m) => {
          const ctx = this.mvdsContext;
          if (!ctx) return;
          const id = bytesToHex(m.id);
          this.enqueue(async () => {
            await this.handleApplication(m.body, ctx.signer, ctx.via, ctx.sentMs);
            await this.storage.kvPut(CLIENT_NS.MVDS_DONE, id, EMPTY);
          });
        }),
        mvds.on('delivered', (id) => this.onMvdsDelivered(bytesToHex(id))),
        mvds.on('gaveUp', (id) => this.onMvdsGaveUp(bytesToHex(id))),
      ];
      if (this.owned) {
        await this.owned.node.start();
        await this.owned.overlay.start();
        await this.owned.pool?.start();
      }
      for (const e of await this.storage.kvList(CLIENT_NS.NEGOTIATED)) this.negotiated.add(e.key);
      this.listen('partitioned', { topics: [partitionedTopic(this.publicKey), discoveryTopic()], privateKey: this.privateKey }, 'partitioned');
      this.listenContactCode(this.publicKeyHex);
      for (const chat of await this.storage.listChats()) this.listenChat(chat);
      throwIfAborted(options.signal, 'start');
      this.status = 'running';
      await this.enqueue(() => this.recoverInbox(), true);
      await this.pruneSeenEnvelopes();
      mvds.start(this.mvdsEpochMs);
      this.track(this.retryOutbox());
      this.track(this.publishContactCode(false));
      const timer = setInterval(() => this.track(this.publishContactCode(false)), Math.min(this.contactCodeIntervalMs, 60 * 60 * 1000));
      timer.unref();
      this.timers.add(timer);
      // Like status-go, ask the mailserver for every topic we listen on (chats, partitioned, negotiated,
      // contact codes) once it is connected, and again (the gaps) whenever it reconnects; after a
      // failure, both wait out an exponential backoff (see scheduleHistory).
      if (this.historyEnabled) {
        if (this.owned && this.mailserver) {
          const mailserver = this.mailserver;
          const onHandshake = (p: { id: string }): void => {
            if (p.id === mailserver && this.status === 'running') this.scheduleHistory();
          };
          this.owned.node.on('peer:handshake', onHandshake);
          this.teardown.push(() => this.owned?.node.off('peer:handshake', onHandshake));
        }
        this.scheduleHistory();
      }
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Stops everything the client started: timers, filters, MVDS, the owned network stack. Storage and a passed-in transport stay open. */
  async stop(): Promise<void> {
    if (this.status === 'stopped') return;
    this.status = 'stopped';
    for (const t of this.timers) clearInterval(t);
    this.timers.clear();
    for (const unsubscribe of this.subscriptions.values()) unsubscribe();
    this.subscriptions.clear();
    this.subscriptionTopics.clear();
    for (const u of this.teardown) u();
    this.teardown = [];
    await Promise.allSettled([...this.background]);
    await this.inbound;
    await this.mvdsNode?.stop();
    await this.deliveryChain;
    if (this.owned) {
      await this.owned.pool?.stop();
      await this.owned.node.stop();
      await this.owned.overlay.stop();
    }
  }

  private assertRunning(): void {
    if (this.status !== 'running') throw new ClientError(CLIENT_ERROR.NOT_STARTED, `client is ${this.status}`);
  }

  private track<T>(p: Promise<T>): void {
    const q = p.then(
      () => undefined,
      (e: unknown) => this.reportError(e, CLIENT_ERROR.TRANSPORT_FAILED, 'background task'),
    );
    this.background.add(q);
    void q.finally(() => this.background.delete(q));
  }

  /**
   * Runs inbound processing and local group state changes one at a time, in arrival order. A failure
   * of inbound work is reported as an 'error' event; a local operation's failure goes to its caller.
   */
  private enqueue<T>(fn: () => Promise<T>, local = false): Promise<T> {
    const run = this.inbound.then(fn);
    this.inbound = run.then(
      () => undefined,
      (e: unknown) => {
        if (!local) this.reportError(e, CLIENT_ERROR.STORAGE_FAILED, 'processing');
      },
    );
    return run;
  }

  private reportError(e: unknown, code: ClientError['code'], what: string): void {
    const c = e instanceof StorageError ? CLIENT_ERROR.STORAGE_FAILED : code;
    const err = e instanceof ClientError ? e : new ClientError(c, `${what} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    log('%s: %s', what, err.message);
    this.emitter.emit('error', err);
  }

  private ignore(reason: IgnoredReason, detail: string, extra: Omit<IgnoredEvent, 'reason' | 'detail'> = {}): void {
    log('ignored (%s): %s', reason, detail);
    this.emitter.emit('ignored', { reason, detail, ...extra });
  }

  // ------------------------------------------------------------------ subscriptions

  private listen(key: string, filter: Filter, channel: Channel, chatName?: string): void {
    if (this.subscriptions.has(key)) return;
    const unsubscribe = this.transport.subscribe(filter, (m) => {
      if (this.status !== 'running' && this.status !== 'starting') return;
      if (m.p2p) for (const w of this.historyWatchers) w(m);
      void this.enqueue(() => this.handleEnvelope(channel, m, chatName));
    });
    this.subscriptions.set(key, unsubscribe);
    this.subscriptionTopics.set(key, filter.topics);
  }

  private unlisten(key: string): void {
    this.subscriptions.get(key)?.();
    this.subscriptions.delete(key);
    this.subscriptionTopics.delete(key);
  }

  /** True when history can be asked now: a passed-in transport, or our mailserver peer connected. */
  private mailserverReady(): boolean {
    if (!this.owned || !this.mailserver) return true;
    return this.owned.node.peers().some((p) => p.id === this.mailserver);
  }

  /** Every distinct topic of our filters. */
  listenedTopics(): Topic[] {
    const seen = new Map<string, Topic>();
    for (const topics of this.subscriptionTopics.values()) for (const t of topics) seen.set(bytesToHex(t), t);
    return [...seen.values()];
  }

  private publicChatKeys(name: string): { topic: Topic; symKey: Uint8Array } {
    let k = this.symKeys.get(`public:${name}`);
    if (!k) {
      k = { topic: publicChatTopic(name), symKey: publicChatKey(name) };
      this.symKeys.set(`public:${name}`, k);
    }
    return k;
  }

  private negotiatedKeys(peerHex: string): { topic: Topic; symKey: Uint8Array } {
    let k = this.symKeys.get(`negotiated:${peerHex}`);
    if (!k) {
      const s = negotiatedSecret(this.privateKey, publicKeyFromHex(peerHex));
      k = { topic: s.topic, symKey: s.symKey };
      this.symKeys.set(`negotiated:${peerHex}`, k);
    }
    return k;
  }

  /** Topic and key of a contact-code topic (PBKDF2 of its name: derived once, kept). */
  private contactCodeKeys(peerHex: string): { topic: Topic; symKey: Uint8Array } {
    let k = this.symKeys.get(`contact-code:${peerHex}`);
    if (!k) {
      const key = publicKeyFromHex(peerHex);
      k = { topic: contactCodeTopic(key), symKey: publicChatKey(contactCodeTopicName(key)) };
      this.symKeys.set(`contact-code:${peerHex}`, k);
    }
    return k;
  }

  private listenContactCode(peerHex: string): void {
    if (this.subscriptions.has(`contact-code:${peerHex}`)) return;
    const k = this.contactCodeKeys(peerHex);
    this.listen(`contact-code:${peerHex}`, { topics: [k.topic], symKey: k.symKey }, 'contact-code');
  }

  /** Negotiated topic and contact code of a peer we talk to directly. */
  private listenPeer(peerHex: string): void {
    if (peerHex === this.publicKeyHex) return;
    if (!this.subscriptions.has(`negotiated:${peerHex}`)) {
      const k = this.negotiatedKeys(peerHex);
      this.listen(`negotiated:${peerHex}`, { topics: [k.topic], symKey: k.symKey }, 'negotiated');
    }
    this.listenContactCode(peerHex);
  }

  private listenChat(chat: ChatRecord): void {
    if (chat.type === 'public') {
      if (!chat.joined) return;
      const k = this.publicChatKeys(chat.id);
      this.listen(`public:${chat.id}`, { topics: [k.topic], symKey: k.symKey }, 'public', chat.id);
    } else if (chat.type === 'one-to-one') {
      this.listenPeer(chat.id);
    } else {
      const state = foldGroup(chat.id, groupEventsOf(chat)).state;
      for (const m of state?.members ?? []) this.listenPeer(m);
    }
  }

  // ------------------------------------------------------------------ chats

  async chats(): Promise<ClientChat[]> {
    return (await this.storage.listChats()).map((c) => this.toClientChat(c));
  }

  async chat(chatId: string): Promise<ClientChat | undefined> {
    const c = await this.storage.getChat(chatId);
    return c && this.toClientChat(c);
  }

  private toClientChat(chat: ChatRecord): ClientChat {
    if (chat.type !== 'private-group') return { ...chat };
    return { ...chat, group: foldGroup(chat.id, groupEventsOf(chat)).state };
  }

  /** Stored messages of a chat in (clock, id) order. */
  history(chatId: string, options: MessagePageOptions = { limit: 100 }): Promise<MessagePage> {
    return this.storage.listMessages(chatId, options);
  }

  /** Joins a public chat: listens on its topic and asks the mailserver for its history (when the transport can). */
  async joinPublicChat(name: string, options: IterateOptions = {}): Promise<ClientChat> {
    this.assertRunning();
    const id = this.publicName(name);
    const now = this.now();
    const existing = await this.storage.getChat(id);
    const chat: ChatRecord = existing
      ? { ...existing, joined: true, updatedAt: now }
      : { id, type: 'public', name: id, joined: true, lastClock: 0n, members: null, createdAt: now, updatedAt: now };
    await this.storage.putChat(chat);
    this.listenChat(chat);
    this.emitter.emit('chat', { ...chat });
    if (this.historyEnabled && this.mailserverReady()) {
      // History is best effort: a mailserver that fails or vanishes is reported, the join stands.
      await this.requestHistory([this.publicChatKeys(id).topic], options).catch((e: unknown) => {
        if (e instanceof ClientError && e.code === CLIENT_ERROR.ABORTED) throw e;
        this.reportError(e, CLIENT_ERROR.HISTORY_FAILED, `history of ${id}`);
      });
    }
    return { ...chat };
  }

  async leavePublicChat(name: string): Promise<void> {
    this.assertRunning();
    const id = this.publicName(name);
    const chat = await this.storage.getChat(id);
    this.unlisten(`public:${id}`);
    if (!chat) return;
    const left = { ...chat, joined: false, updatedAt: this.now() };
    await this.storage.putChat(left);
    this.emitter.emit('chat', { ...left });
  }

  private publicName(name: string): string {
    try {
      return publicChatId(name);
    } catch (e) {
      throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, (e as Error).message, { cause: e });
    }
  }

  /** Opens (or returns) the 1:1 chat with `publicKey` and listens for it. */
  async startOneToOne(publicKey: string | Uint8Array): Promise<ClientChat> {
    this.assertRunning();
    const peer = toKeyHex(publicKey);
    if (peer === this.publicKeyHex) throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, 'a 1:1 chat with ourselves is not a chat');
    return this.ensureOneToOne(peer, true);
  }

  private async ensureOneToOne(peer: string, addContact: boolean): Promise<ClientChat> {
    const now = this.now();
    let chat = await this.storage.getChat(peer);
    let created = false;
    if (!chat) {
      chat = { id: peer, type: 'one-to-one', name: threeWordName(peer), joined: true, lastClock: 0n, members: null, createdAt: now, updatedAt: now };
      await this.storage.putChat(chat);
      created = true;
    }
    if (addContact && !(await this.storage.getContact(peer))?.added) {
      const c: ContactRecord = (await this.storage.getContact(peer)) ?? { publicKey: peer, name: null, added: true, blocked: false, lastUpdated: 0n };
      const contact = { ...c, added: true };
      await this.storage.putContact(contact);
      this.emitter.emit('contact', contact);
    }
    this.listenPeer(peer);
    if (created) this.emitter.emit('chat', { ...chat });
    return { ...chat };
  }

  async contacts(): Promise<ContactRecord[]> {
    return this.storage.listContacts();
  }

  /** A contact request as status-go v0.62 makes it: a ContactUpdate (our name) sent 1:1; adds the contact. */
  async sendContactRequest(publicKey: string | Uint8Array, options: { ensName?: string; signal?: AbortSignal } = {}): Promise<void> {
    this.assertRunning();
    const peer = toKeyHex(publicKey);
    await this.ensureOneToOne(peer, true);
    const update: ContactUpdate = { clock: BigInt(this.now()), ensName: options.ensName ?? '', profileImage: '' };
    const amm = sendApplicationMessage({ kind: 'contactUpdate', type: APPLICATION_MESSAGE_TYPE.CONTACT_UPDATE, value: update }, this.privateKey, this.publicKey);
    throwIfAborted(options.signal, 'sendContactRequest');
    await this.dispatch({ kind: 'direct', chatId: peer, body: amm.bytes, recipients: [peer] }, `contact-update:${amm.id}`);
  }

  // ------------------------------------------------------------------ sending

  /**
   * Sends a text message to a chat: a public chat we joined, a 1:1 chat (by the peer's `0x04…` key,
   * created on first use) or a private group we are a member of. Resolves with the stored message
   * once it is persisted and handed to the transport (public) or to MVDS (1:1, group).
   */
  async sendMessage(chatId: string, text: string, options: SendOptions = {}): Promise<ClientMessage> {
    this.assertRunning();
    throwIfAborted(options.signal, 'sendMessage');
    try {
      // status-go's rule (not blank, at most 4096 code points): receivers drop anything else.
      validateText(text);
    } catch (e) {
      throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, (e as Error).message, { cause: e });
    }
    let chat = typeof chatId === 'string' ? await this.storage.getChat(chatId) : undefined;
    if (!chat) {
      // A malformed id is the caller's mistake (INVALID_ARGUMENT); a well-formed one we lack is UNKNOWN_CHAT.
      checkChatId(chatId);
      if (isPublicKeyHex(chatId.toLowerCase())) chat = await this.ensureOneToOne(chatId.toLowerCase(), true);
    }
    if (!chat) throw new ClientError(CLIENT_ERROR.UNKNOWN_CHAT, `no chat ${JSON.stringify(chatId)}`);
    if (chat.type === 'public' && !chat.joined) throw new ClientError(CLIENT_ERROR.UNKNOWN_CHAT, `public chat ${JSON.stringify(chatId)} is not joined`);
    const base = (clock: bigint, timestamp: number): ChatMessage => ({
      ...emptyChatMessage(),
      clock,
      timestamp: BigInt(timestamp),
      text,
      responseTo: options.responseTo ?? '',
      chatId: chat.id,
      messageType: chat.type === 'public' ? MESSAGE_TYPE.PUBLIC_GROUP : chat.type === 'one-to-one' ? MESSAGE_TYPE.ONE_TO_ONE : MESSAGE_TYPE.PRIVATE_GROUP,
      contentType: CONTENT_TYPE.TEXT_PLAIN,
    });
    if (chat.type === 'private-group') return this.sendGroupMessage(chat.id, base, options);
    const chatRef = chat;
    const { record, entry } = await this.storage.transaction(async (tx) => {
      const current = (await tx.getChat(chatRef.id)) ?? chatRef;
      const now = this.now();
      const cm = base(nextClock(current.lastClock, now), now);
      const amm = sendApplicationMessage({ kind: 'chatMessage', type: APPLICATION_MESSAGE_TYPE.CHAT_MESSAGE, value: cm }, this.privateKey, this.publicKey);
      const record = this.outgoingRecord(amm.id, cm, amm.bytes);
      await tx.insertMessage(record);
      await tx.putChat({ ...current, lastClock: cm.clock, updatedAt: now });
      const entry: OutboxEntry =
        chatRef.type === 'public'
          ? { kind: 'public', chatId: chatRef.id, messageId: amm.id, body: amm.bytes }
          : { kind: 'direct', chatId: chatRef.id, messageId: amm.id, body: amm.bytes, recipients: [chatRef.id] };
      await tx.kvPut(CLIENT_NS.OUTBOX, amm.id, encodeRecord(entry));
      return { record, entry };
    });
    const message = this.toClientMessage(record);
    this.emitter.emit('message', message);
    await this.runOutbox(entry, record.id);
    return { ...message, deliveryState: (await this.storage.getMessage(record.id))?.deliveryState ?? record.deliveryState };
  }

  private outgoingRecord(id: string, cm: ChatMessage, body: Uint8Array): MessageRecord {
    return {
      id,
      chatId: cm.chatId,
      clock: cm.clock,
      timestamp: Number(cm.timestamp),
      from: this.publicKeyHex,
      text: cm.text,
      contentType: cm.contentType,
      responseTo: cm.responseTo === '' ? null : cm.responseTo,
      content: null,
      outgoing: true,
      deliveryState: 'pending',
      payload: body,
      receivedAt: this.now(),
    };
  }

  private toClientMessage(r: MessageRecord, via?: ReceivedVia): ClientMessage {
    return { ...r, alias: threeWordName(r.from), ...(via ? { via } : {}) };
  }

  /** Persists outgoing work in the outbox, then runs it; what a crash interrupts is re-run on the next start. */
  private async dispatch(entry: OutboxEntry, key: string): Promise<void> {
    await this.storage.kvPut(CLIENT_NS.OUTBOX, key, encodeRecord(entry));
    await this.runOutbox(entry, key);
  }

  /**
   * MVDS stores a message before the client has shown it; a crash in between would lose it (MVDS
   * never delivers an id twice). On start, every MVDS message not marked done is processed again:
   * all handlers are idempotent (message ids, ContactUpdate clocks, group event sets).
   */
  private async recoverInbox(): Promise<void> {
    const done = new Set((await this.storage.kvList(CLIENT_NS.MVDS_DONE)).map((e) => e.key));
    for (const e of await this.storage.kvList(MVDS_NS.MESSAGE)) {
      if (done.has(e.key)) continue;
      let author: Uint8Array;
      let body: Uint8Array;
      let sentMs: number;
      try {
        const m = decodeMvdsMessage(e.value);
        body = m.body;
        sentMs = Number(m.timestamp) * 1000;
        author = openApplicationMessage(body).author;
      } catch (err) {
        this.reportError(err, CLIENT_ERROR.INVALID_PAYLOAD, `stored MVDS message ${e.key}`);
        await this.storage.kvPut(CLIENT_NS.MVDS_DONE, e.key, EMPTY);
        continue;
      }
      if (!equalBytes(author, this.publicKey)) {
        await this.handleApplication(body, author, { channel: 'negotiated', method: null, history: false }, sentMs);
      }
      await this.storage.kvPut(CLIENT_NS.MVDS_DONE, e.key, EMPTY);
    }
  }

  /** Forgets opened envelopes a day after they expired: no relay or mailserver serves them any more. */
  private async pruneSeenEnvelopes(): Promise<void> {
    const horizon = Math.floor(this.now() / 1000) - 24 * 60 * 60;
    for (const e of await this.storage.kvList(CLIENT_NS.SEEN_ENVELOPES)) {
      if (Number(bytesToUtf8(e.value)) < horizon) await this.storage.kvDelete(CLIENT_NS.SEEN_ENVELOPES, e.key);
    }
  }

  private async retryOutbox(): Promise<void> {
    for (const e of await this.storage.kvList(CLIENT_NS.OUTBOX)) {
      if (this.status !== 'running') return;
      await this.runOutbox(decodeRecord<OutboxEntry>(e.value, 'outbox entry'), e.key);
    }
  }

  private async runOutbox(entry: OutboxEntry, key: string): Promise<void> {
    if (entry.kind === 'public') {
      const k = this.publicChatKeys(entry.chatId);
      try {
        const message = await this.secure.buildPublicMessage(entry.body);
        await this.post({ topic: k.topic, symKey: k.symKey, payload: message });
      } catch (e) {
        // Stays in the outbox: retried on the next start.
        if (entry.messageId) await this.setDelivery(entry.messageId, 'pending');
        this.reportError(e, CLIENT_ERROR.TRANSPORT_FAILED, `posting to public chat ${entry.chatId}`);
        return;
      }
      await this.storage.kvDelete(CLIENT_NS.OUTBOX, key);
      if (entry.messageId) await this.setDelivery(entry.messageId, 'sent');
      return;
    }
    const mvdsIds: string[] = [];
    try {
      for (const peer of entry.recipients ?? []) {
        if (peer === this.publicKeyHex) continue;
        const groupId = oneToOneGroupId(this.publicKey, publicKeyFromHex(peer));
        await this.mvds.addPeer(groupId, peer);
        const id = bytesToHex(await this.mvds.send(groupId, entry.body));
        await this.storage.kvPut(CLIENT_NS.MVDS_DONE, id, EMPTY);
        mvdsIds.push(id);
      }
    } catch (e) {
      this.reportError(e, CLIENT_ERROR.SYNC_FAILED, `handing a message for ${entry.chatId} to MVDS`);
      return;
    }
    const messageId = entry.messageId;
    if (messageId) {
      await this.serialDelivery(async () => {
        const waiting: string[] = [];
        let gaveUp = false;
        for (const id of mvdsIds) {
          await this.storage.kvPut(CLIENT_NS.MVDS_TO_MESSAGE, id, utf8ToBytes(messageId));
          if (await this.storage.kvDelete(CLIENT_NS.MVDS_ACKED, id)) continue;
          if (await this.storage.kvDelete(CLIENT_NS.MVDS_GAVE_UP, id)) gaveUp = true;
          waiting.push(id);
        }
        await this.storage.kvPut(CLIENT_NS.AWAITING_ACK, messageId, encodeRecord(waiting));
        await this.storage.kvDelete(CLIENT_NS.OUTBOX, key);
        await this.setDelivery(messageId, waiting.length === 0 ? 'delivered' : gaveUp ? 'failed' : 'sent');
      });
    } else {
      await this.storage.kvDelete(CLIENT_NS.OUTBOX, key);
    }
  }

  private serialDelivery(fn: () => Promise<void>): Promise<void> {
    const run = this.deliveryChain.then(fn);
    this.deliveryChain = run.catch((e: unknown) => this.reportError(e, CLIENT_ERROR.STORAGE_FAILED, 'delivery bookkeeping'));
    return run;
  }

  private onMvdsDelivered(mvdsId: string): void {
    void this.serialDelivery(async () => {
      const mapped = await this.storage.kvGet(CLIENT_NS.MVDS_TO_MESSAGE, mvdsId);
      if (!mapped) {
        await this.storage.kvPut(CLIENT_NS.MVDS_ACKED, mvdsId, EMPTY);
        return;
      }
      const messageId = bytesToUtf8(mapped);
      const stored = await this.storage.kvGet(CLIENT_NS.AWAITING_ACK, messageId);
      const waiting = stored ? decodeRecord<string[]>(stored, 'awaiting ack').filter((id) => id !== mvdsId) : [];
      if (waiting.length > 0) {
        await this.storage.kvPut(CLIENT_NS.AWAITING_ACK, messageId, encodeRecord(waiting));
        return;
      }
      await this.storage.kvDelete(CLIENT_NS.AWAITING_ACK, messageId);
      await this.setDelivery(messageId, 'delivered');
    });
  }

  /**
   * MVDS stopped retransmitting to a recipient that never acknowledged (maxTransmissions / giveUpAfterMs):
   * the message is `failed`, stored and reported, until a late ACK delivers it or `resendMessage` retries.
   * It stays in AWAITING_ACK: that ACK, or the resend, still finds it.
   */
  private onMvdsGaveUp(mvdsId: string): void {
    void this.serialDelivery(async () => {
      const mapped = await this.storage.kvGet(CLIENT_NS.MVDS_TO_MESSAGE, mvdsId);
      if (!mapped) {
        await this.storage.kvPut(CLIENT_NS.MVDS_GAVE_UP, mvdsId, EMPTY);
        return;
      }
      const messageId = bytesToUtf8(mapped);
      log('MVDS gave up on %s (message %s): failed', mvdsId, messageId);
      await this.setDelivery(messageId, 'failed');
    });
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
    this.assertRunning();
    throwIfAborted(options.signal, 'resendMessage');
    const m = await this.storage.getMessage(messageId);
    if (!m || !m.outgoing) throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `no message of ours with id ${JSON.stringify(messageId)}`);
    if (m.deliveryState !== 'delivered') await this.resendStored(m);
    return this.toClientMessage((await this.storage.getMessage(messageId)) ?? m);
  }

  private async resendStored(m: MessageRecord): Promise<void> {
    const queued = await this.storage.kvGet(CLIENT_NS.OUTBOX, m.id);
    if (queued) {
      await this.runOutbox(decodeRecord<OutboxEntry>(queued, 'outbox entry'), m.id);
      return;
    }
    const stored = await this.storage.kvGet(CLIENT_NS.AWAITING_ACK, m.id);
    const waiting = stored ? decodeRecord<string[]>(stored, 'awaiting ack') : [];
    if (waiting.length > 0) {
      // 'sent' first: an ACK to the resend (or a new give-up) must land after it, not before.
      await this.serialDelivery(() => this.setDelivery(m.id, 'sent'));
      let restarted = 0;
      for (const id of waiting) {
        await this.storage.kvDelete(CLIENT_NS.MVDS_GAVE_UP, id);
        restarted += await this.mvds.resend(hexToBytes(id));
      }
      if (restarted > 0) return;
      // MVDS holds no record for them any more: hand the message to MVDS again below.
    }
    if (m.payload === null) throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `message ${m.id} has no stored payload to send again`);
    const chat = await this.storage.getChat(m.chatId);
    if (!chat) throw new ClientError(CLIENT_ERROR.UNKNOWN_CHAT, `no chat ${JSON.stringify(m.chatId)} for message ${m.id}`);
    let recipients: string[] | undefined;
    if (chat.type === 'one-to-one') recipients = [chat.id];
    else if (chat.type === 'private-group') recipients = (foldGroup(chat.id, groupEventsOf(chat)).state?.members ?? []).filter((p) => p !== this.publicKeyHex);
    const entry: OutboxEntry = recipients
      ? { kind: 'direct', chatId: chat.id, messageId: m.id, body: m.payload, recipients }
      : { kind: 'public', chatId: chat.id, messageId: m.id, body: m.payload };
    await this.dispatch(entry, m.id);
  }

  private async setDelivery(messageId: string, state: DeliveryState): Promise<void> {
    const m = await this.storage.getMessage(messageId);
    if (!m || m.deliveryState === state || m.deliveryState === 'delivered') return;
    await this.storage.updateDeliveryState(messageId, state);
    this.emitter.emit('delivery', { messageId, chatId: m.chatId, state });
  }

  /** Signs and posts an envelope with status-go's TTL and PoW. */
  private async post(message: Omit<OutgoingMessage, 'sign' | 'ttl' | 'powTarget'>): Promise<void> {
    await this.transport.post({ ...message, sign: this.privateKey, ttl: this.ttl, powTarget: this.powTarget });
  }

  /** The MVDS transport: encrypts a payload for every device of `peer` (and ours) and posts it. */
  private async postDirect(peer: string, payload: Uint8Array): Promise<void> {
    const key = publicKeyFromHex(peer);
    const encrypted = await this.secure.encrypt(key, payload);
    if (peer === this.publicKeyHex) {
      // To our own paired devices only: nothing to post when none is enabled.
      if (encrypted.targets.length > 0) await this.postProtocolMessage(peer, key, encrypted.message);
      return;
    }
    await this.postProtocolMessage(peer, key, encrypted.message);
    // The same ProtocolMessage has entries for our paired devices: they read it on our partitioned topic.
    const ours = await this.pairedDevices();
    if (encrypted.targets.some((t) => ours.has(t))) await this.postProtocolMessage(this.publicKeyHex, this.publicKey, encrypted.message);
  }

  /** Installation ids of our enabled devices; only enable/disableInstallation change them. */
  private async pairedDevices(): Promise<Set<string>> {
    this.paired ??= new Set((await this.secure.installations()).filter((i) => i.enabled).map((i) => i.installationId));
    return this.paired;
  }

  /** First contact goes asymmetrically on their partitioned topic; once they answered, on the negotiated topic. */
  private async postProtocolMessage(peer: string, key: Uint8Array, message: Uint8Array): Promise<void> {
    try {
      if (this.negotiated.has(peer)) {
        const k = this.negotiatedKeys(peer);
        await this.post({ topic: k.topic, symKey: k.symKey, payload: message });
      } else {
        await this.post({ topic: partitionedTopic(key), publicKey: key, payload: message });
      }
    } catch (e) {
      this.reportError(e, CLIENT_ERROR.TRANSPORT_FAILED, `posting to ${peer}`);
      throw e;
    }
  }

  private async markNegotiated(peer: string): Promise<void> {
    if (this.negotiated.has(peer)) return;
    await this.storage.kvPut(CLIENT_NS.NEGOTIATED, peer, EMPTY);
    this.negotiated.add(peer);
    this.listenPeer(peer);
  }

  // ------------------------------------------------------------------ contact code

  /** Publishes our bundle on our contact-code topic when it changed or the interval passed. */
  async publishContactCode(force = true): Promise<boolean> {
    if (this.status !== 'running') return false;
    const bundle = await this.secure.ourBundle();
    const fingerprint = [...bundle.signedPreKeys.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, k]) => `${id}:${bytesToHex(k.signedPreKey)}:${k.version}`)
      .join(',');
    const last = await this.storage.kvGet(CLIENT_NS.META, 'contact-code');
    const prev = last ? decodeRecord<{ fingerprint: string; at: number }>(last, 'contact code state') : undefined;
    const due = !prev || prev.fingerprint !== fingerprint || this.now() - prev.at >= this.contactCodeIntervalMs;
    if (!force && !due) return false;
    // status-go v0.62: an ApplicationMetadataMessage of type CONTACT_CODE_ADVERTISEMENT, empty payload, our bundle attached.
    const amm = wrapApplicationMessage(APPLICATION_MESSAGE_TYPE.CONTACT_CODE_ADVERTISEMENT, EMPTY, this.privateKey, this.publicKey);
    const message = await this.secure.buildPublicMessage(amm.bytes);
    const k = this.contactCodeKeys(this.publicKeyHex);
    await this.post({ topic: k.topic, symKey: k.symKey, payload: message });
    await this.storage.kvPut(CLIENT_NS.META, 'contact-code', encodeRecord({ fingerprint, at: this.now() }));
    return true;
  }

  // ------------------------------------------------------------------ receiving

  private async handleEnvelope(channel: Channel, m: ReceivedMessage, chatName?: string): Promise<void> {
    if (this.status === 'stopped') return;
    if (!m.signer) {
      // status-go: "status requires a signature" (no Status payload comes in an unsigned envelope).
      this.ignore(IGNORED_REASON.UNSIGNED, `unsigned envelope on ${channel} topic ${bytesToHex(m.topic)}: status requires a signature`);
      return;
    }
    const signer = m.signer;
    const signerHex = publicKeyToHex(signer);
    const direct = channel === 'partitioned' || channel === 'negotiated';
    const envelopeId = bytesToHex(m.hash);
    if (direct && (await this.storage.kvGet(CLIENT_NS.SEEN_ENVELOPES, envelopeId)) !== undefined) return;
    let res: DecryptResult;
    try {
      res = await this.secure.decrypt(signer, m.payload);
      if (direct) await this.storage.kvPut(CLIENT_NS.SEEN_ENVELOPES, envelopeId, utf8ToBytes(String(m.expiry)));
    } catch (e) {
      if (e instanceof SecureTransportError && e.code === SECURE_TRANSPORT_ERROR.DUPLICATE_MESSAGE) {
        this.ignore(IGNORED_REASON.DUPLICATE, `message from ${signerHex} on ${channel}: ${e.message}`, { from: signerHex });
        return;
      }
      // A storage failure leaves the session as it was (one transaction): a retransmission opens later.
      const code = e instanceof StorageError ? CLIENT_ERROR.STORAGE_FAILED : CLIENT_ERROR.DECRYPTION_FAILED;
      this.emitter.emit('error', new ClientError(code, `message from ${signerHex} on ${channel}: ${(e as Error).message}`, { cause: e }));
      return;
    }
    const via: ReceivedVia = { channel, method: res.method, history: m.p2p };
    const sentMs = m.sent * 1000;
    switch (res.status) {
      case 'public':
        if (channel !== 'public' && channel !== 'contact-code') {
          this.ignore(IGNORED_REASON.WRONG_CHANNEL, `public message on ${channel} topic`, { from: signerHex });
          return;
        }
        if (res.plaintext && res.plaintext.length > 0) await this.handleApplication(res.plaintext, signer, via, sentMs, chatName);
        return;
      case 'decrypted': {
        if (channel === 'public' || channel === 'contact-code') {
          this.ignore(IGNORED_REASON.WRONG_CHANNEL, `direct message on ${channel} topic`, { from: signerHex });
          return;
        }
        if (signerHex !== this.publicKeyHex) await this.markNegotiated(signerHex);
        const pt = res.plaintext ?? EMPTY;
        if (pt.length === 0) return;
        if (isMvdsPayload(pt)) {
          this.mvdsContext = { signer, via, sentMs };
          try {
            await this.mvds.receive(signerHex, pt);
          } catch (e) {
            this.reportError(e, CLIENT_ERROR.SYNC_FAILED, `MVDS payload from ${signerHex}`);
          } finally {
            this.mvdsContext = undefined;
          }
        } else {
          await this.handleApplication(pt, signer, via, sentMs);
        }
        return;
      }
      case 'not-addressed':
        if (res.reply) await this.postProtocolMessage(signerHex, normalizePublicKey(signer), res.reply).catch(() => undefined);
        this.ignore(IGNORED_REASON.NOT_FOR_THIS_DEVICE, `message from ${signerHex} has no entry for this device; sent our bundle back`, { from: signerHex });
        return;
      case 'not-paired':
        this.ignore(IGNORED_REASON.NOT_FOR_THIS_DEVICE, `message from our unpaired device ${res.installationId}`, { from: signerHex });
        return;
      case 'own-message':
        return;
    }
  }

  private async handleApplication(bytes: Uint8Array, signer: Uint8Array, via: ReceivedVia, sentMs: number, chatName?: string): Promise<void> {
    let rec: ReceivedApplicationMessage;
    try {
      // An unsigned wrapper (deniable: PairInstallation) is authored by the signer the layers below vouched
      // for; its id is keccak256 of the wrapper alone, as status-go computes it.
      rec = receiveApplicationMessage(bytes, { transportTimestampMs: sentMs, transportAuthor: signer });
    } catch (e) {
      this.emitter.emit('error', new ClientError(CLIENT_ERROR.INVALID_PAYLOAD, `payload from ${publicKeyToHex(signer)}: ${(e as Error).message}`, { cause: e }));
      return;
    }
    if (!equalBytes(rec.author, normalizePublicKey(signer))) {
      this.emitter.emit(
        'error',
        new ClientError(CLIENT_ERROR.AUTHOR_MISMATCH, `message ${rec.id} is signed by ${rec.authorHex} but arrived in an envelope signed by ${publicKeyToHex(signer)}`),
      );
      return;
    }
    const d = rec.decoded;
    switch (d.kind) {
      case 'chatMessage':
        await this.receiveChatMessage(d.value, rec, via, chatName);
        return;
      case 'contactUpdate':
        if (via.channel === 'public' || via.channel === 'contact-code') {
          this.ignore(IGNORED_REASON.WRONG_CHANNEL, 'ContactUpdate on a public topic', { from: rec.authorHex });
          return;
        }
        await this.receiveContactUpdate(d.value, rec.authorHex);
        return;
      case 'membershipUpdate':
        if (via.channel === 'public' || via.channel === 'contact-code') {
          this.ignore(IGNORED_REASON.WRONG_CHANNEL, 'membership update on a public topic', { from: rec.authorHex });
          return;
        }
        if (rec.membershipUpdate) await this.receiveMembershipUpdate(rec.membershipUpdate, rec, via);
        return;
      case 'pairInstallation':
        await this.receivePairInstallation(d.value, rec.authorHex, via);
        return;
      case 'syncInstallationPublicChat':
      case 'syncInstallationContact':
        if (rec.authorHex !== this.publicKeyHex || via.channel === 'public' || via.channel === 'contact-code') {
          this.ignore(IGNORED_REASON.WRONG_CHANNEL, `${d.kind} from ${rec.authorHex}, not one of our devices`, { from: rec.authorHex });
          return;
        }
        if (d.kind === 'syncInstallationPublicChat') await this.joinSyncedPublicChat(d.value.id);
        else await this.addSyncedContact(d.value.id, d.value.ensName);
        return;
      default:
        if (d.type === APPLICATION_MESSAGE_TYPE.CONTACT_CODE_ADVERTISEMENT) return;
        this.ignore(IGNORED_REASON.UNSUPPORTED_TYPE, `application message type ${d.type} (${d.kind})`, { from: rec.authorHex });
    }
  }

  private async receiveChatMessage(cm: ChatMessage, rec: ReceivedApplicationMessage, via: ReceivedVia, chatName: string | undefined, groupState?: GroupState): Promise<void> {
    const from = rec.authorHex;
    let chatId: string;
    try {
      chatId = resolveIncomingChatId({ messageType: cm.messageType, chatId: cm.chatId, author: rec.author, self: this.publicKey, expectedPublicChat: chatName });
    } catch (e) {
      this.emitter.emit('error', new ClientError(CLIENT_ERROR.INVALID_PAYLOAD, `message ${rec.id} from ${from}: ${(e as Error).message}`, { cause: e }));
      return;
    }
    const direct = via.channel === 'partitioned' || via.channel === 'negotiated';
    if (cm.messageType === MESSAGE_TYPE.PUBLIC_GROUP) {
      if (via.channel !== 'public') {
        this.ignore(IGNORED_REASON.WRONG_CHANNEL, `public-chat message ${rec.id} arrived on ${via.channel}`, { from, chatId });
        return;
      }
      const chat = await this.storage.getChat(chatId);
      if (!chat?.joined) {
        this.ignore(IGNORED_REASON.NOT_JOINED, `message for public chat ${chatId} we have not joined`, { from, chatId });
        return;
      }
    } else if (cm.messageType === MESSAGE_TYPE.ONE_TO_ONE) {
      if (!direct) {
        this.ignore(IGNORED_REASON.WRONG_CHANNEL, `1:1 message ${rec.id} arrived on ${via.channel}`, { from });
        return;
      }
      await this.ensureOneToOne(chatId, false);
    } else if (cm.messageType === MESSAGE_TYPE.PRIVATE_GROUP) {
      if (!direct) {
        this.ignore(IGNORED_REASON.WRONG_CHANNEL, `group message ${rec.id} arrived on ${via.channel}`, { from, chatId });
        return;
      }
      let state = groupState;
      if (!state) {
        const chat = await this.storage.getChat(chatId);
        state = chat?.type === 'private-group' ? foldGroup(chat.id, groupEventsOf(chat)).state : undefined;
      }
      if (!state || !state.members.includes(this.publicKeyHex) || !state.members.includes(from)) {
        this.ignore(IGNORED_REASON.NOT_MEMBER, `group message for ${chatId}: ${state ? 'author or we are not members' : 'unknown group'}`, { from, chatId });
        return;
      }
    }
    const record: MessageRecord = {
      id: rec.id,
      chatId,
      clock: cm.clock,
      timestamp: Number(cm.timestamp),
      from,
      text: cm.text,
      contentType: cm.contentType,
      responseTo: cm.responseTo === '' ? null : cm.responseTo,
      content: null,
      outgoing: from === this.publicKeyHex,
      deliveryState: from === this.publicKeyHex ? 'sent' : 'received',
      // The wrapper exactly as received: the message id is computed over these bytes.
      payload: rec.bytes,
      receivedAt: this.now(),
    };
    const inserted = await this.storage.transaction(async (tx) => {
      if (!(await tx.insertMessage(record))) return false;
      const chat = await tx.getChat(chatId);
      if (chat && chat.lastClock < cm.clock) await tx.putChat({ ...chat, lastClock: cm.clock, updatedAt: this.now() });
      return true;
    });
    if (inserted) this.emitter.emit('message', this.toClientMessage(record, via));
  }

  private async joinSyncedPublicChat(name: string): Promise<void> {
    let id: string;
    try {
      id = publicChatId(name);
    } catch (e) {
      this.emitter.emit('error', new ClientError(CLIENT_ERROR.INVALID_PAYLOAD, `synced public chat: ${(e as Error).message}`, { cause: e }));
      return;
    }
    const existing = await this.storage.getChat(id);
    if (existing?.joined) return;
    const now = this.now();
    const chat: ChatRecord = existing
      ? { ...existing, joined: true, updatedAt: now }
      : { id, type: 'public', name: id, joined: true, lastClock: 0n, members: null, createdAt: now, updatedAt: now };
    await this.storage.putChat(chat);
    this.listenChat(chat);
    this.emitter.emit('chat', { ...chat });
  }

  private async addSyncedContact(publicKey: string, ensName: string): Promise<void> {
    if (!isPublicKeyHex(publicKey) || publicKey === this.publicKeyHex) {
      this.emitter.emit('error', new ClientError(CLIENT_ERROR.INVALID_PAYLOAD, `synced contact is not a usable key: ${JSON.stringify(publicKey)}`));
      return;
    }
    const existing = await this.storage.getContact(publicKey);
    if (existing?.added) return;
    const contact: ContactRecord = { publicKey, name: ensName === '' ? (existing?.name ?? null) : ensName, added: true, blocked: false, lastUpdated: existing?.lastUpdated ?? 0n };
    await this.storage.putContact(contact);
    await this.ensureOneToOne(publicKey, false);
    this.emitter.emit('contact', contact);
  }

  private async receiveContactUpdate(update: ContactUpdate, from: string): Promise<void> {
    const existing = await this.storage.getContact(from);
    if (existing && existing.lastUpdated >= update.clock) return;
    const contact: ContactRecord = {
      publicKey: from,
      name: update.ensName === '' ? (existing?.name ?? null) : update.ensName,
      added: existing?.added ?? false,
      blocked: existing?.blocked ?? false,
      lastUpdated: update.clock,
    };
    await this.storage.putContact(contact);
    await this.ensureOneToOne(from, false);
    this.emitter.emit('contact', contact);
  }

  private async receiveMembershipUpdate(update: OpenedMembershipUpdate, rec: ReceivedApplicationMessage, via: ReceivedVia): Promise<void> {
    const chatId = update.chatId;
    const from = rec.authorHex;
    const chat = await this.storage.getChat(chatId);
    if (chat && chat.type !== 'private-group') {
      this.ignore(IGNORED_REASON.WRONG_CHANNEL, `membership update for non-group chat ${chatId}`, { from, chatId });
      return;
    }
    const known = chat ? groupEventsOf(chat) : [];
    const all = mergeGroupEvents(known, update.events);
    const fold = foldGroup(chatId, all);
    const state = fold.state;
    if (!state || (!chat && !state.members.includes(this.publicKeyHex))) {
      this.ignore(IGNORED_REASON.NOT_MEMBER, `membership update for group ${chatId} we are not in`, { from, chatId });
      return;
    }
    const knownKeys = new Set(known.map((e) => bytesToHex(e.signature)));
    for (const r of fold.rejected) {
      if (!knownKeys.has(bytesToHex(r.event.signature))) this.ignore(IGNORED_REASON.GROUP_EVENT_REJECTED, `${r.rule}: ${r.error.message}`, { from, chatId });
    }
    const before = chat ? foldGroup(chatId, known).state : undefined;
    const changed = all.length !== known.length;
    if (changed) {
      const now = this.now();
      const next: ChatRecord = {
        id: chatId,
        type: 'private-group',
        name: state.name,
        joined: state.joined.includes(this.publicKeyHex),
        lastClock: chat && chat.lastClock > state.clock ? chat.lastClock : state.clock,
        members: encodeGroupEvents(all),
        createdAt: chat?.createdAt ?? now,
        updatedAt: now,
      };
      await this.storage.putChat(next);
      for (const m of state.members) this.listenPeer(m);
      if (JSON.stringify(stateKey(before)) !== JSON.stringify(stateKey(state)) || !chat) this.emitter.emit('chat', { ...next, group: state });
    }
    if (update.message) {
      const cm = update.message;
      if (cm.chatId !== chatId || cm.messageType !== MESSAGE_TYPE.PRIVATE_GROUP) {
        this.emitter.emit('error', new ClientError(CLIENT_ERROR.INVALID_PAYLOAD, `group update for ${chatId} carries a message for ${cm.chatId} (type ${cm.messageType})`));
        return;
      }
      await this.receiveChatMessage(cm, rec, via, undefined, state);
    }
  }

  // ------------------------------------------------------------------ groups

  /** Creates a private group with us as creator and admin, adds `members`, and tells them. */
  async createGroup(name: string, members: readonly (string | Uint8Array)[], options: IterateOptions = {}): Promise<ClientChat> {
    this.assertRunning();
    throwIfAborted(options.signal, 'createGroup');
    if (name.length === 0) throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, 'group name must not be empty');
    const memberHex = [...new Set(members.map(toKeyHex))].filter((m) => m !== this.publicKeyHex);
    const chatId = groupChatId(this.publicKey);
    const clock = nextClock(0n, this.now());
    const created = signGroupEvent(chatId, { clock, members: [], name, type: MEMBERSHIP_EVENT_TYPE.CHAT_CREATED }, this.privateKey, this.publicKey);
    const events: SignedGroupEvent[] = [created];
    if (memberHex.length > 0) {
      events.push(signGroupEvent(chatId, { clock: clock + 1n, members: memberHex, name: '', type: MEMBERSHIP_EVENT_TYPE.MEMBERS_ADDED }, this.privateKey, this.publicKey));
    }
    return this.commitGroupEvents(chatId, events, options);
  }

  async addMembers(chatId: string, members: readonly (string | Uint8Array)[], options: IterateOptions = {}): Promise<ClientChat> {
    const hex = [...new Set(members.map(toKeyHex))];
    return this.groupEvent(chatId, MEMBERSHIP_EVENT_TYPE.MEMBERS_ADDED, { members: hex }, options);
  }

  /** Accepts an invitation: MEMBER_JOINED by us. */
  async joinGroup(chatId: string, options: IterateOptions = {}): Promise<ClientChat> {
    return this.groupEvent(chatId, MEMBERSHIP_EVENT_TYPE.MEMBER_JOINED, {}, options);
  }

  /** Leaves: MEMBER_REMOVED of ourselves, sent to every member. */
  async leaveGroup(chatId: string, options: IterateOptions = {}): Promise<ClientChat> {
    return this.groupEvent(chatId, MEMBERSHIP_EVENT_TYPE.MEMBER_REMOVED, { members: [this.publicKeyHex] }, options);
  }

  async removeMember(chatId: string, member: string | Uint8Array, options: IterateOptions = {}): Promise<ClientChat> {
    return this.groupEvent(chatId, MEMBERSHIP_EVENT_TYPE.MEMBER_REMOVED, { members: [toKeyHex(member)] }, options);
  }

  async renameGroup(chatId: string, name: string, options: IterateOptions = {}): Promise<ClientChat> {
    return this.groupEvent(chatId, MEMBERSHIP_EVENT_TYPE.NAME_CHANGED, { name }, options);
  }

  async addAdmins(chatId: string, admins: readonly (string | Uint8Array)[], options: IterateOptions = {}): Promise<ClientChat> {
    return this.groupEvent(chatId, MEMBERSHIP_EVENT_TYPE.ADMINS_ADDED, { members: [...new Set(admins.map(toKeyHex))] }, options);
  }

  private async groupEvent(chatId: string, type: number, fields: { members?: string[]; name?: string }, options: IterateOptions): Promise<ClientChat> {
    this.assertRunning();
    throwIfAborted(options.signal, 'group update');
    if (typeof chatId !== 'string' || !isGroupChatId(chatId)) {
      throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `not a group chat id: ${JSON.stringify(chatId)} (a lowercase UUID, "-" and the creator's 0x04… key)`);
    }
    const chat = await this.storage.getChat(chatId);
    if (!chat || chat.type !== 'private-group') throw new ClientError(CLIENT_ERROR.UNKNOWN_CHAT, `no group ${JSON.stringify(chatId)}`);
    const state = foldGroup(chatId, groupEventsOf(chat)).state;
    const clock = nextClock(state && state.clock > chat.lastClock ? state.clock : chat.lastClock, this.now());
    const event = signGroupEvent(chatId, { clock, members: fields.members ?? [], name: fields.name ?? '', type }, this.privateKey, this.publicKey);
    return this.commitGroupEvents(chatId, [event], options);
  }

  /** Applies our new events (they must all be accepted by the rules), persists, and sends the whole event set to every member old and new. */
  private async commitGroupEvents(chatId: string, events: SignedGroupEvent[], options: IterateOptions): Promise<ClientChat> {
    const { next, state, recipients, body, key } = await this.enqueue(async () => {
      const chat = await this.storage.getChat(chatId);
      const known = chat ? groupEventsOf(chat) : [];
      const before = chat ? foldGroup(chatId, known).state : undefined;
      const all = mergeGroupEvents(known, events);
      const fold = foldGroup(chatId, all);
      const bad = fold.rejected.find((r) => events.some((e) => equalBytes(e.signature, r.event.signature)));
      if (bad || !fold.state) {
        throw new ClientError(CLIENT_ERROR.NOT_ALLOWED, `group ${chatId}: ${bad ? `${bad.rule}: ${bad.error.message}` : 'no valid creation event'}`);
      }
      const state = fold.state;
      const now = this.now();
      const next: ChatRecord = {
        id: chatId,
        type: 'private-group',
        name: state.name,
        joined: state.joined.includes(this.publicKeyHex),
        lastClock: chat && chat.lastClock > state.clock ? chat.lastClock : state.clock,
        members: encodeGroupEvents(all),
        createdAt: chat?.createdAt ?? now,
        updatedAt: now,
      };
      const recipients = [...new Set([...(before?.members ?? []), ...state.members])].filter((m) => m !== this.publicKeyHex);
      const amm = wrapApplicationMessage(APPLICATION_MESSAGE_TYPE.MEMBERSHIP_UPDATE_MESSAGE, buildMembershipUpdate(chatId, all), this.privateKey, this.publicKey);
      await this.storage.transaction(async (tx) => {
        await tx.putChat(next);
        await tx.kvPut(CLIENT_NS.OUTBOX, `group:${amm.id}`, encodeRecord({ kind: 'direct', chatId, body: amm.bytes, recipients } satisfies OutboxEntry));
      });
      return { next, state, recipients, body: amm.bytes, key: `group:${amm.id}` };
    }, true);
    for (const m of state.members) this.listenPeer(m);
    this.emitter.emit('chat', { ...next, group: state });
    throwIfAborted(options.signal, 'group update');
    await this.runOutbox({ kind: 'direct', chatId, body, recipients }, key);
    return { ...next, group: state };
  }

  private async sendGroupMessage(chatId: string, base: (clock: bigint, timestamp: number) => ChatMessage, options: SendOptions): Promise<ClientMessage> {
    const { record, entry } = await this.enqueue(async () => {
      const chat = await this.storage.getChat(chatId);
      if (!chat || chat.type !== 'private-group') throw new ClientError(CLIENT_ERROR.UNKNOWN_CHAT, `no group ${chatId}`);
      const events = groupEventsOf(chat);
      const state = foldGroup(chatId, events).state;
      if (!state?.members.includes(this.publicKeyHex)) throw new ClientError(CLIENT_ERROR.NOT_ALLOWED, `we are not a member of group ${chatId}`);
      const now = this.now();
      const cm = base(nextClock(chat.lastClock > state.clock ? chat.lastClock : state.clock, now), now);
      // status-go v0.62 sends group messages inside a MembershipUpdateMessage carrying all events.
      const update = buildMembershipUpdate(chatId, events, { message: cm });
      const amm = wrapApplicationMessage(APPLICATION_MESSAGE_TYPE.MEMBERSHIP_UPDATE_MESSAGE, update, this.privateKey, this.publicKey);
      const record = this.outgoingRecord(amm.id, cm, amm.bytes);
      const entry: OutboxEntry = { kind: 'direct', chatId, messageId: amm.id, body: amm.bytes, recipients: state.members.filter((m) => m !== this.publicKeyHex) };
      await this.storage.transaction(async (tx) => {
        await tx.insertMessage(record);
        await tx.putChat({ ...chat, lastClock: cm.clock, updatedAt: now });
        await tx.kvPut(CLIENT_NS.OUTBOX, amm.id, encodeRecord(entry));
      });
      return { record, entry };
    }, true);
    this.emitter.emit('message', this.toClientMessage(record));
    throwIfAborted(options.signal, 'sendMessage');
    await this.runOutbox(entry, record.id);
    return this.toClientMessage((await this.storage.getMessage(record.id)) ?? record);
  }

  // ------------------------------------------------------------------ devices

  /** Our other installations (devices) the secure transport knows of, paired (enabled) or not, with the metadata their PairInstallation gave. */
  async installations(): Promise<ClientInstallation[]> {
    this.assertRunning();
    const stored = new Map((await this.storage.listInstallations(this.publicKeyHex)).map((r) => [r.installationId, parseInstallationMetadata(r.metadata)]));
    return (await this.secure.installations())
      .filter((i) => i.installationId !== this.installationId)
      .map((i) => {
        const meta = stored.get(i.installationId);
        return { installationId: i.installationId, enabled: i.enabled, lastSeen: i.lastSeen, name: meta?.name ?? null, deviceType: meta?.deviceType ?? null };
      });
  }

  /** The metadata of this installation (set by `setInstallationMetadata`), or undefined. */
  async installationMetadata(): Promise<InstallationMetadata | undefined> {
    this.assertRunning();
    const meta = parseInstallationMetadata((await this.storage.getInstallation(this.publicKeyHex, this.installationId))?.metadata ?? null);
    return meta && { name: meta.name, deviceType: meta.deviceType };
  }

  /** Names this installation (status-go SetInstallationMetadata); kept in storage, sent by `sendPairInstallation`. */
  async setInstallationMetadata(metadata: InstallationMetadata): Promise<void> {
    this.assertRunning();
    for (const [field, value] of [
      ['name', metadata.name],
      ['deviceType', metadata.deviceType],
    ] as const) {
      // Receivers (status-go's ValidateReceivedPairInstallation) drop blank fields.
      if (typeof value !== 'string' || value.trim().length === 0) throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `installation ${field} must not be blank: ${JSON.stringify(value)}`);
    }
    const existing = parseInstallationMetadata((await this.storage.getInstallation(this.publicKeyHex, this.installationId))?.metadata ?? null);
    await this.storage.putInstallation({
      identity: this.publicKeyHex,
      installationId: this.installationId,
      enabled: true,
      lastSeen: this.now(),
      metadata: JSON.stringify({ name: metadata.name, deviceType: metadata.deviceType, clock: (existing?.clock ?? 0n).toString() }),
    });
  }

  /**
   * status-go's SendPairInstallation: our installation's metadata as a PairInstallation, DH-encrypted to
   * our own identity (no ratchet, no MVDS) with our bundle attached, on our partitioned topic. Every
   * other device of ours opens it, paired or not, learns this installation and records its name;
   * it stays disabled there until the user enables it. The ApplicationMetadataMessage is unsigned, as
   * status-go sends it; resolves with its message id, keccak256(wrapper bytes), as status-go computes it.
   */
  async sendPairInstallation(options: IterateOptions = {}): Promise<string> {
    this.assertRunning();
    throwIfAborted(options.signal, 'sendPairInstallation');
    const own = await this.storage.getInstallation(this.publicKeyHex, this.installationId);
    const meta = parseInstallationMetadata(own?.metadata ?? null);
    if (!own || !meta) throw new ClientError(CLIENT_ERROR.NOT_ALLOWED, 'no installation metadata: call setInstallationMetadata first');
    const clock = nextClock(meta.clock, this.now());
    const value: PairInstallation = { clock, installationId: this.installationId, deviceType: meta.deviceType, name: meta.name };
    // Unsigned, as status-go's SendPairInstallation (wrapMessageV1 without a sender key): deniable, the
    // DH message's envelope signature names us; its id is keccak256(wrapper bytes).
    const amm = sendUnsignedApplicationMessage({ kind: 'pairInstallation', type: APPLICATION_MESSAGE_TYPE.PAIR_INSTALLATION, value });
    await this.storage.putInstallation({ ...own, metadata: JSON.stringify({ name: meta.name, deviceType: meta.deviceType, clock: clock.toString() }) });
    const message = await this.secure.buildDhMessage(this.publicKey, amm.bytes);
    throwIfAborted(options.signal, 'sendPairInstallation');
    await this.postProtocolMessage(this.publicKeyHex, this.publicKey, message);
    return amm.id;
  }

  private async receivePairInstallation(value: PairInstallation, from: string, via: ReceivedVia): Promise<void> {
    if (from !== this.publicKeyHex || (via.channel !== 'partitioned' && via.channel !== 'negotiated')) {
      this.ignore(IGNORED_REASON.WRONG_CHANNEL, `PairInstallation from ${from} on ${via.channel}, not from one of our devices`, { from });
      return;
    }
    if (value.installationId === this.installationId) return;
    // As status-go: only an installation the secure transport knows (from the bundle the message carries).
    const known = (await this.secure.installations()).find((i) => i.installationId === value.installationId);
    if (!known) {
      this.emitter.emit('error', new ClientError(CLIENT_ERROR.INVALID_PAYLOAD, `PairInstallation for unknown installation ${JSON.stringify(value.installationId)}`));
      return;
    }
    const stored = await this.storage.getInstallation(this.publicKeyHex, value.installationId);
    const prev = parseInstallationMetadata(stored?.metadata ?? null);
    if (prev && prev.clock >= value.clock) return;
    const record: InstallationRecord = {
      identity: this.publicKeyHex,
      installationId: value.installationId,
      enabled: known.enabled,
      lastSeen: known.lastSeen,
      metadata: JSON.stringify({ name: value.name, deviceType: value.deviceType, clock: value.clock.toString() }),
    };
    await this.storage.putInstallation(record);
    this.emitter.emit('installation', { installationId: value.installationId, enabled: known.enabled, lastSeen: known.lastSeen, name: value.name, deviceType: value.deviceType });
  }

  /**
   * Pairs one of our own devices (learned from its PairInstallation, our contact-code topic or a
   * message): from now on everything we send is also encrypted to it, and our bundle (republished
   * now) names it, so contacts encrypt to it too.
   */
  async enableInstallation(installationId: string): Promise<void> {
    await this.setInstallationEnabled(installationId, true);
  }

  async disableInstallation(installationId: string): Promise<void> {
    await this.setInstallationEnabled(installationId, false);
  }

  private async setInstallationEnabled(installationId: string, enabled: boolean): Promise<void> {
    this.assertRunning();
    try {
      if (enabled) await this.secure.enableInstallation(installationId);
      else await this.secure.disableInstallation(installationId);
    } catch (e) {
      if (e instanceof SecureTransportError && e.code === SECURE_TRANSPORT_ERROR.INVALID_ARGUMENT) {
        throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, e.message, { cause: e });
      }
      throw e;
    }
    this.paired = undefined;
    const known = (await this.secure.installations()).find((i) => i.installationId === installationId);
    const stored = await this.storage.getInstallation(this.publicKeyHex, installationId);
    const lastSeen = known?.lastSeen ?? stored?.lastSeen ?? 0;
    await this.storage.putInstallation({ identity: this.publicKeyHex, installationId, enabled, lastSeen, metadata: stored?.metadata ?? null });
    const meta = parseInstallationMetadata(stored?.metadata ?? null);
    this.emitter.emit('installation', { installationId, enabled, lastSeen, name: meta?.name ?? null, deviceType: meta?.deviceType ?? null });
    await this.publishContactCode(false);
  }

  /** Sends our joined public chats and contacts to our paired devices (SyncInstallationPublicChat / SyncInstallationContact). */
  async syncDevices(options: IterateOptions = {}): Promise<number> {
    this.assertRunning();
    let sent = 0;
    const clock = BigInt(this.now());
    for (const chat of await this.storage.listChats()) {
      if (chat.type !== 'public' || !chat.joined) continue;
      throwIfAborted(options.signal, 'syncDevices');
      const amm = sendApplicationMessage(
        { kind: 'syncInstallationPublicChat', type: APPLICATION_MESSAGE_TYPE.SYNC_INSTALLATION_PUBLIC_CHAT, value: { clock, id: chat.id } },
        this.privateKey,
        this.publicKey,
      );
      await this.postDirect(this.publicKeyHex, amm.bytes);
      sent++;
    }
    for (const c of await this.storage.listContacts()) {
      if (!c.added) continue;
      throwIfAborted(options.signal, 'syncDevices');
      const amm = sendApplicationMessage(
        {
          kind: 'syncInstallationContact',
          type: APPLICATION_MESSAGE_TYPE.SYNC_INSTALLATION_CONTACT,
          value: { clock, id: c.publicKey, profileImage: '', ensName: c.name ?? '', lastUpdated: c.lastUpdated, systemTags: [':contact/added'], localNickname: '' },
        },
        this.privateKey,
        this.publicKey,
      );
      await this.postDirect(this.publicKeyHex, amm.bytes);
      sent++;
    }
    return sent;
  }

  // ------------------------------------------------------------------ history

  /** Backoff parameters of the automatic history requests (StatusClientTiming.historyRetry*). */
  private readonly historyRetry: HistoryRetryPolicy;
  /** State of the automatic history requests: one at a time; after failures, the next waits until `retryAt`. */
  private readonly historyAuto: { running: boolean; again: boolean; failures: number; retryAt: number; timer: NodeJS.Timeout | undefined } = {
    running: false,
    again: false,
    failures: 0,
    retryAt: 0,
    timer: undefined,
  };

  /**
   * Asks for the history of every topic we listen on: now, or, after failures, once the backoff
   * allows. Start-up, every mailserver (re)connect and the retries all come through here, so a
   * mailserver that drops us on each request is asked at the backoff's pace, not on every reconnect.
   * Only one automatic request runs at a time; a reconnect during one asks again once it is done.
   * The first failure of a run of failures is reported ('error', HISTORY_FAILED, with the
   * mailserver's reason, e.g. its disconnect reason); the retries that follow are only logged.
   */
  private scheduleHistory(): void {
    const s = this.historyAuto;
    if (this.status !== 'running' || !this.historyEnabled) return;
    if (s.running) {
      s.again = true;
      return;
    }
    if (s.timer) return;
    // Real time, not this.now (a test clock): the backoff paces the network.
    const wait = s.retryAt - Date.now();
    if (wait > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        s.timer = undefined;
        this.scheduleHistory();
      }, wait);
      timer.unref();
      s.timer = timer;
      this.timers.add(timer);
      return;
    }
    // Not connected: the mailserver's next handshake calls us again.
    if (!this.mailserverReady()) return;
    s.running = true;
    s.again = false;
    const run = this.requestHistory(this.listenedTopics()).then(
      () => {
        if (s.failures > 0) log('history: the mailserver answered again after %d failed attempts', s.failures);
        s.failures = 0;
        s.retryAt = 0;
      },
      (e: unknown) => {
        s.failures++;
        const delay = historyRetryDelay(this.historyRetry, s.failures);
        s.retryAt = Date.now() + delay;
        if (this.status !== 'running') return;
        if (s.failures === 1) this.reportError(e, CLIENT_ERROR.HISTORY_FAILED, 'history request');
        log('history: attempt %d failed (%s); next in %d ms', s.failures, e instanceof Error ? e.message : String(e), delay);
      },
    );
    this.track(
      run.finally(() => {
        s.running = false;
        if (s.failures > 0 || s.again) this.scheduleHistory();
      }),
    );
  }

  /**
   * Makes the next requestHistory of each of `topics` start at `fromSeconds` (Unix seconds), as if the
   * last request for it had ended there: a user can ask for older history than the window already fetched.
   */
  async rewindHistory(topics: readonly Topic[], fromSeconds: number): Promise<void> {
    for (const t of topics) await this.storage.kvPut(CLIENT_NS.HISTORY, bytesToHex(t), utf8ToBytes(String(fromSeconds)));
  }

  /**
   * Asks the transport's mailserver for the history of `topics`, from where the last request for each
   * topic ended (or `historyWindowSeconds` back), paging through cursors; remembers the new upper bound per topic.
   * Resolves with the number of pages once every envelope delivered has been processed. Progress
   * (pages, envelopes, the oldest send time reached) goes to `onProgress` and the 'history-progress'
   * event after each page, and once more with `done: true` at the end.
   */
  async requestHistory(topics: readonly Topic[], options: RequestHistoryOptions = {}): Promise<number> {
    const request = this.transport.requestHistory?.bind(this.transport);
    if (!request) return 0;
    const to = Math.floor(this.now() / 1000);
    const groups = new Map<number, Topic[]>();
    for (const t of topics) {
      const v = await this.storage.kvGet(CLIENT_NS.HISTORY, bytesToHex(t));
      const from = v ? Number(bytesToUtf8(v)) : to - this.historyWindowSeconds;
      if (from >= to) continue;
      groups.set(from, [...(groups.get(from) ?? []), t]);
    }
    if (groups.size === 0) return 0;
    const asked = new Set([...groups.values()].flat().map((t) => bytesToHex(t)));
    const progress: HistoryProgress = { topics: asked.size, pages: 0, envelopes: 0, oldestTimestamp: undefined, from: Math.min(...groups.keys()), to, done: false };
    const seen = new Set<string>();
    const watch = (m: ReceivedMessage): void => {
      if (!asked.has(bytesToHex(m.topic))) return;
      const hash = bytesToHex(m.hash);
      if (seen.has(hash)) return;
      seen.add(hash);
      progress.envelopes++;
      if (progress.oldestTimestamp === undefined || m.sent < progress.oldestTimestamp) progress.oldestTimestamp = m.sent;
    };
    const report = (): void => {
      const p = { ...progress };
      this.emitter.emit('history-progress', p);
      options.onProgress?.({ ...p });
    };
    this.historyWatchers.add(watch);
    try {
      for (const [from, group] of groups) {
        let cursor: Uint8Array | undefined;
        do {
          throwIfAborted(options.signal, 'requestHistory');
          if (this.status === 'stopped') return progress.pages;
          try {
            const res = await request({ from, to, topics: group, limit: this.historyPageLimit, cursor, peerId: this.mailserver });
            cursor = res.cursor && res.cursor.length > 0 ? res.cursor : undefined;
            progress.pages++;
          } catch (e) {
            throw new ClientError(CLIENT_ERROR.HISTORY_FAILED, `history of ${group.length} topic(s) from ${from} to ${to}: ${(e as Error).message}`, { cause: e });
          }
          report();
        } while (cursor);
        // What the mailserver pushed is processed (stored, shown) before the range counts as fetched.
        await this.enqueue(async () => undefined, true);
        for (const t of group) await this.storage.kvPut(CLIENT_NS.HISTORY, bytesToHex(t), utf8ToBytes(String(to)));
      }
    } finally {
      this.historyWatchers.delete(watch);
    }
    progress.done = true;
    report();
    return progress.pages;
  }
}

interface HistoryRetryPolicy {
  initialMs: number;
  maxMs: number;
  jitter: number;
}

const HISTORY_RETRY_DEFAULTS: HistoryRetryPolicy = { initialMs: 1000, maxMs: 5 * 60 * 1000, jitter: 0.2 };

function historyRetryPolicy(o: NonNullable<StatusClientOptions['options']>): HistoryRetryPolicy {
  const p = {
    initialMs: o.historyRetryInitialMs ?? HISTORY_RETRY_DEFAULTS.initialMs,
    maxMs: o.historyRetryMaxMs ?? HISTORY_RETRY_DEFAULTS.maxMs,
    jitter: o.historyRetryJitter ?? HISTORY_RETRY_DEFAULTS.jitter,
  };
  if (!(p.initialMs > 0) || !(p.maxMs >= p.initialMs) || !(p.jitter >= 0 && p.jitter < 1)) {
    throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `history retry: need 0 < initial ≤ max and 0 ≤ jitter < 1, got ${JSON.stringify(p)}`);
  }
  return p;
}

/** Wait after the n-th consecutive failure (n ≥ 1): initial·2^(n−1), capped at max, ± jitter, never above max. */
function historyRetryDelay(p: HistoryRetryPolicy, failures: number): number {
  const base = Math.min(p.maxMs, p.initialMs * 2 ** Math.min(failures - 1, 52));
  const jittered = base * (1 - p.jitter + 2 * p.jitter * Math.random());
  return Math.round(Math.min(p.maxMs, jittered));
}

function isMvdsPayload(bytes: Uint8Array): boolean {
  try {
    return isDatasyncPayload(decodePayload(bytes));
  } catch {
    return false;
  }
}

/** Metadata of an installation record (JSON written by this client), or undefined when absent or unreadable. */
function parseInstallationMetadata(json: string | null): { name: string; deviceType: string; clock: bigint } | undefined {
  if (json === null) return undefined;
  try {
    const v = JSON.parse(json) as { name?: unknown; deviceType?: unknown; clock?: unknown };
    if (typeof v.name !== 'string' || typeof v.deviceType !== 'string') return undefined;
    return { name: v.name, deviceType: v.deviceType, clock: typeof v.clock === 'string' && /^[0-9]+$/.test(v.clock) ? BigInt(v.clock) : 0n };
  } catch {
    return undefined;
  }
}

function stateKey(s: GroupState | undefined): unknown {
  return s && { name: s.name, members: s.members, joined: s.joined, admins: s.admins };
}

