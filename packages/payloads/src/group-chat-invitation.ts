import { statusstack } from '../generated/codec.generated.js';
import { decode, encode, type AssertTrue, type SameFields, type WithUnknownFields } from './protobuf.js';
import { PAYLOAD_ERROR, PayloadError } from './errors.js';

const pb = statusstack.payloads;

export const GROUP_CHAT_INVITATION_STATE = { UNKNOWN: 0, REQUEST: 1, REJECTED: 2, APPROVED: 3 } as const;
export type GroupChatInvitationState = (typeof GROUP_CHAT_INVITATION_STATE)[keyof typeof GROUP_CHAT_INVITATION_STATE];

export interface GroupChatInvitation extends WithUnknownFields {
  clock: bigint;
  chatId: string;
  introductionMessage: string;
  /** A `GROUP_CHAT_INVITATION_STATE` value. */
  state: number;
}

type _Fields = AssertTrue<SameFields<GroupChatInvitation, statusstack.payloads.GroupChatInvitation.$Properties>>;

export const encodeGroupChatInvitation = (m: GroupChatInvitation): Uint8Array => encode(pb.GroupChatInvitation, m);
export const decodeGroupChatInvitation = (b: Uint8Array): GroupChatInvitation => decode(pb.GroupChatInvitation, b);

/** status-go's receive-side check for GroupChatInvitation: a chat id. */
export function validateReceivedGroupChatInvitation(m: GroupChatInvitation): void {
  if (m.chatId.length === 0) throw new PayloadError(PAYLOAD_ERROR.INVALID_MESSAGE, 'invalid GroupChatInvitation: chat id is empty');
}
