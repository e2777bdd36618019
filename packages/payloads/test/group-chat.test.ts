import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToHex, hexToBytes, keccak256, recoverPublicKey, utf8ToBytes, getPublicKey, toHex0x } from '@status-stack/crypto';
import {
  GROUP_RULE,
  GroupRuleError,
  LEGACY_EVENT_TYPE,
  MEMBERSHIP_EVENT_TYPE as E,
  PAYLOAD_ERROR,
  PayloadError,
  applyGroupEvent,
  buildMembershipUpdate,
  decodeMembershipUpdateMessage,
  encodeSignedGroupEvent,
  foldGroupEvents,
  groupChatId,
  groupEventSigningInput,
  legacyMembershipDigest,
  legacyMembershipSigningString,
  openGroupEvent,
  openMembershipUpdate,
  publicKeyToHex,
  signLegacyMembershipUpdate,
  type GroupRule,
  type GroupState,
  type SignedGroupEvent,
} from '../src/index.js';
import { alice, bob, carol, dave, eve, event, everyone, groupId, type Identity } from './helpers.js';

const protocolVectors = JSON.parse(readFileSync(new URL('../../../vectors/payloads/status-protocol.json', import.meta.url), 'utf8')) as {
  group_chat_membership_update_signature: { signing_key_private_hex: string; signed_string: string };
};

describe('group event signing', () => {
  it('reproduces the signing input of status-protocol.json (v1 TestSignMembershipUpdate)', () => {
    const v = protocolVectors.group_chat_membership_update_signature;
    const chatId =
      '072ea460-84d3-53c5-9979-1ca36fb5d1020x0424a68f89ba5fcd5e0640c1e1f591d561fa4125ca4e2a43592bc4123eca10ce064e522c254bb83079ba404327f6eafc01ec90a1444331fe769d3f3a7f90b0dde1';
    const events = [
      { type: LEGACY_EVENT_TYPE.CHAT_CREATED, clockValue: 156897373998501n, name: 'thathata' },
      {
        type: LEGACY_EVENT_TYPE.MEMBERS_ADDED,
        clockValue: 156897373998502n,
        members: ['0x04aebe2bb01a988abe7d978662f21de7760486119876c680e5a559e38e086a2df6dad41c4e4d9079c03db3bced6cb70fca76afc5650e50ea19b81572046a813534'],
      },
    ];
    const signed = legacyMembershipSigningString(events, chatId);
    expect(signed).toBe(v.signed_string);
    expect(bytesToHex(legacyMembershipDigest(events, chatId))).toBe(bytesToHex(keccak256(utf8ToBytes(v.signed_string))));
    const priv = hexToBytes(v.signing_key_private_hex);
    const sig = signLegacyMembershipUpdate(events, chatId, priv);
    expect(sig.length).toBe(65);
    expect(bytesToHex(recoverPublicKey(keccak256(utf8ToBytes(v.signed_string)), sig))).toBe(bytesToHex(getPublicKey(priv)));
  });

  it('signs keccak256(utf8(chat id) ‖ encoded event) and recovers the author (v0.62.18 protobuf form)', () => {
    const e = event(alice, E.CHAT_CREATED, 1000, { name: 'friends' });
    const input = groupEventSigningInput(groupId, e.payload);
    expect(bytesToHex(input.subarray(0, groupId.length))).toBe(bytesToHex(utf8ToBytes(groupId)));
    expect(bytesToHex(recoverPublicKey(keccak256(input), e.signature))).toBe(alice.hex.slice(2));
    const reopened = openGroupEvent(groupId, encodeSignedGroupEvent(e));
    expect(reopened).toEqual(e);
  });

  it('an event lifted into another chat recovers someone else and is rejected', () => {
    const otherChat = groupChatId(alice.pub, '00000000-0000-4000-8000-000000000000');
    const created = event(alice, E.CHAT_CREATED, 1, { name: 'g' });
    const foreign = event(alice, E.MEMBERS_ADDED, 2, { members: [eve.hex] }, otherChat);
    const lifted = openGroupEvent(groupId, encodeSignedGroupEvent(foreign));
    expect(lifted.author).not.toBe(alice.hex);
    const fold = foldGroupEvents(groupId, [created, lifted]);
    expect(fold.state!.members).toEqual([alice.hex]);
    expect(fold.rejected.map((r) => r.rule)).toEqual([GROUP_RULE.ONLY_ADMIN_ADDS_MEMBERS]);
    // And as-is (with its own chat id), it is an event for another chat.
    expect(foldGroupEvents(groupId, [created, foreign]).rejected.map((r) => r.rule)).toEqual([GROUP_RULE.SAME_CHAT_ID]);
  });

  it('opens a MembershipUpdateMessage and rejects bad ones with typed errors', () => {
    const events = [event(alice, E.CHAT_CREATED, 1, { name: 'g' }), event(alice, E.MEMBERS_ADDED, 2, { members: [bob.hex] })];
    const bytes = buildMembershipUpdate(groupId, events);
    const opened = openMembershipUpdate(bytes);
    expect(opened.chatId).toBe(groupId);
    expect(opened.events).toEqual(events);

    const badId = decodeMembershipUpdateMessage(bytes);
    badId.chatId = 'interop-test';
    const rebuilt = buildMembershipUpdateUnsafe(badId.chatId, badId.events);
    expect(() => openMembershipUpdate(rebuilt)).toThrow(expect.objectContaining({ rule: GROUP_RULE.CHAT_ID_FORMAT }));

    const tampered = decodeMembershipUpdateMessage(bytes);
    tampered.events[1] = tampered.events[1].slice(0, 60);
    expect(() => openMembershipUpdate(buildMembershipUpdateUnsafe(groupId, tampered.events))).toThrow(
      expect.objectContaining({ rule: GROUP_RULE.SIGNATURE_RECOVERS }),
    );

    const badV = decodeMembershipUpdateMessage(bytes);
    badV.events[0] = badV.events[0].slice();
    badV.events[0][64] = 9;
    expect(() => openMembershipUpdate(buildMembershipUpdateUnsafe(groupId, badV.events))).toThrow(
      expect.objectContaining({ rule: GROUP_RULE.SIGNATURE_RECOVERS }),
    );

    const future = buildMembershipUpdate(groupId, [event(alice, E.CHAT_CREATED, 1_000_000 + 120_001, { name: 'g' })]);
    expect(() => openMembershipUpdate(future, 1_000_000)).toThrow(expect.objectContaining({ code: PAYLOAD_ERROR.CLOCK_TOO_FAR_IN_FUTURE }));
    expect(openMembershipUpdate(future, 1_000_001).events).toHaveLength(1);

    expect(() => buildMembershipUpdate(groupId, [event(alice, E.CHAT_CREATED, 1, {}, groupChatId(bob.pub, GROUP_UUID_2))])).toThrow(GroupRuleError);
  });
});

const GROUP_UUID_2 = '11111111-2222-4333-8444-555555555555';

function buildMembershipUpdateUnsafe(chatId: string, events: Uint8Array[]): Uint8Array {
  // Field 1 (chat id) and field 2 (events) written by hand, to build inputs our builder refuses.
  const parts: number[] = [];
  const put = (no: number, data: Uint8Array): void => {
    parts.push((no << 3) | 2);
    let n = data.length;
    while (n >= 0x80) {
      parts.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    parts.push(n);
    parts.push(...data);
  };
  put(1, utf8ToBytes(chatId));
  for (const e of events) put(2, e);
  return Uint8Array.from(parts);
}

// A group where alice created, added bob, carol and dave; bob joined; bob is admin.
function baseHistory(): SignedGroupEvent[] {
  return [
    event(alice, E.CHAT_CREATED, 10, { name: 'friends' }),
    event(alice, E.MEMBERS_ADDED, 11, { members: [bob.hex, carol.hex, dave.hex] }),
    event(bob, E.MEMBER_JOINED, 12),
    event(alice, E.ADMINS_ADDED, 13, { members: [bob.hex] }),
  ];
}

function stateOf(events: SignedGroupEvent[]): GroupState {
  const fold = foldGroupEvents(groupId, events);
  expect(fold.rejected).toEqual([]);
  return fold.state!;
}

interface RuleCase {
  readonly must: string;
  readonly rule: GroupRule;
  readonly valid: () => SignedGroupEvent;
  readonly check: (s: GroupState) => void;
  readonly invalid: () => SignedGroupEvent;
  /** History to apply to; defaults to the base history. */
  readonly history?: () => SignedGroupEvent[];
}

const sortedHex = (...ids: Identity[]): string[] => ids.map((i) => i.hex).sort();

const RULES: RuleCase[] = [
  {
    must: 'CHAT_CREATED is the first event',
    rule: GROUP_RULE.CREATION_FIRST,
    history: () => [],
    valid: () => event(alice, E.CHAT_CREATED, 5, { name: 'n' }),
    check: (s) => expect(s.admins).toEqual([alice.hex]),
    invalid: () => event(alice, E.MEMBERS_ADDED, 5, { members: [bob.hex] }),
  },
  {
    must: 'events with a clock lower than CHAT_CREATED are discarded',
    rule: GROUP_RULE.CREATION_FIRST,
    valid: () => event(alice, E.NAME_CHANGED, 10, { name: 'same clock as creation' }),
    check: (s) => expect(s.name).toBe('same clock as creation'),
    invalid: () => event(alice, E.NAME_CHANGED, 9, { name: 'before creation' }),
  },
  {
    must: 'the chat id is validated: CHAT_CREATED comes from the creator it names',
    rule: GROUP_RULE.CREATOR_MATCHES_CHAT_ID,
    history: () => [],
    valid: () => event(alice, E.CHAT_CREATED, 1, { name: 'n' }),
    check: (s) => expect(s.creator).toBe(alice.hex),
    invalid: () => event(bob, E.CHAT_CREATED, 1, { name: 'n' }),
  },
  {
    must: 'there is only one CHAT_CREATED',
    rule: GROUP_RULE.SINGLE_CREATION,
    valid: () => event(alice, E.NAME_CHANGED, 20, { name: 'renamed' }),
    check: (s) => expect(s.name).toBe('renamed'),
    invalid: () => event(alice, E.CHAT_CREATED, 20, { name: 'again' }),
  },
  {
    must: 'the chat id is validated: every event is for this chat',
    rule: GROUP_RULE.SAME_CHAT_ID,
    valid: () => event(alice, E.NAME_CHANGED, 20, { name: 'x' }),
    check: (s) => expect(s.name).toBe('x'),
    invalid: () => event(alice, E.NAME_CHANGED, 20, { name: 'x' }, groupChatId(alice.pub, GROUP_UUID_2)),
  },
  {
    must: 'NAME_CHANGED: the author must be an admin',
    rule: GROUP_RULE.ONLY_ADMIN_RENAMES,
    valid: () => event(bob, E.NAME_CHANGED, 20, { name: 'by bob (admin)' }),
    check: (s) => expect(s.name).toBe('by bob (admin)'),
    invalid: () => event(carol, E.NAME_CHANGED, 20, { name: 'by carol (member)' }),
  },
  {
    must: 'NAME_CHANGED: the name is not empty (status-go)',
    rule: GROUP_RULE.NAME_NOT_EMPTY,
    valid: () => event(alice, E.NAME_CHANGED, 20, { name: 'n2' }),
    check: (s) => expect(s.name).toBe('n2'),
    invalid: () => event(alice, E.NAME_CHANGED, 20, { name: '' }),
  },
  {
    must: 'MEMBERS_ADDED: the author must be an admin',
    rule: GROUP_RULE.ONLY_ADMIN_ADDS_MEMBERS,
    valid: () => event(bob, E.MEMBERS_ADDED, 20, { members: [eve.hex] }),
    check: (s) => expect(s.members).toEqual(sortedHex(alice, bob, carol, dave, eve)),
    invalid: () => event(carol, E.MEMBERS_ADDED, 20, { members: [eve.hex] }),
  },
  {
    must: 'members are hex-encoded public keys',
    rule: GROUP_RULE.MEMBERS_ARE_PUBLIC_KEYS,
    valid: () => event(alice, E.MEMBERS_ADDED, 20, { members: [eve.hex] }),
    check: (s) => expect(s.members).toContain(eve.hex),
    invalid: () => event(alice, E.MEMBERS_ADDED, 20, { members: [eve.hex.toUpperCase()] }),
  },
  {
    must: 'MEMBER_JOINED: the signer joins, and must have been added (status-go)',
    rule: GROUP_RULE.JOINER_IS_MEMBER,
    valid: () => event(carol, E.MEMBER_JOINED, 20),
    check: (s) => expect(s.joined).toEqual(sortedHex(alice, bob, carol)),
    invalid: () => event(eve, E.MEMBER_JOINED, 20),
  },
  {
    must: 'ADMINS_ADDED: the author must be an admin',
    rule: GROUP_RULE.ONLY_ADMIN_ADDS_ADMINS,
    valid: () => event(bob, E.ADMINS_ADDED, 20, { members: [carol.hex] }),
    check: (s) => expect(s.admins).toEqual(sortedHex(alice, bob, carol)),
    invalid: () => event(carol, E.ADMINS_ADDED, 20, { members: [carol.hex] }),
  },
  {
    must: 'ADMINS_ADDED: all targets must already be members',
    rule: GROUP_RULE.ADMINS_ARE_MEMBERS,
    valid: () => event(alice, E.ADMINS_ADDED, 20, { members: [carol.hex, dave.hex] }),
    check: (s) => expect(s.admins).toEqual(sortedHex(alice, bob, carol, dave)),
    invalid: () => event(alice, E.ADMINS_ADDED, 20, { members: [carol.hex, eve.hex] }),
  },
  {
    must: 'MEMBER_REMOVED: exactly one target',
    rule: GROUP_RULE.SINGLE_TARGET,
    valid: () => event(alice, E.MEMBER_REMOVED, 20, { members: [carol.hex] }),
    check: (s) => expect(s.members).toEqual(sortedHex(alice, bob, dave)),
    invalid: () => event(alice, E.MEMBER_REMOVED, 20, { members: [carol.hex, dave.hex] }),
  },
  {
    must: 'MEMBER_REMOVED: a non-admin may only remove themselves',
    rule: GROUP_RULE.NON_ADMIN_REMOVES_ONLY_SELF,
    valid: () => event(carol, E.MEMBER_REMOVED, 20, { members: [carol.hex] }),
    check: (s) => expect(s.members).toEqual(sortedHex(alice, bob, dave)),
    invalid: () => event(carol, E.MEMBER_REMOVED, 20, { members: [dave.hex] }),
  },
  {
    must: 'MEMBER_REMOVED: an admin removes themselves or a non-admin, never another admin',
    rule: GROUP_RULE.ADMIN_REMOVES_SELF_OR_NON_ADMIN,
    valid: () => event(bob, E.MEMBER_REMOVED, 20, { members: [bob.hex] }),
    check: (s) => {
      expect(s.members).toEqual(sortedHex(alice, carol, dave));
      expect(s.admins).toEqual([alice.hex]);
      expect(s.joined).toEqual([alice.hex]);
    },
    invalid: () => event(bob, E.MEMBER_REMOVED, 20, { members: [alice.hex] }),
  },
  {
    must: 'ADMIN_REMOVED: only the admin themselves',
    rule: GROUP_RULE.ADMIN_REMOVED_ONLY_BY_SELF,
    valid: () => event(bob, E.ADMIN_REMOVED, 20, { members: [bob.hex] }),
    check: (s) => {
      expect(s.admins).toEqual([alice.hex]);
      expect(s.members).toContain(bob.hex);
    },
    invalid: () => event(alice, E.ADMIN_REMOVED, 20, { members: [bob.hex] }),
  },
  {
    must: 'ADMIN_REMOVED: the author must be an admin',
    rule: GROUP_RULE.ADMIN_REMOVED_ONLY_BY_SELF,
    valid: () => event(alice, E.ADMIN_REMOVED, 20, { members: [alice.hex] }),
    check: (s) => expect(s.admins).toEqual([bob.hex]),
    invalid: () => event(carol, E.ADMIN_REMOVED, 20, { members: [carol.hex] }),
  },
  {
    must: 'unknown event types are ignored',
    rule: GROUP_RULE.KNOWN_EVENT_TYPE,
    valid: () => event(alice, E.NAME_CHANGED, 20, { name: 'ok' }),
    check: (s) => expect(s.name).toBe('ok'),
    invalid: () => event(alice, 9, 20, { name: 'what' }),
  },
];

describe('group rules (7/GROUP-CHAT MUSTs), one valid and one invalid case each', () => {
  it.each(RULES)('$must', (c) => {
    const history = (c.history ?? baseHistory)();
    const before = history.length === 0 ? undefined : stateOf(history);

    const ok = foldGroupEvents(groupId, [...history, c.valid()]);
    expect(ok.rejected).toEqual([]);
    c.check(ok.state!);

    const bad = c.invalid();
    let thrown: unknown;
    try {
      applyGroupEvent(groupId, before, bad);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(GroupRuleError);
    expect(thrown).toBeInstanceOf(PayloadError);
    expect((thrown as GroupRuleError).rule).toBe(c.rule);
    expect((thrown as GroupRuleError).code).toBe(PAYLOAD_ERROR.GROUP_RULE_VIOLATION);
    expect((thrown as GroupRuleError).message).toContain(c.rule);

    const folded = foldGroupEvents(groupId, [...history, bad]);
    expect(folded.rejected.map((r) => r.rule)).toEqual([c.rule]);
    expect(folded.state).toEqual(before);
  });

  it('a removed admin loses rights for later events', () => {
    const fold = foldGroupEvents(groupId, [
      ...baseHistory(),
      event(bob, E.ADMIN_REMOVED, 20, { members: [bob.hex] }),
      event(bob, E.NAME_CHANGED, 21, { name: 'too late' }),
    ]);
    expect(fold.state!.name).toBe('friends');
    expect(fold.rejected.map((r) => r.rule)).toEqual([GROUP_RULE.ONLY_ADMIN_RENAMES]);
  });

  it('without a valid CHAT_CREATED there is no group', () => {
    const fold = foldGroupEvents(groupId, baseHistory().slice(1));
    expect(fold.state).toBeUndefined();
    expect(new Set(fold.rejected.map((r) => r.rule))).toEqual(new Set([GROUP_RULE.CREATION_FIRST]));
  });

  it('an invalid chat id is rejected by name', () => {
    const bad = 'not-a-group-' + alice.hex;
    const created = event(alice, E.CHAT_CREATED, 1, { name: 'n' }, bad);
    expect(foldGroupEvents(bad, [created]).rejected.map((r) => r.rule)).toEqual([GROUP_RULE.CHAT_ID_FORMAT]);
  });
});

// ----------------------------------------------------------------------------------------------
// Property: a valid history folds to the same state whatever the order and duplication.

type Op = { kind: 'add' | 'join' | 'admin' | 'remove' | 'unadmin' | 'rename'; actor: number; target: number; name: string; aimed: boolean };

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<Op['kind']>('add', 'add', 'join', 'admin', 'remove', 'unadmin', 'rename'),
  actor: fc.nat({ max: 30 }),
  target: fc.nat({ max: 30 }),
  name: fc.string({ minLength: 1, maxLength: 8 }),
  // Aimed ops pick an actor and target that can make the op valid; the others are random.
  aimed: fc.nat({ max: 3 }).map((n) => n !== 0),
});

const pick = (pool: readonly Identity[], i: number): Identity => (pool.length === 0 ? everyone[i % everyone.length] : pool[i % pool.length]);

/** Builds a history from ops, keeping only ops valid in the state reached so far (so the whole history is valid). */
function validHistory(ops: Op[]): { events: SignedGroupEvent[]; attempted: SignedGroupEvent[] } {
  let state: GroupState = applyGroupEvent(groupId, undefined, event(alice, E.CHAT_CREATED, 100, { name: 'start' }));
  const events: SignedGroupEvent[] = [event(alice, E.CHAT_CREATED, 100, { name: 'start' })];
  const attempted: SignedGroupEvent[] = [];
  let clock = 100;
  for (const op of ops) {
    clock += 1;
    const st = state;
    const byHex = (hexes: readonly string[]): Identity[] => everyone.filter((i) => hexes.includes(i.hex));
    const admins = byHex(st.admins);
    const members = byHex(st.members);
    const nonMembers = everyone.filter((i) => !st.members.includes(i.hex));
    const nonAdminMembers = members.filter((i) => !st.admins.includes(i.hex));
    const unjoined = members.filter((i) => !st.joined.includes(i.hex));
    let actor = everyone[op.actor % everyone.length];
    let target = everyone[op.target % everyone.length];
    if (op.aimed) {
      actor = pick(op.kind === 'join' ? unjoined : op.kind === 'remove' && op.target % 2 === 0 ? members : admins, op.actor);
      target =
        op.kind === 'add'
          ? pick(nonMembers, op.target)
          : op.kind === 'admin'
            ? pick(nonAdminMembers, op.target)
            : op.kind === 'remove'
              ? op.target % 2 === 0
                ? actor
                : pick(nonAdminMembers, op.target)
              : actor;
    }
    const e =
      op.kind === 'add'
        ? event(actor, E.MEMBERS_ADDED, clock, { members: [target.hex] })
        : op.kind === 'join'
          ? event(actor, E.MEMBER_JOINED, clock)
          : op.kind === 'admin'
            ? event(actor, E.ADMINS_ADDED, clock, { members: [target.hex] })
            : op.kind === 'remove'
              ? event(actor, E.MEMBER_REMOVED, clock, { members: [target.hex] })
              : op.kind === 'unadmin'
                ? event(actor, E.ADMIN_REMOVED, clock, { members: [target.hex] })
                : event(actor, E.NAME_CHANGED, clock, { name: op.name });
    attempted.push(e);
    try {
      state = applyGroupEvent(groupId, state, e);
      events.push(e);
    } catch (err) {
      if (!(err instanceof GroupRuleError)) throw err;
    }
  }
  return { events, attempted };
}

describe('folding is order- and duplicate-independent', () => {
  it('random permutations with duplicates of a valid history fold to the same state', () => {
    let applied = 0;
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 6, maxLength: 16 }),
        fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (ops, sortKeys, dupIdx) => {
          const { events } = validHistory(ops);
          const reference = foldGroupEvents(groupId, events);
          expect(reference.rejected).toEqual([]);
          applied += events.length;
          const withDups = [...events, ...dupIdx.map((i) => events[i % events.length])];
          const shuffled = withDups.map((e, i) => ({ e, k: sortKeys[i % sortKeys.length] * 64 + i })).sort((a, b) => a.k - b.k).map((x) => x.e);
          const fold = foldGroupEvents(groupId, shuffled);
          expect(fold.state).toEqual(reference.state);
          expect(fold.rejected).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
    // The generator must produce real histories, not just creations.
    expect(applied).toBeGreaterThan(40 * 4);
  });

  it('mixing in invalid events changes neither the state nor the order-independence', () => {
    let rejected = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 4, maxLength: 12 }), fc.array(fc.nat(), { minLength: 30, maxLength: 30 }), (ops, sortKeys) => {
        const { attempted, events } = validHistory(ops);
        const all = [events[0], ...attempted];
        const a = foldGroupEvents(groupId, all);
        const b = foldGroupEvents(groupId, all.map((e, i) => ({ e, k: sortKeys[i % sortKeys.length] * 64 + i })).sort((x, y) => x.k - y.k).map((x) => x.e));
        expect(b.state).toEqual(a.state);
        expect(b.rejected.map((r) => r.rule)).toEqual(a.rejected.map((r) => r.rule));
        rejected += a.rejected.length;
        // The replay in clock order gives what the incremental build accepted.
        expect(a.state).toEqual(foldGroupEvents(groupId, events).state);
      }),
      { numRuns: 30 },
    );
    expect(rejected).toBeGreaterThan(30);
  });
});

it('publicKeyToHex of identities is 0x04-prefixed lowercase', () => {
  expect(alice.hex).toBe(toHex0x(getPublicKey(alice.priv)));
  expect(publicKeyToHex(getPublicKey(alice.priv, true))).toBe(alice.hex);
});
