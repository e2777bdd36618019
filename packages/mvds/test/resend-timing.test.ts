import { afterEach, describe, expect, it, vi } from 'vitest';
import { bytesToHex, sha256, utf8ToBytes } from '@status-stack/crypto';
import {
  GAVE_UP_EPOCH,
  MODE,
  MVDS_ERROR,
  MVDS_TIMING,
  MemoryStore,
  MvdsNode,
  RECORD_TYPE,
  decodePayload,
  encodePayload,
  epochsCovering,
  exponentialBackoff,
  timedBackoff,
  type MvdsNodeOptions,
  type PeerId,
} from '../src/index.js';

const G = sha256(utf8ToBytes('resend-timing'));
const clock = (): number => 1_700_000_000_000;

const opened: MvdsNode[] = [];
afterEach(async () => {
  for (const n of opened.splice(0)) await n.stop();
  vi.useRealTimers();
});

interface Sent {
  to: PeerId;
  bytes: Uint8Array;
  /** Date.now() when handed to the transport (fake timers in the timed tests). */
  at: number;
}

/** A node whose every payload is recorded, with the events it raised. */
function node(opts: Partial<MvdsNodeOptions> = {}, store = new MemoryStore()) {
  const sent: Sent[] = [];
  const n = new MvdsNode({ store, clock, transport: { send: (to, bytes) => void sent.push({ to, bytes, at: Date.now() }) }, ...opts });
  opened.push(n);
  const events: string[] = [];
  n.on('acknowledged', (id, peer) => events.push(`acknowledged ${peer} ${bytesToHex(id).slice(0, 8)}`));
  n.on('delivered', (id) => events.push(`delivered ${bytesToHex(id).slice(0, 8)}`));
  n.on('gaveUp', (id, peer) => events.push(`gaveUp ${peer} ${bytesToHex(id).slice(0, 8)}`));
  const messagesTo = (peer: PeerId): number => sent.filter((s) => s.to === peer && decodePayload(s.bytes).messages.length > 0).length;
  return { node: n, store, sent, events, messagesTo };
}

const ack = (id: Uint8Array): Uint8Array => encodePayload({ acks: [id], offers: [], requests: [], messages: [] });

describe('timedBackoff: a schedule in milliseconds mapped to epochs', () => {
  it('never resends earlier than asked, and at most one epoch later, for any epoch length', () => {
    for (const epochMs of [20, 100, 300, 333, 1000]) {
      const next = timedBackoff({ epochMs, firstResendMs: 2000, maxIntervalMs: 300_000 });
      for (let n = 1; n <= 14; n++) {
        const wantMs = Math.min(2000 * 2 ** (n - 1), 300_000);
        const k = next(n, 1000) - 1000;
        // Sent anywhere inside epoch e, a record due at e + k leaves between (k-1) and k epochs later.
        expect((k - 1) * epochMs).toBeGreaterThanOrEqual(wantMs);
        expect((k - 2) * epochMs).toBeLessThan(wantMs);
      }
    }
  });

  it('with status-go epochs (300 ms) the first resend is 8 epochs after a send (2.1–2.4 s), then doubling to 5 min', () => {
    const next = timedBackoff();
    // ceil(2000/300)+1 = 8, ceil(4000/300)+1 = 15, ceil(8000/300)+1 = 28, …, ceil(300000/300)+1 = 1001.
    expect([1, 2, 3, 4, 9, 10, 50].map((n) => next(n, 0))).toEqual([8, 15, 28, 55, 1001, 1001, 1001]);
    // Independent of the node's absolute epoch (status-go's SendEpoch(n+1) = 2·SendEpoch(n) + 2n is not).
    expect(next(1, 1_000_000) - 1_000_000).toBe(next(1, 53) - 53);
    expect(epochsCovering(2000, 300)).toBe(8);
    expect(epochsCovering(0, 300)).toBe(1);
  });

  it('rejects unusable options', () => {
    const bad = [{ epochMs: 0 }, { firstResendMs: 0 }, { firstResendMs: 5000, maxIntervalMs: 1000 }, { factor: 0.5 }, { maxIntervalMs: Infinity }];
    for (const o of bad) expect(() => timedBackoff(o)).toThrowError(expect.objectContaining({ code: MVDS_ERROR.INVALID_ARGUMENT }));
    expect(() => new MvdsNode({ store: new MemoryStore(), clock, transport: { send: () => undefined }, maxTransmissions: 0 })).toThrowError(
      expect.objectContaining({ code: MVDS_ERROR.INVALID_ARGUMENT }),
    );
    expect(() => new MvdsNode({ store: new MemoryStore(), clock, transport: { send: () => undefined }, giveUpAfterMs: -1 })).toThrowError(
      expect.objectContaining({ code: MVDS_ERROR.INVALID_ARGUMENT }),
    );
  });
});

describe('resend timing in real (fake-timer) time, as the client runs the engine', () => {
  it('no resend reaches the peer before 2 s, wherever in the 300 ms epoch the message was sent', async () => {
    vi.useFakeTimers({ now: 0 });
    const a = node({ sendImmediately: true });
    await a.node.addPeer(G, 'B');
    a.node.start(); // epochMs, 300
    const gaps: number[] = [];
    // Sends at every 25 ms offset within an epoch; the peer never ACKs.
    for (let offset = 0; offset < 300; offset += 25) {
      await vi.advanceTimersByTimeAsync(300 + 25);
      const start = a.sent.length;
      const sentAt = Date.now();
      await a.node.send(G, utf8ToBytes(`probe at +${offset}`));
      expect(a.sent.length).toBe(start + 1); // sendImmediately: out at once
      const probe = bytesToHex(decodePayload(a.sent[start].bytes).messages[0].body);
      await vi.advanceTimersByTimeAsync(3000);
      const resend = a.sent.slice(start + 1).find((s) => decodePayload(s.bytes).messages.some((m) => bytesToHex(m.body) === probe));
      expect(resend).toBeDefined();
      gaps.push(resend!.at - sentAt);
    }
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(MVDS_TIMING.FIRST_RESEND_MS);
      expect(g).toBeLessThanOrEqual(MVDS_TIMING.FIRST_RESEND_MS + 2 * MVDS_TIMING.EPOCH_MS);
    }
  });

  it('a peer that ACKs 761 ms after the send (status-go’s slowest measured) gets the message once', async () => {
    vi.useFakeTimers({ now: 0 });
    const a = node({ sendImmediately: true });
    await a.node.addPeer(G, 'B');
    a.node.start();
    await vi.advanceTimersByTimeAsync(170);
    const id = await a.node.send(G, utf8ToBytes('acked late'));
    await vi.advanceTimersByTimeAsync(761);
    await a.node.receive('B', ack(id));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(a.messagesTo('B')).toBe(1);
    expect(a.events).toEqual([`acknowledged B ${bytesToHex(id).slice(0, 8)}`, `delivered ${bytesToHex(id).slice(0, 8)}`]);
  });

  it('the old schedule (one epoch) sends that message twice: the case this timing fixes', async () => {
    vi.useFakeTimers({ now: 0 });
    const a = node({ sendImmediately: true, nextEpoch: exponentialBackoff() });
    await a.node.addPeer(G, 'B');
    a.node.start();
    await vi.advanceTimersByTimeAsync(170);
    const id = await a.node.send(G, utf8ToBytes('acked late'));
    await vi.advanceTimersByTimeAsync(606);
    await a.node.receive('B', ack(id));
    expect(a.messagesTo('B')).toBe(2);
  });
});

describe('bounded retransmission: give up, stay not-delivered, resend', () => {
  it('sends maxTransmissions times to a peer that never ACKs, then raises gaveUp once and sends no more', async () => {
    const a = node({ maxTransmissions: 4, nextEpoch: (_n, e) => e + 3 });
    await a.node.addPeer(G, 'B');
    const id = await a.node.send(G, utf8ToBytes('into the void'));
    const timeline: string[] = [];
    let seen = 0;
    for (let i = 0; i < 40; i++) {
      await a.node.tick();
      const epoch = await a.node.currentEpoch();
      for (; seen < a.sent.length; seen++) timeline.push(`send@${epoch}`);
      for (const e of a.events.splice(0)) timeline.push(`${e.split(' ')[0]}@${epoch}`);
    }
    // Sends at 1, 4, 7, 10; the 4th transmission's ACK window ends at 13: give up then.
    expect(timeline).toEqual(['send@1', 'send@4', 'send@7', 'send@10', 'gaveUp@13']);
    expect(a.node.stats.messagesSent).toBe(4);
    expect(a.node.stats.gaveUp).toBe(1);
    expect(a.store.getRecord('B', id)).toMatchObject({ type: RECORD_TYPE.MESSAGE, gaveUp: true, sendCount: 4, sendEpoch: GAVE_UP_EPOCH });
    // Nothing left to send: idle, though not delivered.
    expect(await a.node.isIdle()).toBe(true);
    expect(a.store.hasOutgoingRecords(id)).toBe(true);
  });

  it('gives up after giveUpAfterMs even when the count would allow more', async () => {
    // 300 ms epochs, resend every 1 s: the time bound of 5 s covers epochsCovering(5000, 300) = 18 epochs.
    const a = node({ firstResendMs: 1000, maxResendIntervalMs: 1000, maxTransmissions: Infinity, giveUpAfterMs: 5000 });
    await a.node.addPeer(G, 'B');
    await a.node.send(G, utf8ToBytes('timed out'));
    for (let i = 0; i < 60 && a.node.stats.gaveUp === 0; i++) await a.node.tick();
    expect(a.node.stats.gaveUp).toBe(1);
    expect(await a.node.currentEpoch()).toBe(1 + epochsCovering(5000, 300)); // first sent at epoch 1
    // Every transmission fell inside the bound: as many as 1 s intervals (5 epochs each) fit in 18 epochs.
    expect(a.sent).toHaveLength(Math.ceil(epochsCovering(5000, 300) / epochsCovering(1000, 300)));
    for (let i = 0; i < 20; i++) await a.node.tick();
    expect(a.sent).toHaveLength(4);
  });

  it('a late ACK after giving up still reports acknowledged and delivered', async () => {
    const a = node({ maxTransmissions: 2, nextEpoch: (_n, e) => e + 1 });
    await a.node.addPeer(G, 'B');
    const id = await a.node.send(G, utf8ToBytes('late'));
    for (let i = 0; i < 5; i++) await a.node.tick();
    expect(a.events).toEqual([`gaveUp B ${bytesToHex(id).slice(0, 8)}`]);
    const r = await a.node.receive('B', ack(id));
    expect(r.acks).toBe(1);
    expect(a.events.slice(1)).toEqual([`acknowledged B ${bytesToHex(id).slice(0, 8)}`, `delivered ${bytesToHex(id).slice(0, 8)}`]);
    expect(a.store.countRecords()).toBe(0);
  });

  it('in a group, one peer given up keeps the message from being delivered', async () => {
    const a = node({ maxTransmissions: 2, nextEpoch: (_n, e) => e + 1 });
    await a.node.addPeer(G, 'B');
    await a.node.addPeer(G, 'C');
    const id = await a.node.send(G, utf8ToBytes('to both'));
    for (let i = 0; i < 5; i++) await a.node.tick();
    await a.node.receive('C', ack(id));
    const short = bytesToHex(id).slice(0, 8);
    expect(a.events.sort()).toEqual([`acknowledged C ${short}`, `gaveUp B ${short}`, `gaveUp C ${short}`].sort());
    expect(a.events).not.toContain(`delivered ${short}`);
  });

  it('resend() starts a given-up message over, and it survives a restart on the same store', async () => {
    const store = new MemoryStore();
    const a1 = node({ maxTransmissions: 2, nextEpoch: (_n, e) => e + 1 }, store);
    await a1.node.addPeer(G, 'B');
    const id = await a1.node.send(G, utf8ToBytes('try again'));
    for (let i = 0; i < 5; i++) await a1.node.tick();
    expect(a1.node.stats.gaveUp).toBe(1);
    await a1.node.stop();

    const a2 = node({ maxTransmissions: 2, nextEpoch: (_n, e) => e + 1 }, store);
    for (let i = 0; i < 5; i++) await a2.node.tick();
    expect(a2.sent).toHaveLength(0); // still given up after the restart
    expect(await a2.node.resend(id)).toBe(1);
    expect(store.getRecord('B', id)).toMatchObject({ sendCount: 0, type: RECORD_TYPE.MESSAGE });
    expect(store.getRecord('B', id)?.gaveUp).toBeUndefined();
    await a2.node.tick();
    expect(a2.messagesTo('B')).toBe(1);
    await a2.node.receive('B', ack(id));
    expect(a2.events).toContain(`delivered ${bytesToHex(id).slice(0, 8)}`);
    // Nothing to resend once acknowledged, nor for an id we never had.
    expect(await a2.node.resend(id)).toBe(0);
    expect(await a2.node.resend(sha256(utf8ToBytes('unknown')))).toBe(0);
  });

  it('a REQUEST for an OFFER we gave up on revives it as a fresh MESSAGE (the peer is there)', async () => {
    const a = node({ mode: MODE.INTERACTIVE, maxTransmissions: 2, nextEpoch: (_n, e) => e + 1 });
    await a.node.addPeer(G, 'B');
    const id = await a.node.send(G, utf8ToBytes('offered'));
    for (let i = 0; i < 5; i++) await a.node.tick();
    expect(a.store.getRecord('B', id)).toMatchObject({ type: RECORD_TYPE.OFFER, gaveUp: true });
    await a.node.receive('B', encodePayload({ acks: [], offers: [], requests: [id], messages: [] }));
    expect(a.store.getRecord('B', id)).toMatchObject({ type: RECORD_TYPE.MESSAGE, sendCount: 0 });
    await a.node.tick();
    expect(a.messagesTo('B')).toBe(1);
  });
});
