import { statusstack } from '../generated/codec.generated.js';
import { decode, encode, type AssertTrue, type SameFields, type WithUnknownFields } from './protobuf.js';

const pb = statusstack.payloads;

export interface ContactUpdate extends WithUnknownFields {
  clock: bigint;
  ensName: string;
  /** base64 data URI of the profile picture. */
  profileImage: string;
}

type _Fields = AssertTrue<SameFields<ContactUpdate, statusstack.payloads.ContactUpdate.$Properties>>;

export function encodeContactUpdate(message: ContactUpdate): Uint8Array {
  return encode(pb.ContactUpdate, message);
}

export function decodeContactUpdate(bytes: Uint8Array): ContactUpdate {
  return decode<ContactUpdate>(pb.ContactUpdate, bytes);
}
