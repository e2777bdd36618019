import { statusstack } from '../generated/codec.generated.js';
import { decode, encode, type AssertTrue, type SameFields, type WithUnknownFields } from './protobuf.js';
import { PAYLOAD_ERROR, PayloadError } from './errors.js';
import { validateClockValue } from './clock.js';

const pb = statusstack.payloads;

export interface PairInstallation extends WithUnknownFields {
  clock: bigint;
  installationId: string;
  /** "ios", "android" or "desktop". */
  deviceType: string;
  name: string;
}

export interface SyncInstallationContact extends WithUnknownFields {
  clock: bigint;
  /** 0x04… public key of the contact. */
  id: string;
  profileImage: string;
  ensName: string;
  lastUpdated: bigint;
  /** ":contact/added", ":contact/blocked", ":contact/request-received". */
  systemTags: string[];
  localNickname: string;
}

export interface SyncInstallationAccount extends WithUnknownFields {
  clock: bigint;
  profileImage: string;
  lastUpdated: bigint;
}

export interface SyncInstallationPublicChat extends WithUnknownFields {
  clock: bigint;
  /** The public chat's name. */
  id: string;
}

export interface SyncInstallation extends WithUnknownFields {
  contacts: SyncInstallationContact[];
  publicChats: SyncInstallationPublicChat[];
  account?: SyncInstallationAccount;
}

type _Fields =
  | AssertTrue<SameFields<PairInstallation, statusstack.payloads.PairInstallation.$Properties>>
  | AssertTrue<SameFields<SyncInstallationContact, statusstack.payloads.SyncInstallationContact.$Properties>>
  | AssertTrue<SameFields<SyncInstallationAccount, statusstack.payloads.SyncInstallationAccount.$Properties>>
  | AssertTrue<SameFields<SyncInstallationPublicChat, statusstack.payloads.SyncInstallationPublicChat.$Properties>>
  | AssertTrue<SameFields<SyncInstallation, statusstack.payloads.SyncInstallation.$Properties>>;

export const encodePairInstallation = (m: PairInstallation): Uint8Array => encode(pb.PairInstallation, m);
export const decodePairInstallation = (b: Uint8Array): PairInstallation => decode(pb.PairInstallation, b);
export const encodeSyncInstallationContact = (m: SyncInstallationContact): Uint8Array => encode(pb.SyncInstallationContact, m);
export const decodeSyncInstallationContact = (b: Uint8Array): SyncInstallationContact => decode(pb.SyncInstallationContact, b);
export const encodeSyncInstallationAccount = (m: SyncInstallationAccount): Uint8Array => encode(pb.SyncInstallationAccount, m);
export const decodeSyncInstallationAccount = (b: Uint8Array): SyncInstallationAccount => decode(pb.SyncInstallationAccount, b);
export const encodeSyncInstallationPublicChat = (m: SyncInstallationPublicChat): Uint8Array => encode(pb.SyncInstallationPublicChat, m);
export const decodeSyncInstallationPublicChat = (b: Uint8Array): SyncInstallationPublicChat => decode(pb.SyncInstallationPublicChat, b);
export const encodeSyncInstallation = (m: SyncInstallation): Uint8Array => encode(pb.SyncInstallation, m);
export const decodeSyncInstallation = (b: Uint8Array): SyncInstallation => decode(pb.SyncInstallation, b);

/** status-go's receive-side checks for PairInstallation: clock, and non-blank name, device type and id. */
export function validateReceivedPairInstallation(m: PairInstallation, transportTimestampMs: bigint | number): void {
  validateClockValue(m.clock, transportTimestampMs);
  for (const [field, value] of [
    ['name', m.name],
    ['device type', m.deviceType],
    ['installation id', m.installationId],
  ] as const) {
    if (value.trim().length === 0) throw new PayloadError(PAYLOAD_ERROR.INVALID_MESSAGE, `invalid PairInstallation: ${field} is empty`);
  }
}
