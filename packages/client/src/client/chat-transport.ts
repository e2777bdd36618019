import { bytesToHex, bytesToUtf8, utf8ToBytes } from '@status-stack/crypto';
import {
  contactCodeTopic,
  contactCodeTopicName,
  discoveryTopic,
  negotiatedSecret,
  partitionedTopic,
  publicChatKey,
  publicChatTopic,
  type Filter,
  type OutgoingMessage,
  type ReceivedMessage,
  type Topic,
} from '@status-stack/whisper';
import { publicKeyFromHex } from '@status-stack/payloads';
import type { ChatRecord } from '../types.js';
import type { ClientCore } from './client-core.js';
import { CLIENT_NS, EMPTY } from './constants.js';
import { CLIENT_ERROR, IGNORED_REASON } from './errors.js';
import { foldGroup, groupEventsOf } from './group.js';
import type { IgnoredEvent, ReceivedVia } from './types.js';

export type Channel = ReceivedVia['channel'];

/** Topic and symmetric key of a channel. */
export interface ChannelKeys {
  topic: Topic;
  symKey: Uint8Array;
}

const DIRECT: readonly Channel[] = ['partitioned', 'negotiated'];

/**
 * What may arrive on which channel, as status-go receives it: the client checks it here and nowhere
 * else. Public topics carry public messages only (chat messages on a chat topic, bundles on a
 * contact-code topic); everything addressed to us comes on our partitioned or a negotiated topic.
 */
export const ARRIVAL_CHANNELS = {
  /** A message the secure transport opened without a session (public chat, contact code). */
  publicMessage: ['public', 'contact-code'],
  /** A message the secure transport decrypted for this device. */
  directMessage: DIRECT,
  publicChatMessage: ['public'],
  oneToOneMessage: DIRECT,
  groupMessage: DIRECT,
  contactUpdate: DIRECT,
  membershipUpdate: DIRECT,
  pairInstallation: DIRECT,
  /** SyncInstallationPublicChat / SyncInstallationContact from one of our devices. */
  deviceSync: DIRECT,
} as const satisfies Record<string, readonly Channel[]>;

export type Arrival = keyof typeof ARRIVAL_CHANNELS;

export function mayArriveOn(what: Arrival, channel: Channel): boolean {
  return (ARRIVAL_CHANNELS[what] as readonly Channel[]).includes(channel);
}

/** Called with every envelope a filter of ours matched, on the channel the filter belongs to. */
export type EnvelopeHandler = (channel: Channel, m: ReceivedMessage, chatName: string | undefined) => Promise<void>;

/**
 * The Whisper side of chats: which topic and key each chat kind uses, the filters we listen with,
 * the switch from a peer's partitioned topic to our negotiated one once they answered, the dedup of
 * direct envelopes seen before, and posting with status-go's TTL and PoW.
 */
export class ChatTransport {
  private readonly subscriptions = new Map<string, () => void>();
  private readonly subscriptionTopics = new Map<string, Topic[]>();
  private readonly negotiated = new Set<string>();
  private readonly keys = new Map<string, ChannelKeys>();
  /** Watchers of history envelopes (p2p): requestHistory counts them. */
  private readonly historyWatchers = new Set<(m: ReceivedMessage) => void>();

  constructor(
    private readonly core: ClientCore,
    private readonly onEnvelope: EnvelopeHandler,
  ) {}

  /**
   * The channel rule applied: true when `what` may arrive on `channel`; otherwise it is reported
   * as ignored (WRONG_CHANNEL, with `detail`) and the caller drops it.
   */
  accepts(what: Arrival, channel: Channel, detail: string, extra: Omit<IgnoredEvent, 'reason' | 'detail'> = {}): boolean {
    if (mayArriveOn(what, channel)) return true;
    this.core.ignore(IGNORED_REASON.WRONG_CHANNEL, detail, extra);
    return false;
  }

  // ------------------------------------------------------------------ keys

  publicChatKeys(name: string): ChannelKeys {
    return this.cached(`public:${name}`, () => ({ topic: publicChatTopic(name), symKey: publicChatKey(name) }));
  }

  negotiatedKeys(peerHex: string): ChannelKeys {
    return this.cached(`negotiated:${peerHex}`, () => {
      const s = negotiatedSecret(this.core.privateKey, publicKeyFromHex(peerHex));
      return { topic: s.topic, symKey: s.symKey };
    });
  }

  /** Topic and key of a contact-code topic (PBKDF2 of its name: derived once, kept). */
  contactCodeKeys(peerHex: string): ChannelKeys {
    return this.cached(`contact-code:${peerHex}`, () => {
      const key = publicKeyFromHex(peerHex);
      return { topic: contactCodeTopic(key), symKey: publicChatKey(contactCodeTopicName(key)) };
    });
  }

  private cached(id: string, derive: () => ChannelKeys): ChannelKeys {
    let k = this.keys.get(id);
    if (!k) {
      k = derive();
      this.keys.set(id, k);
    }
    return k;
  }

  // ------------------------------------------------------------------ filters

  /** Loads the negotiated peers and listens on our partitioned and contact-code topics and on every stored chat. */
  async listenAll(): Promise<void> {
    for (const e of await this.core.storage.kvList(CLIENT_NS.NEGOTIATED)) this.negotiated.add(e.key);
    const c = this.core;
    this.listen('partitioned', { topics: [partitionedTopic(c.publicKey), discoveryTopic()], privateKey: c.privateKey }, 'partitioned');
    this.listenContactCode(c.publicKeyHex);
    for (const chat of await c.storage.listChats()) this.listenChat(chat);
  }

  unlistenAll(): void {
    for (const unsubscribe of this.subscriptions.values()) unsubscribe();
    this.subscriptions.clear();
    this.subscriptionTopics.clear();
  }

  listenChat(chat: ChatRecord): void {
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

  unlistenPublicChat(id: string): void {
    this.unlisten(`public:${id}`);
  }

  /** Negotiated topic and contact code of a peer we talk to directly. */
  listenPeer(peerHex: string): void {
    if (peerHex === this.core.publicKeyHex) return;
    if (!this.subscriptions.has(`negotiated:${peerHex}`)) {
      const k = this.negotiatedKeys(peerHex);
      this.listen(`negotiated:${peerHex}`, { topics: [k.topic], symKey: k.symKey }, 'negotiated');
    }
    this.listenContactCode(peerHex);
  }

  /** Every distinct topic of our filters. */
  listenedTopics(): Topic[] {
    const seen = new Map<string, Topic>();
    for (const topics of this.subscriptionTopics.values()) for (const t of topics) seen.set(bytesToHex(t), t);
    return [...seen.values()];
  }

  /** Calls `watcher` with every history (p2p) envelope a filter matches, until the returned function is called. */
  watchHistory(watcher: (m: ReceivedMessage) => void): () => void {
    this.historyWatchers.add(watcher);
    return () => this.historyWatchers.delete(watcher);
  }

  private listenContactCode(peerHex: string): void {
    if (this.subscriptions.has(`contact-code:${peerHex}`)) return;
    const k = this.contactCodeKeys(peerHex);
    this.listen(`contact-code:${peerHex}`, { topics: [k.topic], symKey: k.symKey }, 'contact-code');
  }

  private listen(key: string, filter: Filter, channel: Channel, chatName?: string): void {
    if (this.subscriptions.has(key)) return;
    const unsubscribe = this.core.transport.subscribe(filter, (m) => {
      if (this.core.status !== 'running' && this.core.status !== 'starting') return;
      if (m.p2p) for (const w of this.historyWatchers) w(m);
      void this.core.enqueue(() => this.onEnvelope(channel, m, chatName));
    });
    this.subscriptions.set(key, unsubscribe);
    this.subscriptionTopics.set(key, filter.topics);
  }

  private unlisten(key: string): void {
    this.subscriptions.get(key)?.();
    this.subscriptions.delete(key);
    this.subscriptionTopics.delete(key);
  }

  // ------------------------------------------------------------------ partitioned → negotiated

  /** A peer answered us: from now on we write to it (and listen) on our negotiated topic. */
  async markNegotiated(peer: string): Promise<void> {
    if (this.negotiated.has(peer)) return;
    await this.core.storage.kvPut(CLIENT_NS.NEGOTIATED, peer, EMPTY);
    this.negotiated.add(peer);
    this.listenPeer(peer);
  }

  // ------------------------------------------------------------------ seen envelopes

  /** True for a direct envelope opened before: its ratchet key may be gone, so it must not be opened again. */
  async seenBefore(channel: Channel, m: ReceivedMessage): Promise<boolean> {
    if (!mayArriveOn('directMessage', channel)) return false;
    return (await this.core.storage.kvGet(CLIENT_NS.SEEN_ENVELOPES, bytesToHex(m.hash))) !== undefined;
  }

  async markSeen(channel: Channel, m: ReceivedMessage): Promise<void> {
    if (!mayArriveOn('directMessage', channel)) return;
    await this.core.storage.kvPut(CLIENT_NS.SEEN_ENVELOPES, bytesToHex(m.hash), utf8ToBytes(String(m.expiry)));
  }

  /** Forgets opened envelopes a day after they expired: no relay or mailserver serves them any more. */
  async pruneSeenEnvelopes(): Promise<void> {
    const horizon = Math.floor(this.core.now() / 1000) - 24 * 60 * 60;
    for (const e of await this.core.storage.kvList(CLIENT_NS.SEEN_ENVELOPES)) {
      if (Number(bytesToUtf8(e.value)) < horizon) await this.core.storage.kvDelete(CLIENT_NS.SEEN_ENVELOPES, e.key);
    }
  }

  // ------------------------------------------------------------------ posting

  /** Signs and posts an envelope with status-go's TTL and PoW. */
  async post(message: Omit<OutgoingMessage, 'sign' | 'ttl' | 'powTarget'>): Promise<void> {
    const s = this.core.settings;
    await this.core.transport.post({ ...message, sign: this.core.privateKey, ttl: s.ttl, powTarget: s.powTarget });
  }

  /** Posts on a public channel (a public chat or a contact-code topic). */
  async postOn(keys: ChannelKeys, payload: Uint8Array): Promise<void> {
    await this.post({ topic: keys.topic, symKey: keys.symKey, payload });
  }

  /** First contact goes asymmetrically on their partitioned topic; once they answered, on the negotiated topic. */
  async postProtocolMessage(peer: string, key: Uint8Array, message: Uint8Array): Promise<void> {
    try {
      if (this.negotiated.has(peer)) await this.postOn(this.negotiatedKeys(peer), message);
      else await this.post({ topic: partitionedTopic(key), publicKey: key, payload: message });
    } catch (e) {
      this.core.reportError(e, CLIENT_ERROR.TRANSPORT_FAILED, `posting to ${peer}`);
      throw e;
    }
  }
}
