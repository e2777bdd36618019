import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getPublicKey, compressPublicKey } from '@status-stack/crypto';
import * as P from '../src/index.js';
import { alice, bob, carol, GROUP_UUID, groupId } from './helpers.js';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(P.PayloadError);
    return (e as P.PayloadError).code;
  }
  return 'no error';
}

describe('Lamport clock (6/PAYLOADS)', () => {
  it('bids max(now, last + 1); the first clock is now', () => {
    expect(P.nextClock(0n, 1000)).toBe(1000n);
    expect(P.nextClock(0n, 0)).toBe(1n);
    expect(P.nextClock(999n, 1000)).toBe(1000n);
    expect(P.nextClock(1000n, 1000)).toBe(1001n);
    expect(P.nextClock(5000n, 1000n)).toBe(5001n);
    expect(codeOf(() => P.nextClock(0n, -1))).toBe(P.PAYLOAD_ERROR.INVALID_ARGUMENT);
  });

  it('a chat clock is strictly increasing and ahead of everything observed', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.record({ now: fc.nat(1e6) }), fc.record({ seen: fc.bigInt({ min: 1n, max: 2_000_000n }) }))), (steps) => {
        let t = 0;
        const clock = new P.LamportClock(0n, () => t);
        let last = 0n;
        let maxSeen = 0n;
        for (const s of steps) {
          if ('seen' in s) {
            clock.observe(s.seen);
            if (s.seen > maxSeen) maxSeen = s.seen;
          } else {
            t = s.now;
            const c = clock.next();
            expect(c > last).toBe(true);
            expect(c > maxSeen).toBe(true);
            expect(c >= BigInt(t)).toBe(true);
            last = c;
            maxSeen = c > maxSeen ? c : maxSeen;
          }
        }
      }),
    );
  });

  it('the 120-second rule: ahead by up to 120 000 ms is accepted, one more is not', () => {
    const ts = 1_795_592_995_000n;
    P.validateClockValue(ts + 120_000n, ts);
    P.validateClockValue(1n, ts);
    expect(codeOf(() => P.validateClockValue(ts + 120_001n, ts))).toBe(P.PAYLOAD_ERROR.CLOCK_TOO_FAR_IN_FUTURE);
    expect(codeOf(() => P.validateClockValue(0n, ts))).toBe(P.PAYLOAD_ERROR.INVALID_CLOCK);
    expect(P.isClockFarInPast(ts - 120_001n, ts)).toBe(true);
    expect(P.isClockFarInPast(ts - 120_000n, ts)).toBe(false);
  });

  it('orders a chat deterministically: clock, then id, whatever the arrival order', () => {
    const msgs = [
      { clock: 5n, id: '0xbb' },
      { clock: 3n, id: '0xff' },
      { clock: 5n, id: '0xAA' },
      { clock: 9n, id: '0x00' },
    ];
    const want = ['0xff', '0xAA', '0xbb', '0x00'];
    fc.assert(
      fc.property(fc.shuffledSubarray(msgs, { minLength: msgs.length, maxLength: msgs.length }), (shuffled) => {
        expect(P.sortMessages(shuffled).map((m) => m.id)).toEqual(want);
      }),
    );
  });
});

describe('chat ids', () => {
  it('public: the name itself; blank or padded names are refused', () => {
    expect(P.publicChatId('status')).toBe('status');
    expect(codeOf(() => P.publicChatId(''))).toBe(P.PAYLOAD_ERROR.INVALID_CHAT_ID);
    expect(codeOf(() => P.publicChatId(' status'))).toBe(P.PAYLOAD_ERROR.INVALID_CHAT_ID);
  });

  it('1:1: the 0x04 hex key, from any key encoding', () => {
    expect(P.oneToOneChatId(bob.pub)).toBe(bob.hex);
    expect(P.oneToOneChatId(compressPublicKey(bob.pub))).toBe(bob.hex);
    expect(P.oneToOneChatId(bob.pub.subarray(1))).toBe(bob.hex);
    expect(codeOf(() => P.oneToOneChatId(new Uint8Array(65)))).toBe(P.PAYLOAD_ERROR.INVALID_PUBLIC_KEY);
    expect(P.publicKeyFromHex(bob.hex)).toEqual(bob.pub);
    expect(codeOf(() => P.publicKeyFromHex(bob.hex.toUpperCase()))).toBe(P.PAYLOAD_ERROR.INVALID_PUBLIC_KEY);
    expect(codeOf(() => P.publicKeyFromHex('0x04' + '00'.repeat(64)))).toBe(P.PAYLOAD_ERROR.INVALID_PUBLIC_KEY);
  });

  it('private group: uuid-0x04creator, validated', () => {
    expect(groupId).toBe(`${GROUP_UUID}-${alice.hex}`);
    expect(P.parseGroupChatId(groupId)).toEqual({ chatId: groupId, uuid: GROUP_UUID, creator: alice.hex });
    const fresh = P.groupChatId(bob.pub);
    expect(P.parseGroupChatId(fresh).creator).toBe(bob.hex);
    expect(fresh.slice(14, 15)).toBe('4'); // version 4
    expect('89ab').toContain(fresh.slice(19, 20)); // RFC 4122 variant
    expect(P.groupChatId(bob.pub)).not.toBe(fresh);
    const bad = [
      '',
      alice.hex,
      `${GROUP_UUID}${alice.hex}`, // the v1 form without "-"
      `${GROUP_UUID}-${alice.hex.toUpperCase()}`,
      `${GROUP_UUID.toUpperCase()}-${alice.hex}`,
      `${GROUP_UUID}-0x04${'00'.repeat(64)}`,
      `${GROUP_UUID.replace('-', 'x')}-${alice.hex}`,
      `${GROUP_UUID}_${alice.hex}`,
      `${GROUP_UUID}-${alice.hex}0`,
    ];
    for (const id of bad) {
      expect(P.isGroupChatId(id)).toBe(false);
      expect(codeOf(() => P.parseGroupChatId(id))).toBe(P.PAYLOAD_ERROR.INVALID_CHAT_ID);
    }
    expect(codeOf(() => P.groupChatId(bob.pub, 'nope'))).toBe(P.PAYLOAD_ERROR.INVALID_ARGUMENT);
  });

  it('incoming placement follows the spec table, with typed rejections', () => {
    const self = carol.pub;
    const resolve = (o: Partial<P.IncomingChatContext>): string =>
      P.resolveIncomingChatId({ messageType: 2, chatId: 'status', author: alice.pub, self, ...o });
    expect(resolve({})).toBe('status');
    expect(resolve({ expectedPublicChat: 'status' })).toBe('status');
    expect(codeOf(() => resolve({ expectedPublicChat: 'other' }))).toBe(P.PAYLOAD_ERROR.INVALID_CHAT_ID);
    expect(codeOf(() => resolve({ chatId: '' }))).toBe(P.PAYLOAD_ERROR.INVALID_CHAT_ID);
    // 1:1 from alice to us: the chat is alice's, whatever the message claims.
    expect(resolve({ messageType: 1, chatId: P.oneToOneChatId(self) })).toBe(alice.hex);
    expect(resolve({ messageType: 1, chatId: 'garbage' })).toBe(alice.hex);
    // 1:1 we sent from another device: the chat is the recipient named in the message.
    expect(resolve({ messageType: 1, chatId: bob.hex, author: self })).toBe(bob.hex);
    expect(codeOf(() => resolve({ messageType: 1, chatId: 'garbage', author: self }))).toBe(P.PAYLOAD_ERROR.INVALID_CHAT_ID);
    // Private group.
    expect(resolve({ messageType: 3, chatId: groupId })).toBe(groupId);
    expect(resolve({ messageType: 3, chatId: groupId, joinedGroups: new Set([groupId]) })).toBe(groupId);
    expect(codeOf(() => resolve({ messageType: 3, chatId: groupId, joinedGroups: new Set() }))).toBe(P.PAYLOAD_ERROR.UNKNOWN_GROUP);
    expect(codeOf(() => resolve({ messageType: 3, chatId: 'status' }))).toBe(P.PAYLOAD_ERROR.INVALID_CHAT_ID);
    expect(codeOf(() => resolve({ messageType: 4 }))).toBe(P.PAYLOAD_ERROR.INVALID_MESSAGE);
  });
});

describe('mentions (6/PAYLOADS "Mentions")', () => {
  it('finds each @0x04… mention of a valid key, with its position', () => {
    const text = `hi @${bob.hex}, and @${alice.hex.toUpperCase().replace('0X', '0x')}!`;
    const found = P.parseMentions(text);
    expect(found.map((m) => m.publicKey)).toEqual([bob.hex, alice.hex]);
    expect(text.slice(found[0].start, found[0].end)).toBe(`@${bob.hex}`);
    expect(P.isMentioned(text, bob.pub)).toBe(true);
    expect(P.isMentioned(text, carol.pub)).toBe(false);
    expect(P.formatMention(compressPublicKey(carol.pub))).toBe(`@${carol.hex}`);
  });

  it('ignores truncated, over-long, off-curve and bare keys', () => {
    const offCurve = '0x04' + '11'.repeat(64);
    expect(P.parseMentions(`@${bob.hex.slice(0, -1)} @${bob.hex}ab @${offCurve} ${bob.hex} @0x${bob.hex.slice(4)}`)).toEqual([]);
  });

  it('round-trips any set of keys formatted into text', () => {
    const keys = [alice, bob, carol].map((i) => i.pub);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 2 }), { maxLength: 6 }), fc.array(fc.string({ maxLength: 5 }), { minLength: 7, maxLength: 7 }), (idx, filler) => {
        const text = filler.map((f, i) => f + ' ' + (i < idx.length ? P.formatMention(keys[idx[i]]) + ' ' : '')).join('');
        expect(P.parseMentions(text).map((m) => m.publicKey)).toEqual(idx.map((i) => P.publicKeyToHex(keys[i])));
      }),
    );
  });
});

it('identities used here are what crypto derives', () => {
  expect(P.publicKeyToHex(getPublicKey(bob.priv))).toBe(bob.hex);
});
