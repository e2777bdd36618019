// One contract, three implementations: every test here runs on MemoryStorage, on SqliteStorage and on an encrypted SqliteStorage.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryStorage, STORAGE_ERROR, SqliteStorage, StorageError, type ClientStorage, type MessageRecord } from '../src/index.js';
import { chat, contact, installation, message } from './helpers/records.js';

const dir = mkdtempSync(join(tmpdir(), 'client-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

const implementations: [string, () => ClientStorage][] = [
  ['MemoryStorage', () => new MemoryStorage()],
  ['SqliteStorage', () => SqliteStorage.open(join(dir, `contract-${counter++}.db`))],
  ['SqliteStorage (encrypted)', () => SqliteStorage.open(join(dir, `contract-${counter++}.db`), { key: new Uint8Array(32).fill(counter) })],
];

async function expectStorageError(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StorageError);
  expect((err as StorageError).code).toBe(code);
}

const isWellFormed = (s: string): boolean => Buffer.from(s, 'utf8').toString('utf8') === s;
const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const orderOf = (a: MessageRecord, b: MessageRecord): number => (a.clock === b.clock ? utf8Order(a.id, b.id) : a.clock < b.clock ? -1 : 1);

describe.each(implementations)('ClientStorage contract: %s', (_name, make) => {
  const opened: ClientStorage[] = [];
  const open = (): ClientStorage => {
    const s = make();
    opened.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });

  it('stores accounts and settings', async () => {
    const s = open();
    expect(await s.getAccount('0x04aa')).toBeUndefined();
    await s.putAccount({ publicKey: '0x04bb', name: 'B', createdAt: 2 });
    await s.putAccount({ publicKey: '0x04aa', name: 'A', createdAt: 1 });
    await s.putAccount({ publicKey: '0x04aa', name: 'A2', createdAt: 3 });
    expect(await s.getAccount('0x04aa')).toEqual({ publicKey: '0x04aa', name: 'A2', createdAt: 3 });
    expect((await s.listAccounts()).map((a) => a.publicKey)).toEqual(['0x04aa', '0x04bb']);
    await s.putSetting('theme', 'dark');
    await s.putSetting('theme', 'light');
    await s.putSetting('empty', '');
    expect(await s.getSetting('theme')).toBe('light');
    expect(await s.getSetting('empty')).toBe('');
    expect(await s.deleteSetting('theme')).toBe(true);
    expect(await s.deleteSetting('theme')).toBe(false);
    expect(await s.getSetting('theme')).toBeUndefined();
  });

  it('stores chats with all their fields, upserting by id', async () => {
    const s = open();
    const group = chat('group-1', { type: 'private-group', name: 'Friends', members: JSON.stringify({ admins: ['0x04aa'] }), lastClock: 2n ** 62n + 5n });
    await s.putChat(chat('status'));
    await s.putChat(group);
    await s.putChat(chat('0x04cc', { type: 'one-to-one', joined: false }));
    expect(await s.getChat('group-1')).toEqual(group);
    await s.putChat({ ...group, name: 'Renamed', updatedAt: group.updatedAt + 1 });
    expect((await s.getChat('group-1'))?.name).toBe('Renamed');
    expect((await s.listChats()).map((c) => [c.id, c.type, c.joined])).toEqual([
      ['0x04cc', 'one-to-one', false],
      ['group-1', 'private-group', true],
      ['status', 'public', true],
    ]);
    expect(await s.deleteChat('status')).toBe(true);
    expect(await s.deleteChat('status')).toBe(false);
    expect(await s.getChat('status')).toBeUndefined();
  });

  it('inserts messages once by id (de-duplication) and keeps every field', async () => {
    const s = open();
    const m = message('0x01', 'status', 5n, {
      outgoing: true,
      deliveryState: 'pending',
      responseTo: '0x00',
      content: '{"sticker":1}',
      payload: Uint8Array.from([0, 1, 2, 255]),
      text: 'héllo 🌍',
    });
    expect(await s.insertMessage(m)).toBe(true);
    expect(await s.insertMessage({ ...m, text: 'changed' })).toBe(false);
    const got = await s.getMessage('0x01');
    expect(got).toEqual(m);
    expect(got?.payload).toBeInstanceOf(Uint8Array);
    // stored copies are independent of the caller's buffers
    (m.payload as Uint8Array)[0] = 9;
    expect((await s.getMessage('0x01'))?.payload?.[0]).toBe(0);
    expect(await s.insertMessages([message('0x02', 'status', 6n), message('0x01', 'status', 5n), message('0x03', 'status', 7n), message('0x02', 'status', 6n)])).toBe(2);
    expect(await s.countMessages('status')).toBe(3);
    expect(await s.countMessages('other')).toBe(0);
    expect(await s.insertMessages([])).toBe(0);
  });

  it('updates delivery state and deletes messages', async () => {
    const s = open();
    await s.insertMessage(message('0x01', 'c', 1n, { outgoing: true, deliveryState: 'pending' }));
    expect(await s.updateDeliveryState('0x01', 'sent')).toBe(true);
    expect(await s.updateDeliveryState('0x01', 'delivered')).toBe(true);
    expect((await s.getMessage('0x01'))?.deliveryState).toBe('delivered');
    expect(await s.updateDeliveryState('0xmissing', 'sent')).toBe(false);
    expect(await s.deleteMessage('0x01')).toBe(true);
    expect(await s.deleteMessage('0x01')).toBe(false);
    expect(await s.countMessages('c')).toBe(0);
    expect((await s.listMessages('c', { limit: 10 })).messages).toEqual([]);
  });

  it('pages messages in (clock, id) order, forward and backward', async () => {
    const s = open();
    const all = [3n, 1n, 2n, 2n, 5n, 4n, 2n].map((clock, i) => message(`0x0${7 - i}`, 'c', clock));
    await s.insertMessages(all);
    await s.insertMessage(message('0xother', 'd', 0n));
    const sorted = [...all].sort(orderOf).map((m) => m.id);
    const forward: string[] = [];
    let page = await s.listMessages('c', { limit: 3 });
    forward.push(...page.messages.map((m) => m.id));
    while (page.next) {
      page = await s.listMessages('c', { limit: 3, cursor: page.next });
      forward.push(...page.messages.map((m) => m.id));
    }
    expect(forward).toEqual(sorted);
    const backward: string[][] = [];
    page = await s.listMessages('c', { limit: 3, direction: 'backward' });
    backward.push(page.messages.map((m) => m.id));
    while (page.next) {
      page = await s.listMessages('c', { limit: 3, direction: 'backward', cursor: page.next });
      backward.push(page.messages.map((m) => m.id));
    }
    expect(backward).toEqual([sorted.slice(4), sorted.slice(1, 4), sorted.slice(0, 1)]);
    const exact = await s.listMessages('c', { limit: 7 });
    expect(exact.messages).toHaveLength(7);
    expect(exact.next).toBeUndefined();
  });

  it('pages like a sorted model for any set of messages (property)', async () => {
    const s = open();
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ id: fc.string({ minLength: 1, maxLength: 4, unit: 'grapheme' }), clock: fc.bigInt({ min: 0n, max: 5n }) }), { maxLength: 25 }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        async (specs, limit, backward) => {
          const chatId = `prop-${round++}`;
          // ids are global: an id stored by an earlier round is a duplicate here too
          const model = new Map<string, MessageRecord>();
          for (const { id, clock } of specs) {
            const m = message(id, chatId, clock);
            const existed = (await s.getMessage(id)) !== undefined;
            const inserted = await s.insertMessage(m);
            expect(inserted).toBe(!existed);
            if (inserted) model.set(id, m);
          }
          const expected = [...model.values()].sort(orderOf).map((m) => m.id);
          const pages: string[][] = [];
          let page = await s.listMessages(chatId, { limit, direction: backward ? 'backward' : 'forward' });
          pages.push(page.messages.map((m) => m.id));
          while (page.next) {
            page = await s.listMessages(chatId, { limit, direction: backward ? 'backward' : 'forward', cursor: page.next });
            pages.push(page.messages.map((m) => m.id));
          }
          const flat = (backward ? [...pages].reverse() : pages).flat();
          expect(flat).toEqual(expected);
          for (const p of pages) expect(p.length).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('stores contacts and installations', async () => {
    const s = open();
    await s.putContact(contact('0x04bb', { name: 'bob.eth', lastUpdated: 10n }));
    await s.putContact(contact('0x04aa', { blocked: true, added: false }));
    expect(await s.getContact('0x04bb')).toEqual(contact('0x04bb', { name: 'bob.eth', lastUpdated: 10n }));
    expect((await s.listContacts()).map((c) => [c.publicKey, c.blocked])).toEqual([
      ['0x04aa', true],
      ['0x04bb', false],
    ]);
    expect(await s.deleteContact('0x04aa')).toBe(true);
    expect(await s.getContact('0x04aa')).toBeUndefined();

    await s.putInstallation(installation('0x04me', 'b-id', { metadata: '{"name":"laptop"}' }));
    await s.putInstallation(installation('0x04me', 'a-id'));
    await s.putInstallation(installation('0x04bob', 'c-id', { enabled: false }));
    await s.putInstallation(installation('0x04me', 'a-id', { enabled: false, lastSeen: 5 }));
    expect(await s.getInstallation('0x04me', 'a-id')).toEqual(installation('0x04me', 'a-id', { enabled: false, lastSeen: 5 }));
    expect((await s.listInstallations('0x04me')).map((i) => i.installationId)).toEqual(['a-id', 'b-id']);
    expect(await s.listInstallations('0x04bob')).toEqual([installation('0x04bob', 'c-id', { enabled: false })]);
    expect(await s.deleteInstallation('0x04me', 'b-id')).toBe(true);
    expect(await s.deleteInstallation('0x04me', 'b-id')).toBe(false);
    expect(await s.getInstallation('0x04me', 'b-id')).toBeUndefined();
  });

  it('keeps namespaced bytes, listing by prefix in UTF-8 order', async () => {
    const s = open();
    await s.kvPut('sessions', 'bob/1', Uint8Array.from([1]));
    await s.kvPut('sessions', 'bob/2', Uint8Array.from([2]));
    await s.kvPut('sessions', 'bob', Uint8Array.from([0]));
    await s.kvPut('sessions', 'boc', Uint8Array.from([3]));
    await s.kvPut('prekeys', 'bob/1', Uint8Array.from([9]));
    await s.kvPut('sessions', 'empty', new Uint8Array(0));
    expect(await s.kvGet('sessions', 'bob/1')).toEqual(Uint8Array.from([1]));
    expect(await s.kvGet('sessions', 'empty')).toEqual(new Uint8Array(0));
    expect(await s.kvGet('sessions', 'nope')).toBeUndefined();
    expect((await s.kvList('sessions', 'bob')).map((e) => e.key)).toEqual(['bob', 'bob/1', 'bob/2']);
    expect((await s.kvList('sessions', 'bob/')).map((e) => [e.key, e.value[0]])).toEqual([
      ['bob/1', 1],
      ['bob/2', 2],
    ]);
    expect((await s.kvList('sessions')).map((e) => e.key)).toEqual(['bob', 'bob/1', 'bob/2', 'boc', 'empty']);
    expect(await s.kvList('none')).toEqual([]);
    await s.kvPut('sessions', 'bob/1', Uint8Array.from([7, 7]));
    expect(await s.kvGet('sessions', 'bob/1')).toEqual(Uint8Array.from([7, 7]));
    expect(await s.kvDelete('sessions', 'bob/1')).toBe(true);
    expect(await s.kvDelete('sessions', 'bob/1')).toBe(false);
    expect(await s.kvGet('prekeys', 'bob/1')).toEqual(Uint8Array.from([9]));
    expect(await s.kvCount('sessions', 'bo')).toBe(3);
    expect(await s.kvCount('sessions')).toBe(4);
    expect(await s.kvDeletePrefix('sessions', 'bob')).toBe(2);
    expect((await s.kvList('sessions')).map((e) => e.key)).toEqual(['boc', 'empty']);
    expect(await s.kvDeletePrefix('sessions', '')).toBe(2);
    expect(await s.kvCount('sessions')).toBe(0);
    expect(await s.kvCount('prekeys')).toBe(1);
  });

  it('lists any keys by prefix like a byte-sorted model (property)', async () => {
    const s = open();
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ maxLength: 4, unit: 'binary' }), { maxLength: 20 }),
        fc.string({ maxLength: 2, unit: 'binary' }),
        async (keys, prefix) => {
          const ns = `ns-${round++}`;
          // lone surrogates are not valid text in SQLite; keys are well-formed strings
          const wellFormed = keys.filter(isWellFormed);
          for (const [i, k] of wellFormed.entries()) await s.kvPut(ns, k, Uint8Array.from([i]));
          const p = isWellFormed(prefix) ? prefix : '';
          const expected = wellFormed.filter((k) => k.startsWith(p)).sort(utf8Order);
          expect((await s.kvList(ns, p)).map((e) => e.key)).toEqual(expected);
          expect(await s.kvCount(ns, p)).toBe(expected.length);
          expect(await s.kvDeletePrefix(ns, p)).toBe(expected.length);
          expect((await s.kvList(ns)).map((e) => e.key)).toEqual(wellFormed.filter((k) => !k.startsWith(p)).sort(utf8Order));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('commits a transaction whole', async () => {
    const s = open();
    const result = await s.transaction(async (tx) => {
      await tx.putChat(chat('c', { lastClock: 2n }));
      await tx.insertMessage(message('0x01', 'c', 1n));
      await tx.insertMessage(message('0x02', 'c', 2n));
      await tx.kvPut('mvds', 'state', Uint8Array.from([1]));
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(await s.countMessages('c')).toBe(2);
    expect((await s.getChat('c'))?.lastClock).toBe(2n);
    expect(await s.kvGet('mvds', 'state')).toEqual(Uint8Array.from([1]));
  });

  it('rolls back a failed transaction entirely', async () => {
    const s = open();
    await s.putChat(chat('c'));
    await s.insertMessage(message('0x00', 'c', 0n));
    await s.kvPut('ns', 'k', Uint8Array.from([1]));
    const boom = new Error('boom');
    await expect(
      s.transaction(async (tx) => {
        await tx.putChat(chat('c', { lastClock: 9n, name: 'changed' }));
        await tx.insertMessage(message('0x01', 'c', 1n));
        await tx.updateDeliveryState('0x00', 'failed');
        await tx.deleteMessage('0x00');
        await tx.kvPut('ns', 'k', Uint8Array.from([2]));
        await tx.kvDelete('ns', 'k');
        await tx.kvDeletePrefix('ns', '');
        await tx.putContact(contact('0x04aa'));
        await tx.putSetting('s', 'v');
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await s.getChat('c')).toEqual(chat('c'));
    expect((await s.listMessages('c', { limit: 10 })).messages).toEqual([message('0x00', 'c', 0n)]);
    expect(await s.kvGet('ns', 'k')).toEqual(Uint8Array.from([1]));
    expect(await s.getContact('0x04aa')).toBeUndefined();
    expect(await s.getSetting('s')).toBeUndefined();
  });

  it('nests transactions as savepoints', async () => {
    const s = open();
    await s.transaction(async (tx) => {
      await tx.putSetting('outer', '1');
      await expect(
        tx.transaction(async (inner) => {
          await inner.putSetting('inner', '1');
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
      await tx.transaction(async (inner) => {
        await inner.putSetting('inner2', '1');
      });
      expect(await tx.insertMessages([message('0x01', 'c', 1n), message('0x02', 'c', 2n)])).toBe(2);
    });
    expect(await s.getSetting('outer')).toBe('1');
    expect(await s.getSetting('inner')).toBeUndefined();
    expect(await s.getSetting('inner2')).toBe('1');
    expect(await s.countMessages('c')).toBe(2);
  });

  it('serialises other callers behind a running transaction', async () => {
    const s = open();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const t = s.transaction(async (tx) => {
      await tx.putSetting('k', 'from-tx');
      order.push('tx-wrote');
      await gate;
      order.push('tx-done');
    });
    const outside = s.getSetting('k').then((v) => {
      order.push(`outside-read:${String(v)}`);
    });
    await new Promise((r) => setTimeout(r, 10));
    release();
    await Promise.all([t, outside]);
    expect(order).toEqual(['tx-wrote', 'tx-done', 'outside-read:from-tx']);
  });

  it('refuses a transaction handle after its transaction ended', async () => {
    const s = open();
    let leaked: ClientStorage | undefined;
    await s.transaction(async (tx) => {
      leaked = tx;
    });
    await expectStorageError((leaked as ClientStorage).putSetting('a', 'b'), STORAGE_ERROR.INVALID_ARGUMENT);
  });

  it('rejects invalid values with INVALID_ARGUMENT and writes nothing', async () => {
    const s = open();
    await expectStorageError(s.insertMessage(message('0x01', 'c', -1n)), STORAGE_ERROR.INVALID_ARGUMENT);
    await expectStorageError(s.insertMessage(message('0x01', 'c', 2n ** 63n)), STORAGE_ERROR.INVALID_ARGUMENT);
    await expectStorageError(s.insertMessage(message('', 'c', 1n)), STORAGE_ERROR.INVALID_ARGUMENT);
    await expectStorageError(s.insertMessage({ ...message('0x01', 'c', 1n), timestamp: 1.5 }), STORAGE_ERROR.INVALID_ARGUMENT);
    await expectStorageError(s.insertMessage({ ...message('0x01', 'c', 1n), deliveryState: 'lost' as never }), STORAGE_ERROR.INVALID_ARGUMENT);
    await expectStorageError(s.insertMessages([message('0x01', 'c', 1n), message('0x02', 'c', -5n)]), STORAGE_ERROR.INVALID_ARGUMENT);
    await expectStorageError(s.putChat({ ...chat('c'), type: 'channel' as never }), STORAGE_ERROR.INVALID_ARGUMENT);
    await expectStorageError(s.putContact({ ...contact('0x04aa'), lastUpdated: 1 as never }), STORAGE_ERROR.INVALID_ARGUMENT);
    await expectStorageError(s.kvPut('', 'k', new Uint8Array(1)), STORAGE_ERROR.INVALID_ARGUMENT);
    await expectStorageError(s.kvPut('ns', 'k', [1, 2] as never), STORAGE_ERROR.INVALID_ARGUMENT);
    await expectStorageError(s.listMessages('c', { limit: 0 }), STORAGE_ERROR.INVALID_ARGUMENT);
    await expectStorageError(s.listMessages('c', { limit: 10_001 }), STORAGE_ERROR.INVALID_ARGUMENT);
    await expectStorageError(s.updateDeliveryState('0x01', 'bogus' as never), STORAGE_ERROR.INVALID_ARGUMENT);
    expect(await s.countMessages('c')).toBe(0);
    expect(await s.getChat('c')).toBeUndefined();
  });

  it('fails with CLOSED after close, and close is idempotent', async () => {
    const s = make();
    await s.putSetting('a', 'b');
    await s.close();
    expect(s.closed).toBe(true);
    await s.close();
    await expectStorageError(s.getSetting('a'), STORAGE_ERROR.CLOSED);
    await expectStorageError(s.transaction(async () => undefined), STORAGE_ERROR.CLOSED);
  });
});
