// The MVDS wire codec: pbjs static code generated from proto/mvds.proto (npm run proto), through the
// shared protobuf runtime. Like status-go's protobuf-go it writes fields in number order and leaves
// proto3 defaults out, so what we encode is byte for byte what status-go does.
import { vac } from '../generated/codec.generated.js';
import { MVDS_ERROR, MvdsError } from './errors.js';
import {
  decodeMessage as decodeWire,
  encodeMessage as encodeWire,
  encodedLength,
  WireFormatError,
  type AssertTrue,
  type GeneratedMessage,
  type SameFields,
  type WireOptions,
} from '@status-stack/protobuf';

const pb = vac.mvds;
// Unknown fields are skipped (proto3; status-go sends none); byte fields are views into the input.
const OPTIONS: WireOptions = { keepUnknownFields: false, copyBytes: false };

/** Length of message ids and (in status-go) group ids. */
export const MESSAGE_ID_LENGTH = 32;
export const GROUP_ID_LENGTH = 32;

/** 4/MVDS-META metadata. */
export interface MvdsMetadata {
  parents: Uint8Array[];
  ephemeral: boolean;
}

/** One MVDS `Message`. `timestamp` is an int64 (Unix seconds in status-go). */
export interface MvdsMessage {
  groupId: Uint8Array;
  timestamp: bigint;
  body: Uint8Array;
  metadata?: MvdsMetadata;
}

/** One MVDS `Payload`: every record for one peer in one epoch. */
export interface MvdsPayload {
  acks: Uint8Array[];
  offers: Uint8Array[];
  requests: Uint8Array[];
  messages: MvdsMessage[];
}

type _Fields =
  | AssertTrue<SameFields<MvdsMetadata, vac.mvds.Metadata.$Properties>>
  | AssertTrue<SameFields<MvdsMessage, vac.mvds.Message.$Properties>>
  | AssertTrue<SameFields<MvdsPayload, vac.mvds.Payload.$Properties>>;

export function emptyPayload(): MvdsPayload {
  return { acks: [], offers: [], requests: [], messages: [] };
}

/** status-go's `Payload.IsValid`: a payload with no record is not datasync (it may be another protobuf). */
export function isDatasyncPayload(p: MvdsPayload): boolean {
  return p.acks.length > 0 || p.offers.length > 0 || p.requests.length > 0 || p.messages.length > 0;
}

function encode(type: GeneratedMessage, value: object): Uint8Array {
  try {
    return encodeWire(type, value, OPTIONS);
  } catch (e) {
    throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `cannot encode MVDS ${type.name}: ${(e as Error).message}`);
  }
}

function length(type: GeneratedMessage, value: object): number {
  try {
    return encodedLength(type, value, OPTIONS);
  } catch (e) {
    throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `cannot encode MVDS ${type.name}: ${(e as Error).message}`);
  }
}

function decode<T>(type: GeneratedMessage, bytes: Uint8Array): T {
  if (!(bytes instanceof Uint8Array)) throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `MVDS ${type.name} must be a Uint8Array, got ${typeof bytes}`);
  try {
    return decodeWire<T>(type, bytes, OPTIONS);
  } catch (e) {
    if (e instanceof WireFormatError) throw new MvdsError(MVDS_ERROR.MALFORMED_PAYLOAD, `malformed MVDS ${type.name}: ${e.message}`);
    throw e;
  }
}

function checkIds(ids: readonly Uint8Array[], field: string): void {
  for (const id of ids) {
    if (id.length !== MESSAGE_ID_LENGTH) {
      throw new MvdsError(MVDS_ERROR.INVALID_MESSAGE_ID, `${field} entry is ${id.length} bytes, expected ${MESSAGE_ID_LENGTH}`);
    }
  }
}

function checkMessage(m: MvdsMessage): MvdsMessage {
  if (m.metadata !== undefined) checkIds(m.metadata.parents, 'parents');
  return m;
}

// ---- sizes ----

/** Encoded size of a `Message` (without its enclosing field header). */
export function encodedMessageSize(m: MvdsMessage): number {
  return length(pb.Message, m);
}

/** Bytes a message adds to a payload (field header included): exactly a payload holding only it. */
export function payloadMessageCost(m: MvdsMessage): number {
  return length(pb.Payload, { messages: [m] });
}

/** Bytes one id adds to a payload in the acks/offers/requests fields (their tags are the same size). */
export const PAYLOAD_ID_COST = length(pb.Payload, { acks: [new Uint8Array(MESSAGE_ID_LENGTH)] });

export function encodedPayloadSize(p: MvdsPayload): number {
  return length(pb.Payload, p);
}

// ---- codec ----

/** Encodes one `Message` as status-go's proto.Marshal does. */
export function encodeMessage(m: MvdsMessage): Uint8Array {
  return encode(pb.Message, m);
}

/** Encodes a `Payload` as status-go's proto.Marshal does (byte-identical). */
export function encodePayload(p: MvdsPayload): Uint8Array {
  return encode(pb.Payload, p);
}

/** Decodes one `Message` (byte fields are views into `bytes`). Throws MvdsError(MALFORMED_PAYLOAD | INVALID_MESSAGE_ID). */
export function decodeMessage(bytes: Uint8Array): MvdsMessage {
  return checkMessage(decode<MvdsMessage>(pb.Message, bytes));
}

/**
 * Decodes a `Payload`. Unknown fields are skipped (proto3); ids must be 32 bytes.
 * Throws MvdsError(MALFORMED_PAYLOAD | INVALID_MESSAGE_ID); never anything else.
 * An empty result is not an error here: see `isDatasyncPayload`.
 * Byte fields of the result are views into `bytes` (no copies): copy `bytes` first if it may change.
 */
export function decodePayload(bytes: Uint8Array): MvdsPayload {
  const p = decode<MvdsPayload>(pb.Payload, bytes);
  checkIds(p.acks, 'acks');
  checkIds(p.offers, 'offers');
  checkIds(p.requests, 'requests');
  for (const m of p.messages) checkMessage(m);
  return p;
}
