import { bytesToHex, equalBytes } from '@status-stack/crypto';
import {
  APPLICATION_MESSAGE_TYPE,
  MEMBERSHIP_EVENT_TYPE,
  MESSAGE_TYPE,
  buildMembershipUpdate,
  groupChatId,
  nextClock,
  signGroupEvent,
  wrapApplicationMessage,
  type GroupState,
  type OpenedMembershipUpdate,
  type ReceivedApplicationMessage,
  type SignedGroupEvent,
} from '@status-stack/payloads';
import type { ChatRecord } from '../../types.js';
import { checkGroupChatId, toKeyHex } from '../arguments.js';
import type { ChatTransport } from '../chat-transport.js';
import type { ClientCore } from '../client-core.js';
import { CLIENT_ERROR, ClientError, IGNORED_REASON, throwIfAborted } from '../errors.js';
import { encodeGroupEvents, foldGroup, groupEventsOf, mergeGroupEvents } from '../group.js';
import { putOutbox, type MessageSender, type OutboxEntry } from '../message-sender.js';
import type { ClientChat, ClientMessage, IterateOptions, ReceivedVia, SendOptions } from '../types.js';
import { outgoingRecord, toClientMessage, type ChatMessageDraft, type ChatMessages } from './chat-messages.js';

function stateKey(s: GroupState | undefined): unknown {
  return s && { name: s.name, members: s.members, joined: s.joined, admins: s.admins };
}

/**
 * Private groups: the membership events we sign (create, add, join, leave, remove, rename, admins),
 * the events others send (merged and folded by the rules), and messages sent inside a MembershipUpdateMessage.
 */
export class Groups {
  constructor(
    private readonly core: ClientCore,
    private readonly chats: ChatTransport,
    private readonly sender: MessageSender,
    private readonly messages: ChatMessages,
  ) {}

  /** Creates a private group with us as creator and admin, adds `members`, and tells them. */
  async create(name: string, members: readonly (string | Uint8Array)[], options: IterateOptions): Promise<ClientChat> {
    const c = this.core;
    c.assertRunning();
    throwIfAborted(options.signal, 'createGroup');
    if (name.length === 0) throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, 'group name must not be empty');
    const memberHex = [...new Set(members.map(toKeyHex))].filter((m) => m !== c.publicKeyHex);
    const chatId = groupChatId(c.publicKey);
    const clock = nextClock(0n, c.now());
    const created = signGroupEvent(chatId, { clock, members: [], name, type: MEMBERSHIP_EVENT_TYPE.CHAT_CREATED }, c.privateKey, c.publicKey);
    const events: SignedGroupEvent[] = [created];
    if (memberHex.length > 0) {
      events.push(signGroupEvent(chatId, { clock: clock + 1n, members: memberHex, name: '', type: MEMBERSHIP_EVENT_TYPE.MEMBERS_ADDED }, c.privateKey, c.publicKey));
    }
    return this.commit(chatId, events, options);
  }

  /** Signs one membership event of ours for group `chatId` and sends it to every member. */
  async event(chatId: string, type: number, fields: { members?: string[]; name?: string }, options: IterateOptions): Promise<ClientChat> {
    const c = this.core;
    c.assertRunning();
    throwIfAborted(options.signal, 'group update');
    checkGroupChatId(chatId);
    const chat = await c.storage.getChat(chatId);
    if (!chat || chat.type !== 'private-group') throw new ClientError(CLIENT_ERROR.UNKNOWN_CHAT, `no group ${JSON.stringify(chatId)}`);
    const state = foldGroup(chatId, groupEventsOf(chat)).state;
    const clock = nextClock(state && state.clock > chat.lastClock ? state.clock : chat.lastClock, c.now());
    const event = signGroupEvent(chatId, { clock, members: fields.members ?? [], name: fields.name ?? '', type }, c.privateKey, c.publicKey);
    return this.commit(chatId, [event], options);
  }

  /** The chat record of group `chatId` after its events `all` fold into `state`. */
  private record(chatId: string, chat: ChatRecord | undefined, state: GroupState, all: readonly SignedGroupEvent[]): ChatRecord {
    const now = this.core.now();
    return {
      id: chatId,
      type: 'private-group',
      name: state.name,
      joined: state.joined.includes(this.core.publicKeyHex),
      lastClock: chat && chat.lastClock > state.clock ? chat.lastClock : state.clock,
      members: encodeGroupEvents(all),
      createdAt: chat?.createdAt ?? now,
      updatedAt: now,
    };
  }

  /** Applies our new events (they must all be accepted by the rules), persists, and sends the whole event set to every member old and new. */
  private async commit(chatId: string, events: SignedGroupEvent[], options: IterateOptions): Promise<ClientChat> {
    const c = this.core;
    const { next, state, entry, key } = await c.enqueue(async () => {
      const chat = await c.storage.getChat(chatId);
      const known = chat ? groupEventsOf(chat) : [];
      const before = chat ? foldGroup(chatId, known).state : undefined;
      const all = mergeGroupEvents(known, events);
      const fold = foldGroup(chatId, all);
      const bad = fold.rejected.find((r) => events.some((e) => equalBytes(e.signature, r.event.signature)));
      if (bad || !fold.state) {
        throw new ClientError(CLIENT_ERROR.NOT_ALLOWED, `group ${chatId}: ${bad ? `${bad.rule}: ${bad.error.message}` : 'no valid creation event'}`);
      }
      const state = fold.state;
      const next = this.record(chatId, chat, state, all);
      const recipients = [...new Set([...(before?.members ?? []), ...state.members])].filter((m) => m !== c.publicKeyHex);
      const amm = wrapApplicationMessage(APPLICATION_MESSAGE_TYPE.MEMBERSHIP_UPDATE_MESSAGE, buildMembershipUpdate(chatId, all), c.privateKey, c.publicKey);
      const entry: OutboxEntry = { kind: 'direct', chatId, body: amm.bytes, recipients };
      const key = `group:${amm.id}`;
      await c.storage.transaction(async (tx) => {
        await tx.putChat(next);
        await putOutbox(tx, key, entry);
      });
      return { next, state, entry, key };
    }, true);
    for (const m of state.members) this.chats.listenPeer(m);
    c.emitter.emit('chat', { ...next, group: state });
    throwIfAborted(options.signal, 'group update');
    await this.sender.run(entry, key);
    return { ...next, group: state };
  }

  /** status-go v0.62 sends a group message inside a MembershipUpdateMessage carrying all the group's events. */
  async send(chatId: string, draft: ChatMessageDraft, options: SendOptions): Promise<ClientMessage> {
    const c = this.core;
    const { record, entry } = await c.enqueue(async () => {
      const chat = await c.storage.getChat(chatId);
      if (!chat || chat.type !== 'private-group') throw new ClientError(CLIENT_ERROR.UNKNOWN_CHAT, `no group ${chatId}`);
      const events = groupEventsOf(chat);
      const state = foldGroup(chatId, events).state;
      if (!state?.members.includes(c.publicKeyHex)) throw new ClientError(CLIENT_ERROR.NOT_ALLOWED, `we are not a member of group ${chatId}`);
      const now = c.now();
      const cm = draft(nextClock(chat.lastClock > state.clock ? chat.lastClock : state.clock, now), now);
      const update = buildMembershipUpdate(chatId, events, { message: cm });
      const amm = wrapApplicationMessage(APPLICATION_MESSAGE_TYPE.MEMBERSHIP_UPDATE_MESSAGE, update, c.privateKey, c.publicKey);
      const record = outgoingRecord(c, amm.id, cm, amm.bytes);
      const entry: OutboxEntry = { kind: 'direct', chatId, messageId: amm.id, body: amm.bytes, recipients: state.members.filter((m) => m !== c.publicKeyHex) };
      await c.storage.transaction(async (tx) => {
        await tx.insertMessage(record);
        await tx.putChat({ ...chat, lastClock: cm.clock, updatedAt: now });
        await putOutbox(tx, amm.id, entry);
      });
      return { record, entry };
    }, true);
    c.emitter.emit('message', toClientMessage(record));
    throwIfAborted(options.signal, 'sendMessage');
    await this.sender.run(entry, record.id);
    return toClientMessage((await c.storage.getMessage(record.id)) ?? record);
  }

  /** A MembershipUpdateMessage that arrived: new events merged and folded, the chat stored, and the message it carries received. */
  async receive(update: OpenedMembershipUpdate, rec: ReceivedApplicationMessage, via: ReceivedVia): Promise<void> {
    const c = this.core;
    const chatId = update.chatId;
    const from = rec.authorHex;
    const chat = await c.storage.getChat(chatId);
    if (chat && chat.type !== 'private-group') {
      c.ignore(IGNORED_REASON.WRONG_CHANNEL, `membership update for non-group chat ${chatId}`, { from, chatId });
      return;
    }
    const known = chat ? groupEventsOf(chat) : [];
    const all = mergeGroupEvents(known, update.events);
    const fold = foldGroup(chatId, all);
    const state = fold.state;
    if (!state || (!chat && !state.members.includes(c.publicKeyHex))) {
      c.ignore(IGNORED_REASON.NOT_MEMBER, `membership update for group ${chatId} we are not in`, { from, chatId });
      return;
    }
    const knownKeys = new Set(known.map((e) => bytesToHex(e.signature)));
    for (const r of fold.rejected) {
      if (!knownKeys.has(bytesToHex(r.event.signature))) c.ignore(IGNORED_REASON.GROUP_EVENT_REJECTED, `${r.rule}: ${r.error.message}`, { from, chatId });
    }
    const before = chat ? foldGroup(chatId, known).state : undefined;
    if (all.length !== known.length) {
      const next = this.record(chatId, chat, state, all);
      await c.storage.putChat(next);
      for (const m of state.members) this.chats.listenPeer(m);
      if (JSON.stringify(stateKey(before)) !== JSON.stringify(stateKey(state)) || !chat) c.emitter.emit('chat', { ...next, group: state });
    }
    if (update.message) {
      const cm = update.message;
      if (cm.chatId !== chatId || cm.messageType !== MESSAGE_TYPE.PRIVATE_GROUP) {
        c.payloadError(CLIENT_ERROR.INVALID_PAYLOAD, `group update for ${chatId} carries a message for ${cm.chatId} (type ${cm.messageType})`);
        return;
      }
      await this.messages.receive(cm, rec, via, undefined, state);
    }
  }
}
