import {
  APPLICATION_MESSAGE_TYPE,
  CONTENT_TYPE,
  MESSAGE_TYPE,
  emptyChatMessage,
  isPublicKeyHex,
  nextClock,
  resolveIncomingChatId,
  sendApplicationMessage,
  validateText,
  type ChatMessage,
  type GroupState,
  type ReceivedApplicationMessage,
} from '@status-stack/payloads';
import { threeWordName } from '../../account/three-word-name.js';
import type { ChatRecord, MessageRecord } from '../../types.js';
import { checkChatId } from '../arguments.js';
import type { ChatTransport } from '../chat-transport.js';
import type { ClientCore } from '../client-core.js';
import { CLIENT_ERROR, ClientError, IGNORED_REASON, throwIfAborted } from '../errors.js';
import { foldGroup, groupEventsOf } from '../group.js';
import { putOutbox, type MessageSender, type OutboxEntry } from '../message-sender.js';
import type { ClientMessage, ReceivedVia, SendOptions } from '../types.js';
import type { OneToOneChats } from './one-to-one.js';

/** The ChatMessage of a text we send, given its clock and timestamp (chosen when it is stored). */
export type ChatMessageDraft = (clock: bigint, timestamp: number) => ChatMessage;

export function toClientMessage(r: MessageRecord, via?: ReceivedVia): ClientMessage {
  return { ...r, alias: threeWordName(r.from), ...(via ? { via } : {}) };
}

/** The stored record of a message we send, `pending` until the transport or MVDS has it. */
export function outgoingRecord(core: ClientCore, id: string, cm: ChatMessage, body: Uint8Array): MessageRecord {
  return {
    id,
    chatId: cm.chatId,
    clock: cm.clock,
    timestamp: Number(cm.timestamp),
    from: core.publicKeyHex,
    text: cm.text,
    contentType: cm.contentType,
    responseTo: cm.responseTo === '' ? null : cm.responseTo,
    content: null,
    outgoing: true,
    deliveryState: 'pending',
    payload: body,
    receivedAt: core.now(),
  };
}

/**
 * Text messages in any kind of chat: the chat a send goes to and its ChatMessage, sending to a
 * public or 1:1 chat (groups send through Groups), and storing and showing what arrives.
 */
export class ChatMessages {
  constructor(
    private readonly core: ClientCore,
    private readonly chats: ChatTransport,
    private readonly sender: MessageSender,
    private readonly oneToOne: OneToOneChats,
  ) {}

  /** The chat `chatId` names (a 1:1 chat is created on first use) and the draft of the message to send to it. */
  async prepare(chatId: string, text: string, options: SendOptions): Promise<{ chat: ChatRecord; draft: ChatMessageDraft }> {
    this.core.assertRunning();
    throwIfAborted(options.signal, 'sendMessage');
    try {
      // status-go's rule (not blank, at most 4096 code points): receivers drop anything else.
      validateText(text);
    } catch (e) {
      throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, (e as Error).message, { cause: e });
    }
    let chat: ChatRecord | undefined = typeof chatId === 'string' ? await this.core.storage.getChat(chatId) : undefined;
    if (!chat) {
      // A malformed id is the caller's mistake (INVALID_ARGUMENT); a well-formed one we lack is UNKNOWN_CHAT.
      checkChatId(chatId);
      if (isPublicKeyHex(chatId.toLowerCase())) chat = await this.oneToOne.ensure(chatId.toLowerCase(), true);
    }
    if (!chat) throw new ClientError(CLIENT_ERROR.UNKNOWN_CHAT, `no chat ${JSON.stringify(chatId)}`);
    if (chat.type === 'public' && !chat.joined) throw new ClientError(CLIENT_ERROR.UNKNOWN_CHAT, `public chat ${JSON.stringify(chatId)} is not joined`);
    const target = chat;
    const draft: ChatMessageDraft = (clock, timestamp) => ({
      ...emptyChatMessage(),
      clock,
      timestamp: BigInt(timestamp),
      text,
      responseTo: options.responseTo ?? '',
      chatId: target.id,
      messageType: target.type === 'public' ? MESSAGE_TYPE.PUBLIC_GROUP : target.type === 'one-to-one' ? MESSAGE_TYPE.ONE_TO_ONE : MESSAGE_TYPE.PRIVATE_GROUP,
      contentType: CONTENT_TYPE.TEXT_PLAIN,
    });
    return { chat, draft };
  }

  /** Stores the message and its outbox entry in one transaction, shows it, then posts it (public) or hands it to MVDS (1:1). */
  async send(chat: ChatRecord, draft: ChatMessageDraft): Promise<ClientMessage> {
    const c = this.core;
    const { record, entry } = await c.storage.transaction(async (tx) => {
      const current = (await tx.getChat(chat.id)) ?? chat;
      const now = c.now();
      const cm = draft(nextClock(current.lastClock, now), now);
      const amm = sendApplicationMessage({ kind: 'chatMessage', type: APPLICATION_MESSAGE_TYPE.CHAT_MESSAGE, value: cm }, c.privateKey, c.publicKey);
      const record = outgoingRecord(c, amm.id, cm, amm.bytes);
      await tx.insertMessage(record);
      await tx.putChat({ ...current, lastClock: cm.clock, updatedAt: now });
      const entry: OutboxEntry =
        chat.type === 'public'
          ? { kind: 'public', chatId: chat.id, messageId: amm.id, body: amm.bytes }
          : { kind: 'direct', chatId: chat.id, messageId: amm.id, body: amm.bytes, recipients: [chat.id] };
      await putOutbox(tx, amm.id, entry);
      return { record, entry };
    });
    const message = toClientMessage(record);
    c.emitter.emit('message', message);
    await this.sender.run(entry, record.id);
    return { ...message, deliveryState: (await c.storage.getMessage(record.id))?.deliveryState ?? record.deliveryState };
  }

  /** A ChatMessage that arrived (alone, or in a group's membership update with the group's `groupState`). */
  async receive(cm: ChatMessage, rec: ReceivedApplicationMessage, via: ReceivedVia, chatName: string | undefined, groupState?: GroupState): Promise<void> {
    const c = this.core;
    const from = rec.authorHex;
    let chatId: string;
    try {
      chatId = resolveIncomingChatId({ messageType: cm.messageType, chatId: cm.chatId, author: rec.author, self: c.publicKey, expectedPublicChat: chatName });
    } catch (e) {
      c.payloadError(CLIENT_ERROR.INVALID_PAYLOAD, `message ${rec.id} from ${from}: ${(e as Error).message}`, e);
      return;
    }
    if (cm.messageType === MESSAGE_TYPE.PUBLIC_GROUP) {
      if (!this.chats.accepts('publicChatMessage', via.channel, `public-chat message ${rec.id} arrived on ${via.channel}`, { from, chatId })) return;
      const chat = await c.storage.getChat(chatId);
      if (!chat?.joined) {
        c.ignore(IGNORED_REASON.NOT_JOINED, `message for public chat ${chatId} we have not joined`, { from, chatId });
        return;
      }
    } else if (cm.messageType === MESSAGE_TYPE.ONE_TO_ONE) {
      if (!this.chats.accepts('oneToOneMessage', via.channel, `1:1 message ${rec.id} arrived on ${via.channel}`, { from })) return;
      await this.oneToOne.ensure(chatId, false);
    } else if (cm.messageType === MESSAGE_TYPE.PRIVATE_GROUP) {
      if (!this.chats.accepts('groupMessage', via.channel, `group message ${rec.id} arrived on ${via.channel}`, { from, chatId })) return;
      let state = groupState;
      if (!state) {
        const chat = await c.storage.getChat(chatId);
        state = chat?.type === 'private-group' ? foldGroup(chat.id, groupEventsOf(chat)).state : undefined;
      }
      if (!state || !state.members.includes(c.publicKeyHex) || !state.members.includes(from)) {
        c.ignore(IGNORED_REASON.NOT_MEMBER, `group message for ${chatId}: ${state ? 'author or we are not members' : 'unknown group'}`, { from, chatId });
        return;
      }
    }
    const ours = from === c.publicKeyHex;
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
      outgoing: ours,
      deliveryState: ours ? 'sent' : 'received',
      // The wrapper exactly as received: the message id is computed over these bytes.
      payload: rec.bytes,
      receivedAt: c.now(),
    };
    const inserted = await c.storage.transaction(async (tx) => {
      if (!(await tx.insertMessage(record))) return false;
      const chat = await tx.getChat(chatId);
      if (chat && chat.lastClock < cm.clock) await tx.putChat({ ...chat, lastClock: cm.clock, updatedAt: c.now() });
      return true;
    });
    if (inserted) c.emitter.emit('message', toClientMessage(record, via));
  }
}
