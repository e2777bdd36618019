/**
 * The behaviour every MVDS `Store` promises, as a vitest suite an implementer runs with one import:
 *
 *   import { mvdsStoreContract } from '@status-stack/mvds/testing';
 *   mvdsStoreContract('my store', () => new MyStore());
 *
 * `create` returns a fresh, empty store each time. With `reopen`, the suite also checks that what a
 * store holds survives closing it and opening it again (a database-backed store).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex, sha256, utf8ToBytes } from '@status-stack/crypto';
import { MvdsNode } from './mvds-node.js';
import { RECORD_TYPE, type MaybePromise, type PeerId, type ReceivedMessage, type Store, type SyncRecord } from './types.js';

export interface MvdsStoreHarness {
  /** A fresh, empty store. */
  create(): MaybePromise<Store>;
  /** Closes `store` and opens the same data again; omit for stores without persistence. */
  reopen?(store: Store): MaybePromise<Store>;
  /** Releases a store the suite is done with. */
  dispose?(store: Store): MaybePromise<void>;
}

const id = (s: string): Uint8Array => sha256(utf8ToBytes(s));
const GROUP = id('contract-group');

function rec(peer: string, m: string, type: SyncRecord['type'], sendEpoch: number, extra: Partial<SyncRecord> = {}): SyncRecord {
  return { peer, messageId: id(m), type, sendCount: 0, sendEpoch, ...extra };
}

const summary = (rs: readonly SyncRecord[]): string[] => rs.map((r) => `${r.peer}:${r.type}:${r.sendEpoch}`).sort();

export function mvdsStoreContract(name: string, harness: MvdsStoreHarness | (() => MaybePromise<Store>)): void {
  const h: MvdsStoreHarness = typeof harness === 'function' ? { create: harness } : harness;
  describe(`MVDS Store contract: ${name}`, () => {
    const open: Store[] = [];
    const nodes: MvdsNode[] = [];
    async function fresh(): Promise<Store> {
      const s = await h.create();
      open.push(s);
      return s;
    }
    afterEach(async () => {
      for (const n of nodes.splice(0)) await n.stop();
      for (const s of open.splice(0)) await h.dispose?.(s);
    });

    it('starts empty', async () => {
      const s = await fresh();
      expect(await s.getEpoch()).toBe(0);
      expect(await s.hasMessage(id('m'))).toBe(false);
      expect(await s.getMessage(id('m'))).toBeUndefined();
      expect(await s.getPeers(GROUP)).toEqual([]);
      expect(await s.countRecords()).toBe(0);
      expect(await s.dueRecords(Number.MAX_SAFE_INTEGER)).toEqual([]);
      expect(await s.hasOutgoingRecords(id('m'))).toBe(false);
    });

    it('keeps one record per (peer, message id); due records are those with sendEpoch <= epoch', async () => {
      const s = await fresh();
      await s.putRecord(rec('B', 'm1', RECORD_TYPE.OFFER, 5));
      await s.putRecord(rec('B', 'm1', RECORD_TYPE.MESSAGE, 2, { sendCount: 3, firstSendEpoch: 1 }));
      await s.putRecord(rec('C', 'm1', RECORD_TYPE.MESSAGE, 7));
      await s.putRecord(rec('B', 'm2', RECORD_TYPE.REQUEST, 1));
      expect(await s.countRecords()).toBe(3);
      expect(await s.countRecords('B')).toBe(2);
      expect(await s.countRecords('B', RECORD_TYPE.OFFER)).toBe(0);
      expect(await s.countRecords(undefined, RECORD_TYPE.MESSAGE)).toBe(2);
      expect(await s.countRecords('C', RECORD_TYPE.MESSAGE)).toBe(1);
      expect(await s.dueRecords(0)).toEqual([]);
      expect(summary(await s.dueRecords(2))).toEqual(['B:MESSAGE:2', 'B:REQUEST:1']);
      expect(summary(await s.dueRecords(100))).toHaveLength(3);
      const got = await s.getRecord('B', id('m1'));
      expect(got).toMatchObject({ peer: 'B', type: RECORD_TYPE.MESSAGE, sendCount: 3, sendEpoch: 2, firstSendEpoch: 1 });
      expect(bytesToHex(got!.messageId)).toBe(bytesToHex(id('m1')));
      expect(await s.getRecord('D', id('m1'))).toBeUndefined();
    });

    it('keeps the flags of a record (gaveUp, unsolicited) and the never-due epoch', async () => {
      const s = await fresh();
      await s.putRecord(rec('B', 'm', RECORD_TYPE.MESSAGE, Number.MAX_SAFE_INTEGER, { gaveUp: true, sendCount: 10 }));
      await s.putRecord(rec('C', 'm', RECORD_TYPE.MESSAGE, 4, { unsolicited: true }));
      expect(await s.getRecord('B', id('m'))).toMatchObject({ gaveUp: true, sendCount: 10, sendEpoch: Number.MAX_SAFE_INTEGER });
      expect((await s.getRecord('C', id('m')))?.unsolicited).toBe(true);
      expect(summary(await s.dueRecords(1_000_000))).toEqual(['C:MESSAGE:4']);
    });

    it('tracks outgoing records (OFFER or MESSAGE, not unsolicited) per message id', async () => {
      const s = await fresh();
      await s.putRecord(rec('B', 'm', RECORD_TYPE.MESSAGE, 0));
      await s.putRecord(rec('C', 'm', RECORD_TYPE.OFFER, 0));
      await s.putRecord(rec('D', 'm', RECORD_TYPE.MESSAGE, 0, { unsolicited: true }));
      await s.putRecord(rec('E', 'm', RECORD_TYPE.REQUEST, 0));
      expect(await s.hasOutgoingRecords(id('m'))).toBe(true);
      expect((await s.removeRecord('B', id('m')))?.type).toBe(RECORD_TYPE.MESSAGE);
      expect(await s.hasOutgoingRecords(id('m'))).toBe(true);
      await s.removeRecord('C', id('m'));
      expect(await s.hasOutgoingRecords(id('m'))).toBe(false);
      expect(await s.removeRecord('C', id('m'))).toBeUndefined();
      expect(await s.countRecords()).toBe(2);
      // Replacing a MESSAGE by an unsolicited one ends it as outgoing.
      await s.putRecord(rec('F', 'n', RECORD_TYPE.MESSAGE, 0));
      await s.putRecord(rec('F', 'n', RECORD_TYPE.MESSAGE, 0, { unsolicited: true }));
      expect(await s.hasOutgoingRecords(id('n'))).toBe(false);
    });

    it('copies records in and out: a caller cannot alias stored state', async () => {
      const s = await fresh();
      const r = rec('B', 'm', RECORD_TYPE.MESSAGE, 3);
      await s.putRecord(r);
      r.sendEpoch = 99;
      r.messageId[0] ^= 1;
      const got = (await s.getRecord('B', id('m')))!;
      expect(got.sendEpoch).toBe(3);
      got.sendCount = 42;
      expect((await s.getRecord('B', id('m')))!.sendCount).toBe(0);
    });

    it('holds messages (idempotently), group members and the epoch', async () => {
      const s = await fresh();
      const m = { groupId: GROUP, timestamp: 1_700_000_000n, body: utf8ToBytes('x') };
      await s.putMessage(id('x'), m);
      await s.putMessage(id('x'), { ...m, body: utf8ToBytes('other') });
      expect(await s.hasMessage(id('x'))).toBe(true);
      const got = await s.getMessage(id('x'));
      expect(got?.timestamp).toBe(1_700_000_000n);
      expect(bytesToHex(got!.body)).toBe(bytesToHex(utf8ToBytes('x')));
      expect(bytesToHex(got!.groupId)).toBe(bytesToHex(GROUP));
      await s.addPeer(GROUP, 'B');
      await s.addPeer(GROUP, 'C');
      await s.addPeer(GROUP, 'B');
      expect([...(await s.getPeers(GROUP))].sort()).toEqual(['B', 'C']);
      expect(await s.isPeerInGroup(GROUP, 'C')).toBe(true);
      await s.removePeer(GROUP, 'C');
      expect(await s.isPeerInGroup(GROUP, 'C')).toBe(false);
      expect(await s.getPeers(id('another group'))).toEqual([]);
      await s.setEpoch(12);
      expect(await s.getEpoch()).toBe(12);
    });

    it('carries an engine: a message sent on it reaches a peer, and the ACK ends its record', async () => {
      const a = await fresh();
      const b = await fresh();
      const toA: Uint8Array[] = [];
      const toB: Uint8Array[] = [];
      const clock = (): number => 1_700_000_000_000;
      const na = new MvdsNode({ store: a, clock, transport: { send: (_p: PeerId, bytes: Uint8Array) => void toB.push(bytes) } });
      const nb = new MvdsNode({ store: b, clock, transport: { send: (_p: PeerId, bytes: Uint8Array) => void toA.push(bytes) } });
      nodes.push(na, nb);
      const received: ReceivedMessage[] = [];
      nb.on('message', (m) => received.push(m));
      await na.addPeer(GROUP, 'B');
      await nb.addPeer(GROUP, 'A');
      const mid = await na.send(GROUP, utf8ToBytes('through the store'));
      expect(await a.hasOutgoingRecords(mid)).toBe(true);
      await na.flush();
      for (const p of toB.splice(0)) await nb.receive('A', p);
      expect(received.map((m) => bytesToHex(m.id))).toEqual([bytesToHex(mid)]);
      await nb.flush();
      for (const p of toA.splice(0)) await na.receive('B', p);
      expect(await a.hasOutgoingRecords(mid)).toBe(false);
      expect(await a.countRecords()).toBe(0);
      expect(await na.isIdle()).toBe(true);
    });

    if (h.reopen) {
      const reopen = h.reopen.bind(h);
      it('keeps records, messages, members and the epoch across a reopen', async () => {
        const s = await h.create();
        await s.putRecord(rec('B', 'm', RECORD_TYPE.MESSAGE, 9, { sendCount: 2, firstSendEpoch: 3 }));
        await s.putMessage(id('m'), { groupId: GROUP, timestamp: 5n, body: utf8ToBytes('kept') });
        await s.addPeer(GROUP, 'B');
        await s.setEpoch(7);
        const again = await reopen(s);
        open.push(again);
        expect(await again.getEpoch()).toBe(7);
        expect(await again.getRecord('B', id('m'))).toMatchObject({ type: RECORD_TYPE.MESSAGE, sendCount: 2, sendEpoch: 9, firstSendEpoch: 3 });
        expect(await again.hasOutgoingRecords(id('m'))).toBe(true);
        expect((await again.getMessage(id('m')))?.timestamp).toBe(5n);
        expect(await again.isPeerInGroup(GROUP, 'B')).toBe(true);
      });
    }
  });
}
