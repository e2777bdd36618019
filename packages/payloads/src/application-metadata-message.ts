import { bytesToHex, concatBytes, getPublicKey, keccak256, normalizePublicKey, recoverPublicKey, sign, SIGNATURE_LENGTH } from '@status-stack/crypto';
import { PAYLOAD_ERROR, PayloadError } from './errors.js';
import { statusstack } from '../generated/codec.generated.js';
import { decode, encode, type AssertTrue, type SameFields, type WithUnknownFields } from './protobuf.js';
import type { OpenOptions } from './types.js';

const pb = statusstack.payloads;

/** `ApplicationMetadataMessage.Type` of status-go v0.62.18. */
export const APPLICATION_MESSAGE_TYPE = {
  UNKNOWN: 0,
  CHAT_MESSAGE: 1,
  CONTACT_UPDATE: 2,
  MEMBERSHIP_UPDATE_MESSAGE: 3,
  PAIR_INSTALLATION: 4,
  SYNC_INSTALLATION: 5,
  REQUEST_ADDRESS_FOR_TRANSACTION: 6,
  ACCEPT_REQUEST_ADDRESS_FOR_TRANSACTION: 7,
  DECLINE_REQUEST_ADDRESS_FOR_TRANSACTION: 8,
  REQUEST_TRANSACTION: 9,
  SEND_TRANSACTION: 10,
  DECLINE_REQUEST_TRANSACTION: 11,
  SYNC_INSTALLATION_CONTACT: 12,
  SYNC_INSTALLATION_ACCOUNT: 13,
  SYNC_INSTALLATION_PUBLIC_CHAT: 14,
  CONTACT_CODE_ADVERTISEMENT: 15,
  PUSH_NOTIFICATION_REGISTRATION: 16,
  PUSH_NOTIFICATION_REGISTRATION_RESPONSE: 17,
  PUSH_NOTIFICATION_QUERY: 18,
  PUSH_NOTIFICATION_QUERY_RESPONSE: 19,
  PUSH_NOTIFICATION_REQUEST: 20,
  PUSH_NOTIFICATION_RESPONSE: 21,
  EMOJI_REACTION: 22,
  GROUP_CHAT_INVITATION: 23,
} as const;
export type ApplicationMessageType = (typeof APPLICATION_MESSAGE_TYPE)[keyof typeof APPLICATION_MESSAGE_TYPE];

export interface ApplicationMetadataMessage extends WithUnknownFields {
  /** r‖s‖v (65 bytes) over keccak256(payload); empty when the author relies on the transport signature. */
  signature: Uint8Array;
  payload: Uint8Array;
  /** An `APPLICATION_MESSAGE_TYPE` value (other numbers are kept as received). */
  type: number;
}

type _Fields = AssertTrue<SameFields<ApplicationMetadataMessage, statusstack.payloads.ApplicationMetadataMessage.$Properties>>;

export function encodeApplicationMetadataMessage(message: ApplicationMetadataMessage): Uint8Array {
  return encode(pb.ApplicationMetadataMessage, message);
}

export function decodeApplicationMetadataMessage(bytes: Uint8Array): ApplicationMetadataMessage {
  return decode<ApplicationMetadataMessage>(pb.ApplicationMetadataMessage, bytes);
}

/** The digest status-go signs for a payload: keccak256(payload). */
export function applicationPayloadDigest(payload: Uint8Array): Uint8Array {
  return keccak256(payload);
}

/**
 * Status message id of a **signed** ApplicationMetadataMessage: keccak256(the signer's 65-byte
 * uncompressed key ‖ the wrapper bytes), as 0x-hex (status-go v1.MessageID over the wrapped record, with
 * the key its signature recovers). An unsigned wrapper has no author in its id: see `unsignedMessageId`.
 */
export function messageId(author: Uint8Array, applicationMetadataMessage: Uint8Array): string {
  const key = author.length === 65 && author[0] === 4 ? author : uncompressed(author);
  return `0x${bytesToHex(keccak256(concatBytes(key, applicationMetadataMessage)))}`;
}

/**
 * Status message id of an **unsigned** ApplicationMetadataMessage (a deniable message such as
 * PairInstallation): keccak256(wrapper bytes). status-go recovers no key from an empty signature and
 * v1.MessageID(nil, bytes) hashes the bytes alone; the transport signer does not enter the id.
 */
export function unsignedMessageId(applicationMetadataMessage: Uint8Array): string {
  return `0x${bytesToHex(keccak256(applicationMetadataMessage))}`;
}

/**
 * The id status-go computes for received wrapper bytes, either form: keyed with the recovered signer when
 * signed, the bytes alone when not. Throws PayloadError (MALFORMED…, INVALID_SIGNATURE) like `openApplicationMessage`.
 */
export function applicationMessageId(applicationMetadataMessage: Uint8Array): string {
  const message = decodeApplicationMetadataMessage(applicationMetadataMessage);
  if (message.signature.length === 0) return unsignedMessageId(applicationMetadataMessage);
  return messageId(recoverAuthor(message), applicationMetadataMessage);
}

function recoverAuthor(message: ApplicationMetadataMessage): Uint8Array {
  if (message.signature.length !== SIGNATURE_LENGTH) {
    throw new PayloadError(PAYLOAD_ERROR.INVALID_SIGNATURE, `signature must be ${SIGNATURE_LENGTH} bytes, got ${message.signature.length}: ${bytesToHex(message.signature)}`);
  }
  try {
    return recoverPublicKey(applicationPayloadDigest(message.payload), message.signature);
  } catch (e) {
    throw new PayloadError(PAYLOAD_ERROR.INVALID_SIGNATURE, `signature does not recover a key: ${bytesToHex(message.signature)} (${(e as Error).message})`);
  }
}

function uncompressed(key: Uint8Array): Uint8Array {
  try {
    return normalizePublicKey(key);
  } catch {
    throw new PayloadError(PAYLOAD_ERROR.INVALID_PUBLIC_KEY, `not a secp256k1 public key: ${bytesToHex(key)}`);
  }
}

export interface WrappedApplicationMessage {
  /** The encoded ApplicationMetadataMessage: what MVDS or `public_message` carries. */
  readonly bytes: Uint8Array;
  readonly signature: Uint8Array;
  /** 0x-hex message id. */
  readonly id: string;
}

/**
 * Wraps an encoded payload: signs keccak256(payload) with the author's key and computes the id.
 * Pass the author's public key when it is at hand, to save deriving it.
 */
export function wrapApplicationMessage(type: number, payload: Uint8Array, privateKey: Uint8Array, authorPublicKey?: Uint8Array): WrappedApplicationMessage {
  const signature = sign(applicationPayloadDigest(payload), privateKey);
  const bytes = encodeApplicationMetadataMessage({ signature, payload, type });
  const author = authorPublicKey ?? getPublicKey(privateKey);
  return { bytes, signature, id: messageId(author, bytes) };
}

/**
 * Wraps an encoded payload without signing it, as status-go sends deniable messages (PairInstallation:
 * `wrapMessageV1` with no sender key): the receiver takes the author from the layer below, and the id is
 * keccak256(wrapper bytes).
 */
export function wrapUnsignedApplicationMessage(type: number, payload: Uint8Array): WrappedApplicationMessage {
  const signature = new Uint8Array(0);
  const bytes = encodeApplicationMetadataMessage({ signature, payload, type });
  return { bytes, signature, id: unsignedMessageId(bytes) };
}

export interface OpenedApplicationMessage {
  readonly type: number;
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
  /** 65-byte uncompressed author key. */
  readonly author: Uint8Array;
  /** `0x04…` form of the author key. */
  readonly authorHex: string;
  /** 0x-hex message id: keyed with the signer when signed, keccak256(bytes) when not (see `unsignedMessageId`). */
  readonly id: string;
  /**
   * True when the message had no signature and the author is the transport-level signer:
   * 6/PAYLOADS says such a message is deniable and must not be relayed to third parties.
   */
  readonly deniable: boolean;
  readonly message: ApplicationMetadataMessage;
  /** The wrapper bytes as received: what the id is computed over (keep these, not a re-encoding). */
  readonly bytes: Uint8Array;
}

/** Decodes an ApplicationMetadataMessage, recovers its author and computes its id. */
export function openApplicationMessage(bytes: Uint8Array, options: OpenOptions = {}): OpenedApplicationMessage {
  const message = decodeApplicationMetadataMessage(bytes);
  let author: Uint8Array;
  let deniable = false;
  if (message.signature.length === 0) {
    if (options.transportAuthor === undefined) {
      throw new PayloadError(PAYLOAD_ERROR.MISSING_SIGNATURE, 'ApplicationMetadataMessage has no signature and no transport author was given');
    }
    author = uncompressed(options.transportAuthor);
    deniable = true;
  } else {
    author = recoverAuthor(message);
  }
  return {
    type: message.type,
    payload: message.payload,
    signature: message.signature,
    author,
    // A recovered key is already 65-byte uncompressed and on the curve.
    authorHex: `0x${bytesToHex(author)}`,
    // The transport author vouches for who sent an unsigned message, but is not part of its id.
    id: deniable ? unsignedMessageId(bytes) : messageId(author, bytes),
    deniable,
    message,
    bytes,
  };
}
