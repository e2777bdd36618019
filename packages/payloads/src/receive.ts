// One call from received ApplicationMetadataMessage bytes to a verified, decoded, validated payload.
import {
  openApplicationMessage,
  wrapApplicationMessage,
  wrapUnsignedApplicationMessage,
  type OpenedApplicationMessage,
  type WrappedApplicationMessage,
} from './application-metadata-message.js';
import { decodeApplicationPayload, encodeApplicationPayload, type ApplicationPayload } from './application-payload.js';
import { validateReceivedChatMessage } from './chat-message.js';
import { validateClockValue } from './clock.js';
import { validateReceivedEmojiReaction } from './emoji-reaction.js';
import { openMembershipUpdate, type OpenedMembershipUpdate } from './membership-update.js';
import { validateReceivedGroupChatInvitation } from './group-chat-invitation.js';
import { validateReceivedPairInstallation } from './pairing.js';
import {
  validateReceivedAcceptRequestAddressForTransaction,
  validateReceivedDeclineRequestAddressForTransaction,
  validateReceivedDeclineRequestTransaction,
  validateReceivedRequestAddressForTransaction,
  validateReceivedRequestTransaction,
  validateReceivedSendTransaction,
} from './transaction-commands.js';
import type { ReceiveOptions } from './types.js';

export interface ReceivedApplicationMessage extends OpenedApplicationMessage {
  readonly decoded: ApplicationPayload;
  /** For MEMBERSHIP_UPDATE_MESSAGE: the events with their signatures verified and authors recovered. */
  readonly membershipUpdate?: OpenedMembershipUpdate;
}

/**
 * Opens (signature, author, id), decodes the payload by type and, when a transport timestamp is
 * given, applies status-go's receive-side checks (clock drift, content rules). Every failure is a
 * PayloadError; a payload type we do not model is returned as `kind: 'unknown'`.
 */
export function receiveApplicationMessage(bytes: Uint8Array, options: ReceiveOptions = {}): ReceivedApplicationMessage {
  const opened = openApplicationMessage(bytes, options);
  const decoded = decodeApplicationPayload(opened.type, opened.payload);
  const ts = options.transportTimestampMs;
  let membershipUpdate: OpenedMembershipUpdate | undefined;
  switch (decoded.kind) {
    case 'chatMessage':
      if (ts !== undefined) validateReceivedChatMessage(decoded.value, ts);
      break;
    case 'emojiReaction':
      if (ts !== undefined) validateReceivedEmojiReaction(decoded.value, ts);
      break;
    case 'membershipUpdate':
      membershipUpdate = openMembershipUpdate(opened.payload, ts);
      if (ts !== undefined && membershipUpdate.message !== undefined) validateReceivedChatMessage(membershipUpdate.message, ts);
      break;
    case 'groupChatInvitation':
      validateReceivedGroupChatInvitation(decoded.value);
      break;
    case 'pairInstallation':
      if (ts !== undefined) validateReceivedPairInstallation(decoded.value, ts);
      break;
    case 'requestAddressForTransaction':
      if (ts !== undefined) validateReceivedRequestAddressForTransaction(decoded.value, ts);
      break;
    case 'acceptRequestAddressForTransaction':
      if (ts !== undefined) validateReceivedAcceptRequestAddressForTransaction(decoded.value, ts);
      break;
    case 'declineRequestAddressForTransaction':
      if (ts !== undefined) validateReceivedDeclineRequestAddressForTransaction(decoded.value, ts);
      break;
    case 'requestTransaction':
      if (ts !== undefined) validateReceivedRequestTransaction(decoded.value, ts);
      break;
    case 'sendTransaction':
      if (ts !== undefined) validateReceivedSendTransaction(decoded.value, ts);
      break;
    case 'declineRequestTransaction':
      if (ts !== undefined) validateReceivedDeclineRequestTransaction(decoded.value, ts);
      break;
    case 'unknown':
      break;
    default:
      if (ts !== undefined && 'clock' in decoded.value) validateClockValue(decoded.value.clock, ts);
      break;
  }
  return { ...opened, decoded, membershipUpdate };
}

/** Encodes a payload and wraps it in a signed ApplicationMetadataMessage. */
export function sendApplicationMessage(payload: ApplicationPayload, privateKey: Uint8Array, authorPublicKey?: Uint8Array): WrappedApplicationMessage {
  return wrapApplicationMessage(payload.type, encodeApplicationPayload(payload), privateKey, authorPublicKey);
}

/**
 * Encodes a payload and wraps it in an **unsigned** ApplicationMetadataMessage (deniable: status-go sends
 * PairInstallation so, inside a DH-encrypted message). Its id is keccak256(wrapper bytes).
 */
export function sendUnsignedApplicationMessage(payload: ApplicationPayload): WrappedApplicationMessage {
  return wrapUnsignedApplicationMessage(payload.type, encodeApplicationPayload(payload));
}
