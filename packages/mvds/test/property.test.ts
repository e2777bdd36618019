import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { exponentialBackoff, simulate } from '../src/index.js';

describe('property: eventual exactly-once delivery', () => {
  it('for random schedules of sends, losses and restarts, every message reaches each recipient exactly once', async () => {
    const arbRun = fc
      .record({
        nodes: fc.integer({ min: 2, max: 4 }),
        messages: fc.integer({ min: 1, max: 12 }),
        loss: fc.double({ min: 0, max: 0.85, noNaN: true }),
        mode: fc.constantFrom('batch' as const, 'interactive' as const, 'mixed' as const),
        topology: fc.constantFrom('group' as const, 'pairs' as const),
        seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        sendWindow: fc.integer({ min: 1, max: 30 }),
        maxDelay: fc.integer({ min: 1, max: 5 }),
        restarts: fc.array(
          fc.record({ node: fc.nat(), at: fc.integer({ min: 1, max: 60 }), down: fc.integer({ min: 1, max: 40 }) }),
          { maxLength: 3 },
        ),
      })
      .map((r) => ({ ...r, restarts: r.restarts.map((x) => ({ ...x, node: x.node % r.nodes })) }));

    await fc.assert(
      fc.asyncProperty(arbRun, async (run) => {
        // Eventual delivery: no give-up bound.
        const r = await simulate({
          ...run,
          nextEpoch: exponentialBackoff({ cap: 8 }),
          maxTransmissions: Infinity,
          giveUpAfterMs: Infinity,
          maxEpochs: 100_000,
        });
        const perMessage = run.topology === 'pairs' ? 1 : run.nodes - 1;
        expect(r.intended).toBe(run.messages * perMessage);
        expect(r.delivered).toBe(r.intended);
        expect(r.duplicates).toBe(0);
        expect(r.unexpected).toBe(0);
        expect(r.fullyAcknowledged).toBe(run.messages);
        expect(r.quiescentAt).toBeDefined();
      }),
      { numRuns: 100 },
    );
  });
});
