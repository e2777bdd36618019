// `npm run soak`: the hostile-peer scenarios of test/hostile-peers.test.ts, for minutes and with
// thousands of connections, against a status-node process on 127.0.0.1 while two honest clients
// chat through it every 500 ms. Prints one row per attack: load, honest delivery during the
// attack, p50 latency before / during, how the node ended the attacker's connections, and the
// node's RSS before and at its peak. Exits 1 if a row misses its bounds (≥ 95% delivered, RSS
// within the budget of docs/operators.md).
//   SOAK_SECONDS=60   attack time per scenario (default 60; baseline is a third of it)
import { startAttack, type AttackKind } from '../test/hostile/harness.js';
import { row, runScenario, type ScenarioResult } from '../test/hostile/scenario.js';

const seconds = Number(process.env.SOAK_SECONDS ?? 60);
const RSS_BUDGET_MIB = 400;
const LIMITS = ['--rate-limit-ip', '20', '--rate-limit-peer', '20', '--rate-limit-topic', '20'];

const scenarios: Array<{ kind: AttackKind; params: Record<string, number>; nodeArgs?: string[] }> = [
  { kind: 'freeze', params: { parallel: 16 } },
  { kind: 'slowloris', params: { sockets: 200 } },
  { kind: 'oversized', params: { peers: 20 } },
  { kind: 'flood', params: { envelopesPerPacket: 200, packetsPerSecond: 10 }, nodeArgs: LIMITS },
  { kind: 'greedy', params: { peers: 20, requests: 2 }, nodeArgs: ['--mailserver'] },
];

const results: ScenarioResult[] = [];
let ok = true;
for (const s of scenarios) {
  process.stderr.write(`soak: ${s.kind} for ${seconds} s …\n`);
  const r = await runScenario((node) => startAttack(s.kind, node, s.params), {
    nodeArgs: s.nodeArgs,
    baselineMs: (seconds * 1000) / 3,
    attackMs: seconds * 1000,
    intervalMs: 500,
  });
  results.push(r);
  if (r.during.delivered / r.during.sent < 0.95 || r.peakRssMiB > RSS_BUDGET_MIB) ok = false;
}

const header = ['attack', 'load', 'honest delivered', 'p50 latency before / during', 'attacker ended by', 'node RSS before → peak'];
const rows = [header, ...results.map(row)];
const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows.slice(1)) console.log(line(r));
console.log(`\nRSS budget ${RSS_BUDGET_MIB} MiB (docs/operators.md); connections opened by attackers: ${results.map((r) => `${r.attack} ${r.connections}`).join(', ')}`);
process.exit(ok ? 0 : 1);
