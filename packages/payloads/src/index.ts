export { PAYLOAD_ERROR, PayloadError, type PayloadErrorCode, GROUP_RULE, GroupRuleError, type GroupRule } from './errors.js';
export type { OpenOptions, ReceiveOptions, IncomingChatContext, Ordered } from './types.js';
export type { WithUnknownFields } from './protobuf.js';
export {
  APPLICATION_MESSAGE_TYPE,
  type ApplicationMessageType,
  type ApplicationMetadataMessage,
  encodeApplicationMetadataMessage,
  decodeApplicationMetadataMessage,
  applicationPayloadDigest,
  messageId,
  unsignedMessageId,
  applicationMessageId,
  wrapApplicationMessage,
  wrapUnsignedApplicationMessage,
  openApplicationMessage,
  type WrappedApplicationMessage,
  type OpenedApplicationMessage,
} from './application-metadata-message.js';
export {
  MESSAGE_TYPE,
  type MessageType,
  CONTENT_TYPE,
  type ContentType,
  IMAGE_TYPE,
  type ImageType,
  AUDIO_TYPE,
  type AudioType,
  enumName,
  type ChatMessage,
  type StickerMessage,
  type ImageMessage,
  type AudioMessage,
  encodeChatMessage,
  decodeChatMessage,
  emptyChatMessage,
  MAX_CHAT_MESSAGE_TEXT_LENGTH,
  validateText,
  validateReceivedChatMessage,
} from './chat-message.js';
export { type ContactUpdate, encodeContactUpdate, decodeContactUpdate } from './contact-update.js';
export {
  type PairInstallation,
  type SyncInstallationContact,
  type SyncInstallationAccount,
  type SyncInstallationPublicChat,
  type SyncInstallation,
  encodePairInstallation,
  decodePairInstallation,
  encodeSyncInstallationContact,
  decodeSyncInstallationContact,
  encodeSyncInstallationAccount,
  decodeSyncInstallationAccount,
  encodeSyncInstallationPublicChat,
  decodeSyncInstallationPublicChat,
  encodeSyncInstallation,
  decodeSyncInstallation,
  validateReceivedPairInstallation,
} from './pairing.js';
export {
  EMOJI_REACTION_TYPE,
  type EmojiReactionType,
  type EmojiReaction,
  encodeEmojiReaction,
  decodeEmojiReaction,
  validateReceivedEmojiReaction,
} from './emoji-reaction.js';
export {
  GROUP_CHAT_INVITATION_STATE,
  type GroupChatInvitationState,
  type GroupChatInvitation,
  encodeGroupChatInvitation,
  decodeGroupChatInvitation,
  validateReceivedGroupChatInvitation,
} from './group-chat-invitation.js';
export * from './transaction-commands.js';
export {
  MEMBERSHIP_EVENT_TYPE,
  type MembershipEventType,
  type MembershipUpdateEvent,
  type MembershipUpdateMessage,
  type SignedGroupEvent,
  type OpenedMembershipUpdate,
  encodeMembershipUpdateEvent,
  decodeMembershipUpdateEvent,
  encodeMembershipUpdateMessage,
  decodeMembershipUpdateMessage,
  groupEventSigningInput,
  signGroupEvent,
  encodeSignedGroupEvent,
  openGroupEvent,
  openMembershipUpdate,
  buildMembershipUpdate,
} from './membership-update.js';
export {
  type GroupState,
  type GroupFold,
  type RejectedGroupEvent,
  applyGroupEvent,
  foldGroupEvents,
  groupEventKey,
  compareGroupEvents,
} from './group-chat.js';
export {
  publicKeyToHex,
  publicKeyFromHex,
  isPublicKeyHex,
  publicChatId,
  oneToOneChatId,
  groupChatId,
  randomUuid,
  parseGroupChatId,
  isGroupChatId,
  resolveIncomingChatId,
  type GroupChatId,
} from './chat-id.js';
export {
  MAX_CLOCK_FUTURE_DRIFT_MS,
  validateClockValue,
  isClockFarInPast,
  nextClock,
  LamportClock,
  compareMessages,
  sortMessages,
} from './clock.js';
export { parseMentions, isMentioned, formatMention, type Mention } from './mentions.js';
export {
  type ApplicationPayload,
  type KnownApplicationPayload,
  decodeApplicationPayload,
  encodeApplicationPayload,
} from './application-payload.js';
export { receiveApplicationMessage, sendApplicationMessage, sendUnsignedApplicationMessage, type ReceivedApplicationMessage } from './receive.js';
export {
  LEGACY_EVENT_TYPE,
  type LegacyEventType,
  type LegacyGroupEvent,
  legacyMembershipSigningString,
  legacyMembershipDigest,
  signLegacyMembershipUpdate,
} from './legacy-group-signature.js';
