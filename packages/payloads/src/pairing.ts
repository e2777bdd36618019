import { decodeMessage, encodeMessage, type MessageSpec, type WithUnknownFields } from './protobuf-wire.js';
import { PAYLOAD_ERROR, PayloadError } from './errors.js';
import { validateClockValue } from './clock.js';

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

export const PAIR_INSTALLATION_SPEC: MessageSpec = {
  name: 'PairInstallation',
  fields: [
    { no: 1, name: 'clock', kind: 'uint64' },
    { no: 2, name: 'installationId', kind: 'string' },
    { no: 3, name: 'deviceType', kind: 'string' },
    { no: 4, name: 'name', kind: 'string' },
  ],
};

export const SYNC_INSTALLATION_CONTACT_SPEC: MessageSpec = {
  name: 'SyncInstallationContact',
  fields: [
    { no: 1, name: 'clock', kind: 'uint64' },
    { no: 2, name: 'id', kind: 'string' },
    { no: 3, name: 'profileImage', kind: 'string' },
    { no: 4, name: 'ensName', kind: 'string' },
    { no: 5, name: 'lastUpdated', kind: 'uint64' },
    { no: 6, name: 'systemTags', kind: 'string', repeated: true },
    { no: 7, name: 'localNickname', kind: 'string' },
  ],
};

export const SYNC_INSTALLATION_ACCOUNT_SPEC: MessageSpec = {
  name: 'SyncInstallationAccount',
  fields: [
    { no: 1, name: 'clock', kind: 'uint64' },
    { no: 2, name: 'profileImage', kind: 'string' },
    { no: 3, name: 'lastUpdated', kind: 'uint64' },
  ],
};

export const SYNC_INSTALLATION_PUBLIC_CHAT_SPEC: MessageSpec = {
  name: 'SyncInstallationPublicChat',
  fields: [
    { no: 1, name: 'clock', kind: 'uint64' },
    { no: 2, name: 'id', kind: 'string' },
  ],
};

export const SYNC_INSTALLATION_SPEC: MessageSpec = {
  name: 'SyncInstallation',
  fields: [
    { no: 1, name: 'contacts', kind: 'message', repeated: true, message: () => SYNC_INSTALLATION_CONTACT_SPEC },
    { no: 2, name: 'publicChats', kind: 'message', repeated: true, message: () => SYNC_INSTALLATION_PUBLIC_CHAT_SPEC },
    { no: 3, name: 'account', kind: 'message', message: () => SYNC_INSTALLATION_ACCOUNT_SPEC },
  ],
};

export const encodePairInstallation = (m: PairInstallation): Uint8Array => encodeMessage(PAIR_INSTALLATION_SPEC, m);
export const decodePairInstallation = (b: Uint8Array): PairInstallation => decodeMessage(PAIR_INSTALLATION_SPEC, b);
export const encodeSyncInstallationContact = (m: SyncInstallationContact): Uint8Array => encodeMessage(SYNC_INSTALLATION_CONTACT_SPEC, m);
export const decodeSyncInstallationContact = (b: Uint8Array): SyncInstallationContact => decodeMessage(SYNC_INSTALLATION_CONTACT_SPEC, b);
export const encodeSyncInstallationAccount = (m: SyncInstallationAccount): Uint8Array => encodeMessage(SYNC_INSTALLATION_ACCOUNT_SPEC, m);
export const decodeSyncInstallationAccount = (b: Uint8Array): SyncInstallationAccount => decodeMessage(SYNC_INSTALLATION_ACCOUNT_SPEC, b);
export const encodeSyncInstallationPublicChat = (m: SyncInstallationPublicChat): Uint8Array =>
  encodeMessage(SYNC_INSTALLATION_PUBLIC_CHAT_SPEC, m);
export const decodeSyncInstallationPublicChat = (b: Uint8Array): SyncInstallationPublicChat =>
  decodeMessage(SYNC_INSTALLATION_PUBLIC_CHAT_SPEC, b);
export const encodeSyncInstallation = (m: SyncInstallation): Uint8Array => encodeMessage(SYNC_INSTALLATION_SPEC, m);
export const decodeSyncInstallation = (b: Uint8Array): SyncInstallation => decodeMessage(SYNC_INSTALLATION_SPEC, b);

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
