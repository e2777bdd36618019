import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '@status-stack/crypto';
import { SESSION_NS, StorageMvdsStore, StorageSessionStore, MemoryStorage, type ClientMessage, type ClientStorage } from '../src/index.js';
import { decodeRecord, encodeRecord } from '../src/client/json-codec.js';
import { Harness, until } from './helpers/client-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface RecordVector {
  name: string;
  value: unknown;
  encoded: string;
}
// Our known answers for the storage record codec (JSON with {"$b": hex} bytes and {"$n": decimal} bigints).
const vectors = JSON.parse(readFileSync(new URL('../../../vectors/status-client/storage-records.json', import.meta.url), 'utf8')) as { records: RecordVector[] };

function revive(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(revive);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$b === 'string') return hexToBytes(o.$b);
    if (typeof o.$n === 'string') return BigInt(o.$n);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, revive(x)]));
  }
  return v;
}

describe('storage record codec known answers', () => {
  for (const v of vectors.records) {
    it(`${v.name}: encodes byte for byte and decodes back`, () => {
      const value = revive(v.value);
      expect(bytesToHex(encodeRecord(value))).toBe(v.encoded);
      expect(decodeRecord(hexToBytes(v.encoded), v.name)).toEqual(value);
    });
  }
  it('a damaged record is a typed STORAGE_FAILED error', () => {
    expect(() => decodeRecord(new Uint8Array([0x7b, 0x7b]), 'junk')).toThrow(expect.objectContaining({ code: 'STORAGE_FAILED' }));
  });
});

describe('storage adapters', () => {
  it('the MVDS store survives a new instance on the same storage (records, peers, epoch, outgoing index)', async () => {
    const storage = new MemoryStorage();
    const s1 = new StorageMvdsStore(storage);
    const id = new Uint8Array(32).fill(3);
    const group = new Uint8Array(32).fill(9);
    await s1.setEpoch(7);
    await s1.addPeer(group, 'p');
    await s1.putMessage(id, { groupId: group, timestamp: 5n, body: new Uint8Array([1, 2]) });
    await s1.putRecord({ peer: 'p', messageId: id, type: 'MESSAGE', sendCount: 1, sendEpoch: 9 });
    const s2 = new StorageMvdsStore(storage);
    expect(await s2.getEpoch()).toBe(7);
    expect(await s2.getPeers(group)).toEqual(['p']);
    expect(await s2.getMessage(id)).toEqual({ groupId: group, timestamp: 5n, body: new Uint8Array([1, 2]) });
    expect(await s2.dueRecords(8)).toEqual([]);
    expect((await s2.dueRecords(9)).map((r) => r.sendCount)).toEqual([1]);
    expect(await s2.hasOutgoingRecords(id)).toBe(true);
    expect(await s2.countRecords('p', 'MESSAGE')).toBe(1);
    await s2.removeRecord('p', id);
    expect(await new StorageMvdsStore(storage).hasOutgoingRecords(id)).toBe(false);
    await storage.close();
  });

  it('the session store applies a batch atomically: a failing write leaves nothing behind', async () => {
    const storage = new MemoryStorage();
    const store = new StorageSessionStore(storage);
    const session = {
      id: 'aa/dev/bb/cc',
      identity: new Uint8Array(33).fill(2),
      installationId: 'dev',
      bundleId: new Uint8Array(33).fill(4),
      sharedKey: new Uint8Array(32).fill(5),
      ephemeralKey: null,
      expired: false,
      createdAt: 1,
      lastUsed: 1,
      state: {
        rootKey: new Uint8Array(32),
        dhsPrivate: new Uint8Array(32),
        dhsPublic: new Uint8Array(33),
        dhr: new Uint8Array(0),
        sendChainKey: new Uint8Array(32),
        sendN: 0,
        recvChainKey: new Uint8Array(32),
        recvN: 0,
        pn: 0,
        keysCount: 0,
      },
    };
    // A storage whose writes to the prekey namespace fail inside transactions (a disk filling up half way).
    const failing = new Proxy(storage, {
      get(target, prop, receiver) {
        if (prop !== 'transaction') return Reflect.get(target, prop, receiver) as unknown;
        return <T>(fn: (tx: ClientStorage) => Promise<T>) =>
          target.transaction((tx) =>
            fn(
              new Proxy(tx, {
                get(t, p2, r) {
                  if (p2 === 'kvPut') {
                    return (ns: string, key: string, value: Uint8Array) =>
                      ns === SESSION_NS.OUR_PREKEY ? Promise.reject(new Error('disk full')) : t.kvPut(ns, key, value);
                  }
                  return Reflect.get(t, p2, r) as unknown;
                },
              }),
            ),
          );
      },
    });
    const prekey = { privateKey: new Uint8Array(32).fill(1), publicKey: new Uint8Array(33).fill(2), version: 1, createdAt: 1, rotatedAt: null };
    await expect(new StorageSessionStore(failing).apply({ sessions: [session], ourPrekeys: [prekey] })).rejects.toThrow('disk full');
    expect(await store.getSession(session.id)).toBeUndefined();
    expect(await store.getSessionsFor(bytesToHex(session.identity), 'dev')).toEqual([]);
    await store.apply({ sessions: [session] });
    expect(await store.getSession(session.id)).toEqual(session);
    expect(await store.getSessionsFor(bytesToHex(session.identity), 'dev')).toEqual([session]);
    await storage.close();
  });
});

describe('StatusClient API', () => {
  it('messages() is an async iterator that ends when its signal aborts; waitForMessage rejects with ABORTED', async () => {
    h = new Harness();
    const a = await h.peer();
    const b = await h.peer();
    await a.client.joinPublicChat('iter');
    await b.client.joinPublicChat('iter');
    const ac = new AbortController();
    const seen: ClientMessage[] = [];
    const loop = (async () => {
      for await (const m of b.client.messages('iter', { signal: ac.signal })) {
        seen.push(m);
        if (seen.length === 2) ac.abort();
      }
    })();
    await a.client.sendMessage('iter', 'one');
    await a.client.sendMessage('iter', 'two');
    await loop;
    expect(seen.map((m) => m.text)).toEqual(['one', 'two']);
    const ac2 = new AbortController();
    const waiting = b.client.waitForMessage(() => false, { signal: ac2.signal });
    ac2.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
    const ac3 = new AbortController();
    ac3.abort();
    await expect(a.client.sendMessage('iter', 'never', { signal: ac3.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('rejects bad calls with typed errors and refuses work before start and after stop', async () => {
    h = new Harness();
    const a = await h.peer({ start: false });
    await expect(a.client.sendMessage('x', 'hi')).rejects.toMatchObject({ code: 'NOT_STARTED' });
    await a.client.start();
    await expect(a.client.start()).rejects.toMatchObject({ code: 'ALREADY_STARTED' });
    await expect(a.client.sendMessage('no-such-chat', 'hi')).rejects.toMatchObject({ code: 'UNKNOWN_CHAT' });
    await expect(a.client.startOneToOne('0x04deadbeef')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(a.client.startOneToOne(a.client.publicKeyHex)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(a.client.joinPublicChat(' spaced ')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await a.client.joinPublicChat('ok');
    await expect(a.client.sendMessage('ok', '   ')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await a.client.stop();
    await expect(a.client.sendMessage('ok', 'after stop')).rejects.toMatchObject({ code: 'NOT_STARTED' });
  });

  it('stop() leaves no timers behind', async () => {
    h = new Harness();
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const a = await h.peer();
    await a.client.joinPublicChat('timers');
    await a.client.sendMessage('timers', 'tick');
    expect(timers()).toBeGreaterThan(before);
    await a.client.stop();
    await until(() => timers() <= before, 'timers cleared');
  });
});
