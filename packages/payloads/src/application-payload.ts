// Dispatch from ApplicationMetadataMessage.type to the payload's schema.
import { APPLICATION_MESSAGE_TYPE as T } from './application-metadata-message.js';
import { decodeChatMessage, encodeChatMessage, type ChatMessage } from './chat-message.js';
import { decodeContactUpdate, encodeContactUpdate, type ContactUpdate } from './contact-update.js';
import { decodeEmojiReaction, encodeEmojiReaction, type EmojiReaction } from './emoji-reaction.js';
import { decodeGroupChatInvitation, encodeGroupChatInvitation, type GroupChatInvitation } from './group-chat-invitation.js';
import { decodeMembershipUpdateMessage, encodeMembershipUpdateMessage, type MembershipUpdateMessage } from './membership-update.js';
import {
  decodePairInstallation,
  decodeSyncInstallation,
  decodeSyncInstallationAccount,
  decodeSyncInstallationContact,
  decodeSyncInstallationPublicChat,
  encodePairInstallation,
  encodeSyncInstallation,
  encodeSyncInstallationAccount,
  encodeSyncInstallationContact,
  encodeSyncInstallationPublicChat,
  type PairInstallation,
  type SyncInstallation,
  type SyncInstallationAccount,
  type SyncInstallationContact,
  type SyncInstallationPublicChat,
} from './pairing.js';
import {
  decodeAcceptRequestAddressForTransaction,
  decodeDeclineRequestAddressForTransaction,
  decodeDeclineRequestTransaction,
  decodeRequestAddressForTransaction,
  decodeRequestTransaction,
  decodeSendTransaction,
  encodeAcceptRequestAddressForTransaction,
  encodeDeclineRequestAddressForTransaction,
  encodeDeclineRequestTransaction,
  encodeRequestAddressForTransaction,
  encodeRequestTransaction,
  encodeSendTransaction,
  type AcceptRequestAddressForTransaction,
  type DeclineRequestAddressForTransaction,
  type DeclineRequestTransaction,
  type RequestAddressForTransaction,
  type RequestTransaction,
  type SendTransaction,
} from './transaction-commands.js';

/** A decoded application payload, tagged by its ApplicationMetadataMessage type. */
export type ApplicationPayload =
  | { readonly kind: 'chatMessage'; readonly type: 1; readonly value: ChatMessage }
  | { readonly kind: 'contactUpdate'; readonly type: 2; readonly value: ContactUpdate }
  | { readonly kind: 'membershipUpdate'; readonly type: 3; readonly value: MembershipUpdateMessage }
  | { readonly kind: 'pairInstallation'; readonly type: 4; readonly value: PairInstallation }
  | { readonly kind: 'syncInstallation'; readonly type: 5; readonly value: SyncInstallation }
  | { readonly kind: 'requestAddressForTransaction'; readonly type: 6; readonly value: RequestAddressForTransaction }
  | { readonly kind: 'acceptRequestAddressForTransaction'; readonly type: 7; readonly value: AcceptRequestAddressForTransaction }
  | { readonly kind: 'declineRequestAddressForTransaction'; readonly type: 8; readonly value: DeclineRequestAddressForTransaction }
  | { readonly kind: 'requestTransaction'; readonly type: 9; readonly value: RequestTransaction }
  | { readonly kind: 'sendTransaction'; readonly type: 10; readonly value: SendTransaction }
  | { readonly kind: 'declineRequestTransaction'; readonly type: 11; readonly value: DeclineRequestTransaction }
  | { readonly kind: 'syncInstallationContact'; readonly type: 12; readonly value: SyncInstallationContact }
  | { readonly kind: 'syncInstallationAccount'; readonly type: 13; readonly value: SyncInstallationAccount }
  | { readonly kind: 'syncInstallationPublicChat'; readonly type: 14; readonly value: SyncInstallationPublicChat }
  | { readonly kind: 'emojiReaction'; readonly type: 22; readonly value: EmojiReaction }
  | { readonly kind: 'groupChatInvitation'; readonly type: 23; readonly value: GroupChatInvitation }
  /**
   * A type this package does not model (push notifications, contact code advertisements, types
   * newer than v0.62.18): kept as raw bytes so the caller can pass it on, never an error.
   */
  | { readonly kind: 'unknown'; readonly type: number; readonly raw: Uint8Array };

export type KnownApplicationPayload = Exclude<ApplicationPayload, { kind: 'unknown' }>;

interface Codec {
  readonly kind: KnownApplicationPayload['kind'];
  decode(bytes: Uint8Array): unknown;
  encode(value: never): Uint8Array;
}

const CODECS: ReadonlyMap<number, Codec> = new Map<number, Codec>([
  [T.CHAT_MESSAGE, { kind: 'chatMessage', decode: decodeChatMessage, encode: encodeChatMessage }],
  [T.CONTACT_UPDATE, { kind: 'contactUpdate', decode: decodeContactUpdate, encode: encodeContactUpdate }],
  [T.MEMBERSHIP_UPDATE_MESSAGE, { kind: 'membershipUpdate', decode: decodeMembershipUpdateMessage, encode: encodeMembershipUpdateMessage }],
  [T.PAIR_INSTALLATION, { kind: 'pairInstallation', decode: decodePairInstallation, encode: encodePairInstallation }],
  [T.SYNC_INSTALLATION, { kind: 'syncInstallation', decode: decodeSyncInstallation, encode: encodeSyncInstallation }],
  [T.REQUEST_ADDRESS_FOR_TRANSACTION, { kind: 'requestAddressForTransaction', decode: decodeRequestAddressForTransaction, encode: encodeRequestAddressForTransaction }],
  [
    T.ACCEPT_REQUEST_ADDRESS_FOR_TRANSACTION,
    { kind: 'acceptRequestAddressForTransaction', decode: decodeAcceptRequestAddressForTransaction, encode: encodeAcceptRequestAddressForTransaction },
  ],
  [
    T.DECLINE_REQUEST_ADDRESS_FOR_TRANSACTION,
    { kind: 'declineRequestAddressForTransaction', decode: decodeDeclineRequestAddressForTransaction, encode: encodeDeclineRequestAddressForTransaction },
  ],
  [T.REQUEST_TRANSACTION, { kind: 'requestTransaction', decode: decodeRequestTransaction, encode: encodeRequestTransaction }],
  [T.SEND_TRANSACTION, { kind: 'sendTransaction', decode: decodeSendTransaction, encode: encodeSendTransaction }],
  [T.DECLINE_REQUEST_TRANSACTION, { kind: 'declineRequestTransaction', decode: decodeDeclineRequestTransaction, encode: encodeDeclineRequestTransaction }],
  [T.SYNC_INSTALLATION_CONTACT, { kind: 'syncInstallationContact', decode: decodeSyncInstallationContact, encode: encodeSyncInstallationContact }],
  [T.SYNC_INSTALLATION_ACCOUNT, { kind: 'syncInstallationAccount', decode: decodeSyncInstallationAccount, encode: encodeSyncInstallationAccount }],
  [T.SYNC_INSTALLATION_PUBLIC_CHAT, { kind: 'syncInstallationPublicChat', decode: decodeSyncInstallationPublicChat, encode: encodeSyncInstallationPublicChat }],
  [T.EMOJI_REACTION, { kind: 'emojiReaction', decode: decodeEmojiReaction, encode: encodeEmojiReaction }],
  [T.GROUP_CHAT_INVITATION, { kind: 'groupChatInvitation', decode: decodeGroupChatInvitation, encode: encodeGroupChatInvitation }],
]);

/**
 * Decodes a payload by its ApplicationMetadataMessage type. Types we do not model come back as
 * `kind: 'unknown'` with the raw bytes; a malformed payload of a modelled type throws INVALID_PROTOBUF.
 */
export function decodeApplicationPayload(type: number, payload: Uint8Array): ApplicationPayload {
  const codec = CODECS.get(type);
  if (codec === undefined) return { kind: 'unknown', type, raw: payload };
  return { kind: codec.kind, type, value: codec.decode(payload) } as ApplicationPayload;
}

/** Encodes a payload; for `unknown` it returns the raw bytes. */
export function encodeApplicationPayload(payload: ApplicationPayload): Uint8Array {
  if (payload.kind === 'unknown') return payload.raw;
  const codec = CODECS.get(payload.type)!;
  return codec.encode(payload.value as never);
}
