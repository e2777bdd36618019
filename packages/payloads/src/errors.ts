/** Stable error codes of the payloads package. */
export const PAYLOAD_ERROR = {
  /** Bytes that are not a well-formed protobuf encoding of the expected message. */
  INVALID_PROTOBUF: 'INVALID_PROTOBUF',
  /** An ApplicationMetadataMessage (or group event) whose signature does not recover a key. */
  INVALID_SIGNATURE: 'INVALID_SIGNATURE',
  /** An ApplicationMetadataMessage without signature and no transport-level author to fall back on. */
  MISSING_SIGNATURE: 'MISSING_SIGNATURE',
  /** A public key that is not a valid secp256k1 point or not in the expected encoding. */
  INVALID_PUBLIC_KEY: 'INVALID_PUBLIC_KEY',
  /** A chat id that does not follow the rules of its chat type. */
  INVALID_CHAT_ID: 'INVALID_CHAT_ID',
  /** A private-group message for a group the user is not a member of. */
  UNKNOWN_GROUP: 'UNKNOWN_GROUP',
  /** A clock of zero. */
  INVALID_CLOCK: 'INVALID_CLOCK',
  /** A clock more than 120 s ahead of the transport timestamp. */
  CLOCK_TOO_FAR_IN_FUTURE: 'CLOCK_TOO_FAR_IN_FUTURE',
  /** A decoded message that breaks one of status-go's receive-side validation rules. */
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  /** A group membership event that breaks a rule of the group chat spec (see `rule`). */
  GROUP_RULE_VIOLATION: 'GROUP_RULE_VIOLATION',
  /** An argument given by the caller (not the network) is out of range. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
} as const;
export type PayloadErrorCode = (typeof PAYLOAD_ERROR)[keyof typeof PAYLOAD_ERROR];

/** Every failure of this package is a PayloadError with a stable `code`. */
export class PayloadError extends Error {
  override readonly name: string = 'PayloadError';
  constructor(
    readonly code: PayloadErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The MUST rules of 7/GROUP-CHAT (plus the checks status-go v0.62.18 adds), one code per rule,
 * so that a rejected event names the rule it broke.
 */
export const GROUP_RULE = {
  /** The event's signature must recover an author (7/GROUP-CHAT "Group membership event"). */
  SIGNATURE_RECOVERS: 'SIGNATURE_RECOVERS',
  /** Every event of an update must carry the update's chat id ("MUST validate the chatId"). */
  SAME_CHAT_ID: 'SAME_CHAT_ID',
  /** The chat id must be `uuid-0x04…creator` (7/GROUP-CHAT "Chat ID"). */
  CHAT_ID_FORMAT: 'CHAT_ID_FORMAT',
  /** CHAT_CREATED is the first event; events with a lower clock are discarded. */
  CREATION_FIRST: 'CREATION_FIRST',
  /** Only one CHAT_CREATED per chat. */
  SINGLE_CREATION: 'SINGLE_CREATION',
  /** The author of CHAT_CREATED must be the creator named in the chat id. */
  CREATOR_MATCHES_CHAT_ID: 'CREATOR_MATCHES_CHAT_ID',
  /** NAME_CHANGED: the author must be an admin. */
  ONLY_ADMIN_RENAMES: 'ONLY_ADMIN_RENAMES',
  /** NAME_CHANGED: the name may not be empty (status-go). */
  NAME_NOT_EMPTY: 'NAME_NOT_EMPTY',
  /** MEMBERS_ADDED: the author must be an admin. */
  ONLY_ADMIN_ADDS_MEMBERS: 'ONLY_ADMIN_ADDS_MEMBERS',
  /** MEMBER_JOINED: the author must have been added (status-go). */
  JOINER_IS_MEMBER: 'JOINER_IS_MEMBER',
  /** ADMINS_ADDED: the author must be an admin. */
  ONLY_ADMIN_ADDS_ADMINS: 'ONLY_ADMIN_ADDS_ADMINS',
  /** ADMINS_ADDED: every new admin must already be a member. */
  ADMINS_ARE_MEMBERS: 'ADMINS_ARE_MEMBERS',
  /** MEMBER_REMOVED: exactly one target. */
  SINGLE_TARGET: 'SINGLE_TARGET',
  /** MEMBER_REMOVED: a non-admin may only remove themselves. */
  NON_ADMIN_REMOVES_ONLY_SELF: 'NON_ADMIN_REMOVES_ONLY_SELF',
  /** MEMBER_REMOVED: an admin may remove themselves or a non-admin member, never another admin. */
  ADMIN_REMOVES_SELF_OR_NON_ADMIN: 'ADMIN_REMOVES_SELF_OR_NON_ADMIN',
  /** ADMIN_REMOVED: the author must be the target (and an admin). */
  ADMIN_REMOVED_ONLY_BY_SELF: 'ADMIN_REMOVED_ONLY_BY_SELF',
  /** `members` must be `0x04…` hex public keys (7/GROUP-CHAT payload table). */
  MEMBERS_ARE_PUBLIC_KEYS: 'MEMBERS_ARE_PUBLIC_KEYS',
  /** The event type must be one of the seven the spec defines. */
  KNOWN_EVENT_TYPE: 'KNOWN_EVENT_TYPE',
} as const;
export type GroupRule = (typeof GROUP_RULE)[keyof typeof GROUP_RULE];

/** A group membership event rejected by a named rule. */
export class GroupRuleError extends PayloadError {
  override readonly name: string = 'GroupRuleError';
  constructor(
    readonly rule: GroupRule,
    message: string,
  ) {
    super(PAYLOAD_ERROR.GROUP_RULE_VIOLATION, `${rule}: ${message}`);
  }
}
