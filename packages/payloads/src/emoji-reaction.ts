import { PAYLOAD_ERROR, PayloadError } from './errors.js';
import { MESSAGE_TYPE } from './chat-message.js';
import { validateClockValue } from './clock.js';
import { statusstack } from '../generated/codec.generated.js';
import { decode, encode, type AssertTrue, type SameFields, type WithUnknownFields } from './protobuf.js';

const pb = statusstack.payloads;

export const EMOJI_REACTION_TYPE = {
  UNKNOWN_EMOJI_REACTION_TYPE: 0,
  LOVE: 1,
  THUMBS_UP: 2,
  THUMBS_DOWN: 3,
  LAUGH: 4,
  SAD: 5,
  ANGRY: 6,
} as const;
export type EmojiReactionType = (typeof EMOJI_REACTION_TYPE)[keyof typeof EMOJI_REACTION_TYPE];

export interface EmojiReaction extends WithUnknownFields {
  clock: bigint;
  chatId: string;
  /** Id (0x-hex) of the message reacted to. */
  messageId: string;
  /** A `MESSAGE_TYPE` value: the kind of chat the target message is in. */
  messageType: number;
  /** An `EMOJI_REACTION_TYPE` value. */
  type: number;
  /** True undoes an earlier reaction of the same type. */
  retracted: boolean;
}

type _Fields = AssertTrue<SameFields<EmojiReaction, statusstack.payloads.EmojiReaction.$Properties>>;

export const encodeEmojiReaction = (m: EmojiReaction): Uint8Array => encode(pb.EmojiReaction, m);
export const decodeEmojiReaction = (b: Uint8Array): EmojiReaction => decode(pb.EmojiReaction, b);

/** status-go's receive-side checks for an EmojiReaction. */
export function validateReceivedEmojiReaction(reaction: EmojiReaction, transportTimestampMs: bigint | number): void {
  validateClockValue(reaction.clock, transportTimestampMs);
  const bad = (why: string): PayloadError => new PayloadError(PAYLOAD_ERROR.INVALID_MESSAGE, `invalid EmojiReaction: ${why}`);
  if (reaction.messageId.length === 0) throw bad('message id is empty');
  if (reaction.chatId.length === 0) throw bad('chat id is empty');
  if (reaction.type === EMOJI_REACTION_TYPE.UNKNOWN_EMOJI_REACTION_TYPE) throw bad('type is UNKNOWN_EMOJI_REACTION_TYPE');
  if (reaction.messageType === MESSAGE_TYPE.UNKNOWN_MESSAGE_TYPE) throw bad('message type is UNKNOWN_MESSAGE_TYPE');
}
