import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, bytesToUtf8, equalBytes, utf8ToBytes } from '@status-stack/crypto';
import {
  MemorySessionStore,
  SecureTransport,
  SecureTransportError,
  decodeProtocolMessage,
  encodeProtocolMessage,
  signBundle,
} from '../src/index.js';
import { manualClock } from './helpers.js';

const DAY = 24 * 60 * 60 * 1000;

interface Device {
  t: SecureTransport;
  store: MemorySessionStore;
  id: string;
  key: Uint8Array;
}

function makeUser(seed: number, ids: string[], clock = manualClock()): Device[] {
  const priv = new Uint8Array(32).fill(seed);
  return ids.map((id) => {
    const store = new MemorySessionStore();
    const t = new SecureTransport({ identityPrivateKey: priv, installationId: id, store, now: clock.now });
    return { t, store, id, key: t.identityKey };
  });
}

async function introduce(from: Device, ...to: Device[]): Promise<void> {
  const b = await from.t.ourBundle();
  for (const d of to) await d.t.processBundle(b);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SecureTransportError);
    return (e as SecureTransportError).code;
  }
  return 'no error';
}

const text = (s: string): Uint8Array => utf8ToBytes(s);

describe('first contact and session establishment', () => {
  it('no bundle → DH header; reply → X3DH; answer → plain ratchet; X3DH header stops once confirmed', async () => {
    const [a] = makeUser(0x11, ['a1']);
    const [b] = makeUser(0x22, ['b1']);
    const m1 = await a.t.encrypt(b.key, text('hi bob'));
    expect(m1.usedDh).toBe(true);
    expect(m1.targets).toEqual(['none']);
    const r1 = await b.t.decrypt(a.key, m1.message);
    expect([r1.status, r1.method, bytesToUtf8(r1.plaintext!)]).toEqual(['decrypted', 'dh', 'hi bob']);
    expect(r1.installations.map((i) => i.installationId)).toEqual(['a1']);

    const m2 = await b.t.encrypt(a.key, text('hi alice'));
    expect(m2.targets).toEqual(['a1']);
    const entry2 = decodeProtocolMessage(m2.message).directMessage.get('a1')!;
    expect(entry2.x3dhHeader).toBeDefined();
    const r2 = await a.t.decrypt(b.key, m2.message);
    expect([r2.method, bytesToUtf8(r2.plaintext!)]).toEqual(['x3dh', 'hi alice']);

    const m3 = await b.t.encrypt(a.key, text('again'));
    expect(decodeProtocolMessage(m3.message).directMessage.get('a1')!.x3dhHeader).toBeDefined();
    expect(bytesToUtf8((await a.t.decrypt(b.key, m3.message)).plaintext!)).toBe('again');

    const m4 = await a.t.encrypt(b.key, text('answer'));
    const entry4 = decodeProtocolMessage(m4.message).directMessage.get('b1')!;
    expect(entry4.x3dhHeader).toBeUndefined();
    expect(bytesToHex(entry4.drHeader!.id)).toBe(bytesToHex(entry2.drHeader!.id));
    const r4 = await b.t.decrypt(a.key, m4.message);
    expect([r4.method, bytesToUtf8(r4.plaintext!)]).toEqual(['ratchet', 'answer']);

    const m5 = await b.t.encrypt(a.key, text('confirmed'));
    expect(decodeProtocolMessage(m5.message).directMessage.get('a1')!.x3dhHeader).toBeUndefined();
    expect(bytesToUtf8((await a.t.decrypt(b.key, m5.message)).plaintext!)).toBe('confirmed');
  });

  it('public messages carry the payload in clear with our bundle', async () => {
    const [a] = makeUser(0x11, ['a1']);
    const [b] = makeUser(0x22, ['b1']);
    const msg = await a.t.buildPublicMessage(text('public'));
    const r = await b.t.decrypt(a.key, msg);
    expect([r.status, bytesToUtf8(r.plaintext!), r.bundles.length]).toEqual(['public', 'public', 1]);
    expect(await b.t.installations(a.key)).toHaveLength(1);
  });

  it('concurrent X3DH from both sides converges on the session whose key sorts first', async () => {
    const [a] = makeUser(0x11, ['a1']);
    const [b] = makeUser(0x22, ['b1']);
    await introduce(a, b);
    await introduce(b, a);
    const ma = await a.t.encrypt(b.key, text('from a'));
    const mb = await b.t.encrypt(a.key, text('from b'));
    expect(decodeProtocolMessage(ma.message).directMessage.get('b1')!.x3dhHeader).toBeDefined();
    expect(decodeProtocolMessage(mb.message).directMessage.get('a1')!.x3dhHeader).toBeDefined();
    expect(bytesToUtf8((await b.t.decrypt(a.key, ma.message)).plaintext!)).toBe('from a');
    expect(bytesToUtf8((await a.t.decrypt(b.key, mb.message)).plaintext!)).toBe('from b');
    const na = decodeProtocolMessage((await a.t.encrypt(b.key, text('a2'))).message).directMessage.get('b1')!;
    const nb = decodeProtocolMessage((await b.t.encrypt(a.key, text('b2'))).message).directMessage.get('a1')!;
    // Both now send on the same session: built on the same prekey.
    expect(bytesToHex(na.drHeader!.id)).toBe(bytesToHex(nb.drHeader!.id));
    const sa = a.store.getSessionsFor(bytesToHex(b.key), 'b1');
    const sb = b.store.getSessionsFor(bytesToHex(a.key), 'a1');
    expect(sa).toHaveLength(2);
    expect(sb).toHaveLength(2);
    const minA = sa.map((s) => bytesToHex(s.sharedKey)).sort()[0];
    const minB = sb.map((s) => bytesToHex(s.sharedKey)).sort()[0];
    expect(minA).toBe(minB);
  });
});

describe('multi-device', () => {
  it('encrypts to the recipient’s devices and our paired devices; each opens its own entry', async () => {
    const clock = manualClock();
    const [a1, a2, a3] = makeUser(0x11, ['a1', 'a2', 'a3'], clock);
    const [b1, b2] = makeUser(0x22, ['b1', 'b2'], clock);
    await introduce(a2, a1);
    await a1.t.enableInstallation('a2');
    await introduce(a1, a2);
    await a2.t.enableInstallation('a1');
    // b1 pairs b2 and its bundle then lists both devices.
    await introduce(b2, b1);
    await b1.t.enableInstallation('b2');
    await introduce(b1, a1, a2);
    expect((await a1.t.installations(b1.key)).map((i) => i.installationId).sort()).toEqual(['b1', 'b2']);

    const m = await a1.t.encrypt(b1.key, text('to all'));
    expect(m.targets.sort()).toEqual(['a2', 'b1', 'b2']);
    for (const [d, sender] of [
      [b1, a1],
      [b2, a1],
      [a2, a1],
    ] as const) {
      const r = await d.t.decrypt(sender.key, m.message);
      expect([r.status, bytesToUtf8(r.plaintext!)]).toEqual(['decrypted', 'to all']);
    }
    // An unpaired device of ours sees no entry: status-go's ErrNotPairedDevice; the sender sees its own echo.
    expect((await a3.t.decrypt(a1.key, m.message)).status).toBe('not-paired');
    expect((await a1.t.decrypt(a1.key, m.message)).status).toBe('own-message');

    // Sync to our own devices: encrypting to our identity targets our paired devices only.
    const self = await a1.t.encrypt(a1.key, text('note to self'));
    expect([self.targets, self.usedDh]).toEqual([['a2'], false]);
    expect(bytesToUtf8((await a2.t.decrypt(a1.key, self.message)).plaintext!)).toBe('note to self');

    await a1.t.disableInstallation('a2');
    const m2 = await a1.t.encrypt(b1.key, text('not to a2'));
    expect(m2.targets.sort()).toEqual(['b1', 'b2']);
    expect(await codeOf(a1.t.enableInstallation('nope'))).toBe('INVALID_ARGUMENT');
  });

  it('caps at 3 devices of the recipient, most recently active first', async () => {
    const clock = manualClock();
    const bs = makeUser(0x22, ['b1', 'b2', 'b3', 'b4', 'b5'], clock);
    const [a] = makeUser(0x11, ['a1'], clock);
    for (const b of bs) {
      clock.advance(1000);
      await introduce(b, a);
    }
    const m = await a.t.encrypt(bs[0].key, text('x'));
    expect(m.targets.sort()).toEqual(['b3', 'b4', 'b5']);
    // A message from b1 makes it the most recently active device.
    clock.advance(1000);
    const fromB1 = await bs[0].t.encrypt(a.key, text('hello'));
    await a.t.decrypt(bs[0].key, fromB1.message);
    const m2 = await a.t.encrypt(bs[0].key, text('y'));
    expect(m2.targets.sort()).toEqual(['b1', 'b4', 'b5']);
  });

  it('a device the sender did not address answers with the empty bundle message; the sender then includes it', async () => {
    const [a] = makeUser(0x11, ['a1']);
    const [b1, b2] = makeUser(0x22, ['b1', 'b2']);
    await introduce(b1, a);
    const m = await a.t.encrypt(b1.key, text('only b1'));
    const r = await b2.t.decrypt(a.key, m.message);
    expect(r.status).toBe('not-addressed');
    expect(r.plaintext).toBeNull();
    const reply = decodeProtocolMessage(r.reply!);
    expect(reply.installationId).toBe('b2');
    expect([...reply.directMessage.keys()]).toEqual(['none']);
    expect(reply.bundles[0].signedPreKeys.has('b2')).toBe(true);
    // A second unaddressed message within the 2 h cooldown gets no new advertisement.
    const again = await b2.t.decrypt(a.key, (await a.t.encrypt(b1.key, text('still only b1'))).message);
    expect([again.status, again.reply]).toEqual(['not-addressed', undefined]);
    const back = await a.t.decrypt(b2.key, r.reply!);
    expect([back.status, back.method, back.plaintext!.length]).toEqual(['decrypted', 'dh', 0]);
    const m2 = await a.t.encrypt(b1.key, text('both'));
    expect(m2.targets.sort()).toEqual(['b1', 'b2']);
    expect(bytesToUtf8((await b2.t.decrypt(a.key, m2.message)).plaintext!)).toBe('both');
  });
});

describe('bundles: verification, staleness, rotation and re-keying', () => {
  it('a forged bundle in a message rejects the message and changes no state', async () => {
    const [a] = makeUser(0x11, ['a1']);
    const [b] = makeUser(0x22, ['b1']);
    const [mallory] = makeUser(0x33, ['m1']);
    const m = decodeProtocolMessage((await a.t.encrypt(b.key, text('x'))).message);
    const real = m.bundles[0];
    // Mallory's prekey under Alice's identity: the signature no longer recovers Alice.
    const mb = await mallory.t.ourBundle();
    m.bundles[0] = { ...real, signedPreKeys: mb.signedPreKeys };
    const before = b.store.snapshot();
    expect(await codeOf(b.t.decrypt(a.key, encodeProtocolMessage(m)))).toBe('INVALID_BUNDLE_SIGNATURE');
    // Mallory signing a bundle that claims Alice's identity.
    const claimed = { ...signBundle(new Uint8Array(32).fill(0x33), real.signedPreKeys, real.timestamp), identity: real.identity };
    expect(await codeOf(b.t.processBundle(claimed))).toBe('INVALID_BUNDLE_SIGNATURE');
    expect(await codeOf(b.t.processBundle({ ...real, signedPreKeys: new Map() }))).toBe('INVALID_BUNDLE');
    expect(await codeOf(b.t.processBundle({ ...real, identity: new Uint8Array(33) }))).toBe('INVALID_KEY');
    expect(b.store.snapshot()).toBe(before);
  });

  it('a stale bundle is STALE_BUNDLE for processBundle, ignored inside a message', async () => {
    const clock = manualClock();
    const [a] = makeUser(0x11, ['a1'], clock);
    const [b] = makeUser(0x22, ['b1'], clock);
    const oldMsg = await a.t.encrypt(b.key, text('old'));
    const old = await a.t.ourBundle();
    clock.advance(1000);
    await introduce(a, b);
    expect(await codeOf(b.t.processBundle(old))).toBe('STALE_BUNDLE');
    const r = await b.t.decrypt(a.key, oldMsg.message);
    expect([r.status, r.bundles.length]).toEqual(['decrypted', 0]);
  });

  it('rotation after 24 h: new prekey version, re-keying on the other side, late first messages still open', async () => {
    const clock = manualClock();
    const [a] = makeUser(0x11, ['a1'], clock);
    const [b] = makeUser(0x22, ['b1'], clock);
    const v1 = await b.t.ourBundle();
    expect(v1.signedPreKeys.get('b1')!.version).toBe(1);
    await a.t.processBundle(v1);
    const late = await a.t.encrypt(b.key, text('late first message'));
    const spk1 = decodeProtocolMessage(late.message).directMessage.get('b1')!.x3dhHeader!.id;

    clock.advance(DAY + 1);
    const v2 = await b.t.ourBundle();
    expect(v2.signedPreKeys.get('b1')!.version).toBe(2);
    expect(equalBytes(v2.signedPreKeys.get('b1')!.signedPreKey, spk1)).toBe(false);
    await a.t.processBundle(v2);
    const next = await a.t.encrypt(b.key, text('on the new prekey'));
    const e = decodeProtocolMessage(next.message).directMessage.get('b1')!;
    expect(bytesToHex(e.x3dhHeader!.id)).toBe(bytesToHex(v2.signedPreKeys.get('b1')!.signedPreKey));
    expect(a.store.getSessionsFor(bytesToHex(b.key), 'b1').filter((s) => s.expired)).toHaveLength(1);

    expect(bytesToUtf8((await b.t.decrypt(a.key, late.message)).plaintext!)).toBe('late first message');
    expect(bytesToUtf8((await b.t.decrypt(a.key, next.message)).plaintext!)).toBe('on the new prekey');

    // After the retention period the rotated-out private prekey is gone.
    const lateStore = MemorySessionStore.restore(b.store.snapshot());
    const bLater = new SecureTransport({ identityPrivateKey: new Uint8Array(32).fill(0x22), installationId: 'b1', store: lateStore, now: clock.now });
    clock.advance(31 * DAY);
    await bLater.ourBundle();
    const [a2] = makeUser(0x11, ['a9'], clock);
    await a2.t.processBundle(v1);
    const tooLate = await a2.t.encrypt(b.key, text('too late'));
    expect(await codeOf(bLater.decrypt(a.key, tooLate.message))).toBe('UNKNOWN_PREKEY');
  });
});

describe('session pruning', () => {
  it('keeps at most maxSessionsPerDevice, never the one in use, and drops idle dead sessions after the retention', async () => {
    const clock = manualClock();
    const aStore = new MemorySessionStore();
    const a = new SecureTransport({ identityPrivateKey: new Uint8Array(32).fill(0x11), installationId: 'a1', store: aStore, now: clock.now, maxSessionsPerDevice: 3, sessionRetentionMs: 10 * DAY, prekeyRetentionMs: 100 * DAY });
    const [b] = makeUser(0x22, ['b1'], clock);
    const bHex = bytesToHex(b.key);
    for (let i = 0; i < 6; i++) {
      await a.processBundle(await b.t.ourBundle());
      const m = await a.encrypt(b.key, text(`m${i}`));
      expect(bytesToUtf8((await b.t.decrypt(a.identityKey, m.message)).plaintext!)).toBe(`m${i}`);
      expect(aStore.getSessionsFor(bHex, 'b1').length).toBeLessThanOrEqual(3);
      clock.advance(DAY + 1);
    }
    const left = aStore.getSessionsFor(bHex, 'b1');
    expect(left.length).toBe(3);
    // The session in use (on b's newest prekey) survived; the pruned ones were the least recently used.
    const newest = (await b.t.ourBundle()).signedPreKeys.get('b1')!;
    clock.advance(1);
    await a.processBundle(await b.t.ourBundle());
    const m = decodeProtocolMessage((await a.encrypt(b.key, text('x'))).message).directMessage.get('b1')!;
    expect(bytesToHex(m.drHeader!.id)).toBe(bytesToHex(newest.signedPreKey));
    // Ten idle days later, the expired sessions go on the next use; the active one stays.
    clock.advance(11 * DAY);
    await a.encrypt(b.key, text('y'));
    const after = aStore.getSessionsFor(bHex, 'b1');
    expect(after.length).toBe(1);
    expect(after[0].expired).toBe(false);
  });
});

describe('bad input through the session layer changes no state', () => {
  async function established(): Promise<{ a: Device; b: Device }> {
    const [a] = makeUser(0x11, ['a1']);
    const [b] = makeUser(0x22, ['b1']);
    await introduce(b, a);
    await introduce(a, b);
    const m = await a.t.encrypt(b.key, text('setup'));
    await b.t.decrypt(a.key, m.message);
    const back = await b.t.encrypt(a.key, text('confirm'));
    await a.t.decrypt(b.key, back.message);
    return { a, b };
  }

  it('MAC failure, truncation, skipped-key bomb, unknown session, replay, bad keys: typed errors, snapshot unchanged', async () => {
    const { a, b } = await established();
    const m = decodeProtocolMessage((await a.t.encrypt(b.key, text('payload'))).message);
    const entry = m.directMessage.get('b1')!;
    expect(entry.x3dhHeader).toBeUndefined();
    const variants: [string, (e: typeof entry) => void][] = [
      ['DECRYPTION_FAILED', (e) => void (e.payload[e.payload.length - 1] ^= 1)],
      ['TRUNCATED_PAYLOAD', (e) => void (e.payload = e.payload.subarray(0, 20))],
      ['TOO_MANY_SKIPPED', (e) => void (e.drHeader!.n = 0xfffffff0)],
      ['NO_SESSION', (e) => void (e.drHeader!.id = new Uint8Array(33).fill(2))],
      ['INVALID_KEY', (e) => void (e.drHeader!.key = new Uint8Array(33))],
      ['NO_HEADER', (e) => void (e.drHeader = undefined)],
    ];
    const before = b.store.snapshot();
    for (const [code, mutate] of variants) {
      const copy = decodeProtocolMessage(encodeProtocolMessage(m));
      mutate(copy.directMessage.get('b1')!);
      expect(await codeOf(b.t.decrypt(a.key, encodeProtocolMessage(copy)))).toBe(code);
      expect(b.store.snapshot()).toBe(before);
    }
    expect(await codeOf(b.t.decrypt(a.key, new Uint8Array([0x12, 0x05, 0x01])))).toBe('MALFORMED_MESSAGE');
    expect(await codeOf(b.t.decrypt(a.key, encodeProtocolMessage({ installationId: 'a1', bundles: [], directMessage: new Map() })))).toBe('NO_PAYLOAD');
    expect(b.store.snapshot()).toBe(before);
    const good = encodeProtocolMessage(m);
    expect(bytesToUtf8((await b.t.decrypt(a.key, good)).plaintext!)).toBe('payload');
    const after = b.store.snapshot();
    expect(await codeOf(b.t.decrypt(a.key, good))).toBe('DUPLICATE_MESSAGE');
    expect(b.store.snapshot()).toBe(after);
  });

  it('random bit flips of a session message: typed errors only, and no state change when rejected', async () => {
    const { a, b } = await established();
    const good = (await a.t.encrypt(b.key, text('fuzz target'))).message;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: good.length * 8 - 1 }), async (bit) => {
        const m = good.slice();
        m[bit >> 3] ^= 1 << (bit & 7);
        const before = b.store.snapshot();
        try {
          const r = await b.t.decrypt(a.key, m);
          // A flip in a field we do not read (another device's entry) may still open; never to other bytes.
          if (r.plaintext) expect(bytesToUtf8(r.plaintext)).toBe('fuzz target');
          return;
        } catch (e) {
          expect(e).toBeInstanceOf(SecureTransportError);
        }
        expect(b.store.snapshot()).toBe(before);
      }),
      { numRuns: 150 },
    );
    const many = decodeProtocolMessage(good);
    many.bundles = Array.from({ length: 9 }, () => many.bundles[0]);
    expect(await codeOf(b.t.decrypt(a.key, encodeProtocolMessage(many)))).toBe('INVALID_BUNDLE');
  });

  it('skipped keys stay bounded by maxMessageKeysPerSession under heavy loss', async () => {
    const clock = manualClock();
    const priv = (n: number) => new Uint8Array(32).fill(n);
    const aStore = new MemorySessionStore();
    const bStore = new MemorySessionStore();
    const a = new SecureTransport({ identityPrivateKey: priv(0x11), installationId: 'a1', store: aStore, now: clock.now });
    const b = new SecureTransport({ identityPrivateKey: priv(0x22), installationId: 'b1', store: bStore, now: clock.now, maxSkip: 60, maxMessageKeysPerSession: 100, maxKeep: 150 });
    await a.processBundle(await b.ourBundle());
    let max = 0;
    for (let i = 0; i < 600; i++) {
      const m = await a.encrypt(b.identityKey, text(`m${i}`));
      if (i % 50 === 0) {
        await b.decrypt(a.identityKey, m.message);
        max = Math.max(max, bStore.totalSkippedKeys());
      }
    }
    expect(max).toBe(100);
    expect(bStore.totalSkippedKeys()).toBeLessThanOrEqual(100);
  });

  it('snapshot/restore keeps a session working; a restored copy of past state cannot reopen used messages', async () => {
    const { a, b } = await established();
    const m = await a.t.encrypt(b.key, text('secret'));
    expect(bytesToUtf8((await b.t.decrypt(a.key, m.message)).plaintext!)).toBe('secret');
    const saved = b.store.snapshot();
    const b2 = new SecureTransport({ identityPrivateKey: new Uint8Array(32).fill(0x22), installationId: 'b1', store: MemorySessionStore.restore(saved) });
    expect(await codeOf(b2.decrypt(a.key, m.message))).toBe('DUPLICATE_MESSAGE');
    const m2 = await a.t.encrypt(b.key, text('after restore'));
    expect(bytesToUtf8((await b2.decrypt(a.key, m2.message)).plaintext!)).toBe('after restore');
    expect(await codeOf(Promise.resolve().then(() => MemorySessionStore.restore('{"version":9}')))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(b2.encrypt(undefined as unknown as Uint8Array, text('x')))).toBe('INVALID_KEY');
    expect(await codeOf(b2.decrypt(new Uint8Array(65), m2.message))).toBe('INVALID_KEY');
  });
});

describe('our own DH-path (first-contact) messages', () => {
  it('come back to the sending device as own-message and to an unpaired device of ours as not-paired, never opened', async () => {
    const [a1, a3] = makeUser(0x31, ['a1', 'a3']);
    const [b1] = makeUser(0x32, ['b1']);
    // a1 knows nothing of b1: the message carries only the DH ("none") entry, meant for b1.
    const m = await a1.t.encrypt(b1.key, utf8ToBytes('first contact'));
    expect(m.usedDh).toBe(true);
    expect((await a1.t.decrypt(a1.key, m.message)).status).toBe('own-message');
    const other = await a3.t.decrypt(a1.key, m.message);
    expect([other.status, other.plaintext]).toEqual(['not-paired', null]);
    const r = await b1.t.decrypt(a1.key, m.message);
    expect([r.status, r.method, bytesToUtf8(r.plaintext!)]).toEqual(['decrypted', 'dh', 'first contact']);
  });

  it('a DH message to our own identity (status-go SendPairInstallation) opens on every other device of ours, paired or not', async () => {
    const [a1, a2] = makeUser(0x33, ['a1', 'a2']);
    const [b1] = makeUser(0x34, ['b1']);
    const m = await a1.t.buildDhMessage(a1.key, utf8ToBytes('pair me'));
    const decoded = decodeProtocolMessage(m);
    expect([...decoded.directMessage.keys()]).toEqual(['none']);
    expect(decoded.bundles).toHaveLength(1);
    const r = await a2.t.decrypt(a1.key, m);
    expect([r.status, r.method, bytesToUtf8(r.plaintext!)]).toEqual(['decrypted', 'dh', 'pair me']);
    // a2 learned a1 from the attached bundle, and a1 stays unpaired until the user enables it.
    expect((await a2.t.installations()).map((i) => [i.installationId, i.enabled])).toEqual([['a1', false]]);
    expect((await a1.t.decrypt(a1.key, m)).status).toBe('own-message');
    // Someone else cannot open it, and it is not from them.
    await expect(b1.t.decrypt(a1.key, m)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
  });
});
