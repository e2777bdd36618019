// `status-node --config FILE`: the schema, its checks (each error names the key and the value),
// flags overriding the file, and docs/operators.md listing exactly the schema's keys.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CONFIG_SCHEMA,
  NODE_CONFIG_ERROR,
  NodeConfigError,
  createStatusNodeCommand,
  flagOf,
  loadConfigFile,
  parseConfigObject,
  parseStatusNodeArgv,
  type NodeConfigErrorCode,
} from '../src/index.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'status-node-config-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function configFile(content: unknown): string {
  const path = join(dir, `config-${n++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function rejects(fn: () => unknown, code: NodeConfigErrorCode, key: string | undefined, ...inMessage: string[]): NodeConfigError {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(NodeConfigError);
  const e = error as NodeConfigError;
  expect(e.code).toBe(code);
  expect(e.key).toBe(key);
  for (const s of inMessage) expect(e.message).toContain(s);
  return e;
}

const argv = (...args: string[]) => ['node', 'status-node', ...args];

describe('config file', () => {
  it('every key of the schema, JSON-typed, becomes the configuration the same flags would', () => {
    const file = configFile({
      listen: '0.0.0.0:30304',
      announceHost: '203.0.113.7',
      nodeKey: 'keys/nodekey',
      create: true,
      whisper: true,
      waku: true,
      minPow: 0.5,
      rateLimitIp: 100,
      rateLimitPeer: 90,
      rateLimitTopic: 50,
      light: false,
      mailserver: true,
      mailserverPassword: 'status-offline-inbox',
      mailserverKey: 'keys/ms.key',
      archive: 'sqlite:archive.db',
      retentionDays: 14,
      static: [`enode://${'ab'.repeat(64)}@127.0.0.1:30303`],
      bootstrap: [`enode://${'cd'.repeat(64)}@127.0.0.1:30305`],
      discovery: ['discv5'],
      maxPeers: 50,
      dataDir: 'data',
      logLevel: 'warn',
      logFormat: 'json',
      metrics: '127.0.0.1:9100',
    });
    const c = parseStatusNodeArgv(argv('--config', file));
    expect(c.listen).toEqual({ host: '0.0.0.0', port: 30304 });
    expect(c.announceHost).toBe('203.0.113.7');
    // Relative paths are the file's folder's, not the working directory's.
    expect(c.nodeKey).toEqual({ kind: 'file', path: join(dir, 'keys/nodekey'), createDir: true });
    expect(c.dataDir).toBe(join(dir, 'data'));
    expect(c.whisper && c.waku).toBe(true);
    expect(c.minPow).toBe(0.5);
    expect(c.rateLimits).toEqual({ ip: 100, peer: 90, topic: 50 });
    expect(c.mailserver).toEqual({
      enabled: true,
      password: 'status-offline-inbox',
      asymKeyFile: join(dir, 'keys/ms.key'),
      archive: { kind: 'sqlite', path: join(dir, 'data', 'archive.db') },
      retentionSeconds: 14 * 86_400,
    });
    expect(c.staticNodes).toEqual([`enode://${'ab'.repeat(64)}@127.0.0.1:30303`]);
    expect(c.bootstrapNodes).toEqual([`enode://${'cd'.repeat(64)}@127.0.0.1:30305`]);
    expect(c.discovery).toEqual([{ kind: 'discv5' }]);
    expect(c.maxPeers).toBe(50);
    expect(c.logLevel).toBe('warn');
    expect(c.logFormat).toBe('json');
    expect(c.metrics).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(c.warnings).toEqual([]);
  });

  it('flags given override the file; flags left at their default do not; lists given replace the file’s', () => {
    const file = configFile({ listen: '0.0.0.0:30304', maxPeers: 50, logLevel: 'warn', static: [`enode://${'ab'.repeat(64)}@127.0.0.1:1`], dataDir: '/srv/a' });
    const fileOnly = parseStatusNodeArgv(argv('--config', file));
    expect(fileOnly.listen.port).toBe(30304);
    expect(fileOnly.logLevel).toBe('warn');
    const over = parseStatusNodeArgv(argv('--config', file, '--max-peers', '7', '--log-level', 'debug', '--static', `enode://${'ef'.repeat(64)}@127.0.0.1:2`));
    expect(over.maxPeers).toBe(7);
    expect(over.logLevel).toBe('debug');
    expect(over.staticNodes).toEqual([`enode://${'ef'.repeat(64)}@127.0.0.1:2`]);
    // Not given on the command line: the file's value, though the flag has a default.
    expect(over.listen).toEqual({ host: '0.0.0.0', port: 30304 });
    expect(over.dataDir).toBe('/srv/a');
    expect(parseStatusNodeArgv(argv('--config', file, '--listen', '127.0.0.1:0')).listen).toEqual({ host: '127.0.0.1', port: 0 });
    // --no-mailserver overrides "mailserver": true.
    expect(parseStatusNodeArgv(argv('--config', configFile({ mailserver: true }), '--no-mailserver')).mailserver).toEqual({ enabled: false });
  });

  it('an unknown key is an error naming it (with a suggestion), not ignored', () => {
    rejects(() => loadConfigFile(configFile({ 'max-peers': 5 })), NODE_CONFIG_ERROR.UNKNOWN_CONFIG_KEY, 'max-peers', '"max-peers"', 'did you mean "maxPeers"');
    rejects(() => loadConfigFile(configFile({ listne: '1.2.3.4:1' })), NODE_CONFIG_ERROR.UNKNOWN_CONFIG_KEY, 'listne', 'unknown key "listne"', 'known keys: listen');
    rejects(() => loadConfigFile(configFile({ config: 'other.json' })), NODE_CONFIG_ERROR.UNKNOWN_CONFIG_KEY, 'config');
  });

  it('a value of the wrong JSON type is INVALID_CONFIG_VALUE naming the key and the value', () => {
    rejects(() => loadConfigFile(configFile({ maxPeers: '50' })), NODE_CONFIG_ERROR.INVALID_CONFIG_VALUE, 'maxPeers', '"maxPeers" must be a number', 'a string "50"');
    rejects(() => loadConfigFile(configFile({ whisper: 'yes' })), NODE_CONFIG_ERROR.INVALID_CONFIG_VALUE, 'whisper', 'true or false', '"yes"');
    rejects(() => loadConfigFile(configFile({ static: 'enode://x' })), NODE_CONFIG_ERROR.INVALID_CONFIG_VALUE, 'static', 'an array of strings');
    rejects(() => loadConfigFile(configFile({ bootstrap: [1] })), NODE_CONFIG_ERROR.INVALID_CONFIG_VALUE, 'bootstrap', '[1]');
    rejects(() => loadConfigFile(configFile({ dataDir: '' })), NODE_CONFIG_ERROR.INVALID_CONFIG_VALUE, 'dataDir', 'a file path');
    rejects(() => loadConfigFile(configFile({ listen: null })), NODE_CONFIG_ERROR.INVALID_CONFIG_VALUE, 'listen', 'null');
  });

  it('a value out of range fails with the flag’s own code, naming the key and the value', () => {
    rejects(() => loadConfigFile(configFile({ maxPeers: 0 })), NODE_CONFIG_ERROR.INVALID_NUMBER, 'maxPeers', '"maxPeers" must be an integer ≥ 1', '"0"');
    rejects(() => loadConfigFile(configFile({ listen: 'nowhere' })), NODE_CONFIG_ERROR.INVALID_LISTEN, 'listen', '"listen" must be host:port', 'nowhere');
    rejects(() => loadConfigFile(configFile({ archive: 'mysql://x' })), NODE_CONFIG_ERROR.INVALID_ARCHIVE, 'archive', 'mysql://x');
    rejects(() => loadConfigFile(configFile({ logLevel: 'loud' })), NODE_CONFIG_ERROR.INVALID_LOG_LEVEL, 'logLevel', 'loud');
    rejects(() => loadConfigFile(configFile({ logFormat: 'xml' })), NODE_CONFIG_ERROR.INVALID_LOG_FORMAT, 'logFormat', 'xml');
    rejects(() => loadConfigFile(configFile({ metrics: '127.0.0.1:70000' })), NODE_CONFIG_ERROR.INVALID_METRICS, 'metrics', '70000');
    rejects(() => loadConfigFile(configFile({ static: ['enode://nope'] })), NODE_CONFIG_ERROR.INVALID_ENODE, 'static', '"static"');
    rejects(() => loadConfigFile(configFile({ nodeKeyHex: 'zz' })), NODE_CONFIG_ERROR.INVALID_NODE_KEY, 'nodeKeyHex');
  });

  it('a file that is missing, not JSON or not an object is INVALID_CONFIG_FILE naming the file', () => {
    const missing = join(dir, 'missing.json');
    rejects(() => loadConfigFile(missing), NODE_CONFIG_ERROR.INVALID_CONFIG_FILE, undefined, missing, 'ENOENT');
    const broken = configFile('{ "listen": "0.0.0.0:1", }');
    rejects(() => loadConfigFile(broken), NODE_CONFIG_ERROR.INVALID_CONFIG_FILE, undefined, broken, 'not JSON');
    rejects(() => loadConfigFile(configFile([])), NODE_CONFIG_ERROR.INVALID_CONFIG_FILE, undefined, 'a JSON object');
    rejects(() => parseConfigObject('x', '/etc/x.json'), NODE_CONFIG_ERROR.INVALID_CONFIG_FILE, undefined, '/etc/x.json');
    // Through the command line as well.
    rejects(() => parseStatusNodeArgv(argv('--config', missing)), NODE_CONFIG_ERROR.INVALID_CONFIG_FILE, undefined, missing);
  });

  it('the schema has a key for every flag but --config, and every key is a flag', () => {
    const attributes = createStatusNodeCommand()
      .options.map((o) => o.attributeName())
      .filter((a) => a !== 'config');
    expect([...new Set(attributes)].sort()).toEqual(Object.keys(CONFIG_SCHEMA).sort());
    const flags = new Set(createStatusNodeCommand().options.map((o) => o.long));
    for (const key of Object.keys(CONFIG_SCHEMA) as Array<keyof typeof CONFIG_SCHEMA>) expect(flags.has(flagOf(key)), flagOf(key)).toBe(true);
  });

  it('docs/operators.md: its schema table lists exactly the schema, and its example file is valid', () => {
    const doc = readFileSync(join(repoRoot, 'docs/operators.md'), 'utf8');
    const section = doc.slice(doc.indexOf('### Config file'), doc.indexOf('### Metrics and health'));
    const rows = [...section.matchAll(/^\| `(\w+)` \| ([^|]+) \| `(--[\w-]+)` \|$/gm)];
    const types = { string: 'string', path: 'string (a path)', number: 'number', boolean: 'boolean', 'string[]': 'array of strings' };
    expect(rows.map((r) => [r[1], r[2].trim(), r[3]])).toEqual(
      Object.entries(CONFIG_SCHEMA).map(([k, t]) => [k, types[t], flagOf(k as keyof typeof CONFIG_SCHEMA)]),
    );
    const example = /```json\n([\s\S]*?)```/.exec(section);
    expect(example).not.toBeNull();
    const raw = parseConfigObject(JSON.parse(example![1]), '/etc/status-node/status-node.json');
    expect(raw.maxPeers).toBe('50');
    expect(raw.archive).toMatch(/^postgres:\/\//);
  });
});
