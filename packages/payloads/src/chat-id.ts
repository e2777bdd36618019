import { bytesToHex, hexToBytes, isValidPublicKey, normalizePublicKey, randomBytes } from '@status-stack/crypto';
import { PAYLOAD_ERROR, PayloadError } from './errors.js';
import { MESSAGE_TYPE, enumName } from './chat-message.js';
import type { IncomingChatContext } from './types.js';

// status-go writes keys as types.EncodeHex(crypto.FromECDSAPub(k)): "0x04" + 128 lowercase hex digits.
const PUBLIC_KEY_HEX = /^0x04[0-9a-f]{128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A public key as Status writes it in chat ids, members lists and mentions: `0x04…` (132 chars). */
export function publicKeyToHex(publicKey: Uint8Array): string {
  let full: Uint8Array;
  try {
    full = normalizePublicKey(publicKey);
  } catch {
    throw new PayloadError(PAYLOAD_ERROR.INVALID_PUBLIC_KEY, `not a secp256k1 public key: ${bytesToHex(publicKey)}`);
  }
  return `0x${bytesToHex(full)}`;
}

/** True for a lowercase `0x04…` key that is a point on the curve. */
export function isPublicKeyHex(value: string): boolean {
  return PUBLIC_KEY_HEX.test(value) && isValidPublicKey(hexToBytes(value));
}

/** Parses a `0x04…` key (the only form status-go writes) into its 65 bytes. */
export function publicKeyFromHex(value: string): Uint8Array {
  if (!PUBLIC_KEY_HEX.test(value)) {
    throw new PayloadError(PAYLOAD_ERROR.INVALID_PUBLIC_KEY, `expected 0x04 followed by 128 lowercase hex digits, got ${JSON.stringify(value)}`);
  }
  const bytes = hexToBytes(value);
  if (!isValidPublicKey(bytes)) throw new PayloadError(PAYLOAD_ERROR.INVALID_PUBLIC_KEY, `not a point on secp256k1: ${value}`);
  return bytes;
}

/** Public chat: the chat id is the channel name itself. */
export function publicChatId(name: string): string {
  if (name.length === 0 || name.trim() !== name) {
    throw new PayloadError(PAYLOAD_ERROR.INVALID_CHAT_ID, `public chat name must be non-empty without surrounding spaces, got ${JSON.stringify(name)}`);
  }
  return name;
}

/** 1:1 chat: the hex public key of the other party (the recipient when sending). */
export function oneToOneChatId(publicKey: Uint8Array): string {
  return publicKeyToHex(publicKey);
}

export interface GroupChatId {
  readonly chatId: string;
  readonly uuid: string;
  /** `0x04…` key of the creator. */
  readonly creator: string;
}

/** A random RFC 4122 version-4 UUID, lowercase (what status-go's uuid.New() gives). */
export function randomUuid(): string {
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = bytesToHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Private group: `uuid-0x04…creator` (7/GROUP-CHAT "Chat ID"; status-go groupChatID). */
export function groupChatId(creatorPublicKey: Uint8Array, uuid: string = randomUuid()): string {
  if (!UUID.test(uuid)) throw new PayloadError(PAYLOAD_ERROR.INVALID_ARGUMENT, `not a lowercase UUID: ${JSON.stringify(uuid)}`);
  return `${uuid}-${publicKeyToHex(creatorPublicKey)}`;
}

/** Validates a private group chat id and splits it; anything else is INVALID_CHAT_ID. */
export function parseGroupChatId(chatId: string): GroupChatId {
  const bad = (why: string): PayloadError => new PayloadError(PAYLOAD_ERROR.INVALID_CHAT_ID, `invalid group chat id ${JSON.stringify(chatId)}: ${why}`);
  if (typeof chatId !== 'string' || chatId.length !== 36 + 1 + 132) throw bad('expected uuid (36) + "-" + 0x04 key (132)');
  const uuid = chatId.slice(0, 36);
  const creator = chatId.slice(37);
  if (!UUID.test(uuid)) throw bad('prefix is not a lowercase UUID');
  if (chatId[36] !== '-') throw bad('UUID and creator key must be joined by "-"');
  if (!isPublicKeyHex(creator)) throw bad('suffix is not a valid 0x04 public key');
  return { chatId, uuid, creator };
}

export function isGroupChatId(chatId: string): boolean {
  try {
    parseGroupChatId(chatId);
    return true;
  } catch {
    return false;
  }
}

/**
 * The chat an incoming message belongs to (6/PAYLOADS "Chats"):
 * public → the name in the message (which must be the chat it arrived on);
 * 1:1 → the author's key, ignoring the message's chat id (which names *us*), except for our own
 * messages from a paired device, which name the other party;
 * private group → the message's chat id, which must be a valid group id of a group we joined.
 */
export function resolveIncomingChatId(ctx: IncomingChatContext): string {
  switch (ctx.messageType) {
    case MESSAGE_TYPE.PUBLIC_GROUP: {
      const id = publicChatId(ctx.chatId);
      if (ctx.expectedPublicChat !== undefined && ctx.expectedPublicChat !== id) {
        throw new PayloadError(
          PAYLOAD_ERROR.INVALID_CHAT_ID,
          `public message names chat ${JSON.stringify(id)} but arrived on ${JSON.stringify(ctx.expectedPublicChat)}`,
        );
      }
      return id;
    }
    case MESSAGE_TYPE.ONE_TO_ONE: {
      const author = publicKeyToHex(ctx.author);
      if (author === publicKeyToHex(ctx.self)) {
        try {
          publicKeyFromHex(ctx.chatId);
        } catch {
          throw new PayloadError(PAYLOAD_ERROR.INVALID_CHAT_ID, `own 1:1 message names ${JSON.stringify(ctx.chatId)}, not a public key`);
        }
        return ctx.chatId;
      }
      return author;
    }
    case MESSAGE_TYPE.PRIVATE_GROUP: {
      parseGroupChatId(ctx.chatId);
      if (ctx.joinedGroups !== undefined && !ctx.joinedGroups.has(ctx.chatId)) {
        throw new PayloadError(PAYLOAD_ERROR.UNKNOWN_GROUP, `not a member of group ${ctx.chatId}`);
      }
      return ctx.chatId;
    }
    default:
      throw new PayloadError(PAYLOAD_ERROR.INVALID_MESSAGE, `message type ${enumName(MESSAGE_TYPE, ctx.messageType)} has no chat`);
  }
}
