import { describe, expect, it } from 'vitest';
import { bytesToUtf8, utf8ToBytes } from '@status-stack/crypto';
import {
  MemorySessionStore,
  SecureTransport,
  decodeProtocolMessage,
  type InstallationRecord,
  type OurPrekeyRecord,
  type PublicPrekeyRecord,
  type SessionRecord,
  type SessionStore,
  type StoreBatch,
} from '../src/index.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A store whose every call is asynchronous, as a SQLite-backed one would be; it logs writes. */
class AsyncStore implements SessionStore {
  readonly inner = new MemorySessionStore();
  readonly writes: StoreBatch[] = [];
  async getSession(id: string): Promise<SessionRecord | undefined> {
    await tick();
    return this.inner.getSession(id);
  }
  async getSessionsFor(identityHex: string, installationId: string): Promise<SessionRecord[]> {
    await tick();
    return this.inner.getSessionsFor(identityHex, installationId);
  }
  async getSkippedKey(sessionId: string, dh: string, n: number): Promise<Uint8Array | undefined> {
    await tick();
    return this.inner.getSkippedKey(sessionId, dh, n);
  }
  async countSkippedKeys(sessionId: string): Promise<number> {
    await tick();
    return this.inner.countSkippedKeys(sessionId);
  }
  async getPublicPrekeys(identityHex: string): Promise<PublicPrekeyRecord[]> {
    await tick();
    return this.inner.getPublicPrekeys(identityHex);
  }
  async getInstallations(identityHex: string): Promise<InstallationRecord[]> {
    await tick();
    return this.inner.getInstallations(identityHex);
  }
  async getOurPrekeys(): Promise<OurPrekeyRecord[]> {
    await tick();
    return this.inner.getOurPrekeys();
  }
  async apply(batch: StoreBatch): Promise<void> {
    await tick();
    this.writes.push(batch);
    this.inner.apply(batch);
  }
}

describe('SessionStore port', () => {
  it('works over an asynchronous store; concurrent calls are serialised and never reuse a message key', async () => {
    const aStore = new AsyncStore();
    const bStore = new AsyncStore();
    const a = new SecureTransport({ identityPrivateKey: new Uint8Array(32).fill(1), installationId: 'a1', store: aStore });
    const b = new SecureTransport({ identityPrivateKey: new Uint8Array(32).fill(2), installationId: 'b1', store: bStore });
    await a.processBundle(await b.ourBundle());
    const sent = await Promise.all(Array.from({ length: 20 }, (_, i) => a.encrypt(b.identityKey, utf8ToBytes(`m${i}`))));
    const ns = sent.map((s) => decodeProtocolMessage(s.message).directMessage.get('b1')!.drHeader!.n);
    expect(new Set(ns).size).toBe(20);
    const opened = await Promise.all(sent.map((s) => b.decrypt(a.identityKey, s.message)));
    expect(opened.map((r) => bytesToUtf8(r.plaintext!)).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`).sort());
  });

  it('a decryption’s state reaches the store, in one write, before its plaintext is returned', async () => {
    const aStore = new AsyncStore();
    const bStore = new AsyncStore();
    const a = new SecureTransport({ identityPrivateKey: new Uint8Array(32).fill(1), installationId: 'a1', store: aStore });
    const b = new SecureTransport({ identityPrivateKey: new Uint8Array(32).fill(2), installationId: 'b1', store: bStore });
    await a.processBundle(await b.ourBundle());
    const m = await a.encrypt(b.identityKey, utf8ToBytes('x'));
    const before = bStore.writes.length;
    const r = await b.decrypt(a.identityKey, m.message);
    expect(r.method).toBe('x3dh');
    expect(bStore.writes.length).toBe(before + 1);
    const w = bStore.writes[before];
    expect(w.sessions).toHaveLength(1);
    expect(w.publicPrekeys).toHaveLength(1);
    // The written state is what the next message needs: a fresh instance on the same store opens it.
    const b2 = new SecureTransport({ identityPrivateKey: new Uint8Array(32).fill(2), installationId: 'b1', store: bStore });
    const m2 = await a.encrypt(b.identityKey, utf8ToBytes('y'));
    expect(bytesToUtf8((await b2.decrypt(a.identityKey, m2.message)).plaintext!)).toBe('y');
  });

  it('MemorySessionStore.apply is all-or-nothing and copies records in and out', () => {
    const s = new MemorySessionStore();
    const rec: InstallationRecord = { identity: new Uint8Array(33).fill(2), installationId: 'x', protocolVersion: 1, lastSeen: 5, enabled: true };
    s.apply({ installations: [rec] });
    rec.enabled = false;
    const got = s.getInstallations('02'.repeat(33));
    expect(got[0].enabled).toBe(true);
    got[0].enabled = false;
    expect(s.getInstallations('02'.repeat(33))[0].enabled).toBe(true);
    const snap = s.snapshot();
    expect(() => s.apply({ installations: [rec], putSkippedKeys: [null as unknown as never] })).toThrow();
    expect(s.snapshot()).toBe(snap);
    expect(MemorySessionStore.restore(snap).snapshot()).toBe(snap);
  });
});
