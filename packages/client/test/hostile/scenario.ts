// One hostile-peer scenario: honest traffic before and during an attack, the node's RSS sampled.
import { honestPair, median, startNodeProcess, traffic, type Attack, type NodeProcess, type TrafficResult } from './harness.js';

export interface ScenarioResult {
  attack: string;
  load: string;
  before: TrafficResult;
  during: TrafficResult;
  reasons: Map<string, number>;
  connections: number;
  rssBeforeMiB: number;
  peakRssMiB: number;
  nodeExit: number | null;
}

export interface ScenarioOptions {
  nodeArgs?: readonly string[];
  baselineMs: number;
  attackMs: number;
  intervalMs: number;
}

export async function runScenario(makeAttack: (node: NodeProcess) => Promise<Attack>, o: ScenarioOptions): Promise<ScenarioResult> {
  const node = await startNodeProcess(['--waku', ...(o.nodeArgs ?? [])]);
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, node.rssMiB());
    } catch {
      // the process is gone: the run fails on its own
    }
  }, 50);
  try {
    const pair = await honestPair(node.enode);
    try {
      const before = await traffic(pair, o.baselineMs, o.intervalMs);
      const rssBeforeMiB = node.rssMiB();
      peak = rssBeforeMiB;
      const attack = await makeAttack(node);
      const during = await traffic(pair, o.attackMs, o.intervalMs);
      const report = await attack.stop();
      return {
        attack: attack.name,
        load: attack.load,
        before,
        during,
        reasons: report.reasons,
        connections: report.connections,
        rssBeforeMiB,
        peakRssMiB: peak,
        nodeExit: null,
      };
    } finally {
      await pair.stop();
    }
  } finally {
    clearInterval(sampler);
    await node.stop();
  }
}

export function describeReasons(m: Map<string, number>): string {
  return [...m.entries()].map(([k, v]) => `${k}×${v}`).join(' ');
}

export function row(r: ScenarioResult): string[] {
  const pct = (t: TrafficResult) => `${((100 * t.delivered) / Math.max(1, t.sent)).toFixed(1)}% (${t.delivered}/${t.sent})`;
  return [
    r.attack,
    r.load,
    pct(r.during),
    `${median(r.before.latencies).toFixed(0)} ms / ${median(r.during.latencies).toFixed(0)} ms`,
    describeReasons(r.reasons),
    `${r.rssBeforeMiB.toFixed(0)} → ${r.peakRssMiB.toFixed(0)} MiB`,
  ];
}
