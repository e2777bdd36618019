// The signing input of group membership updates in the older v1 (transit) protocol, kept as a
// known answer of the signing rule: status-protocol-go's TestSignMembershipUpdate. v0.62.18 signs
// protobuf events instead (membership-update.ts); this form is never sent.
import { keccak256, sign, utf8ToBytes } from '@status-stack/crypto';

export const LEGACY_EVENT_TYPE = {
  CHAT_CREATED: 'chat-created',
  NAME_CHANGED: 'name-changed',
  MEMBERS_ADDED: 'members-added',
  MEMBER_JOINED: 'member-joined',
  MEMBER_REMOVED: 'member-removed',
  ADMINS_ADDED: 'admins-added',
  ADMIN_REMOVED: 'admin-removed',
} as const;
export type LegacyEventType = (typeof LEGACY_EVENT_TYPE)[keyof typeof LEGACY_EVENT_TYPE];

export interface LegacyGroupEvent {
  readonly type: LegacyEventType;
  readonly clockValue: bigint;
  readonly name?: string;
  readonly members?: readonly string[];
  readonly member?: string;
}

function jsonValue(v: bigint | string | readonly string[]): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return JSON.stringify(v);
  return `[${v.map((s) => JSON.stringify(s)).join(',')}]`;
}

/**
 * `[events, chatId]` as compact JSON, each event a list of `[key, value]` pairs sorted by key
 * (keys `clock-value`, `member`, `members`, `name`, `type`).
 */
export function legacyMembershipSigningString(events: readonly LegacyGroupEvent[], chatId: string): string {
  const encoded = events.map((e) => {
    const pairs: [string, bigint | string | readonly string[]][] = [
      ['clock-value', e.clockValue],
      ['type', e.type],
    ];
    if (e.name !== undefined) pairs.push(['name', e.name]);
    if (e.members !== undefined) pairs.push(['members', e.members]);
    if (e.member !== undefined) pairs.push(['member', e.member]);
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return `[${pairs.map(([k, v]) => `[${JSON.stringify(k)},${jsonValue(v)}]`).join(',')}]`;
  });
  return `[[${encoded.join(',')}],${JSON.stringify(chatId)}]`;
}

/** keccak256 of the signing string: the digest a v1 client signed. */
export function legacyMembershipDigest(events: readonly LegacyGroupEvent[], chatId: string): Uint8Array {
  return keccak256(utf8ToBytes(legacyMembershipSigningString(events, chatId)));
}

/** r‖s‖v signature of a v1 membership update. */
export function signLegacyMembershipUpdate(events: readonly LegacyGroupEvent[], chatId: string, privateKey: Uint8Array): Uint8Array {
  return sign(legacyMembershipDigest(events, chatId), privateKey);
}
