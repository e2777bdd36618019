import { describe, expect, it } from 'vitest';
import { MODE, SimNetwork, exponentialBackoff, seededRandom, simulate, type SimulationReport } from '../src/index.js';

/** These runs check eventual exactly-once delivery: the engine must not give up, however long the loss lasts. */
const UNBOUNDED = { maxTransmissions: Infinity, giveUpAfterMs: Infinity } as const;

function expectFullDelivery(r: SimulationReport, messages: number): void {
  expect(r.complete).toBe(true);
  expect(r.delivered).toBe(r.intended);
  expect(r.duplicates).toBe(0);
  expect(r.unexpected).toBe(0);
  expect(r.fullyAcknowledged).toBe(messages);
  expect(r.quiescentAt).toBeDefined();
  expect(r.rejectedPayloads).toBe(0);
}

describe('acceptance: 10 nodes, 1,000 messages, 30% loss with reordering', () => {
  for (const mode of [MODE.BATCH, MODE.INTERACTIVE] as const) {
    it(`${mode} mode delivers 100% to every intended peer, with a node restarted from its store mid-run`, async () => {
      const r = await simulate({
        nodes: 10,
        messages: 1000,
        mode,
        loss: 0.3,
        minDelay: 1,
        maxDelay: 4,
        seed: 2026,
        restarts: [{ node: 3, at: 8, down: 12 }],
        ...UNBOUNDED,
      });
      expect(r.intended).toBe(9000);
      expect(r.restarts).toBe(1);
      expectFullDelivery(r, 1000);
      // Loss makes it slower and costlier than the loss-free run of the same schedule.
      const clean = await simulate({ nodes: 10, messages: 1000, mode, loss: 0, minDelay: 1, maxDelay: 4, seed: 2026, ...UNBOUNDED });
      expectFullDelivery(clean, 1000);
      expect(r.payloadsSent).toBeGreaterThan(clean.payloadsSent);
      expect(r.epochsToFullDelivery).toBeGreaterThan(clean.epochsToFullDelivery);
    });
  }
});

describe('simulator', () => {
  it('is deterministic for a seed', async () => {
    const opts = { nodes: 4, messages: 50, mode: 'mixed' as const, loss: 0.4, seed: 9 };
    expect(await simulate(opts)).toEqual(await simulate(opts));
  });

  it('1:1 pairs in mixed mode with two restarts, one of them of a sender with queued messages', async () => {
    const r = await simulate({
      nodes: 6,
      messages: 300,
      mode: 'mixed',
      topology: 'pairs',
      loss: 0.5,
      seed: 4,
      restarts: [
        { node: 0, at: 3, down: 30 },
        { node: 5, at: 10, down: 5 },
      ],
      ...UNBOUNDED,
      // 50% loss each way: the unluckiest pairs need ~20 rounds, the last ones 5 min (1,001 epochs) apart.
      maxEpochs: 100_000,
    });
    expect(r.intended).toBe(300);
    expectFullDelivery(r, 300);
  });

  it('relaying nodes still deliver exactly once', async () => {
    const r = await simulate({ nodes: 5, messages: 100, relay: true, loss: 0.3, seed: 5, ...UNBOUNDED });
    expectFullDelivery(r, 100);
  });

  it('the network loses about the configured share and reorders', () => {
    const random = seededRandom(1);
    const net = new SimNetwork({ random, loss: 0.3, minDelay: 1, maxDelay: 3 });
    const t = net.transportFor('x');
    net.epoch = 0;
    for (let i = 0; i < 1000; i++) t.send('y', new Uint8Array([i & 0xff, i >> 8]));
    expect(net.payloadsLost).toBeGreaterThan(250);
    expect(net.payloadsLost).toBeLessThan(350);
    const order: number[] = [];
    for (let e = 1; e <= 3; e++) for (const p of net.take(e)) order.push(p.bytes[0] | (p.bytes[1] << 8));
    expect(order).toHaveLength(1000 - net.payloadsLost);
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
    expect(() => new SimNetwork({ random, loss: 1, minDelay: 1, maxDelay: 1 })).toThrow();
  });
});

describe('against a status-go-like peer (ACK ~600 ms after receipt)', () => {
  // Node 0 is ours and sends; node 1 hands what it receives to MVDS 600 ms late, as status-go's 300 ms poll
  // plus its 300 ms epoch do, then ACKs. One 300 ms epoch of network delay each way.
  const statusGoPeer = {
    nodes: 2,
    senders: [0],
    ackDelayMs: 600,
    ackDelayNodes: [1],
    epochMs: 300,
    minDelay: 1,
    maxDelay: 1,
    seed: 7,
  } as const;

  it('loss-free: every message reaches it exactly once on the wire (no duplicate for it to log)', async () => {
    const r = await simulate({ ...statusGoPeer, messages: 200, loss: 0 });
    expectFullDelivery(r, 200);
    expect(r.messagesSent).toBe(200);
    expect(r.duplicateCopies).toBe(0);
    expect(r.copiesPerDelivered).toBe(1);
    expect(r.gaveUp).toBe(0);
  });

  it('the former one-epoch schedule sends it every message at least twice', async () => {
    const r = await simulate({ ...statusGoPeer, messages: 200, loss: 0, nextEpoch: exponentialBackoff() });
    expectFullDelivery(r, 200);
    expect(r.duplicateCopies).toBeGreaterThanOrEqual(200);
    expect(r.copiesPerDelivered).toBeGreaterThanOrEqual(2);
  });

  it('30% loss: everything arrives, and only lost copies or lost ACKs cost a resend', async () => {
    const r = await simulate({ ...statusGoPeer, messages: 300, loss: 0.3, ...UNBOUNDED });
    expectFullDelivery(r, 300);
    // Each round trip fails with probability 1 - 0.7², so a message needs ~2 copies on average.
    expect(r.copiesPerDelivered).toBeGreaterThan(1.5);
    expect(r.copiesPerDelivered).toBeLessThan(2.5);
  });
});

describe('bounded give-up against a peer that never ACKs', () => {
  it('sends each message at most maxTransmissions times, then the author gets gaveUp', async () => {
    const r = await simulate({ nodes: 2, messages: 5, senders: [0], silentNodes: [1], loss: 0, minDelay: 1, maxDelay: 1, maxTransmissions: 4, seed: 3 });
    expect(r.delivered).toBe(5); // it receives them; it just never answers
    expect(r.fullyAcknowledged).toBe(0);
    expect(r.messagesSent).toBe(5 * 4);
    expect(r.gaveUp).toBe(5);
    expect(r.quiescentAt).toBeDefined(); // and then nothing more is sent
  });

  it('with the default bounds the give-up comes within the 15 min time bound', async () => {
    const r = await simulate({ nodes: 2, messages: 1, senders: [0], silentNodes: [1], loss: 0, minDelay: 1, maxDelay: 1, epochMs: 300, seed: 3 });
    expect(r.gaveUp).toBe(1);
    expect(r.messagesSent).toBeLessThanOrEqual(10);
    // Sent at epoch 1; given up (and idle) once the time bound ran out.
    expect(r.quiescentAt! * 300).toBeGreaterThanOrEqual(15 * 60_000);
    expect(r.quiescentAt! * 300).toBeLessThan(15 * 60_000 + 5 * 300);
  });
});
