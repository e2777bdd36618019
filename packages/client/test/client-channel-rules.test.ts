import { describe, expect, it } from 'vitest';
import { ARRIVAL_CHANNELS, mayArriveOn, type Arrival, type Channel } from '../src/client/chat-transport.js';

const CHANNELS: readonly Channel[] = ['public', 'contact-code', 'partitioned', 'negotiated'];

describe('what may arrive on which channel (one table, status-go’s rules)', () => {
  it('public topics carry public messages only; everything addressed to us comes on our partitioned or a negotiated topic', () => {
    const expected: Record<Arrival, readonly Channel[]> = {
      publicMessage: ['public', 'contact-code'],
      directMessage: ['partitioned', 'negotiated'],
      publicChatMessage: ['public'],
      oneToOneMessage: ['partitioned', 'negotiated'],
      groupMessage: ['partitioned', 'negotiated'],
      contactUpdate: ['partitioned', 'negotiated'],
      membershipUpdate: ['partitioned', 'negotiated'],
      pairInstallation: ['partitioned', 'negotiated'],
      deviceSync: ['partitioned', 'negotiated'],
    };
    expect(Object.keys(ARRIVAL_CHANNELS).sort()).toEqual(Object.keys(expected).sort());
    for (const [what, allowed] of Object.entries(expected) as [Arrival, readonly Channel[]][]) {
      for (const channel of CHANNELS) expect(mayArriveOn(what, channel), `${what} on ${channel}`).toBe(allowed.includes(channel));
    }
  });

  it('a public-chat message never counts on a contact-code topic, though both are public', () => {
    expect(mayArriveOn('publicMessage', 'contact-code')).toBe(true);
    expect(mayArriveOn('publicChatMessage', 'contact-code')).toBe(false);
  });
});
