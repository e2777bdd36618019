// The private group chat state machine of 7/GROUP-CHAT: a pure fold of signed membership events
// into the group's name, members, joined members and admins.
import { bytesToHex } from '@status-stack/crypto';
import { GROUP_RULE, GroupRuleError, type GroupRule } from './errors.js';
import { MEMBERSHIP_EVENT_TYPE, type SignedGroupEvent } from './membership-update.js';
import { isPublicKeyHex, parseGroupChatId } from './chat-id.js';

export interface GroupState {
  readonly chatId: string;
  /** `0x04…` key of the creator (the author of CHAT_CREATED). */
  readonly creator: string;
  readonly name: string;
  /** Sorted `0x04…` keys. */
  readonly members: readonly string[];
  readonly joined: readonly string[];
  readonly admins: readonly string[];
  /** Clock of the CHAT_CREATED event. */
  readonly createdClock: bigint;
  /** Highest clock applied (the group's Lamport clock for the next event). */
  readonly clock: bigint;
}

export interface RejectedGroupEvent {
  readonly event: SignedGroupEvent;
  readonly rule: GroupRule;
  readonly error: GroupRuleError;
}

export interface GroupFold {
  /** Undefined when no valid CHAT_CREATED was found. */
  readonly state: GroupState | undefined;
  /** Events applied, in the order they were applied. */
  readonly applied: readonly SignedGroupEvent[];
  /** Events ignored, each with the rule it broke (7/GROUP-CHAT: such events MUST be ignored). */
  readonly rejected: readonly RejectedGroupEvent[];
}

const TYPES_WITH_MEMBERS: ReadonlySet<number> = new Set([
  MEMBERSHIP_EVENT_TYPE.MEMBERS_ADDED,
  MEMBERSHIP_EVENT_TYPE.ADMINS_ADDED,
  MEMBERSHIP_EVENT_TYPE.MEMBER_REMOVED,
  MEMBERSHIP_EVENT_TYPE.ADMIN_REMOVED,
]);

function fail(rule: GroupRule, event: SignedGroupEvent, why: string): never {
  throw new GroupRuleError(rule, `${why} (event type ${event.type}, clock ${event.clock}, author ${event.author})`);
}

const sorted = (s: Iterable<string>): string[] => [...s].sort();

/**
 * Applies one event to a group state (undefined before creation), returning the new state or
 * throwing a GroupRuleError naming the broken rule. The checks are the MUSTs of 7/GROUP-CHAT,
 * plus status-go v0.62.18's (non-empty names, only added members join).
 */
export function applyGroupEvent(chatId: string, state: GroupState | undefined, event: SignedGroupEvent): GroupState {
  if (event.chatId !== chatId) fail(GROUP_RULE.SAME_CHAT_ID, event, `event for chat ${event.chatId}, expected ${chatId}`);
  if (event.type < MEMBERSHIP_EVENT_TYPE.CHAT_CREATED || event.type > MEMBERSHIP_EVENT_TYPE.ADMIN_REMOVED) {
    fail(GROUP_RULE.KNOWN_EVENT_TYPE, event, `unknown event type ${event.type}`);
  }
  if (TYPES_WITH_MEMBERS.has(event.type)) {
    for (const m of event.members) {
      if (!isPublicKeyHex(m)) fail(GROUP_RULE.MEMBERS_ARE_PUBLIC_KEYS, event, `member ${JSON.stringify(m)} is not a 0x04 public key`);
    }
  }

  if (state === undefined) {
    if (event.type !== MEMBERSHIP_EVENT_TYPE.CHAT_CREATED) fail(GROUP_RULE.CREATION_FIRST, event, 'the group has not been created yet');
    let creator: string;
    try {
      creator = parseGroupChatId(chatId).creator;
    } catch (e) {
      throw new GroupRuleError(GROUP_RULE.CHAT_ID_FORMAT, (e as Error).message);
    }
    if (creator !== event.author) fail(GROUP_RULE.CREATOR_MATCHES_CHAT_ID, event, `chat id names creator ${creator}`);
    const self = [event.author];
    return { chatId, creator, name: event.name, members: self, joined: self, admins: self, createdClock: event.clock, clock: event.clock };
  }

  if (event.type === MEMBERSHIP_EVENT_TYPE.CHAT_CREATED) fail(GROUP_RULE.SINGLE_CREATION, event, 'the group was already created');
  if (event.clock < state.createdClock) fail(GROUP_RULE.CREATION_FIRST, event, `clock below the creation clock ${state.createdClock}`);

  const admins = new Set(state.admins);
  const members = new Set(state.members);
  const joined = new Set(state.joined);
  const isAdmin = admins.has(event.author);
  let name = state.name;

  switch (event.type) {
    case MEMBERSHIP_EVENT_TYPE.NAME_CHANGED:
      if (!isAdmin) fail(GROUP_RULE.ONLY_ADMIN_RENAMES, event, 'author is not an admin');
      if (event.name.length === 0) fail(GROUP_RULE.NAME_NOT_EMPTY, event, 'empty name');
      name = event.name;
      break;
    case MEMBERSHIP_EVENT_TYPE.MEMBERS_ADDED:
      if (!isAdmin) fail(GROUP_RULE.ONLY_ADMIN_ADDS_MEMBERS, event, 'author is not an admin');
      for (const m of event.members) members.add(m);
      break;
    case MEMBERSHIP_EVENT_TYPE.MEMBER_JOINED:
      if (!members.has(event.author)) fail(GROUP_RULE.JOINER_IS_MEMBER, event, 'author was never added');
      joined.add(event.author);
      break;
    case MEMBERSHIP_EVENT_TYPE.ADMINS_ADDED:
      if (!isAdmin) fail(GROUP_RULE.ONLY_ADMIN_ADDS_ADMINS, event, 'author is not an admin');
      if (event.members.length === 0) fail(GROUP_RULE.ADMINS_ARE_MEMBERS, event, 'no admins named');
      for (const m of event.members) if (!members.has(m)) fail(GROUP_RULE.ADMINS_ARE_MEMBERS, event, `${m} is not a member`);
      for (const m of event.members) admins.add(m);
      break;
    case MEMBERSHIP_EVENT_TYPE.MEMBER_REMOVED: {
      if (event.members.length !== 1) fail(GROUP_RULE.SINGLE_TARGET, event, `${event.members.length} targets`);
      const target = event.members[0];
      if (target !== event.author) {
        if (!isAdmin) fail(GROUP_RULE.NON_ADMIN_REMOVES_ONLY_SELF, event, `non-admin removing ${target}`);
        if (admins.has(target)) fail(GROUP_RULE.ADMIN_REMOVES_SELF_OR_NON_ADMIN, event, `admin removing admin ${target}`);
      }
      admins.delete(target);
      joined.delete(target);
      members.delete(target);
      break;
    }
    case MEMBERSHIP_EVENT_TYPE.ADMIN_REMOVED: {
      if (event.members.length !== 1) fail(GROUP_RULE.SINGLE_TARGET, event, `${event.members.length} targets`);
      const target = event.members[0];
      if (target !== event.author || !isAdmin) fail(GROUP_RULE.ADMIN_REMOVED_ONLY_BY_SELF, event, `${event.author} removing admin ${target}`);
      admins.delete(target);
      break;
    }
  }
  return {
    chatId,
    creator: state.creator,
    name,
    members: sorted(members),
    joined: sorted(joined),
    admins: sorted(admins),
    createdClock: state.createdClock,
    clock: event.clock > state.clock ? event.clock : state.clock,
  };
}

/** Identity of an event for de-duplication: the same author signing the same bytes is one event. */
export function groupEventKey(event: SignedGroupEvent): string {
  return `${event.author}:${bytesToHex(event.payload)}`;
}

/** Total order of events: clock, then type (CHAT_CREATED first on a tie), author, payload. */
export function compareGroupEvents(a: SignedGroupEvent, b: SignedGroupEvent): number {
  if (a.clock !== b.clock) return a.clock < b.clock ? -1 : 1;
  if (a.type !== b.type) return a.type - b.type;
  const ka = groupEventKey(a);
  const kb = groupEventKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * Folds a set of signed events (any order, duplicates allowed) into the group state. Events are
 * de-duplicated, put in one total order (clock first, as status-go sorts them) and applied one by
 * one; an event that breaks a rule is ignored and reported with the rule, the rest still apply.
 * The result depends only on the set of events, never on their arrival order.
 */
export function foldGroupEvents(chatId: string, events: Iterable<SignedGroupEvent>): GroupFold {
  const unique = new Map<string, SignedGroupEvent>();
  for (const e of events) if (!unique.has(groupEventKey(e))) unique.set(groupEventKey(e), e);
  const ordered = [...unique.values()].sort(compareGroupEvents);
  let state: GroupState | undefined;
  const applied: SignedGroupEvent[] = [];
  const rejected: RejectedGroupEvent[] = [];
  for (const event of ordered) {
    try {
      state = applyGroupEvent(chatId, state, event);
      applied.push(event);
    } catch (e) {
      if (!(e instanceof GroupRuleError)) throw e;
      rejected.push({ event, rule: e.rule, error: e });
    }
  }
  return { state, applied, rejected };
}
