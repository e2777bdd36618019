import { decodeMessage, encodeMessage, type MessageSpec, type WithUnknownFields } from './protobuf-wire.js';
import { PAYLOAD_ERROR, PayloadError } from './errors.js';

export const GROUP_CHAT_INVITATION_STATE = { UNKNOWN: 0, REQUEST: 1, REJECTED: 2, APPROVED: 3 } as const;
export type GroupChatInvitationState = (typeof GROUP_CHAT_INVITATION_STATE)[keyof typeof GROUP_CHAT_INVITATION_STATE];

export interface GroupChatInvitation extends WithUnknownFields {
  clock: bigint;
  chatId: string;
  introductionMessage: string;
  /** A `GROUP_CHAT_INVITATION_STATE` value. */
  state: number;
}

export const GROUP_CHAT_INVITATION_SPEC: MessageSpec = {
  name: 'GroupChatInvitation',
  fields: [
    { no: 1, name: 'clock', kind: 'uint64' },
    { no: 2, name: 'chatId', kind: 'string' },
    { no: 3, name: 'introductionMessage', kind: 'string' },
    { no: 4, name: 'state', kind: 'enum' },
  ],
};

export const encodeGroupChatInvitation = (m: GroupChatInvitation): Uint8Array => encodeMessage(GROUP_CHAT_INVITATION_SPEC, m);
export const decodeGroupChatInvitation = (b: Uint8Array): GroupChatInvitation => decodeMessage(GROUP_CHAT_INVITATION_SPEC, b);

/** status-go's receive-side check for GroupChatInvitation: a chat id. */
export function validateReceivedGroupChatInvitation(m: GroupChatInvitation): void {
  if (m.chatId.length === 0) throw new PayloadError(PAYLOAD_ERROR.INVALID_MESSAGE, 'invalid GroupChatInvitation: chat id is empty');
}
