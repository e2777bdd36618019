// The state behind the interactive status-chat: the current chat, a timeline per chat (messages
// with live delivery states, notices), unread counts, the people we can name, and what `/history`
// is fetching. It runs parsed commands against a StatusClient and tells its view what changed.
import { publicChatTopic } from '@status-stack/whisper';
import { threeWordName } from '../account/three-word-name.js';
import type { DeliveryState, MessageRecord } from '../types.js';
import type { StatusClient } from '../client/status-client.js';
import type { ClientChat, ClientMessage } from '../client/types.js';
import { TypedEmitter } from '../client/events.js';
import type { ChatCommand, ChatRef, PersonRef } from './chat-commands.js';
import { CHAT_CLI_ERROR, ChatCliError } from './chat-errors.js';
import { chatLabel, describeGroupChange, renderChatList, renderHelp, shortKey, type ChatView, type GroupSummary, type MessageView, type NoticeLevel, type TimelineEntry } from './chat-render.js';

/** Entries kept per chat (older ones are still in storage; `/switch` reloads the newest). */
const TIMELINE_LIMIT = 500;
const RELOAD_LIMIT = 50;
/** Our envelopes remembered (hash → topic) to tell, when a peer takes one, which message it carried. */
const POSTED_LIMIT = 4096;

export interface ChatSessionEvents {
  /** Something visible changed (redraw). */
  change: () => void;
  /** A new entry in chat `chatId` ('' when no chat is current): line-mode views print it. */
  entry: (chatId: string, entry: TimelineEntry) => void;
  /** A message we sent changed state. */
  delivery: (message: MessageView) => void;
  /** Progress of a history fetch started or ended (null). */
  progress: (progress: HistoryProgress | null) => void;
  quit: () => void;
}

export interface HistoryProgress {
  label: string;
  received: number;
  startedAt: number;
}

/**
 * What our node tells about our own envelopes, so that a message sent while no peer is connected
 * shows "queued" until a peer has taken it. Hashes and topics are hex.
 */
export interface EnvelopeEvents {
  /** One of our envelopes entered the node's pool (to be sent to every peer, now or when one connects). */
  onPosted(listener: (hash: string, topic: string) => void): () => void;
  /** The node sent an envelope to a peer. */
  onTaken(listener: (hash: string) => void): () => void;
}

export interface ChatSessionOptions {
  /** Our enode, for /whoami. */
  enode?: () => string | undefined;
  /** Peers connected now; a message handed over while there are none is "queued". */
  peers?: () => number;
  /** Without it, a queued message stays queued until it is delivered. */
  envelopes?: EnvelopeEvents;
  /** The mailserver is configured (history can be asked). */
  hasMailserver?: boolean;
  now?: () => number;
}

function fetched(label: string, n: number): string {
  return `${label}: ${n} message${n === 1 ? '' : 's'} fetched`;
}

export class ChatSession {
  readonly events = new TypedEmitter<ChatSessionEvents>();
  private currentId: string | undefined;
  private readonly timelines = new Map<string, TimelineEntry[]>();
  /** Chats whose stored messages are in their timeline. */
  private readonly loaded = new Set<string>();
  private readonly views = new Map<string, MessageView>();
  private readonly chatCache = new Map<string, ChatView>();
  private readonly unread = new Map<string, number>();
  /** Lower-case three-word name → keys that have it. */
  private readonly people = new Map<string, Set<string>>();
  private readonly groups = new Map<string, GroupSummary>();
  private progressState: HistoryProgress | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly now: () => number;
  /** A text command is sending: the next message of ours is the one its envelopes carry. */
  private sending = false;
  /** Our message whose envelopes the node is being given now. */
  private posting: string | undefined;
  /** Our messages not yet known to be taken by a peer: the envelopes (and topics) that carry them. */
  private readonly untaken = new Map<string, { hashes: Set<string>; topics: Set<string>; taken: boolean }>();
  private readonly posted = new Map<string, string>();

  constructor(
    readonly client: StatusClient,
    private readonly options: ChatSessionOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.unsubscribe.push(
      client.on('message', (m) => this.onMessage(m)),
      client.on('delivery', (e) => this.onDelivery(e.messageId, e.state)),
      client.on('chat', (c) => this.onChat(c)),
      client.on('contact', (c) => this.learn(c.publicKey)),
      client.on('error', (e) => this.notice(`${e.code}: ${e.message}`, 'error')),
    );
    const env = options.envelopes;
    if (env) this.unsubscribe.push(env.onPosted((hash, topic) => this.onPosted(hash, topic)), env.onTaken((hash) => this.onTaken(hash)));
  }

  /** Loads chats and contacts (names to resolve), and makes the most recently active chat current. */
  async init(): Promise<void> {
    for (const c of await this.client.contacts()) this.learn(c.publicKey);
    const chats = await this.client.chats();
    for (const c of chats) this.onChat(c, false);
    const active = chats.filter((c) => c.joined).sort((a, b) => b.updatedAt - a.updatedAt)[0];
    if (active) await this.switchTo(active.id);
  }

  dispose(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  get current(): ChatView | undefined {
    return this.currentId === undefined ? undefined : this.chatCache.get(this.currentId);
  }

  get progress(): HistoryProgress | null {
    return this.progressState;
  }

  /** The entries of the current chat (or the notices shown before any chat). */
  entries(): readonly TimelineEntry[] {
    return this.timelines.get(this.currentId ?? '') ?? [];
  }

  unreadCounts(): ReadonlyMap<string, number> {
    return this.unread;
  }

  /** `Name · #chat · 2 peers`, and `· 1 queued` while messages of ours wait for a peer. */
  header(): string {
    const chat = this.current;
    const peers = this.options.peers?.();
    const queued = this.queuedCount();
    return [
      this.client.alias,
      chat ? chatLabel(chat) : 'no chat (/join #channel)',
      peers === undefined ? '' : `${peers} peer${peers === 1 ? '' : 's'}`,
      queued > 0 ? `${queued} queued` : '',
    ]
      .filter(Boolean)
      .join(' · ');
  }

  /** Messages of ours shown as "queued": handed over while no peer was connected, not taken by one yet. */
  queuedCount(): number {
    let n = 0;
    for (const v of this.views.values()) if (v.queued === true && (v.state === 'pending' || v.state === 'sent')) n++;
    return n;
  }

  private offline(): boolean {
    return this.options.peers !== undefined && this.options.peers() === 0;
  }

  private onPosted(hash: string, topic: string): void {
    this.posted.set(hash, topic);
    if (this.posted.size > POSTED_LIMIT) this.posted.delete(this.posted.keys().next().value!);
    const t = this.posting === undefined ? undefined : this.untaken.get(this.posting);
    if (t) {
      t.hashes.add(hash);
      t.topics.add(topic);
    }
  }

  /**
   * A peer took one of our envelopes: the message it carried is no longer queued. A 1:1 or group
   * message is also taken when a later envelope on its topic is (MVDS sends it again, in new envelopes).
   */
  private onTaken(hash: string): void {
    const topic = this.posted.get(hash);
    if (topic === undefined) return;
    for (const [id, t] of [...this.untaken]) {
      const v = this.views.get(id);
      if (!v) {
        this.untaken.delete(id);
        continue;
      }
      if (!(t.hashes.has(hash) || (this.chatCache.get(v.chatId)?.type !== 'public' && t.topics.has(topic)))) continue;
      t.taken = true;
      if (v.state === 'pending') continue;
      this.untaken.delete(id);
      if (v.queued) {
        v.queued = false;
        this.events.emit('delivery', v);
        this.events.emit('change');
      }
    }
  }

  /** Unread chats, e.g. `new: #status (2), @Name (1)`. */
  unreadLine(): string {
    const parts = [...this.unread.entries()].filter(([, n]) => n > 0).map(([id, n]) => `${this.labelOf(id)} (${n})`);
    return parts.length > 0 ? `new: ${parts.join(', ')}` : '';
  }

  /** The three-word name of a key: derived from the key itself, so nobody can claim another's (a contact's self-chosen name could). */
  nameOf(key: string): string {
    return threeWordName(key);
  }

  private labelOf(chatId: string): string {
    const c = this.chatCache.get(chatId);
    return c ? chatLabel(c) : chatId;
  }

  notice(text: string, level: NoticeLevel = 'info'): void {
    this.push(this.currentId ?? '', { kind: 'notice', text, level });
  }

  private push(chatId: string, entry: TimelineEntry): void {
    let t = this.timelines.get(chatId);
    if (!t) {
      t = [];
      this.timelines.set(chatId, t);
    }
    t.push(entry);
    if (t.length > TIMELINE_LIMIT) {
      for (const gone of t.splice(0, t.length - TIMELINE_LIMIT)) if (gone.kind === 'message') this.views.delete(gone.message.id);
    }
    this.events.emit('entry', chatId, entry);
    this.events.emit('change');
  }

  private learn(key: string): void {
    const name = threeWordName(key).toLowerCase();
    let s = this.people.get(name);
    if (!s) {
      s = new Set();
      this.people.set(name, s);
    }
    s.add(key);
  }

  private onChat(c: ClientChat, notify = true): void {
    const prev = this.chatCache.get(c.id);
    this.chatCache.set(c.id, { id: c.id, type: c.type, name: c.name, joined: c.joined });
    if (c.type === 'one-to-one') this.learn(c.id);
    for (const m of c.group?.members ?? []) this.learn(m);
    if (notify && c.type === 'private-group' && !prev && !c.joined) {
      this.notice(`you were added to the group "${c.name}": /group join "${c.name}" to accept`);
    }
    if (c.group) {
      const before = this.groups.get(c.id);
      const after: GroupSummary = { name: c.group.name, members: [...c.group.members], joined: [...c.group.joined] };
      this.groups.set(c.id, after);
      if (notify && before) for (const line of describeGroupChange(before, after, (k) => this.nameOf(k), this.client.publicKeyHex)) this.push(c.id, { kind: 'notice', text: line, level: 'info' });
    }
    if (notify) this.events.emit('change');
  }

  private toView(m: MessageRecord | ClientMessage): MessageView {
    const via = 'via' in m ? m.via : undefined;
    return {
      id: m.id,
      chatId: m.chatId,
      from: m.from,
      name: m.outgoing ? this.client.alias : this.nameOf(m.from),
      text: m.text,
      timestamp: m.timestamp,
      outgoing: m.outgoing,
      state: m.deliveryState,
      history: via?.history ?? false,
    };
  }

  private onMessage(m: ClientMessage): void {
    if (this.views.has(m.id)) return;
    this.learn(m.from);
    if (m.via?.history && this.progressState) {
      this.progressState.received++;
      this.events.emit('progress', this.progressState);
    }
    const view = this.toView(m);
    this.views.set(m.id, view);
    if (m.outgoing && this.sending && this.posting === undefined) {
      this.posting = m.id;
      this.untaken.set(m.id, { hashes: new Set(), topics: new Set(), taken: false });
      view.queued = this.offline();
    }
    if (m.chatId !== this.currentId && !m.outgoing) this.unread.set(m.chatId, (this.unread.get(m.chatId) ?? 0) + 1);
    this.push(m.chatId, { kind: 'message', message: view });
  }

  private onDelivery(id: string, state: DeliveryState): void {
    const v = this.views.get(id);
    if (!v) return;
    v.state = state;
    const t = this.untaken.get(id);
    if (t && state !== 'pending') {
      // Delivered (or failed): settled. Sent: queued unless a peer is there or already took it.
      v.queued = state === 'sent' && !t.taken && this.offline();
      if (!v.queued) this.untaken.delete(id);
    }
    this.events.emit('delivery', v);
    this.events.emit('change');
  }

  /** Makes `chatId` current, loading its newest messages from storage the first time. */
  async switchTo(chatId: string): Promise<void> {
    const chat = await this.client.chat(chatId);
    if (!chat) throw new ChatCliError(CHAT_CLI_ERROR.UNKNOWN_TARGET, `no chat ${chatId}`);
    this.onChat(chat, false);
    this.currentId = chatId;
    this.unread.delete(chatId);
    if (!this.loaded.has(chatId)) {
      this.loaded.add(chatId);
      const page = await this.client.history(chatId, { limit: RELOAD_LIMIT, direction: 'backward' });
      const t: TimelineEntry[] = [];
      for (const r of page.messages) {
        // A message already shown keeps its view (it knows how the message came: history or live).
        const v = this.views.get(r.id) ?? this.toView(r);
        this.views.set(v.id, v);
        this.learn(r.from);
        t.push({ kind: 'message', message: v });
      }
      // Messages that arrived while the chat was loading are already in the (new) timeline: keep them after.
      for (const e of this.timelines.get(chatId) ?? []) if (e.kind === 'notice' || !t.some((x) => x.kind === 'message' && x.message.id === e.message.id)) t.push(e);
      this.timelines.set(chatId, t);
    }
    this.events.emit('change');
  }

  // ------------------------------------------------------------------ commands

  /** Runs one command; a failure becomes an error notice (the session goes on). */
  async execute(cmd: ChatCommand): Promise<void> {
    try {
      await this.run(cmd);
    } catch (e) {
      const code = typeof (e as { code?: unknown }).code === 'string' ? `${(e as { code: string }).code}: ` : '';
      this.notice(`${code}${(e as Error).message}`, 'error');
    }
  }

  private async run(cmd: ChatCommand): Promise<void> {
    switch (cmd.kind) {
      case 'empty':
        return;
      case 'text': {
        const chat = this.requireCurrent();
        await this.send(chat.id, cmd.text);
        return;
      }
      case 'join': {
        const label = `history of #${cmd.channel}`;
        const { value: chat, received } = await this.withProgress(label, this.options.hasMailserver === true, () => this.client.joinPublicChat(cmd.channel));
        await this.switchTo(chat.id);
        this.notice(`joined #${chat.id}`);
        if (this.options.hasMailserver) this.notice(fetched(label, received));
        return;
      }
      case 'leave':
        return this.leave(cmd.chat);
      case 'msg': {
        const key = this.resolvePerson(cmd.to);
        const chat = await this.client.startOneToOne(key);
        await this.switchTo(chat.id);
        if (cmd.text !== '') await this.send(chat.id, cmd.text);
        return;
      }
      case 'chats': {
        const chats = await this.client.chats();
        for (const c of chats) this.onChat(c, false);
        for (const l of renderChatList(this.sorted(chats), this.currentId, this.unread)) this.notice(l);
        return;
      }
      case 'switch': {
        const chat = await this.resolveChat(cmd.to);
        await this.switchTo(chat.id);
        return;
      }
      case 'group-create': {
        const members = cmd.members.map((m) => this.resolvePerson(m));
        const chat = await this.client.createGroup(cmd.name, members);
        await this.switchTo(chat.id);
        this.notice(`created the group "${chat.name}" with ${members.map((k) => this.nameOf(k)).join(', ') || 'nobody else yet'}`);
        return;
      }
      case 'group-add': {
        const chat = this.requireCurrent('private-group');
        const members = cmd.members.map((m) => this.resolvePerson(m));
        await this.client.addMembers(chat.id, members);
        this.notice(`added ${members.map((k) => this.nameOf(k)).join(', ')} to "${chat.name}"`);
        return;
      }
      case 'group-join': {
        const chat = cmd.chat ? await this.resolveChat(cmd.chat) : this.requireCurrent('private-group');
        if (chat.type !== 'private-group') throw new ChatCliError(CHAT_CLI_ERROR.UNKNOWN_TARGET, `${chatLabel(chat)} is not a group`);
        await this.client.joinGroup(chat.id);
        await this.switchTo(chat.id);
        this.notice(`joined the group "${chat.name}"`);
        return;
      }
      case 'group-leave': {
        const chat = this.requireCurrent('private-group');
        await this.client.leaveGroup(chat.id);
        this.notice(`left the group "${chat.name}"`);
        return;
      }
      case 'history':
        return this.history(cmd.hours);
      case 'devices':
        if (cmd.action === 'announce') return this.announce(cmd.name ?? '', cmd.deviceType ?? 'desktop');
        return this.devices(cmd.action, cmd.installationId);
      case 'whoami': {
        const peers = this.options.peers?.();
        this.notice(`${this.client.alias}  ${this.client.publicKeyHex}`);
        this.notice(`installation ${this.client.installationId}${peers === undefined ? '' : `, ${peers} peer(s)`}`);
        const enode = this.options.enode?.();
        if (enode) this.notice(`node ${enode}`);
        return;
      }
      case 'help':
        for (const l of renderHelp()) this.notice(l);
        return;
      case 'quit':
        this.events.emit('quit');
        return;
    }
  }

  /** Sends, noting which envelopes the node is given for the message (to tell when a peer took it). */
  private async send(chatId: string, text: string): Promise<void> {
    this.sending = true;
    try {
      await this.client.sendMessage(chatId, text);
    } finally {
      this.sending = false;
      this.posting = undefined;
    }
  }

  private sorted(chats: readonly ClientChat[]): ClientChat[] {
    return [...chats].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  private requireCurrent(type?: ChatView['type']): ChatView {
    const chat = this.current;
    if (!chat) throw new ChatCliError(CHAT_CLI_ERROR.UNKNOWN_TARGET, 'no current chat: /join #channel, /msg <key> or /switch first');
    if (type && chat.type !== type) throw new ChatCliError(CHAT_CLI_ERROR.UNKNOWN_TARGET, `${chatLabel(chat)} is not a ${type === 'private-group' ? 'group' : type} chat`);
    return chat;
  }

  /** A key, or the three-word name of exactly one person we know (contacts, chats, group members, authors). */
  resolvePerson(ref: PersonRef): string {
    if (ref.kind === 'key') return ref.key;
    const keys = [...(this.people.get(ref.name.toLowerCase()) ?? [])].filter((k) => k !== this.client.publicKeyHex);
    if (keys.length === 1) return keys[0];
    if (keys.length === 0) throw new ChatCliError(CHAT_CLI_ERROR.UNKNOWN_TARGET, `nobody known as "${ref.name}": use their 0x04… key`);
    throw new ChatCliError(CHAT_CLI_ERROR.UNKNOWN_TARGET, `"${ref.name}" is ambiguous: ${keys.map(shortKey).join(', ')}; use the key`);
  }

  /** A chat by its `/chats` number, #channel, key, three-word name or (group) name. */
  async resolveChat(ref: ChatRef): Promise<ChatView> {
    const chats = this.sorted(await this.client.chats());
    for (const c of chats) this.onChat(c, false);
    let found: ClientChat[];
    switch (ref.kind) {
      case 'index':
        found = ref.index >= 1 && ref.index <= chats.length ? [chats[ref.index - 1]] : [];
        break;
      case 'channel':
        found = chats.filter((c) => c.type === 'public' && c.id === ref.name);
        break;
      case 'key':
        found = chats.filter((c) => c.id === ref.key);
        break;
      case 'name':
      case 'text': {
        const want = (ref.kind === 'name' ? ref.name : ref.text).toLowerCase();
        found = chats.filter((c) => c.name.toLowerCase() === want || c.id.toLowerCase() === want);
        break;
      }
    }
    if (found.length === 1) return this.chatCache.get(found[0].id)!;
    const what = ref.kind === 'index' ? `number ${ref.index}` : ref.kind === 'channel' ? `#${ref.name}` : ref.kind === 'key' ? shortKey(ref.key) : ref.kind === 'name' ? ref.name : ref.text;
    if (found.length === 0) throw new ChatCliError(CHAT_CLI_ERROR.UNKNOWN_TARGET, `no chat ${what} (see /chats)`);
    throw new ChatCliError(CHAT_CLI_ERROR.UNKNOWN_TARGET, `${what} names ${found.length} chats: use its number from /chats`);
  }

  private async leave(ref: ChatRef | undefined): Promise<void> {
    const chat = ref ? await this.resolveChat(ref) : this.requireCurrent();
    if (chat.type === 'public') await this.client.leavePublicChat(chat.id);
    else if (chat.type === 'private-group') await this.client.leaveGroup(chat.id);
    else throw new ChatCliError(CHAT_CLI_ERROR.UNKNOWN_TARGET, `a 1:1 chat cannot be left; /switch to another chat`);
    this.notice(`left ${chatLabel(chat)}`);
    if (chat.id === this.currentId) {
      const next = (await this.client.chats()).filter((c) => c.joined && c.id !== chat.id).sort((a, b) => b.updatedAt - a.updatedAt)[0];
      if (next) await this.switchTo(next.id);
      else {
        this.currentId = undefined;
        this.notice(`left ${chatLabel(chat)}; no chat is current`);
      }
    }
  }

  /** Runs `fn` with the progress indicator up (when history is involved); the view animates it. */
  private async withProgress<T>(label: string, show: boolean, fn: () => Promise<T>): Promise<{ value: T; received: number }> {
    if (!show) return { value: await fn(), received: 0 };
    const p: HistoryProgress = { label, received: 0, startedAt: this.now() };
    this.progressState = p;
    this.events.emit('progress', p);
    this.events.emit('change');
    try {
      return { value: await fn(), received: p.received };
    } finally {
      this.progressState = null;
      this.events.emit('progress', null);
      this.events.emit('change');
    }
  }

  private async history(hours: number | undefined): Promise<void> {
    if (!this.options.hasMailserver) throw new ChatCliError(CHAT_CLI_ERROR.USAGE, 'no mailserver: start status-chat with --mailserver ENODE');
    const chat = this.requireCurrent();
    // Public chats have their own topic; 1:1 and group messages come on our partitioned and negotiated topics.
    const topics = chat.type === 'public' ? [publicChatTopic(chat.id)] : this.client.listenedTopics();
    if (hours !== undefined) {
      await this.client.rewindHistory(topics, Math.floor(this.now() / 1000) - hours * 3600);
    }
    const label = `history of ${chatLabel(chat)}`;
    const { received } = await this.withProgress(label, true, () => this.client.requestHistory(topics));
    this.notice(fetched(label, received));
  }

  /** Names this installation and sends PairInstallation to the account's other devices (they then /devices enable it). */
  private async announce(name: string, deviceType: string): Promise<void> {
    await this.client.setInstallationMetadata({ name, deviceType });
    await this.client.sendPairInstallation();
    this.notice(`announced this device as "${name}" (${deviceType}); on your other devices: /devices enable ${this.client.installationId}`);
  }

  private async devices(action: 'list' | 'enable' | 'disable' | 'sync', id: string | undefined): Promise<void> {
    if (action === 'enable' || action === 'disable') {
      const all = await this.client.installations();
      const match = all.filter((d) => d.installationId === id || (id !== undefined && d.installationId.startsWith(id)));
      if (match.length !== 1) throw new ChatCliError(CHAT_CLI_ERROR.UNKNOWN_TARGET, `${match.length === 0 ? 'no' : 'more than one'} device ${JSON.stringify(id)} (see /devices)`);
      if (action === 'enable') await this.client.enableInstallation(match[0].installationId);
      else await this.client.disableInstallation(match[0].installationId);
      this.notice(`device ${match[0].installationId} ${action === 'enable' ? 'paired' : 'unpaired'}`);
      return;
    }
    if (action === 'sync') {
      const n = await this.client.syncDevices();
      this.notice(`synced chats and contacts to ${n} device${n === 1 ? '' : 's'}`);
      return;
    }
    this.notice(`this device: ${this.client.installationId}`);
    const all = await this.client.installations();
    if (all.length === 0) this.notice('no other devices of this account seen yet');
    for (const d of all) {
      const seen = d.lastSeen > 0 ? new Date(d.lastSeen).toISOString().replace('T', ' ').slice(0, 16) : 'never';
      const label = d.name ? `  ${d.name}${d.deviceType ? ` (${d.deviceType})` : ''}` : '';
      this.notice(`${d.installationId}${label}  ${d.enabled ? 'paired' : 'not paired (/devices enable ID)'}  last seen ${seen}`);
    }
  }
}
