import { bytesToHex, concatBytes, getPublicKey, keccak256, recoverPublicKey, sign, SIGNATURE_LENGTH, utf8ToBytes } from '@status-stack/crypto';
import { GROUP_RULE, GroupRuleError, PAYLOAD_ERROR, PayloadError } from './errors.js';
import { statusstack } from '../generated/codec.generated.js';
import { decode, encode, type AssertTrue, type SameFields, type WithUnknownFields } from './protobuf.js';
import type { ChatMessage } from './chat-message.js';
import type { EmojiReaction } from './emoji-reaction.js';
import { parseGroupChatId, publicKeyToHex } from './chat-id.js';
import { validateClockValue } from './clock.js';

const pb = statusstack.payloads;

/** `MembershipUpdateEvent.EventType`. */
export const MEMBERSHIP_EVENT_TYPE = {
  UNKNOWN: 0,
  CHAT_CREATED: 1,
  NAME_CHANGED: 2,
  MEMBERS_ADDED: 3,
  MEMBER_JOINED: 4,
  MEMBER_REMOVED: 5,
  ADMINS_ADDED: 6,
  ADMIN_REMOVED: 7,
} as const;
export type MembershipEventType = (typeof MEMBERSHIP_EVENT_TYPE)[keyof typeof MEMBERSHIP_EVENT_TYPE];

export interface MembershipUpdateEvent extends WithUnknownFields {
  clock: bigint;
  /** `0x04…` keys of the event's targets. */
  members: string[];
  /** CHAT_CREATED / NAME_CHANGED. */
  name: string;
  /** A `MEMBERSHIP_EVENT_TYPE` value. */
  type: number;
}

export interface MembershipUpdateMessage extends WithUnknownFields {
  chatId: string;
  /** Each: 65-byte signature ‖ encoded MembershipUpdateEvent. */
  events: Uint8Array[];
  /** The `chat_entity` oneof: at most one of these is set. */
  message?: ChatMessage;
  emojiReaction?: EmojiReaction;
}

type _Fields =
  | AssertTrue<SameFields<MembershipUpdateEvent, statusstack.payloads.MembershipUpdateEvent.$Properties>>
  | AssertTrue<SameFields<MembershipUpdateMessage, statusstack.payloads.MembershipUpdateMessage.$Properties>>;

export const encodeMembershipUpdateEvent = (m: MembershipUpdateEvent): Uint8Array => encode(pb.MembershipUpdateEvent, m);
export const decodeMembershipUpdateEvent = (b: Uint8Array): MembershipUpdateEvent => decode(pb.MembershipUpdateEvent, b);
export const encodeMembershipUpdateMessage = (m: MembershipUpdateMessage): Uint8Array => encode(pb.MembershipUpdateMessage, m);
export const decodeMembershipUpdateMessage = (b: Uint8Array): MembershipUpdateMessage => decode(pb.MembershipUpdateMessage, b);

/** A membership event whose signature has been checked and whose author is known. */
export interface SignedGroupEvent {
  readonly chatId: string;
  readonly clock: bigint;
  readonly type: number;
  readonly members: readonly string[];
  readonly name: string;
  /** `0x04…` key recovered from the signature. */
  readonly author: string;
  readonly signature: Uint8Array;
  /** The encoded MembershipUpdateEvent, exactly as signed. */
  readonly payload: Uint8Array;
}

/** What is signed for a group event (7/GROUP-CHAT "Signature"): utf8(chat id) ‖ encoded event. */
export function groupEventSigningInput(chatId: string, encodedEvent: Uint8Array): Uint8Array {
  return concatBytes(utf8ToBytes(chatId), encodedEvent);
}

/** Encodes and signs a membership event: keccak256(chat id ‖ event), secp256k1, r‖s‖v. */
export function signGroupEvent(chatId: string, event: MembershipUpdateEvent, privateKey: Uint8Array, authorPublicKey?: Uint8Array): SignedGroupEvent {
  if (chatId.length === 0) throw new PayloadError(PAYLOAD_ERROR.INVALID_ARGUMENT, 'cannot sign a group event with an empty chat id');
  const payload = encodeMembershipUpdateEvent(event);
  const digest = keccak256(groupEventSigningInput(chatId, payload));
  const signature = sign(digest, privateKey);
  const author = publicKeyToHex(authorPublicKey ?? getPublicKey(privateKey));
  return { chatId, clock: event.clock, type: event.type, members: [...event.members], name: event.name, author, signature, payload };
}

/** The wire form of one event inside MembershipUpdateMessage.events. */
export function encodeSignedGroupEvent(event: SignedGroupEvent): Uint8Array {
  return concatBytes(event.signature, event.payload);
}

/** Checks one `events` entry of a MembershipUpdateMessage: recovers its author, decodes it. */
export function openGroupEvent(chatId: string, raw: Uint8Array): SignedGroupEvent {
  if (raw.length <= SIGNATURE_LENGTH) {
    throw new GroupRuleError(GROUP_RULE.SIGNATURE_RECOVERS, `event of ${raw.length} bytes is too short for a 65-byte signature and a payload`);
  }
  const signature = raw.slice(0, SIGNATURE_LENGTH);
  const payload = raw.slice(SIGNATURE_LENGTH);
  let authorKey: Uint8Array;
  try {
    authorKey = recoverPublicKey(keccak256(groupEventSigningInput(chatId, payload)), signature);
  } catch (e) {
    throw new GroupRuleError(GROUP_RULE.SIGNATURE_RECOVERS, `signature ${bytesToHex(signature)} does not recover a key (${(e as Error).message})`);
  }
  const event = decodeMembershipUpdateEvent(payload);
  return {
    chatId,
    clock: event.clock,
    type: event.type,
    members: event.members,
    name: event.name,
    author: publicKeyToHex(authorKey),
    signature,
    payload,
  };
}

export interface OpenedMembershipUpdate {
  readonly chatId: string;
  readonly events: SignedGroupEvent[];
  readonly message?: ChatMessage;
  readonly emojiReaction?: EmojiReaction;
}

/**
 * Decodes a MembershipUpdateMessage, validates its chat id and verifies every event's signature.
 * Like status-go, one bad event rejects the whole update. With `transportTimestampMs`, every event
 * clock must also be within 120 s of it.
 */
export function openMembershipUpdate(bytes: Uint8Array, transportTimestampMs?: bigint | number): OpenedMembershipUpdate {
  const update = decodeMembershipUpdateMessage(bytes);
  try {
    parseGroupChatId(update.chatId);
  } catch (e) {
    throw new GroupRuleError(GROUP_RULE.CHAT_ID_FORMAT, (e as Error).message);
  }
  const events = update.events.map((raw) => openGroupEvent(update.chatId, raw));
  if (transportTimestampMs !== undefined) for (const e of events) validateClockValue(e.clock, transportTimestampMs);
  return { chatId: update.chatId, events, message: update.message, emojiReaction: update.emojiReaction };
}

/** Builds the MembershipUpdateMessage for a set of signed events (and an optional piggybacked entity). */
export function buildMembershipUpdate(
  chatId: string,
  events: readonly SignedGroupEvent[],
  entity: { message?: ChatMessage; emojiReaction?: EmojiReaction } = {},
): Uint8Array {
  for (const e of events) {
    if (e.chatId !== chatId) throw new GroupRuleError(GROUP_RULE.SAME_CHAT_ID, `event for ${e.chatId} in an update for ${chatId}`);
  }
  return encodeMembershipUpdateMessage({ chatId, events: events.map(encodeSignedGroupEvent), ...entity });
}
