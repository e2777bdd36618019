// The systemd unit and the Dockerfile of docs/operators.md, taken from the doc's text so doc and
// test cannot drift: the unit parses into sections and keys, its ExecStart names this checkout's
// bin with flags status-node accepts, and `systemd-analyze verify` accepts it where systemd is
// installed; the Dockerfile's COPY sources, RUN scripts, ENTRYPOINT and CMD name real paths,
// scripts and options.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStatusNodeArgv } from '../src/index.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const doc = readFileSync(join(repoRoot, 'docs/operators.md'), 'utf8');
const nodePkg = JSON.parse(readFileSync(join(repoRoot, 'packages/node/package.json'), 'utf8')) as { bin: Record<string, string> };
const rootPkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The first ```lang block after the heading `### title`. */
function block(title: string, lang: string): string {
  const at = doc.indexOf(`\n### ${title}\n`);
  if (at < 0) throw new Error(`docs/operators.md has no "### ${title}" section`);
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(doc.slice(at));
  if (!m) throw new Error(`no ${lang} block under "### ${title}"`);
  return m[1];
}

/** A unit file as sections of keys (a key given twice keeps both values). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[([A-Za-z]+)\]$/.exec(line);
    if (s) {
      current = new Map();
      sections.set(s[1], current);
      continue;
    }
    const kv = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    if (!kv || !current) throw new Error(`unit line ${i + 1} is neither a [Section] nor Key=Value: ${JSON.stringify(raw)}`);
    current.set(kv[1], [...(current.get(kv[1]) ?? []), kv[2]]);
  }
  return sections;
}

const CHECKOUT = '/opt/status-stack';
const binRel = nodePkg.bin['status-node'].replace(/^\.\//, 'packages/node/');

describe('docs/operators.md: the systemd unit', () => {
  const unit = block('systemd', 'ini');
  const sections = parseUnit(unit);

  it('has [Unit], [Service] and [Install]; ExecStart runs this checkout’s status-node bin with options it accepts', () => {
    expect([...sections.keys()]).toEqual(['Unit', 'Service', 'Install']);
    const service = sections.get('Service')!;
    expect(service.get('Type')).toEqual(['simple']);
    expect(service.get('KillSignal')).toEqual(['SIGTERM']);
    expect(service.get('WorkingDirectory')).toEqual([CHECKOUT]);
    expect(sections.get('Install')!.get('WantedBy')).toEqual(['multi-user.target']);
    const exec = service.get('ExecStart')!;
    expect(exec).toHaveLength(1);
    const [node, bin, ...args] = exec[0].split(/\s+/);
    expect(node).toMatch(/^\/.*\/node$/);
    expect(bin).toBe(`${CHECKOUT}/${binRel}`);
    const local = join(repoRoot, bin.slice(CHECKOUT.length + 1));
    expect(existsSync(local), local).toBe(true);
    accessSync(local, constants.X_OK);
    // The flags parse (the config file itself is the operator's: checked without reading it).
    const configAt = args.indexOf('--config');
    expect(configAt).toBeGreaterThanOrEqual(0);
    const rest = args.filter((_, i) => i !== configAt && i !== configAt + 1);
    expect(() => parseStatusNodeArgv(['node', 'status-node', ...rest])).not.toThrow();
    // The state directory it grants is the data dir of the doc's config file.
    expect(service.get('StateDirectory')).toEqual(['status-node']);
    expect(service.get('ReadWritePaths')).toEqual(['/var/lib/status-node']);
  });

  it('systemd-analyze verify accepts it (where systemd is installed), with the checkout and node of this machine', () => {
    const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    const installed = probe.status === 0;
    // Without systemd the structural checks above are what there is; this proves the parser rejects junk.
    expect(() => parseUnit('[Service]\nExecStart /bin/true\n')).toThrow(/neither a \[Section\] nor Key=Value/);
    if (!installed) return;
    const d = mkdtempSync(join(tmpdir(), 'status-node-unit-'));
    dirs.push(d);
    const path = join(d, 'status-node.service');
    const here = unit.replaceAll(`${CHECKOUT}/`, repoRoot).replaceAll(CHECKOUT, repoRoot.replace(/\/$/, '')).replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath}`);
    writeFileSync(path, here);
    const r = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.includes('status-node'))).toEqual([]);
    // And it does complain about a broken unit, so the check above means something.
    writeFileSync(path, here.replace('Restart=on-failure', 'Restrat=on-failure'));
    const bad = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8', timeout: 60_000 });
    expect(bad.stderr).toMatch(/Unknown key 'Restrat'/);
  });
});

describe('docs/operators.md: the Dockerfile', () => {
  const text = block('Docker', 'dockerfile');
  // Instructions, continuation lines joined, comments dropped.
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^([A-Z]+)\s+(.*)$/.exec(l);
      if (!m) throw new Error(`not a Dockerfile instruction: ${l}`);
      return { op: m[1], arg: m[2] };
    });
  const all = (op: string) => instructions.filter((i) => i.op === op).map((i) => i.arg);
  const one = (op: string) => {
    const found = all(op);
    expect(found, op).toHaveLength(1);
    return found[0];
  };

  it('builds from node:20 in a checkout: COPY sources exist, RUN runs npm ci and scripts package.json has', () => {
    expect(instructions[0].op).toBe('FROM');
    expect(instructions[0].arg).toMatch(/^node:20(-|$)/);
    expect(one('WORKDIR')).toBe(CHECKOUT);
    for (const c of all('COPY')) {
      const parts = c.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const src of parts.slice(0, -1)) expect(existsSync(join(repoRoot, src)), `COPY ${src}`).toBe(true);
    }
    const commands = all('RUN').flatMap((r) => r.split('&&').map((c) => c.trim()));
    expect(commands).toContain('npm ci');
    expect(existsSync(join(repoRoot, 'package-lock.json'))).toBe(true);
    const scripts = commands.filter((c) => c.startsWith('npm run ')).map((c) => c.split(/\s+/)[2]);
    expect(scripts).toContain('build');
    for (const s of scripts) expect(rootPkg.scripts[s], `npm run ${s}`).toBeDefined();
    // Pruned: no tsx, so the bin runs the build (bin.test.ts checks the launcher does).
    expect(commands.indexOf('npm prune --omit=dev')).toBeGreaterThan(commands.indexOf('npm run build'));
    expect(commands.indexOf('npm run build')).toBeGreaterThan(commands.indexOf('npm ci'));
  });

  it('ENTRYPOINT runs the status-node bin; CMD’s options parse; EXPOSE and VOLUME match them', () => {
    const entrypoint = JSON.parse(one('ENTRYPOINT')) as string[];
    const cmd = JSON.parse(one('CMD')) as string[];
    expect(entrypoint).toEqual(['node', binRel]);
    expect(existsSync(join(repoRoot, entrypoint[1]))).toBe(true);
    const config = parseStatusNodeArgv(['node', 'status-node', ...cmd]);
    const exposed = one('EXPOSE').split(/\s+/);
    expect(exposed).toContain(`${config.listen.port}/tcp`);
    expect(exposed).toContain(`${config.metrics!.port}/tcp`);
    expect(config.listen.host).toBe('0.0.0.0');
    expect(config.logFormat).toBe('json');
    expect(one('VOLUME')).toBe(config.dataDir);
  });
});
