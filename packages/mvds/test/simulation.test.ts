import { describe, expect, it } from 'vitest';
import { MODE, SimNetwork, seededRandom, simulate, type SimulationReport } from '../src/index.js';

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
      });
      expect(r.intended).toBe(9000);
      expect(r.restarts).toBe(1);
      expectFullDelivery(r, 1000);
      // Loss makes it slower and costlier than the loss-free run of the same schedule.
      const clean = await simulate({ nodes: 10, messages: 1000, mode, loss: 0, minDelay: 1, maxDelay: 4, seed: 2026 });
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
    });
    expect(r.intended).toBe(300);
    expectFullDelivery(r, 300);
  });

  it('relaying nodes still deliver exactly once', async () => {
    const r = await simulate({ nodes: 5, messages: 100, relay: true, loss: 0.3, seed: 5 });
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
