import { decodeMessage, encodeMessage, type MessageSpec, type WithUnknownFields } from './protobuf-wire.js';

export interface ContactUpdate extends WithUnknownFields {
  clock: bigint;
  ensName: string;
  /** base64 data URI of the profile picture. */
  profileImage: string;
}

export const CONTACT_UPDATE_SPEC: MessageSpec = {
  name: 'ContactUpdate',
  fields: [
    { no: 1, name: 'clock', kind: 'uint64' },
    { no: 2, name: 'ensName', kind: 'string' },
    { no: 3, name: 'profileImage', kind: 'string' },
  ],
};

export function encodeContactUpdate(message: ContactUpdate): Uint8Array {
  return encodeMessage(CONTACT_UPDATE_SPEC, message);
}

export function decodeContactUpdate(bytes: Uint8Array): ContactUpdate {
  return decodeMessage<ContactUpdate>(CONTACT_UPDATE_SPEC, bytes);
}
