import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, equalBytes, uintToBytesBE } from '@status-stack/crypto';
import { MemorySessionStore, SecureTransport, SecureTransportError, decodeProtocolMessage } from '../src/index.js';
import { manualClock } from './helpers.js';

interface Dev {
  user: 0 | 1;
  id: string;
  priv: Uint8Array;
  t: SecureTransport;
  store: MemorySessionStore;
}

type Cmd =
  | { t: 'send'; from: number; size: number }
  | { t: 'deliver'; pick: number; dup: boolean; drop: boolean }
  | { t: 'restore'; dev: number }
  | { t: 'save'; dev: number }
  | { t: 'rotate' };

function cmdArb(rotate: boolean): fc.Arbitrary<Cmd> {
  return fc.oneof(
    { weight: 20, arbitrary: fc.record({ t: fc.constant('send' as const), from: fc.nat({ max: 3 }), size: fc.nat({ max: 48 }) }) },
    {
      weight: 28,
      arbitrary: fc.record({
        t: fc.constant('deliver' as const),
        pick: fc.nat(),
        dup: fc.nat({ max: 9 }).map((x) => x === 0),
        drop: fc.nat({ max: 9 }).map((x) => x === 0),
      }),
    },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('restore' as const), dev: fc.nat({ max: 3 }) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('save' as const), dev: fc.nat({ max: 3 }) }) },
    // A day passes: every device rotates its signed prekey on its next bundle; peers re-key.
    { weight: rotate ? 1 : 0, arbitrary: fc.constant({ t: 'rotate' as const }) },
  );
}

interface Pending {
  msg: number;
  to: number;
}

// Envelopes older than this never arrive: status mailservers keep 30 days, and rotated-out prekeys
// and idle sessions are kept 30 days too (prekeyRetentionMs / sessionRetentionMs defaults).
const HORIZON_MS = 29 * 24 * 60 * 60 * 1000;

let totalSent = 0;

async function runSchedule(cmds: Cmd[], drainDropRate: number): Promise<void> {
  const clock = manualClock();
  const privs = [new Uint8Array(32).fill(0x41), new Uint8Array(32).fill(0x42)];
  const devs: Dev[] = (['a1', 'a2', 'b1', 'b2'] as const).map((id, i) => {
    const store = new MemorySessionStore();
    const user = (i < 2 ? 0 : 1) as 0 | 1;
    return { user, id, priv: privs[user], store, t: new SecureTransport({ identityPrivateKey: privs[user], installationId: id, store, now: clock.now }) };
  });
  // Pairing and bundle exchange: every device knows every other device; own devices are enabled.
  for (const d of devs) {
    const b = await d.t.ourBundle();
    for (const o of devs) if (o !== d) await o.t.processBundle(b);
  }
  for (const d of devs) for (const o of devs) if (o !== d && o.user === d.user) await d.t.enableInstallation(o.id);

  const messages: { bytes: Uint8Array; from: number; plaintext: Uint8Array; targets: Set<string>; sentAt: number }[] = [];
  const delivered = new Map<string, number>();
  const opened: { msg: number; to: number }[] = [];
  const saved: { dev: number; snapshot: string; openedBefore: number }[] = [];
  let pending: Pending[] = [];

  const deliver = async (p: Pending): Promise<void> => {
    const m = messages[p.msg];
    const d = devs[p.to];
    const key = `${p.msg}/${p.to}`;
    const times = delivered.get(key) ?? 0;
    delivered.set(key, times + 1);
    const senderKey = devs[m.from].t.identityKey;
    if (times === 0) {
      const r = await d.t.decrypt(senderKey, m.bytes);
      expect(r.status).toBe('decrypted');
      expect(equalBytes(r.plaintext!, m.plaintext)).toBe(true);
      opened.push({ msg: p.msg, to: p.to });
    } else {
      let err: unknown;
      await d.t.decrypt(senderKey, m.bytes).catch((e: unknown) => (err = e));
      expect(err).toBeInstanceOf(SecureTransportError);
    }
  };

  for (const c of cmds) {
    clock.advance(7);
    pending = pending.filter((p) => clock.now() - messages[p.msg].sentAt < HORIZON_MS);
    if (c.t === 'send') {
      const from = c.from;
      const to = devs[from].user === 0 ? devs[2] : devs[0];
      const plaintext = concatBytes(uintToBytesBE(messages.length, 4), new Uint8Array(c.size).fill(messages.length & 0xff));
      const r = await devs[from].t.encrypt(to.t.identityKey, plaintext);
      const targets = new Set(decodeProtocolMessage(r.message).directMessage.keys());
      expect(targets.size).toBe(3);
      const idx = messages.push({ bytes: r.message, from, plaintext, targets, sentAt: clock.now() }) - 1;
      totalSent++;
      for (let i = 0; i < devs.length; i++) if (i !== from) pending.push({ msg: idx, to: i });
    } else if (c.t === 'deliver' && pending.length > 0) {
      const i = c.pick % pending.length;
      const p = pending[i];
      if (!c.dup) pending.splice(i, 1);
      if (!c.drop) await deliver(p);
    } else if (c.t === 'restore') {
      const d = devs[c.dev];
      d.store = MemorySessionStore.restore(d.store.snapshot());
      d.t = new SecureTransport({ identityPrivateKey: d.priv, installationId: d.id, store: d.store, now: clock.now });
    } else if (c.t === 'rotate') {
      clock.advance(25 * 60 * 60 * 1000);
      stats.rotations++;
    } else if (c.t === 'save') {
      saved.push({ dev: c.dev, snapshot: devs[c.dev].store.snapshot(), openedBefore: opened.length });
    }
  }
  // Drain what is still in flight, in random order, dropping some.
  pending = fc.sample(fc.shuffledSubarray(pending, { minLength: pending.length, maxLength: pending.length }), 1)[0];
  for (const p of pending) if (fc.sample(fc.double({ min: 0, max: 1, noNaN: true }), 1)[0] >= drainDropRate) await deliver(p);

  // Every targeted delivery opened exactly once.
  for (const [key, times] of delivered) {
    const [msg, to] = key.split('/').map(Number);
    expect(messages[msg].targets.has(devs[to].id)).toBe(true);
    expect(times).toBeGreaterThanOrEqual(1);
  }
  expect(opened.length).toBe(new Set(opened.map((o) => `${o.msg}/${o.to}`)).size);

  // Forward secrecy: a saved copy of past state cannot reopen a message already opened before it.
  for (const s of saved) {
    const before = opened.slice(0, s.openedBefore).filter((o) => o.to === s.dev).slice(-3);
    for (const o of before) {
      const copy = new SecureTransport({ identityPrivateKey: devs[s.dev].priv, installationId: devs[s.dev].id, store: MemorySessionStore.restore(s.snapshot), now: clock.now });
      const m = messages[o.msg];
      let err: unknown;
      await copy.decrypt(devs[m.from].t.identityKey, m.bytes).catch((e: unknown) => (err = e));
      expect(err).toBeInstanceOf(SecureTransportError);
    }
  }
  // Memory stays bounded: every session's skipped keys under the cap.
  for (const d of devs) expect(d.store.totalSkippedKeys()).toBeLessThanOrEqual(3 * 2000);
  stats.opened += opened.length;
  stats.duplicates += [...delivered.values()].filter((n) => n > 1).length;
  stats.saved += saved.length;
}

const stats = { opened: 0, duplicates: 0, saved: 0, rotations: 0 };

describe('property: two users, two devices each, random delays, reordering, drops and duplicates', () => {
  it('every message that arrives decrypts exactly once; state survives restore; used keys are gone', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb(true), { minLength: 300, maxLength: 700 }), (cmds) => runSchedule(cmds, 0.1)),
      { numRuns: 8, endOnFailure: true },
    );
    expect(totalSent).toBeGreaterThan(1000);
    // The schedules really exercised duplicates, reordering and saved past states.
    expect(stats.duplicates).toBeGreaterThan(10);
    expect(stats.saved).toBeGreaterThan(3);
    expect(stats.rotations).toBeGreaterThan(8);
    expect(stats.opened).toBeGreaterThan(totalSent);
  });

  it('a long schedule of thousands of messages', async () => {
    const before = totalSent;
    const cmds = fc.sample(fc.array(cmdArb(false), { minLength: 3500, maxLength: 3500 }), { numRuns: 1, seed: 42 })[0];
    await runSchedule(cmds, 0.05);
    expect(totalSent - before).toBeGreaterThan(1000);
  });
});
