/**
 * The behaviour every `SessionStore` promises, as a vitest suite an implementer runs with one import:
 *
 *   import { sessionStoreContract } from '@status-stack/secure-transport/testing';
 *   sessionStoreContract('my store', () => new MyStore());
 *
 * `create` returns a fresh, empty store each time. With `reopen`, the suite also checks that a ratchet
 * continues after the store is closed and opened again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex, bytesToUtf8, utf8ToBytes } from '@status-stack/crypto';
import { SecureTransport } from './secure-transport.js';
import type { Awaitable, InstallationRecord, OurPrekeyRecord, PublicPrekeyRecord, SessionRecord, SessionStore } from './types.js';

export interface SessionStoreHarness {
  /** A fresh, empty store. */
  create(): Awaitable<SessionStore>;
  /** Closes `store` and opens the same data again; omit for stores without persistence. */
  reopen?(store: SessionStore): Awaitable<SessionStore>;
  /** Releases a store the suite is done with. */
  dispose?(store: SessionStore): Awaitable<void>;
}

const ALICE_KEY = new Uint8Array(32).fill(0x11);
const BOB_KEY = new Uint8Array(32).fill(0x22);
const fixedNow = (): number => 1_700_000_000_000;

function transport(identityPrivateKey: Uint8Array, installationId: string, store: SessionStore): SecureTransport {
  return new SecureTransport({ identityPrivateKey, installationId, store, now: fixedNow });
}

/** Alice's stored session with Bob after a real X3DH and two ratchet steps, taken from the store under test. */
async function realSession(store: SessionStore, peerStore: SessionStore): Promise<SessionRecord> {
  const alice = transport(ALICE_KEY, 'alice-1', store);
  const bob = transport(BOB_KEY, 'bob-1', peerStore);
  await alice.processBundle(await bob.ourBundle());
  const first = await alice.encrypt(bob.identityKey, utf8ToBytes('one'));
  await bob.decrypt(alice.identityKey, first.message);
  const sessions = await store.getSessionsFor(bytesToHex(bob.identityKey), 'bob-1');
  expect(sessions).toHaveLength(1);
  return sessions[0];
}

const installation = (identityByte: number, installationId: string, lastSeen: number): InstallationRecord => ({
  identity: new Uint8Array(33).fill(identityByte),
  installationId,
  protocolVersion: 1,
  lastSeen,
  enabled: true,
});

const prekey = (identityByte: number, installationId: string, version: number): PublicPrekeyRecord => ({
  identity: new Uint8Array(33).fill(identityByte),
  installationId,
  signedPreKey: new Uint8Array(33).fill(version),
  version,
  protocolVersion: 1,
  timestamp: 1_700_000_000_000_000_000n + BigInt(version),
});

const ours = (byte: number, rotatedAt: number | null): OurPrekeyRecord => ({
  privateKey: new Uint8Array(32).fill(byte),
  publicKey: new Uint8Array(33).fill(byte),
  version: byte,
  createdAt: 1_000 * byte,
  rotatedAt,
});

export function sessionStoreContract(name: string, harness: SessionStoreHarness | (() => Awaitable<SessionStore>)): void {
  const h: SessionStoreHarness = typeof harness === 'function' ? { create: harness } : harness;
  describe(`SessionStore contract: ${name}`, () => {
    const open: SessionStore[] = [];
    async function fresh(): Promise<SessionStore> {
      const s = await h.create();
      open.push(s);
      return s;
    }
    afterEach(async () => {
      for (const s of open.splice(0)) await h.dispose?.(s);
    });

    it('starts empty', async () => {
      const s = await fresh();
      expect(await s.getSession('nothing')).toBeUndefined();
      expect(await s.getSessionsFor('02'.repeat(33), 'x')).toEqual([]);
      expect(await s.getSkippedKey('nothing', 'aa', 0)).toBeUndefined();
      expect(await s.countSkippedKeys('nothing')).toBe(0);
      expect(await s.getPublicPrekeys('02'.repeat(33))).toEqual([]);
      expect(await s.getInstallations('02'.repeat(33))).toEqual([]);
      expect(await s.getOurPrekeys()).toEqual([]);
    });

    it('returns a session as written (bytes, numbers and the ratchet state), found by id and by device', async () => {
      const s = await fresh();
      const rec = await realSession(s, await fresh());
      const byId = await s.getSession(rec.id);
      expect(byId).toEqual(rec);
      const copy: SessionRecord = { ...structuredClone(rec), id: `${rec.id}-copy`, installationId: 'other-device' };
      await s.apply({ sessions: [copy] });
      expect((await s.getSessionsFor(bytesToHex(rec.identity), rec.installationId)).map((r) => r.id)).toEqual([rec.id]);
      expect((await s.getSessionsFor(bytesToHex(rec.identity), 'other-device')).map((r) => r.id)).toEqual([copy.id]);
      expect(await s.getSessionsFor('03'.repeat(33), rec.installationId)).toEqual([]);
      // A later write of the same id replaces it.
      await s.apply({ sessions: [{ ...copy, expired: true, lastUsed: copy.lastUsed + 1 }] });
      expect(await s.getSession(copy.id)).toMatchObject({ expired: true, lastUsed: copy.lastUsed + 1 });
    });

    it('copies records in and out: a caller cannot alias stored state', async () => {
      const s = await fresh();
      const rec = installation(2, 'x', 5);
      await s.apply({ installations: [rec] });
      rec.enabled = false;
      const got = await s.getInstallations('02'.repeat(33));
      expect(got[0].enabled).toBe(true);
      got[0].enabled = false;
      got[0].identity[0] = 9;
      expect((await s.getInstallations('02'.repeat(33)))[0]).toEqual(installation(2, 'x', 5));
    });

    it('stores skipped keys per (session, chain, n); prunes by sequence and keeps the newest', async () => {
      const s = await fresh();
      const mk = (i: number): Uint8Array => new Uint8Array(32).fill(i);
      await s.apply({
        putSkippedKeys: [1, 2, 3, 4, 5].map((n) => ({ sessionId: 'S', dh: 'aa', n, mk: mk(n), seq: n })),
      });
      await s.apply({ putSkippedKeys: [{ sessionId: 'T', dh: 'aa', n: 1, mk: mk(99), seq: 1 }] });
      expect(await s.countSkippedKeys('S')).toBe(5);
      expect(bytesToHex((await s.getSkippedKey('S', 'aa', 3))!)).toBe(bytesToHex(mk(3)));
      expect(await s.getSkippedKey('S', 'bb', 3)).toBeUndefined();
      await s.apply({ deleteSkippedKeys: [{ sessionId: 'S', dh: 'aa', n: 3 }] });
      expect(await s.getSkippedKey('S', 'aa', 3)).toBeUndefined();
      expect(await s.countSkippedKeys('S')).toBe(4);
      // Drop seq <= 1, then keep only the 2 newest of what is left (4 and 5).
      await s.apply({ pruneSkippedKeys: [{ sessionId: 'S', deleteUpToSeq: 1, maxKeys: 2 }] });
      expect(await s.countSkippedKeys('S')).toBe(2);
      expect(await s.getSkippedKey('S', 'aa', 2)).toBeUndefined();
      expect(await s.getSkippedKey('S', 'aa', 4)).toBeDefined();
      expect(await s.getSkippedKey('S', 'aa', 5)).toBeDefined();
      expect(await s.countSkippedKeys('T')).toBe(1);
    });

    it('deleting a session deletes its skipped keys', async () => {
      const s = await fresh();
      const rec = await realSession(s, await fresh());
      await s.apply({ putSkippedKeys: [{ sessionId: rec.id, dh: 'aa', n: 1, mk: new Uint8Array(32), seq: 1 }] });
      await s.apply({ deleteSessions: [rec.id] });
      expect(await s.getSession(rec.id)).toBeUndefined();
      expect(await s.countSkippedKeys(rec.id)).toBe(0);
      expect(await s.getSkippedKey(rec.id, 'aa', 1)).toBeUndefined();
    });

    it('keeps one prekey and one installation per device of an identity, the last written', async () => {
      const s = await fresh();
      await s.apply({ publicPrekeys: [prekey(2, 'a', 1), prekey(2, 'b', 1), prekey(3, 'a', 1)] });
      await s.apply({ publicPrekeys: [prekey(2, 'a', 2)] });
      const two = (await s.getPublicPrekeys('02'.repeat(33))).sort((x, y) => x.installationId.localeCompare(y.installationId));
      expect(two).toEqual([prekey(2, 'a', 2), prekey(2, 'b', 1)]);
      expect(await s.getPublicPrekeys('03'.repeat(33))).toEqual([prekey(3, 'a', 1)]);
      await s.apply({ installations: [installation(2, 'a', 1), installation(2, 'b', 1)] });
      await s.apply({ installations: [{ ...installation(2, 'a', 7), enabled: false }] });
      const devices = (await s.getInstallations('02'.repeat(33))).sort((x, y) => x.installationId.localeCompare(y.installationId));
      expect(devices).toEqual([{ ...installation(2, 'a', 7), enabled: false }, installation(2, 'b', 1)]);
    });

    it('keeps our prekeys by public key; a rotation and a deletion are written through', async () => {
      const s = await fresh();
      await s.apply({ ourPrekeys: [ours(1, null), ours(2, null)] });
      await s.apply({ ourPrekeys: [ours(1, 5_000)], deleteOurPrekeys: [bytesToHex(ours(2, null).publicKey)] });
      expect(await s.getOurPrekeys()).toEqual([ours(1, 5_000)]);
    });

    it('applies a batch all or nothing: a batch that fails part-way changes nothing', async () => {
      const s = await fresh();
      await s.apply({ installations: [installation(2, 'kept', 1)] });
      const bad = { installations: [installation(2, 'new', 2)], putSkippedKeys: [null as unknown as never] };
      await expect(Promise.resolve().then(() => s.apply(bad))).rejects.toThrow();
      expect((await s.getInstallations('02'.repeat(33))).map((r) => r.installationId)).toEqual(['kept']);
    });

    it('carries the protocol: X3DH, a ratchet both ways and a message out of order', async () => {
      const a = await fresh();
      const b = await fresh();
      const alice = transport(ALICE_KEY, 'alice-1', a);
      const bob = transport(BOB_KEY, 'bob-1', b);
      await alice.processBundle(await bob.ourBundle());
      const m1 = await alice.encrypt(bob.identityKey, utf8ToBytes('first'));
      const r1 = await bob.decrypt(alice.identityKey, m1.message);
      expect(r1.method).toBe('x3dh');
      expect(bytesToUtf8(r1.plaintext!)).toBe('first');
      const reply = await bob.encrypt(alice.identityKey, utf8ToBytes('reply'));
      expect(bytesToUtf8((await alice.decrypt(bob.identityKey, reply.message)).plaintext!)).toBe('reply');
      const late = await alice.encrypt(bob.identityKey, utf8ToBytes('late'));
      const early = await alice.encrypt(bob.identityKey, utf8ToBytes('early'));
      expect(bytesToUtf8((await bob.decrypt(alice.identityKey, early.message)).plaintext!)).toBe('early');
      const [session] = await b.getSessionsFor(bytesToHex(alice.identityKey), 'alice-1');
      expect(await b.countSkippedKeys(session.id)).toBe(1);
      expect(bytesToUtf8((await bob.decrypt(alice.identityKey, late.message)).plaintext!)).toBe('late');
      expect(await b.countSkippedKeys(session.id)).toBe(0);
      // A message key is used once: the same message again does not open.
      const again = await bob.decrypt(alice.identityKey, late.message).then(
        (r) => r.plaintext,
        () => undefined,
      );
      expect(again).toBeUndefined();
    });

    if (h.reopen) {
      const reopen = h.reopen.bind(h);
      it('a ratchet continues after the store is closed and opened again', async () => {
        const a = await fresh();
        const b = await h.create();
        const alice = transport(ALICE_KEY, 'alice-1', a);
        let bob = transport(BOB_KEY, 'bob-1', b);
        await alice.processBundle(await bob.ourBundle());
        await bob.decrypt(alice.identityKey, (await alice.encrypt(bob.identityKey, utf8ToBytes('before'))).message);
        await alice.decrypt(bob.identityKey, (await bob.encrypt(alice.identityKey, utf8ToBytes('answer'))).message);
        const b2 = await reopen(b);
        open.push(b2);
        bob = transport(BOB_KEY, 'bob-1', b2);
        const m = await alice.encrypt(bob.identityKey, utf8ToBytes('after'));
        const r = await bob.decrypt(alice.identityKey, m.message);
        expect(r.method).toBe('ratchet');
        expect(bytesToUtf8(r.plaintext!)).toBe('after');
      });
    }
  });
}
