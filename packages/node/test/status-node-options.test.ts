// startStatusNode's typed options (StatusNodeOptions): numbers and booleans, defaults as the
// status-node command line's, every bad value a NodeConfigError before anything starts; the CLI's
// parsed configuration (parseNodeOptions) is accepted unchanged.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex, generatePrivateKey, getPublicKey } from '@status-stack/crypto';
import { createEnr, formatEnrTreeUrl } from '@status-stack/p2p-overlay';
import {
  NODE_CONFIG_ERROR,
  NODE_DEFAULTS,
  NodeConfigError,
  parseNodeOptions,
  resolveNodeOptions,
  startStatusNode,
  type NodeConfigErrorCode,
  type RawNodeOptions,
  type StatusNode,
  type StatusNodeOptions,
} from '../src/index.js';

const ENODE = `enode://${'a'.repeat(128)}@10.0.0.1:30303`;

function codeOf(options: unknown): NodeConfigErrorCode | undefined {
  try {
    resolveNodeOptions(options as StatusNodeOptions);
  } catch (e) {
    if (e instanceof NodeConfigError) return e.code;
    throw e;
  }
  return undefined;
}

const nodes: StatusNode[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.stop();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('resolveNodeOptions', () => {
  it('fills in the command line’s defaults', () => {
    const c = resolveNodeOptions({ dataDir: '/srv/node' });
    expect(c).toEqual({
      listen: { host: NODE_DEFAULTS.HOST, port: NODE_DEFAULTS.PORT },
      announceHost: undefined,
      nodeKey: { kind: 'file', path: '/srv/node/nodekey' },
      whisper: false,
      waku: true,
      minPow: undefined,
      rateLimits: { ip: undefined, peer: undefined, topic: undefined },
      light: false,
      mailserver: { enabled: false },
      staticNodes: [],
      bootstrapNodes: [],
      bootstrapEnrs: [],
      discovery: [],
      maxPeers: NODE_DEFAULTS.MAX_PEERS,
      dataDir: '/srv/node',
      logLevel: 'info',
      logFormat: 'text',
      metrics: undefined,
      warnings: [],
    });
    expect(resolveNodeOptions({ dataDir: '/srv/node', mailserver: true }).mailserver).toEqual({
      enabled: true,
      password: undefined,
      archive: { kind: 'sqlite', path: '/srv/node/mailserver.db' },
      retentionSeconds: 30 * 86_400,
    });
    expect(resolveNodeOptions({ whisper: true })).toMatchObject({ whisper: true, waku: false });
    expect(resolveNodeOptions({ whisper: true, waku: true })).toMatchObject({ whisper: true, waku: true });
  });

  it('takes typed values: numbers, booleans, key bytes, archive and discovery objects', () => {
    const key = generatePrivateKey();
    const enr = createEnr(generatePrivateKey(), { ip: '10.0.0.2', tcp: 30304, udp: 30304 });
    const c = resolveNodeOptions({
      listen: { host: '0.0.0.0', port: 0 },
      announceHost: '203.0.113.7',
      nodeKey: key,
      minPow: 0.2,
      rateLimits: { ip: 100, peer: 50, topic: 0 },
      light: true,
      mailserver: { archive: { kind: 'sqlite', path: 'ms.db' }, retentionSeconds: 3600, password: 'status-offline-inbox' },
      staticNodes: [ENODE],
      bootstrapNodes: [enr.text],
      discovery: [{ kind: 'discv5' }, { kind: 'dns', url: formatEnrTreeUrl(getPublicKey(generatePrivateKey(), true), 'nodes.example.org') }],
      maxPeers: 50,
      dataDir: '/srv/n',
      logLevel: 'debug',
    });
    expect(c.listen).toEqual({ host: '0.0.0.0', port: 0 });
    expect(c.nodeKey).toEqual({ kind: 'hex', privateKey: key });
    expect(c.rateLimits).toEqual({ ip: 100, peer: 50, topic: 0 });
    expect(c.mailserver).toEqual({ enabled: true, password: 'status-offline-inbox', archive: { kind: 'sqlite', path: '/srv/n/ms.db' }, retentionSeconds: 3600 });
    expect(c.bootstrapEnrs).toEqual([enr.text]);
    expect(c.bootstrapNodes).toHaveLength(1);
    expect(c.bootstrapNodes[0]).toMatch(/^enode:\/\/[0-9a-f]{128}@10\.0\.0\.2:30304$/);
    expect(c.discovery.map((d) => d.kind)).toEqual(['discv5', 'dns']);
    expect(c.warnings).toEqual(['--light with --mailserver: the node archives and serves what reaches it but relays nothing']);
  });

  it('rejects CLI-shaped strings and bad values with a NodeConfigError code', () => {
    expect(codeOf({ maxPeers: '50' })).toBe(NODE_CONFIG_ERROR.INVALID_NUMBER);
    expect(codeOf({ maxPeers: 0 })).toBe(NODE_CONFIG_ERROR.INVALID_NUMBER);
    expect(codeOf({ maxPeers: 2.5 })).toBe(NODE_CONFIG_ERROR.INVALID_NUMBER);
    expect(codeOf({ minPow: -1 })).toBe(NODE_CONFIG_ERROR.INVALID_NUMBER);
    expect(codeOf({ rateLimits: { ip: '100' } })).toBe(NODE_CONFIG_ERROR.INVALID_NUMBER);
    expect(codeOf({ mailserver: { retentionSeconds: 0 } })).toBe(NODE_CONFIG_ERROR.INVALID_NUMBER);
    expect(codeOf({ listen: { port: 70_000 } })).toBe(NODE_CONFIG_ERROR.INVALID_LISTEN);
    expect(codeOf({ listen: { port: '0' } })).toBe(NODE_CONFIG_ERROR.INVALID_LISTEN);
    expect(codeOf({ listen: { host: 'bad host!' } })).toBe(NODE_CONFIG_ERROR.INVALID_LISTEN);
    expect(codeOf({ staticNodes: ['enode://nope'] })).toBe(NODE_CONFIG_ERROR.INVALID_ENODE);
    expect(codeOf({ bootstrapNodes: ['enr:garbage'] })).toBe(NODE_CONFIG_ERROR.INVALID_ENODE);
    expect(codeOf({ nodeKey: new Uint8Array(31) })).toBe(NODE_CONFIG_ERROR.INVALID_NODE_KEY);
    expect(codeOf({ nodeKey: { kind: 'file', path: ' ' } })).toBe(NODE_CONFIG_ERROR.INVALID_NODE_KEY);
    expect(codeOf({ whisper: false, waku: false })).toBe(NODE_CONFIG_ERROR.CONFLICTING_OPTIONS);
    expect(codeOf({ light: 'yes' })).toBe(NODE_CONFIG_ERROR.CONFLICTING_OPTIONS);
    expect(codeOf({ mailserver: { archive: { kind: 'postgres', url: 'mysql://x' } } })).toBe(NODE_CONFIG_ERROR.INVALID_ARCHIVE);
    expect(codeOf({ discovery: [{ kind: 'dns', url: 'nope' }] })).toBe(NODE_CONFIG_ERROR.INVALID_DISCOVERY);
    expect(codeOf({ logLevel: 'loud' })).toBe(NODE_CONFIG_ERROR.INVALID_LOG_LEVEL);
  });

  it('a configuration parsed from the command line comes back unchanged', () => {
    const raws: RawNodeOptions[] = [
      {},
      { listen: '[::1]:0', dataDir: '/srv/a', whisper: true, waku: true, maxPeers: '7', minPow: '0.5', rateLimitIp: '9' },
      { listen: '127.0.0.1:0', dataDir: '/srv/b', mailserver: true, archive: 'sqlite::memory:', retentionDays: '2', mailserverPassword: 'pw', light: true },
      { dataDir: '/srv/c', mailserver: true, archive: 'postgres://u:p@db:5432/ms', static: [ENODE], nodeKeyHex: bytesToHex(generatePrivateKey()), logLevel: 'warn' },
      { dataDir: '/srv/d', archive: 'sqlite:x.db', discovery: ['discv5'] },
    ];
    for (const raw of raws) {
      const parsed = parseNodeOptions(raw);
      expect(resolveNodeOptions(parsed), JSON.stringify(raw)).toEqual(parsed);
    }
  });
});

describe('startStatusNode(options)', () => {
  it('starts from typed options (bridge, given key) and rejects bad ones before listening', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'status-node-options-'));
    dirs.push(dataDir);
    const key = generatePrivateKey();
    const node = await startStatusNode({ listen: { host: '127.0.0.1', port: 0 }, dataDir, nodeKey: key, whisper: true, waku: true, maxPeers: 3 }, { logger: () => undefined });
    nodes.push(node);
    expect(node.nodeId).toBe(bytesToHex(getPublicKey(key)).replace(/^(0x)?04/, ''));
    expect(node.enode).toMatch(new RegExp(`^enode://${node.nodeId}@127\\.0\\.0\\.1:\\d+$`));
    expect(node.bridge).toBeDefined();
    expect(node.whisper).toBeDefined();
    expect(node.waku).toBeDefined();
    expect(node.mailservers).toEqual([]);

    const logged: string[] = [];
    await expect(startStatusNode({ listen: { port: 0 }, dataDir, maxPeers: '50' } as unknown as StatusNodeOptions, { logger: (_l, m) => logged.push(m) })).rejects.toMatchObject({
      name: 'NodeConfigError',
      code: NODE_CONFIG_ERROR.INVALID_NUMBER,
    });
    expect(logged).toEqual([]);
  });
});

describe('--node-key in a folder that does not exist', () => {
  it('is an error (a typo must not become a new identity) unless --create is given', async () => {
    const { stat } = await import('node:fs/promises');
    const { loadOrCreateNodeKey, parseNodeOptions } = await import('../src/index.js');
    const dir = await mkdtemp(join(tmpdir(), 'node-key-'));
    try {
      const typo = join(dir, 'nosuch', 'dir', 'key');
      const strict = parseNodeOptions({ dataDir: dir, nodeKey: typo });
      expect(strict.nodeKey).toMatchObject({ kind: 'file', createDir: false });
      await expect(loadOrCreateNodeKey(typo, { createDir: false })).rejects.toMatchObject({ code: 'NODE_KEY_IO', message: expect.stringMatching(/does not exist.*--create/) });
      await expect(stat(join(dir, 'nosuch'))).rejects.toMatchObject({ code: 'ENOENT' });
      const created = parseNodeOptions({ dataDir: dir, nodeKey: typo, create: true });
      expect(created.nodeKey).toMatchObject({ kind: 'file', createDir: true });
      const k = await loadOrCreateNodeKey(typo, { createDir: true });
      expect(k.created).toBe(true);
      expect((await stat(typo)).mode & 0o777).toBe(0o600);
      // An existing folder still gets a new key file, as before.
      expect((await loadOrCreateNodeKey(join(dir, 'key2'), { createDir: false })).created).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
