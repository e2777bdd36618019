// status-node: command-line parsing and validation (pure), the node key file, and --help.
import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommanderError } from 'commander';
import { bytesToHex, generatePrivateKey, getPublicKey } from '@status-stack/crypto';
import { createEnr, formatEnrTreeUrl } from '@status-stack/p2p-overlay';
import {
  createStatusNodeCommand,
  defaultDataDir,
  loadOrCreateNodeKey,
  NODE_CONFIG_ERROR,
  NodeConfigError,
  parseListen,
  parseNodeOptions,
  parseStatusNodeArgv,
  redact,
  type NodeConfigErrorCode,
  type RawNodeOptions,
} from '../src/index.js';

const ID = 'a'.repeat(128);
const ENODE = `enode://${ID}@10.0.0.1:30303`;

function expectCode(raw: RawNodeOptions, code: NodeConfigErrorCode, fragment?: string): void {
  let caught: unknown;
  try {
    parseNodeOptions(raw);
  } catch (e) {
    caught = e;
  }
  expect(caught, JSON.stringify(raw)).toBeInstanceOf(NodeConfigError);
  expect((caught as NodeConfigError).code).toBe(code);
  if (fragment !== undefined) expect((caught as NodeConfigError).message).toContain(fragment);
}

const argv = (...args: string[]) => ['node', 'status-node', ...args];

describe('status-node options → config', () => {
  it('defaults: 127.0.0.1:30303, Waku only, relay (no mailserver), node key in the data dir, no discovery', () => {
    const c = parseNodeOptions({ dataDir: '/srv/node' });
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 30303 });
    expect(c.waku).toBe(true);
    expect(c.whisper).toBe(false);
    expect(c.light).toBe(false);
    expect(c.mailserver).toEqual({ enabled: false });
    expect(c.nodeKey).toEqual({ kind: 'file', path: '/srv/node/nodekey' });
    expect(c.discovery).toEqual([]);
    expect(c.staticNodes).toEqual([]);
    expect(c.bootstrapNodes).toEqual([]);
    expect(c.maxPeers).toBe(25);
    expect(c.minPow).toBeUndefined();
    expect(c.rateLimits).toEqual({ ip: undefined, peer: undefined, topic: undefined });
    expect(c.logLevel).toBe('info');
    expect(c.warnings).toEqual([]);
    expect(parseNodeOptions({}).dataDir).toBe(defaultDataDir());
  });

  it('--listen accepts host:port, [v6]:port, :port and port 0; rejects the rest with INVALID_LISTEN', () => {
    expect(parseListen('0.0.0.0:0')).toEqual({ host: '0.0.0.0', port: 0 });
    expect(parseListen('[::1]:30304')).toEqual({ host: '::1', port: 30304 });
    expect(parseListen(':4000')).toEqual({ host: '127.0.0.1', port: 4000 });
    expect(parseListen('localhost:65535')).toEqual({ host: 'localhost', port: 65535 });
    for (const bad of ['127.0.0.1', '127.0.0.1:65536', '127.0.0.1:-1', '127.0.0.1:abc', '[zz::1]:1', 'bad host:1', '::1:30303', '']) {
      expectCode({ listen: bad }, NODE_CONFIG_ERROR.INVALID_LISTEN);
    }
    expectCode({ announceHost: 'not a host' }, NODE_CONFIG_ERROR.INVALID_LISTEN, 'not a host');
  });

  it('protocols: --waku (default), --whisper alone, both = bridge', () => {
    expect(parseNodeOptions({ whisper: true })).toMatchObject({ whisper: true, waku: false });
    expect(parseNodeOptions({ waku: true })).toMatchObject({ whisper: false, waku: true });
    expect(parseNodeOptions({ whisper: true, waku: true })).toMatchObject({ whisper: true, waku: true });
  });

  it('node key: --node-key-hex is validated, --node-key is a path, both together conflict', () => {
    const key = generatePrivateKey();
    const c = parseNodeOptions({ nodeKeyHex: `0x${bytesToHex(key)}` });
    expect(c.nodeKey).toEqual({ kind: 'hex', privateKey: key });
    expect(parseNodeOptions({ nodeKey: 'keys/nk' }).nodeKey).toEqual({ kind: 'file', path: resolve('keys/nk'), createDir: false });
    expectCode({ nodeKeyHex: 'abcd' }, NODE_CONFIG_ERROR.INVALID_NODE_KEY, '"abcd"');
    expectCode({ nodeKeyHex: '00'.repeat(32) }, NODE_CONFIG_ERROR.INVALID_NODE_KEY, 'not a valid secp256k1');
    // The curve order n itself is not a private key.
    expectCode({ nodeKeyHex: 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141' }, NODE_CONFIG_ERROR.INVALID_NODE_KEY);
    expectCode({ nodeKey: 'f', nodeKeyHex: bytesToHex(key) }, NODE_CONFIG_ERROR.CONFLICTING_OPTIONS);
  });

  it('numbers: PoW, rate limits, max peers and retention are range-checked with INVALID_NUMBER', () => {
    const c = parseNodeOptions({ minPow: '0.002', rateLimitIp: '100', rateLimitPeer: '0', rateLimitTopic: '50', maxPeers: '3' });
    expect(c.minPow).toBe(0.002);
    expect(c.rateLimits).toEqual({ ip: 100, peer: 0, topic: 50 });
    expect(c.maxPeers).toBe(3);
    const bad: RawNodeOptions[] = [
      { minPow: '-1' },
      { minPow: 'lots' },
      { minPow: 'Infinity' },
      { minPow: '' },
      { rateLimitIp: '1.5' },
      { rateLimitPeer: '-3' },
      { rateLimitTopic: 'x' },
      { maxPeers: '0' },
      { maxPeers: '2.5' },
      { mailserver: true, retentionDays: '0' },
      { mailserver: true, retentionDays: '-2' },
    ];
    for (const raw of bad) expectCode(raw, NODE_CONFIG_ERROR.INVALID_NUMBER, JSON.stringify(Object.values(raw).find((v) => typeof v === 'string')));
  });

  it('mailserver: default SQLite file in the data dir, sqlite:PATH relative to it, PostgreSQL URLs, retention', () => {
    const c = parseNodeOptions({ dataDir: '/d', mailserver: true, mailserverPassword: 'status-offline-inbox' });
    expect(c.mailserver).toEqual({ enabled: true, password: 'status-offline-inbox', archive: { kind: 'sqlite', path: '/d/mailserver.db' }, retentionSeconds: 30 * 86_400 });
    expect(parseNodeOptions({ dataDir: '/d', mailserver: true, archive: 'sqlite:db/ms.db', retentionDays: '1.5' }).mailserver).toEqual({
      enabled: true,
      password: undefined,
      archive: { kind: 'sqlite', path: '/d/db/ms.db' },
      retentionSeconds: 129_600,
    });
    expect(parseNodeOptions({ mailserver: true, archive: 'sqlite:/abs/x.db' }).mailserver).toMatchObject({ archive: { kind: 'sqlite', path: '/abs/x.db' } });
    const url = 'postgres://status:secret@db.internal:5432/mailserver';
    expect(parseNodeOptions({ mailserver: true, archive: url }).mailserver).toMatchObject({ archive: { kind: 'postgres', url } });
    expect(parseNodeOptions({ mailserver: true, archive: 'postgresql://h/db' }).mailserver).toMatchObject({ archive: { kind: 'postgres' } });
    expectCode({ mailserver: true, archive: 'mysql://h/db' }, NODE_CONFIG_ERROR.INVALID_ARCHIVE);
    expectCode({ mailserver: true, archive: 'sqlite:' }, NODE_CONFIG_ERROR.INVALID_ARCHIVE);
    expectCode({ mailserver: true, archive: 'postgres://' }, NODE_CONFIG_ERROR.INVALID_ARCHIVE);
    expectCode({ mailserver: true, mailserverPassword: '' }, NODE_CONFIG_ERROR.CONFLICTING_OPTIONS);
    // The password never shows in messages or logs.
    let message = '';
    try {
      parseNodeOptions({ archive: 'postgres://u:hunter2@/' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).not.toContain('hunter2');
    expect(redact(url)).toBe('postgres://status:***@db.internal:5432/mailserver');
  });

  it('--mailserver-key FILE: the asymmetric key of older-form requests, read from a file when the node starts', () => {
    const c = parseStatusNodeArgv(['node', 'status-node', '--mailserver', '--mailserver-key', 'keys/ms.key', '--data-dir', '/d']);
    expect(c.mailserver).toMatchObject({ enabled: true, asymKeyFile: resolve('keys/ms.key') });
    expect(parseNodeOptions({ mailserver: true }).mailserver).not.toHaveProperty('asymKeyFile');
    expectCode({ mailserver: true, mailserverKey: '  ' }, NODE_CONFIG_ERROR.INVALID_NODE_KEY, '--mailserver-key needs a file path');
  });

  it('mailserver options without --mailserver are warnings, not silently taken', () => {
    const c = parseNodeOptions({ mailserverPassword: 'pw', mailserverKey: 'ms.key', archive: 'sqlite:x.db', retentionDays: '3' });
    expect(c.mailserver).toEqual({ enabled: false });
    expect(c.warnings).toEqual([
      '--mailserver-password has no effect without --mailserver',
      '--mailserver-key has no effect without --mailserver',
      '--archive has no effect without --mailserver',
      '--retention-days has no effect without --mailserver',
    ]);
  });

  it('peers: --static / --bootstrap take enode URLs (bootstrap also ENRs); anything else is INVALID_ENODE', () => {
    const key = generatePrivateKey();
    const enr = createEnr(key, { ip: '10.1.2.3', tcp: 30305, udp: 30305 });
    const c = parseNodeOptions({ static: [ENODE], bootstrap: [` ${ENODE.replace('10.0.0.1', '10.0.0.2')} `, enr.text] });
    expect(c.staticNodes).toEqual([ENODE]);
    expect(c.bootstrapNodes).toEqual([ENODE.replace('10.0.0.1', '10.0.0.2'), `enode://${bytesToHex(getPublicKey(key).subarray(1))}@10.1.2.3:30305`]);
    expect(c.bootstrapEnrs).toEqual([enr.text]);
    expectCode({ static: ['enode://abc@1.2.3.4:1'] }, NODE_CONFIG_ERROR.INVALID_ENODE, '--static');
    expectCode({ bootstrap: [`enode://${ID}@1.2.3.4:70000`] }, NODE_CONFIG_ERROR.INVALID_ENODE, '--bootstrap');
    expectCode({ bootstrap: ['enr:-not-base64!'] }, NODE_CONFIG_ERROR.INVALID_ENODE);
  });

  it('discovery: none, dns:enrtree://…, discv5; bad values INVALID_DISCOVERY, none with others CONFLICTING_OPTIONS', () => {
    const tree = formatEnrTreeUrl(getPublicKey(generatePrivateKey(), true), 'nodes.example.org');
    expect(parseNodeOptions({ discovery: ['none'] }).discovery).toEqual([]);
    expect(parseNodeOptions({ discovery: [`dns:${tree}`, 'discv5', 'discv5'] }).discovery).toEqual([{ kind: 'dns', url: tree }, { kind: 'discv5' }]);
    expectCode({ discovery: ['mdns'] }, NODE_CONFIG_ERROR.INVALID_DISCOVERY, 'mdns');
    expectCode({ discovery: ['dns:enrtree://nope@x.org'] }, NODE_CONFIG_ERROR.INVALID_DISCOVERY);
    expectCode({ discovery: ['none', 'discv5'] }, NODE_CONFIG_ERROR.CONFLICTING_OPTIONS);
  });

  it('--log-level is one of silent|error|warn|info|debug', () => {
    expect(parseNodeOptions({ logLevel: 'DEBUG' }).logLevel).toBe('debug');
    expectCode({ logLevel: 'verbose' }, NODE_CONFIG_ERROR.INVALID_LOG_LEVEL, 'verbose');
  });

  it('argv through commander: repeatable flags, --no-mailserver, unknown options and bad syntax are CommanderErrors', () => {
    const c = parseStatusNodeArgv(
      argv('--listen', '0.0.0.0:0', '--whisper', '--waku', '--static', ENODE, '--static', ENODE.replace('.1:', '.9:'), '--mailserver', '--archive', 'sqlite:m.db', '--data-dir', '/x', '--light', '--min-pow', '0.2'),
    );
    expect(c).toMatchObject({ listen: { host: '0.0.0.0', port: 0 }, whisper: true, waku: true, light: true, minPow: 0.2, mailserver: { enabled: true, archive: { kind: 'sqlite', path: '/x/m.db' } } });
    expect(c.staticNodes).toHaveLength(2);
    expect(parseStatusNodeArgv(argv('--mailserver', '--no-mailserver')).mailserver).toEqual({ enabled: false });
    const silence = (cmd: ReturnType<typeof createStatusNodeCommand>) => cmd.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    expect(() => parseStatusNodeArgv(argv('--bogus'), silence(createStatusNodeCommand()))).toThrow(CommanderError);
    expect(() => parseStatusNodeArgv(argv('--listen'), silence(createStatusNodeCommand()))).toThrow(CommanderError);
    expect(() => parseStatusNodeArgv(argv('--node-key', 'f', '--node-key-hex', bytesToHex(generatePrivateKey())), silence(createStatusNodeCommand()))).toThrow(CommanderError);
    expect(() => parseStatusNodeArgv(argv('--max-peers', 'many'))).toThrow(NodeConfigError);
  });

  it('--help explains every option of the brief, each with a description', () => {
    const help = createStatusNodeCommand().helpInformation();
    const flags = [
      '--listen <host:port>',
      '--announce-host <host>',
      '--node-key <file>',
      '--node-key-hex <hex>',
      '--whisper',
      '--waku',
      '--min-pow <number>',
      '--rate-limit-ip <n>',
      '--rate-limit-peer <n>',
      '--rate-limit-topic <n>',
      '--light',
      '--mailserver',
      '--no-mailserver',
      '--mailserver-password <pw>',
      '--archive <spec>',
      '--retention-days <days>',
      '--static <enode>',
      '--bootstrap <enode>',
      '--discovery <how>',
      '--max-peers <n>',
      '--data-dir <dir>',
      '--log-level <level>',
    ];
    for (const f of flags) {
      const line = help.split('\n').find((l) => l.trimStart().startsWith(`${f} `));
      expect(line, f).toBeDefined();
      expect(line!.slice(line!.indexOf(f) + f.length).trim().length, `description of ${f}`).toBeGreaterThan(10);
    }
    for (const word of ['postgres://', 'sqlite:', 'enode://', 'SIGTERM', 'dns:enrtree://', 'discv5', '0600']) expect(help).toContain(word);
  });
});

describe('node key file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'status-node-key-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is created (mode 0600, directories made) when missing and read back unchanged', async () => {
    const path = join(dir, 'sub', 'dir', 'nodekey');
    const first = await loadOrCreateNodeKey(path);
    expect(first.created).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readFile(path, 'utf8')).trim()).toBe(bytesToHex(first.privateKey));
    const second = await loadOrCreateNodeKey(path);
    expect(second).toEqual({ privateKey: first.privateKey, created: false, warning: undefined });
  });

  it('accepts 0x and whitespace, warns when others can read it, rejects garbage with INVALID_NODE_KEY', async () => {
    const key = generatePrivateKey();
    const path = join(dir, 'loose');
    await writeFile(path, `  0x${bytesToHex(key)}\n\n`);
    await chmod(path, 0o644);
    const loaded = await loadOrCreateNodeKey(path);
    expect(loaded.privateKey).toEqual(key);
    expect(loaded.warning).toContain('mode 644');
    const bad = join(dir, 'bad');
    await writeFile(bad, 'not a key\n', { mode: 0o600 });
    await expect(loadOrCreateNodeKey(bad)).rejects.toMatchObject({ code: NODE_CONFIG_ERROR.INVALID_NODE_KEY });
    // A directory where the file should be: an I/O error, typed.
    await expect(loadOrCreateNodeKey(dir)).rejects.toMatchObject({ code: NODE_CONFIG_ERROR.NODE_KEY_IO });
  });
});
