import { PAYLOAD_ERROR, PayloadError } from './errors.js';
import { statusstack } from '../generated/codec.generated.js';
import { decode, encode, type AssertTrue, type SameFields, type WithUnknownFields } from './protobuf.js';
import { validateClockValue } from './clock.js';

const pb = statusstack.payloads;

/** The kind of chat a message belongs to (enums.proto `MessageType`). */
export const MESSAGE_TYPE = {
  UNKNOWN_MESSAGE_TYPE: 0,
  ONE_TO_ONE: 1,
  PUBLIC_GROUP: 2,
  PRIVATE_GROUP: 3,
  /** Local only: status-go rejects it on the wire. */
  SYSTEM_MESSAGE_PRIVATE_GROUP: 4,
} as const;
export type MessageType = (typeof MESSAGE_TYPE)[keyof typeof MESSAGE_TYPE];

/** `ChatMessage.ContentType`. */
export const CONTENT_TYPE = {
  UNKNOWN_CONTENT_TYPE: 0,
  TEXT_PLAIN: 1,
  STICKER: 2,
  STATUS: 3,
  EMOJI: 4,
  TRANSACTION_COMMAND: 5,
  /** Local only. */
  SYSTEM_MESSAGE_CONTENT_PRIVATE_GROUP: 6,
  IMAGE: 7,
  AUDIO: 8,
} as const;
export type ContentType = (typeof CONTENT_TYPE)[keyof typeof CONTENT_TYPE];

export const IMAGE_TYPE = { UNKNOWN_IMAGE_TYPE: 0, PNG: 1, JPEG: 2, WEBP: 3, GIF: 4 } as const;
export type ImageType = (typeof IMAGE_TYPE)[keyof typeof IMAGE_TYPE];

export const AUDIO_TYPE = { UNKNOWN_AUDIO_TYPE: 0, AAC: 1, AMR: 2 } as const;
export type AudioType = (typeof AUDIO_TYPE)[keyof typeof AUDIO_TYPE];

/** Name of an enum value, or `UNKNOWN(<n>)` for values this version does not know (proto3 enums are open). */
export function enumName(table: Readonly<Record<string, number>>, value: number): string {
  for (const [name, v] of Object.entries(table)) if (v === value) return name;
  return `UNKNOWN(${value})`;
}

export interface StickerMessage extends WithUnknownFields {
  hash: string;
  pack: number;
}

export interface ImageMessage extends WithUnknownFields {
  payload: Uint8Array;
  /** An `IMAGE_TYPE` value (other numbers are kept as received). */
  type: number;
}

export interface AudioMessage extends WithUnknownFields {
  payload: Uint8Array;
  /** An `AUDIO_TYPE` value. */
  type: number;
  durationMs: bigint;
}

export interface ChatMessage extends WithUnknownFields {
  clock: bigint;
  timestamp: bigint;
  text: string;
  responseTo: string;
  ensName: string;
  chatId: string;
  /** A `MESSAGE_TYPE` value. */
  messageType: number;
  /** A `CONTENT_TYPE` value. */
  contentType: number;
  /** At most one of sticker / image / audio is set (the proto `oneof payload`). */
  sticker?: StickerMessage;
  image?: ImageMessage;
  audio?: AudioMessage;
}

type _Fields =
  | AssertTrue<SameFields<StickerMessage, statusstack.payloads.StickerMessage.$Properties>>
  | AssertTrue<SameFields<ImageMessage, statusstack.payloads.ImageMessage.$Properties>>
  | AssertTrue<SameFields<AudioMessage, statusstack.payloads.AudioMessage.$Properties>>
  | AssertTrue<SameFields<ChatMessage, statusstack.payloads.ChatMessage.$Properties>>;

export function encodeChatMessage(message: ChatMessage): Uint8Array {
  return encode(pb.ChatMessage, message);
}

export function decodeChatMessage(bytes: Uint8Array): ChatMessage {
  return decode<ChatMessage>(pb.ChatMessage, bytes);
}

/** A ChatMessage with every field at its proto3 default, to spread overrides into. */
export function emptyChatMessage(): ChatMessage {
  return {
    clock: 0n,
    timestamp: 0n,
    text: '',
    responseTo: '',
    ensName: '',
    chatId: '',
    messageType: MESSAGE_TYPE.UNKNOWN_MESSAGE_TYPE,
    contentType: CONTENT_TYPE.UNKNOWN_CONTENT_TYPE,
  };
}

/** status-go's limit on text length, in Unicode code points. */
export const MAX_CHAT_MESSAGE_TEXT_LENGTH = 4096;

function invalid(why: string): PayloadError {
  return new PayloadError(PAYLOAD_ERROR.INVALID_MESSAGE, `invalid ChatMessage: ${why}`);
}

/** status-go's text rule: not blank, at most 4096 code points. */
export function validateText(text: string): void {
  if (text.trim().length === 0) throw invalid('text is empty');
  const length = [...text].length;
  if (length > MAX_CHAT_MESSAGE_TEXT_LENGTH) throw invalid(`text has ${length} code points, more than ${MAX_CHAT_MESSAGE_TEXT_LENGTH}`);
}

/**
 * The checks status-go v0.62.18 applies to a received ChatMessage before accepting it
 * (protocol/message_validator.go): clock within 120 s of the transport timestamp, non-zero
 * timestamp, text, chat id, a wire message type, and a payload matching the content type.
 */
export function validateReceivedChatMessage(message: ChatMessage, transportTimestampMs: bigint | number): void {
  validateClockValue(message.clock, transportTimestampMs);
  if (message.timestamp === 0n) throw invalid('timestamp is 0');
  validateText(message.text);
  if (message.chatId.length === 0) throw invalid('chat id is empty');
  if (message.messageType === MESSAGE_TYPE.UNKNOWN_MESSAGE_TYPE || message.messageType === MESSAGE_TYPE.SYSTEM_MESSAGE_PRIVATE_GROUP) {
    throw invalid(`message type ${enumName(MESSAGE_TYPE, message.messageType)} is not valid on the wire`);
  }
  switch (message.contentType) {
    case CONTENT_TYPE.UNKNOWN_CONTENT_TYPE:
      throw invalid('content type UNKNOWN_CONTENT_TYPE');
    case CONTENT_TYPE.TRANSACTION_COMMAND:
      throw invalid('TRANSACTION_COMMAND content is never accepted from others');
    case CONTENT_TYPE.STICKER:
      if (message.sticker === undefined) throw invalid('STICKER without sticker payload');
      if (message.sticker.hash.length === 0) throw invalid('sticker hash is empty');
      break;
    case CONTENT_TYPE.IMAGE:
      if (message.image === undefined) throw invalid('IMAGE without image payload');
      if (message.image.payload.length === 0) throw invalid('image payload is empty');
      if (message.image.type === IMAGE_TYPE.UNKNOWN_IMAGE_TYPE) throw invalid('image type is UNKNOWN_IMAGE_TYPE');
      break;
    case CONTENT_TYPE.AUDIO:
      if (message.audio === undefined) throw invalid('AUDIO without audio payload');
      if (message.audio.payload.length === 0) throw invalid('audio payload is empty');
      if (message.audio.type === AUDIO_TYPE.UNKNOWN_AUDIO_TYPE) throw invalid('audio type is UNKNOWN_AUDIO_TYPE');
      break;
    default:
      break;
  }
}
