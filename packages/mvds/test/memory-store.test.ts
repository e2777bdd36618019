import { describe, expect, it } from 'vitest';
import { sha256, utf8ToBytes } from '@status-stack/crypto';
import { MemoryStore, RECORD_TYPE, exponentialBackoff, type SyncRecord } from '../src/index.js';

const id = (s: string): Uint8Array => sha256(utf8ToBytes(s));
const G = id('group');

function rec(peer: string, m: string, type: SyncRecord['type'], sendEpoch: number, extra: Partial<SyncRecord> = {}): SyncRecord {
  return { peer, messageId: id(m), type, sendCount: 0, sendEpoch, ...extra };
}

describe('MemoryStore', () => {
  it('keeps one record per (peer, message id), indexed by send epoch', () => {
    const s = new MemoryStore();
    s.putRecord(rec('B', 'm1', RECORD_TYPE.OFFER, 5));
    s.putRecord(rec('B', 'm1', RECORD_TYPE.MESSAGE, 2)); // replaces the OFFER
    s.putRecord(rec('C', 'm1', RECORD_TYPE.MESSAGE, 7));
    s.putRecord(rec('B', 'm2', RECORD_TYPE.REQUEST, 1));
    expect(s.countRecords()).toBe(3);
    expect(s.countRecords('B')).toBe(2);
    expect(s.countRecords('B', RECORD_TYPE.OFFER)).toBe(0);
    expect(s.countRecords(undefined, RECORD_TYPE.MESSAGE)).toBe(2);
    expect(s.dueRecords(0)).toEqual([]);
    expect(s.dueRecords(2).map((r) => [r.peer, r.type, r.sendEpoch])).toEqual([
      ['B', 'REQUEST', 1],
      ['B', 'MESSAGE', 2],
    ]);
    expect(s.dueRecords(100)).toHaveLength(3);
  });

  it('tracks outgoing (OFFER/MESSAGE, not unsolicited) records per message', () => {
    const s = new MemoryStore();
    s.putRecord(rec('B', 'm', RECORD_TYPE.MESSAGE, 0));
    s.putRecord(rec('C', 'm', RECORD_TYPE.OFFER, 0));
    s.putRecord(rec('D', 'm', RECORD_TYPE.MESSAGE, 0, { unsolicited: true }));
    s.putRecord(rec('E', 'm', RECORD_TYPE.REQUEST, 0));
    expect(s.hasOutgoingRecords(id('m'))).toBe(true);
    expect(s.removeRecord('B', id('m'))?.type).toBe(RECORD_TYPE.MESSAGE);
    expect(s.hasOutgoingRecords(id('m'))).toBe(true);
    s.removeRecord('C', id('m'));
    expect(s.hasOutgoingRecords(id('m'))).toBe(false);
    expect(s.removeRecord('C', id('m'))).toBeUndefined();
    expect(s.countRecords()).toBe(2);
  });

  it('copies records in and out, as a database would', () => {
    const s = new MemoryStore();
    const r = rec('B', 'm', RECORD_TYPE.MESSAGE, 3);
    s.putRecord(r);
    r.sendEpoch = 99;
    r.messageId[0] ^= 1;
    const got = s.getRecord('B', id('m'))!;
    expect(got.sendEpoch).toBe(3);
    got.sendCount = 42;
    expect(s.getRecord('B', id('m'))!.sendCount).toBe(0);
  });

  it('holds messages, groups and the epoch', () => {
    const s = new MemoryStore();
    const m = { groupId: G, timestamp: 1n, body: utf8ToBytes('x') };
    expect(s.hasMessage(id('x'))).toBe(false);
    s.putMessage(id('x'), m);
    s.putMessage(id('x'), { ...m, body: utf8ToBytes('other') }); // idempotent
    expect(s.getMessage(id('x'))).toEqual(m);
    expect(s.messageCount).toBe(1);
    s.addPeer(G, 'B');
    s.addPeer(G, 'C');
    s.addPeer(G, 'B');
    expect(s.getPeers(G).sort()).toEqual(['B', 'C']);
    expect(s.isPeerInGroup(G, 'C')).toBe(true);
    s.removePeer(G, 'C');
    expect(s.isPeerInGroup(G, 'C')).toBe(false);
    expect(s.getPeers(id('nothing'))).toEqual([]);
    expect(s.getEpoch()).toBe(0);
    s.setEpoch(12);
    expect(s.getEpoch()).toBe(12);
  });
});

describe('exponentialBackoff', () => {
  it('doubles up to the cap, then starts again at the base', () => {
    const next = exponentialBackoff({ base: 2, cap: 16 });
    expect([1, 2, 3, 4, 5, 6].map((n) => next(n, 100) - 100)).toEqual([2, 4, 8, 16, 2, 4]);
    const dflt = exponentialBackoff();
    expect([1, 6, 7].map((n) => dflt(n, 0))).toEqual([1, 32, 1]);
  });
});
