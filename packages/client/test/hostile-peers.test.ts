// Each attack from the hardening review, against a status-node process on 127.0.0.1 while two
// honest clients chat through it: honest traffic keeps flowing (≥ 95% delivered, p50 latency
// under 10× its baseline), the attacker is dropped with the right reason, and the node's RSS stays
// within its budget (docs/operators.md). Short runs here; `npm run soak` runs them for minutes.
import { describe, expect, it } from 'vitest';
import { median, startAttack, type Attack, type NodeProcess } from './hostile/harness.js';
import { runScenario, type ScenarioResult } from './hostile/scenario.js';

/** The node's memory budget with 25 peers and the default limits (docs/operators.md), with the runtime's base. */
const RSS_BUDGET_MIB = 400;

function check(r: ScenarioResult, reason: RegExp): void {
  expect(r.before.delivered / r.before.sent).toBeGreaterThanOrEqual(0.95);
  expect(r.during.delivered / r.during.sent).toBeGreaterThanOrEqual(0.95);
  // p50 under 10× its baseline (with a floor: a baseline of 3 ms would make 30 ms a flaky bound).
  expect(median(r.during.latencies)).toBeLessThan(Math.max(10 * median(r.before.latencies), 100));
  expect([...r.reasons.keys()].join(' ')).toMatch(reason);
  expect(r.connections).toBeGreaterThan(0);
  expect(r.peakRssMiB).toBeLessThan(RSS_BUDGET_MIB);
}

const opts = { baselineMs: 2_000, attackMs: 4_000, intervalMs: 200 };

describe('hostile peers against a status-node, honest clients chatting through it', () => {
  const cases: Array<[name: string, attack: (n: NodeProcess) => Promise<Attack>, reason: RegExp, nodeArgs?: string[]]> = [
    ['auth and trailing bytes in one write', (n) => startAttack('freeze', n), /closed/],
    ['60 slow sockets from one IP', (n) => startAttack('slowloris', n), /closed/],
    ['20 peers sending 15 MiB frames', (n) => startAttack('oversized', n), /0x02|closed/],
    ['20 greedy mailserver peers that never read', (n) => startAttack('greedy', n), /closed|0x/, ['--mailserver']],
    ['an envelope flood with random topics', (n) => startAttack('flood', n), /0x03/, ['--rate-limit-ip', '20', '--rate-limit-peer', '20', '--rate-limit-topic', '20']],
  ];
  for (const [name, attack, reason, nodeArgs] of cases) {
    it(name, async () => {
      const r = await runScenario(attack, { ...opts, nodeArgs });
      check(r, reason);
    }, 90_000);
  }
});
