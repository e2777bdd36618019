// status-node: the command line turned into a typed, validated configuration, and the node it
// describes (RLPx overlay → Whisper v6 and/or Waku v1, bridged when both → optional mailserver
// with a SQLite or PostgreSQL archive → peer pool with static/bootstrap peers and discovery).
// `startStatusNode` is what the executable runs and what tests call in-process.
import { existsSync } from 'node:fs';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import debugFactory from 'debug';
import { bytesToHex, generatePrivateKey, hexToBytes, isValidPrivateKey } from '@status-stack/crypto';
import {
  decodeEnr,
  DnsDiscovery,
  Discv5Discovery,
  enrToEnode,
  frameSizeFor,
  JsonFilePeerCache,
  parseEnode,
  parseEnrTreeUrl,
  PeerPool,
  reasonText,
  RlpxOverlay,
  type DiscoverySource,
  type PeerInfo,
} from '@status-stack/p2p-overlay';
import {
  Bridge,
  MailServer,
  WakuNode,
  WHISPER,
  WhisperNode,
  type EnvelopeArchive,
  type EnvelopeNode,
  type EnvelopeNodeOptions,
} from '@status-stack/whisper';
import { ensurePrivateFile, mkdirPrivate } from '../storage/private-files.js';

const debugLog = debugFactory('status:client:status-node');

// ---- errors ----

export const NODE_CONFIG_ERROR = {
  /** `--listen` is not `host:port` with a usable host and a port in 0..65535. */
  INVALID_LISTEN: 'INVALID_LISTEN',
  /** A node key that is not 32 bytes of hex, or not a valid secp256k1 private key. */
  INVALID_NODE_KEY: 'INVALID_NODE_KEY',
  /** The node key file cannot be read or created. */
  NODE_KEY_IO: 'NODE_KEY_IO',
  /** A number option out of range or not a number. */
  INVALID_NUMBER: 'INVALID_NUMBER',
  /** A `--static` / `--bootstrap` value that is not an enode URL (or, for bootstrap, an ENR). */
  INVALID_ENODE: 'INVALID_ENODE',
  /** `--archive` is neither `sqlite:PATH` nor a `postgres://` / `postgresql://` URL. */
  INVALID_ARCHIVE: 'INVALID_ARCHIVE',
  /** `--discovery` is not `none`, `dns:enrtree://…` or `discv5`. */
  INVALID_DISCOVERY: 'INVALID_DISCOVERY',
  /** `--log-level` is not one of LOG_LEVELS. */
  INVALID_LOG_LEVEL: 'INVALID_LOG_LEVEL',
  /** Options that cannot be used together. */
  CONFLICTING_OPTIONS: 'CONFLICTING_OPTIONS',
} as const;
export type NodeConfigErrorCode = (typeof NODE_CONFIG_ERROR)[keyof typeof NODE_CONFIG_ERROR];

export class NodeConfigError extends Error {
  readonly code: NodeConfigErrorCode;
  constructor(code: NodeConfigErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NodeConfigError';
    this.code = code;
  }
}

// ---- configuration ----

export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const NODE_DEFAULTS = {
  HOST: '127.0.0.1',
  /** go-ethereum's conventional devp2p port. */
  PORT: 30303,
  MAX_PEERS: 25,
  RETENTION_DAYS: 30,
  NODE_KEY_FILE: 'nodekey',
  SQLITE_FILE: 'mailserver.db',
  PEER_CACHE_FILE: 'peers.json',
  LOG_LEVEL: 'info',
} as const;

/** `createDir: false`: a missing folder is an error (a typo in `--node-key` must not become a new identity). */
export type NodeKeySource = { kind: 'file'; path: string; createDir?: boolean } | { kind: 'hex'; privateKey: Uint8Array };
export type ArchiveConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
export type DiscoveryConfig = { kind: 'dns'; url: string } | { kind: 'discv5' };

export interface StatusNodeConfig {
  listen: { host: string; port: number };
  /** Address written into our enode (default: the listen host; 127.0.0.1 for 0.0.0.0). */
  announceHost: string | undefined;
  nodeKey: NodeKeySource;
  /** Which protocols run: both means a bridge. */
  whisper: boolean;
  waku: boolean;
  /** Minimum PoW of accepted envelopes (undefined: the library default, 0.000002). */
  minPow: number | undefined;
  /** Packets per second; 0 or undefined: no limit. */
  rateLimits: { ip: number | undefined; peer: number | undefined; topic: number | undefined };
  light: boolean;
  mailserver:
    | { enabled: false }
    | {
        enabled: true;
        password: string | undefined;
        /** A file holding the hex private key older-form requests may be encrypted to (status-go MailServerAsymKey). */
        asymKeyFile?: string;
        archive: ArchiveConfig;
        retentionSeconds: number;
      };
  staticNodes: string[];
  /** Bootstrap enode URLs (ENRs given on the command line are converted). */
  bootstrapNodes: string[];
  /** ENRs given with `--bootstrap`: also seeds for discv5. */
  bootstrapEnrs: string[];
  discovery: DiscoveryConfig[];
  maxPeers: number;
  dataDir: string;
  logLevel: LogLevel;
  /** Options that were given but have no effect with the others (logged at start). */
  warnings: string[];
}

/** The options as commander hands them over: strings, string lists, booleans; nothing checked yet. */
export interface RawNodeOptions {
  listen?: string;
  announceHost?: string;
  nodeKey?: string;
  /** With `nodeKey`: create its folder when missing (else that is an error). */
  create?: boolean;
  nodeKeyHex?: string;
  whisper?: boolean;
  waku?: boolean;
  minPow?: string;
  rateLimitIp?: string;
  rateLimitPeer?: string;
  rateLimitTopic?: string;
  light?: boolean;
  mailserver?: boolean;
  mailserverPassword?: string;
  mailserverKey?: string;
  archive?: string;
  retentionDays?: string;
  static?: string[];
  bootstrap?: string[];
  discovery?: string[];
  maxPeers?: string;
  dataDir?: string;
  logLevel?: string;
}

/**
 * What {@link startStatusNode} takes: typed values (numbers, booleans, byte arrays), every one
 * optional, with the defaults of the `status-node` command line (NODE_DEFAULTS). A resolved
 * {@link StatusNodeConfig} (what {@link parseNodeOptions} makes of command-line strings) is one too.
 */
export interface StatusNodeOptions {
  /** TCP listen address: host default 127.0.0.1 (`0.0.0.0` for a public node), port default 30303 (0: the OS chooses). */
  listen?: { host?: string; port?: number };
  /** Address written into our enode (default: the listen host; 127.0.0.1 for 0.0.0.0). */
  announceHost?: string;
  /**
   * The node key: 32 bytes, `{ kind: 'hex', privateKey }`, or `{ kind: 'file', path }` (64 hex
   * characters, created with mode 0600 when missing). Default: the file `<dataDir>/nodekey`.
   */
  nodeKey?: Uint8Array | NodeKeySource;
  /** Run Whisper v6 (default false); with `waku` as well the node bridges the two. */
  whisper?: boolean;
  /** Run Waku v1 (default: true unless `whisper` is set). */
  waku?: boolean;
  /** Lowest PoW accepted (default 0.000002). */
  minPow?: number;
  /** Packets per second accepted per IP address, peer id and topic (default none; 0: none). */
  rateLimits?: { ip?: number; peer?: number; topic?: number };
  /** A light node: relays nothing it receives (default false). */
  light?: boolean;
  /**
   * Archive envelopes and serve history (default false). `true`: SQLite at `<dataDir>/mailserver.db`,
   * 30 days' retention; or the details: `archive` (`{ kind: 'sqlite', path }`, relative to dataDir,
   * or `{ kind: 'postgres', url }`), `retentionSeconds`, `password` (older envelope-form requests),
   * `asymKeyFile` (a file holding the hex key older requests may be encrypted to).
   */
  mailserver?:
    | boolean
    | { enabled?: boolean; password?: string; asymKeyFile?: string; archive?: ArchiveConfig; retentionSeconds?: number };
  /** Peers always kept connected, redialled with backoff (enode URLs). */
  staticNodes?: readonly string[];
  /** Peers dialled first to join the network: enode URLs, or ENRs (also discv5 seeds). */
  bootstrapNodes?: readonly string[];
  /** ENRs seeding discv5 (dialled too). */
  bootstrapEnrs?: readonly string[];
  /** Peer discovery (default none): `{ kind: 'dns', url: 'enrtree://…' }`, `{ kind: 'discv5' }`. */
  discovery?: readonly DiscoveryConfig[];
  /** Connections at most, inbound and outbound together (default 25). */
  maxPeers?: number;
  /** Directory of the node key, the SQLite archive and the peer cache (default ~/.status-node). */
  dataDir?: string;
  /** Log level of the default logger (default 'info'). */
  logLevel?: LogLevel;
  /** Warnings logged at start (parseNodeOptions puts the command line's here). */
  warnings?: readonly string[];
}

const HOSTNAME_RE = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

function parseHost(host: string, what: string): string {
  if (isIP(host) !== 0 || HOSTNAME_RE.test(host)) return host;
  throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_LISTEN, `${what}: bad host ${JSON.stringify(host)}`);
}

/** `host:port`, `[v6]:port`, or `:port` / a bare port (host 127.0.0.1). */
export function parseListen(value: string): { host: string; port: number } {
  const v = value.trim();
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(v) ?? /^()()(\d{1,5})$/.exec(v);
  if (!m) throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_LISTEN, `--listen must be host:port, got ${JSON.stringify(value)}`);
  const port = Number(m[3]);
  if (port > 65535) throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_LISTEN, `--listen port ${m[3]} out of range 0..65535`);
  if (m[1] !== undefined) {
    if (isIP(m[1]) !== 6) throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_LISTEN, `--listen: bad IPv6 address ${JSON.stringify(m[1])}`);
    return { host: m[1], port };
  }
  const host = m[2] === '' ? NODE_DEFAULTS.HOST : m[2];
  return { host: parseHost(host, '--listen'), port };
}

/** A 32-byte secp256k1 private key in hex (0x optional, surrounding whitespace ignored). */
export function parseNodeKeyHex(text: string, origin: string): Uint8Array {
  const t = text.trim();
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(t)) {
    throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_NODE_KEY, `${origin}: expected 64 hex characters (a 32-byte private key), got ${JSON.stringify(t.length > 80 ? `${t.slice(0, 80)}…` : t)}`);
  }
  const key = hexToBytes(t);
  if (!isValidPrivateKey(key)) throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_NODE_KEY, `${origin}: not a valid secp256k1 private key (zero or ≥ the curve order)`);
  return key;
}

function parseNumber(
  value: string | undefined,
  flag: string,
  rule: { integer?: boolean; min: number; minExclusive?: boolean; max?: number },
): number | undefined {
  if (value === undefined) return undefined;
  const t = value.trim();
  const n = t === '' ? NaN : Number(t);
  const kind = rule.integer ? 'an integer' : 'a number';
  const bad = (why: string) => new NodeConfigError(NODE_CONFIG_ERROR.INVALID_NUMBER, `${flag} must be ${why}, got ${JSON.stringify(value)}`);
  if (!Number.isFinite(n)) throw bad(kind);
  if (rule.integer && !Number.isSafeInteger(n)) throw bad(kind);
  if (rule.minExclusive ? n <= rule.min : n < rule.min) throw bad(`${kind} ${rule.minExclusive ? '>' : '≥'} ${rule.min}`);
  if (rule.max !== undefined && n > rule.max) throw bad(`${kind} ≤ ${rule.max}`);
  return n;
}

function parseArchive(value: string, dataDir: string): ArchiveConfig {
  const v = value.trim();
  if (/^postgres(ql)?:\/\//i.test(v)) {
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_ARCHIVE, `--archive: not a valid PostgreSQL URL: ${redact(v)}`);
    }
    if (url.hostname === '' && !url.searchParams.has('host')) {
      throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_ARCHIVE, `--archive: the PostgreSQL URL has no host: ${redact(v)}`);
    }
    return { kind: 'postgres', url: v };
  }
  if (v.startsWith('sqlite:')) {
    const path = v.slice('sqlite:'.length);
    if (path === '') throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_ARCHIVE, '--archive sqlite: needs a file path (sqlite:PATH)');
    return { kind: 'sqlite', path: path === ':memory:' ? path : resolve(dataDir, path) };
  }
  throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_ARCHIVE, `--archive must be sqlite:PATH or postgres://user:password@host:port/db, got ${JSON.stringify(redact(v))}`);
}

/** A connection string without its password, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

function parseDiscovery(values: readonly string[]): DiscoveryConfig[] {
  const out: DiscoveryConfig[] = [];
  for (const raw of values) {
    const v = raw.trim();
    if (v === 'none') {
      if (values.length > 1) throw new NodeConfigError(NODE_CONFIG_ERROR.CONFLICTING_OPTIONS, `--discovery none cannot be combined with other --discovery values (${values.join(', ')})`);
      continue;
    }
    if (v === 'discv5') {
      if (!out.some((d) => d.kind === 'discv5')) out.push({ kind: 'discv5' });
      continue;
    }
    if (v.startsWith('dns:')) {
      const url = v.slice(4);
      try {
        parseEnrTreeUrl(url);
      } catch (e) {
        throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_DISCOVERY, `--discovery ${v}: ${(e as Error).message}`, { cause: e });
      }
      out.push({ kind: 'dns', url });
      continue;
    }
    throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_DISCOVERY, `--discovery must be none, dns:enrtree://KEY@DOMAIN or discv5, got ${JSON.stringify(v)}`);
  }
  return out;
}

function parseEnodeOption(value: string, flag: string): string {
  try {
    parseEnode(value.trim());
  } catch (e) {
    throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_ENODE, `${flag}: ${(e as Error).message}`, { cause: e });
  }
  return value.trim();
}

export function defaultDataDir(): string {
  return join(homedir(), '.status-node');
}

/** Validates everything; throws {@link NodeConfigError} on the first bad value. Pure (no I/O). */
export function parseNodeOptions(raw: RawNodeOptions): StatusNodeConfig {
  const warnings: string[] = [];
  const listen = parseListen(raw.listen ?? `${NODE_DEFAULTS.HOST}:${NODE_DEFAULTS.PORT}`);
  const announceHost = raw.announceHost === undefined ? undefined : parseHost(raw.announceHost.trim(), '--announce-host');
  const dataDir = resolve(raw.dataDir ?? defaultDataDir());

  if (raw.nodeKey !== undefined && raw.nodeKeyHex !== undefined) {
    throw new NodeConfigError(NODE_CONFIG_ERROR.CONFLICTING_OPTIONS, 'give --node-key FILE or --node-key-hex HEX, not both');
  }
  let nodeKey: NodeKeySource;
  if (raw.nodeKeyHex !== undefined) nodeKey = { kind: 'hex', privateKey: parseNodeKeyHex(raw.nodeKeyHex, '--node-key-hex') };
  else if (raw.nodeKey !== undefined) {
    if (raw.nodeKey.trim() === '') throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_NODE_KEY, '--node-key needs a file path');
    nodeKey = { kind: 'file', path: resolve(raw.nodeKey), createDir: raw.create === true };
  } else nodeKey = { kind: 'file', path: join(dataDir, NODE_DEFAULTS.NODE_KEY_FILE) };

  const whisperFlag = raw.whisper === true;
  const wakuFlag = raw.waku === true;
  const whisper = whisperFlag;
  const waku = wakuFlag || !whisperFlag;

  const minPow = parseNumber(raw.minPow, '--min-pow', { min: 0 });
  const rateLimits = {
    ip: parseNumber(raw.rateLimitIp, '--rate-limit-ip', { integer: true, min: 0 }),
    peer: parseNumber(raw.rateLimitPeer, '--rate-limit-peer', { integer: true, min: 0 }),
    topic: parseNumber(raw.rateLimitTopic, '--rate-limit-topic', { integer: true, min: 0 }),
  };
  const maxPeers = parseNumber(raw.maxPeers, '--max-peers', { integer: true, min: 1, max: 10_000 }) ?? NODE_DEFAULTS.MAX_PEERS;
  const retentionDays = parseNumber(raw.retentionDays, '--retention-days', { min: 0, minExclusive: true, max: 36_500 });

  let mailserver: StatusNodeConfig['mailserver'];
  const archive = raw.archive === undefined ? undefined : parseArchive(raw.archive, dataDir);
  if (raw.mailserver === true) {
    mailserver = {
      enabled: true,
      password: raw.mailserverPassword,
      ...(raw.mailserverKey !== undefined ? { asymKeyFile: resolve(raw.mailserverKey) } : {}),
      archive: archive ?? { kind: 'sqlite', path: join(dataDir, NODE_DEFAULTS.SQLITE_FILE) },
      retentionSeconds: Math.round((retentionDays ?? NODE_DEFAULTS.RETENTION_DAYS) * 86_400),
    };
    if (raw.light === true) warnings.push('--light with --mailserver: the node archives and serves what reaches it but relays nothing');
  } else {
    mailserver = { enabled: false };
    for (const [given, flag] of [
      [raw.mailserverPassword, '--mailserver-password'],
      [raw.mailserverKey, '--mailserver-key'],
      [raw.archive, '--archive'],
      [raw.retentionDays, '--retention-days'],
    ] as const) {
      if (given !== undefined) warnings.push(`${flag} has no effect without --mailserver`);
    }
  }
  if (raw.mailserverPassword !== undefined && raw.mailserverPassword === '') {
    throw new NodeConfigError(NODE_CONFIG_ERROR.CONFLICTING_OPTIONS, '--mailserver-password must not be empty');
  }
  if (raw.mailserverKey !== undefined && raw.mailserverKey.trim() === '') {
    throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_NODE_KEY, '--mailserver-key needs a file path');
  }

  const staticNodes = (raw.static ?? []).map((e) => parseEnodeOption(e, '--static'));
  const bootstrapNodes: string[] = [];
  const bootstrapEnrs: string[] = [];
  for (const b of raw.bootstrap ?? []) {
    const v = b.trim();
    if (v.startsWith('enr:')) {
      try {
        bootstrapNodes.push(enrToEnode(decodeEnr(v)));
      } catch (e) {
        throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_ENODE, `--bootstrap: ${(e as Error).message}`, { cause: e });
      }
      bootstrapEnrs.push(v);
    } else bootstrapNodes.push(parseEnodeOption(v, '--bootstrap'));
  }
  const discovery = parseDiscovery(raw.discovery ?? []);

  const level = (raw.logLevel ?? NODE_DEFAULTS.LOG_LEVEL).trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_LOG_LEVEL, `--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw.logLevel)}`);
  }

  return {
    listen,
    announceHost,
    nodeKey,
    whisper,
    waku,
    minPow,
    rateLimits,
    light: raw.light === true,
    mailserver,
    staticNodes,
    bootstrapNodes,
    bootstrapEnrs,
    discovery,
    maxPeers,
    dataDir,
    logLevel: level as LogLevel,
    warnings,
  };
}

function typedNumber(
  value: unknown,
  name: string,
  rule: { integer?: boolean; min: number; minExclusive?: boolean; max?: number },
  code: NodeConfigErrorCode = NODE_CONFIG_ERROR.INVALID_NUMBER,
): number | undefined {
  if (value === undefined) return undefined;
  const kind = rule.integer ? 'an integer' : 'a number';
  const bad = (why: string) => new NodeConfigError(code, `${name} must be ${why}, got ${typeof value === 'string' ? JSON.stringify(value) + ' (a string)' : String(value)}`);
  if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(kind);
  if (rule.integer && !Number.isSafeInteger(value)) throw bad(kind);
  if (rule.minExclusive ? value <= rule.min : value < rule.min) throw bad(`${kind} ${rule.minExclusive ? '>' : '≥'} ${rule.min}`);
  if (rule.max !== undefined && value > rule.max) throw bad(`${kind} ≤ ${rule.max}`);
  return value;
}

function typedBoolean(value: unknown, name: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new NodeConfigError(NODE_CONFIG_ERROR.CONFLICTING_OPTIONS, `${name} must be true or false, got ${JSON.stringify(value)}`);
}

function typedNodeKey(key: Uint8Array): Uint8Array {
  if (key.length !== 32 || !isValidPrivateKey(key)) throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_NODE_KEY, `nodeKey: expected a valid 32-byte secp256k1 private key, got ${key.length} bytes`);
  return key;
}

/**
 * Checks typed options and fills in the defaults: the configuration {@link startStatusNode} runs.
 * Throws {@link NodeConfigError} on the first bad value (a string where a number belongs included).
 * Pure (no I/O); a StatusNodeConfig comes back unchanged.
 */
export function resolveNodeOptions(options: StatusNodeOptions = {}): StatusNodeConfig {
  const o = options;
  const warnings = new Set(o.warnings ?? []);
  const host = o.listen?.host ?? NODE_DEFAULTS.HOST;
  if (typeof host !== 'string') throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_LISTEN, `listen.host must be a string, got ${String(host)}`);
  const listen = {
    host: isIP(host) === 6 ? host : parseHost(host, 'listen.host'),
    port: typedNumber(o.listen?.port ?? NODE_DEFAULTS.PORT, 'listen.port', { integer: true, min: 0, max: 65535 }, NODE_CONFIG_ERROR.INVALID_LISTEN)!,
  };
  const announceHost = o.announceHost === undefined ? undefined : parseHost(o.announceHost, 'announceHost');
  const dataDir = resolve(o.dataDir ?? defaultDataDir());

  let nodeKey: NodeKeySource;
  const k = o.nodeKey;
  if (k === undefined) nodeKey = { kind: 'file', path: join(dataDir, NODE_DEFAULTS.NODE_KEY_FILE) };
  else if (k instanceof Uint8Array) nodeKey = { kind: 'hex', privateKey: typedNodeKey(k) };
  else if (k.kind === 'hex' && k.privateKey instanceof Uint8Array) nodeKey = { kind: 'hex', privateKey: typedNodeKey(k.privateKey) };
  else if (k.kind === 'file' && typeof k.path === 'string' && k.path.trim() !== '') nodeKey = { kind: 'file', path: resolve(k.path) };
  else throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_NODE_KEY, 'nodeKey must be 32 bytes, { kind: "hex", privateKey } or { kind: "file", path }');

  const whisper = typedBoolean(o.whisper, 'whisper') ?? false;
  const waku = typedBoolean(o.waku, 'waku') ?? !whisper;
  if (!whisper && !waku) throw new NodeConfigError(NODE_CONFIG_ERROR.CONFLICTING_OPTIONS, 'whisper and waku are both false: the node would speak no protocol');
  const light = typedBoolean(o.light, 'light') ?? false;

  let mailserver: StatusNodeConfig['mailserver'] = { enabled: false };
  const ms = o.mailserver === true ? {} : o.mailserver === false || o.mailserver === undefined ? undefined : o.mailserver;
  if (ms !== undefined && typeof ms !== 'object') throw new NodeConfigError(NODE_CONFIG_ERROR.CONFLICTING_OPTIONS, `mailserver must be a boolean or an object, got ${JSON.stringify(ms)}`);
  if (ms && ms.enabled !== false) {
    if (ms.password !== undefined && (typeof ms.password !== 'string' || ms.password === '')) {
      throw new NodeConfigError(NODE_CONFIG_ERROR.CONFLICTING_OPTIONS, 'mailserver.password must be a non-empty string');
    }
    if (ms.asymKeyFile !== undefined && (typeof ms.asymKeyFile !== 'string' || ms.asymKeyFile.trim() === '')) {
      throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_NODE_KEY, 'mailserver.asymKeyFile needs a file path');
    }
    const a = ms.archive;
    let archive: ArchiveConfig = { kind: 'sqlite', path: join(dataDir, NODE_DEFAULTS.SQLITE_FILE) };
    if (a !== undefined) {
      if (a.kind === 'sqlite' && typeof a.path === 'string') archive = parseArchive(`sqlite:${a.path}`, dataDir);
      else if (a.kind === 'postgres' && typeof a.url === 'string') archive = parseArchive(a.url, dataDir);
      else throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_ARCHIVE, 'mailserver.archive must be { kind: "sqlite", path } or { kind: "postgres", url }');
    }
    mailserver = {
      enabled: true,
      password: ms.password,
      ...(ms.asymKeyFile !== undefined ? { asymKeyFile: resolve(ms.asymKeyFile) } : {}),
      archive,
      retentionSeconds: typedNumber(ms.retentionSeconds ?? NODE_DEFAULTS.RETENTION_DAYS * 86_400, 'mailserver.retentionSeconds', { min: 0, minExclusive: true, max: 36_500 * 86_400 })!,
    };
    if (light) warnings.add('--light with --mailserver: the node archives and serves what reaches it but relays nothing');
  }

  const list = (v: readonly string[] | undefined, name: string): readonly string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((e) => typeof e !== 'string')) throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_ENODE, `${name} must be an array of strings`);
    return v;
  };
  const staticNodes = list(o.staticNodes, 'staticNodes').map((e) => parseEnodeOption(e, 'staticNodes'));
  const bootstrapNodes: string[] = [];
  const bootstrapEnrs: string[] = [];
  const addEnr = (v: string, name: string): void => {
    let enode: string;
    try {
      enode = enrToEnode(decodeEnr(v));
    } catch (e) {
      throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_ENODE, `${name}: ${(e as Error).message}`, { cause: e });
    }
    if (!bootstrapNodes.includes(enode)) bootstrapNodes.push(enode);
    if (!bootstrapEnrs.includes(v)) bootstrapEnrs.push(v);
  };
  for (const b of list(o.bootstrapNodes, 'bootstrapNodes')) {
    const v = b.trim();
    if (v.startsWith('enr:')) addEnr(v, 'bootstrapNodes');
    else {
      const enode = parseEnodeOption(v, 'bootstrapNodes');
      if (!bootstrapNodes.includes(enode)) bootstrapNodes.push(enode);
    }
  }
  for (const e of list(o.bootstrapEnrs, 'bootstrapEnrs')) addEnr(e.trim(), 'bootstrapEnrs');

  const discovery: DiscoveryConfig[] = [];
  for (const d of o.discovery ?? []) {
    if (d?.kind === 'discv5') {
      if (!discovery.some((x) => x.kind === 'discv5')) discovery.push({ kind: 'discv5' });
    } else if (d?.kind === 'dns' && typeof d.url === 'string') discovery.push(...parseDiscovery([`dns:${d.url}`]));
    else throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_DISCOVERY, `discovery entries must be { kind: 'dns', url } or { kind: 'discv5' }, got ${JSON.stringify(d)}`);
  }

  const logLevel = o.logLevel ?? NODE_DEFAULTS.LOG_LEVEL;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_LOG_LEVEL, `logLevel must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  }
  const rl = o.rateLimits ?? {};
  return {
    listen,
    announceHost,
    nodeKey,
    whisper,
    waku,
    minPow: typedNumber(o.minPow, 'minPow', { min: 0 }),
    rateLimits: {
      ip: typedNumber(rl.ip, 'rateLimits.ip', { integer: true, min: 0 }),
      peer: typedNumber(rl.peer, 'rateLimits.peer', { integer: true, min: 0 }),
      topic: typedNumber(rl.topic, 'rateLimits.topic', { integer: true, min: 0 }),
    },
    light,
    mailserver,
    staticNodes,
    bootstrapNodes,
    bootstrapEnrs,
    discovery,
    maxPeers: typedNumber(o.maxPeers ?? NODE_DEFAULTS.MAX_PEERS, 'maxPeers', { integer: true, min: 1, max: 10_000 })!,
    dataDir,
    logLevel,
    warnings: [...warnings],
  };
}

// ---- command line ----

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** The `status-node` program (options and help only: parsing into a config is {@link parseNodeOptions}). */
export function createStatusNodeCommand(): Command {
  return new Command()
    .name('status-node')
    .description(
      'A Status relay / mailserver / bootstrap node: speaks devp2p RLPx with Waku v1 (waku/1, also waku/0) ' +
        'and/or Whisper v6 (shh/6), bridging the two when both run; optionally archives envelopes and serves ' +
        'history to clients (mailserver). Prints its enode URL on one stdout line starting with "enode://", ' +
        'then logs peers joining and leaving on stderr; SIGINT/SIGTERM shut it down cleanly (exit 0).',
    )
    .addOption(new Option('--listen <host:port>', `TCP address to listen on; port 0 lets the OS choose ("[::]:30303" for IPv6)`).default(`${NODE_DEFAULTS.HOST}:${NODE_DEFAULTS.PORT}`))
    .addOption(new Option('--announce-host <host>', 'address written into the enode URL (default: the listen host; 127.0.0.1 when listening on 0.0.0.0)'))
    .addOption(
      new Option('--node-key <file>', `file holding the node's private key (64 hex characters); created with mode 0600 if missing, so the enode stays the same across restarts (default: <data-dir>/${NODE_DEFAULTS.NODE_KEY_FILE})`),
    )
    .addOption(new Option('--create', "with --node-key: create the key file's folder when it does not exist (without it, a missing folder is an error)"))
    .addOption(new Option('--node-key-hex <hex>', 'the node key given directly as hex (tests and throwaway nodes; visible in the process list)').conflicts('nodeKey'))
    .addOption(new Option('--whisper', 'run Whisper v6 (shh/6); with --waku as well, the node bridges the two networks'))
    .addOption(new Option('--waku', 'run Waku v1 (waku/1, accepting waku/0 peers); the default when neither --whisper nor --waku is given'))
    .addOption(new Option('--min-pow <number>', 'lowest proof of work accepted; peers sending less are disconnected (default 0.000002, what Status clients accept; they seal to 0.002)'))
    .addOption(new Option('--rate-limit-ip <n>', 'packets per second accepted from one IP address, advertised to peers; over it a peer is disconnected (default: no limit; 0 = none)'))
    .addOption(new Option('--rate-limit-peer <n>', 'packets per second accepted from one peer id (default: no limit; 0 = none)'))
    .addOption(new Option('--rate-limit-topic <n>', 'envelopes per second accepted per topic (default: no limit; 0 = none)'))
    .addOption(new Option('--light', 'light node: advertises itself as such and never relays envelopes it receives (not for relays)'))
    .addOption(new Option('--mailserver', 'archive every envelope seen and serve history to peers that request it (P2P request 126 → 127 + 125)'))
    .addOption(new Option('--no-mailserver', 'plain relay: no archive, no history (the default)'))
    .addOption(
      new Option('--mailserver-key <file>', 'a file holding the hex private key older-form history requests may be encrypted to (status-go MailServerAsymKey; tried before the password)'),
    )
    .addOption(
      new Option('--mailserver-password <pw>', 'password of the older envelope-wrapped history requests (status-go default: status-offline-inbox); without it such requests get an error, current MessagesRequest requests work regardless'),
    )
    .addOption(
      new Option('--archive <spec>', `where the mailserver keeps envelopes: sqlite:PATH (relative to --data-dir) or a PostgreSQL URL postgres://user:password@host:5432/db (default: sqlite:${NODE_DEFAULTS.SQLITE_FILE} in --data-dir)`),
    )
    .addOption(new Option('--retention-days <days>', `how long expired envelopes stay in the archive before pruning (default ${NODE_DEFAULTS.RETENTION_DAYS})`))
    .addOption(new Option('--static <enode>', 'a peer to stay connected to, redialled with backoff when it drops; repeatable').argParser(collect))
    .addOption(new Option('--bootstrap <enode>', 'a peer dialled first to join the network (enode URL, or an ENR also used as a discv5 seed); repeatable').argParser(collect))
    .addOption(
      new Option('--discovery <how>', 'find more peers: none (default), dns:enrtree://KEY@DOMAIN (EIP-1459 list) or discv5 (UDP, on the listen port); repeatable').argParser(collect),
    )
    .addOption(new Option('--max-peers <n>', `connections at most, inbound and outbound together (default ${NODE_DEFAULTS.MAX_PEERS})`))
    .addOption(new Option('--data-dir <dir>', `directory for the node key, the SQLite archive and the peer cache (default ~/.status-node)`))
    .addOption(new Option('--log-level <level>', `${LOG_LEVELS.join(' | ')}: info logs peers joining/leaving; debug adds the libraries' DEBUG=status:* output`).default(NODE_DEFAULTS.LOG_LEVEL))
    .addHelpText(
      'after',
      `
Examples:
  status-node --listen 0.0.0.0:30303 --announce-host 203.0.113.7 --whisper --waku
  status-node --mailserver --archive postgres://status:secret@db:5432/mailserver --retention-days 14
  status-node --listen 127.0.0.1:0 --data-dir ./node1 --static enode://<id>@127.0.0.1:30303

Exit codes: 0 clean shutdown, 1 failed to start, 2 bad options.`,
    )
    .showHelpAfterError()
    .exitOverride();
}

/** Parses an argv (`[node, script, ...args]`) into a config; commander errors are thrown as CommanderError. */
export function parseStatusNodeArgv(argv: readonly string[], command: Command = createStatusNodeCommand()): StatusNodeConfig {
  command.parse([...argv]);
  return parseNodeOptions(command.opts<RawNodeOptions>());
}

// ---- node key ----

/**
 * Reads the node key from `path`, or creates one there (mode 0600, directory created) when the
 * file does not exist. Throws NodeConfigError INVALID_NODE_KEY / NODE_KEY_IO.
 */
export async function loadOrCreateNodeKey(
  path: string,
  options: { createDir?: boolean } = {},
): Promise<{ privateKey: Uint8Array; created: boolean; warning?: string }> {
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new NodeConfigError(NODE_CONFIG_ERROR.NODE_KEY_IO, `cannot read node key ${path}: ${(e as Error).message}`, { cause: e });
    }
  }
  if (text !== undefined) {
    const privateKey = parseNodeKeyHex(text, `node key file ${path}`);
    let warning: string | undefined;
    try {
      const mode = (await stat(path)).mode & 0o777;
      if ((mode & 0o077) !== 0) warning = `node key ${path} is readable by others (mode ${mode.toString(8)}): chmod 600 it`;
    } catch {
      // the key was just read: a failing stat only loses the warning
    }
    return { privateKey, created: false, warning };
  }
  const privateKey = generatePrivateKey();
  if (options.createDir === false && !existsSync(dirname(path))) {
    throw new NodeConfigError(
      NODE_CONFIG_ERROR.NODE_KEY_IO,
      `node key ${path}: its folder ${dirname(path)} does not exist (a mistyped path would become a new identity); create it, or pass --create`,
    );
  }
  try {
    mkdirPrivate(dirname(path));
    // 'wx': never overwrite a key another process created meanwhile.
    await writeFile(path, `${bytesToHex(privateKey)}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(path, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateNodeKey(path, options);
    throw new NodeConfigError(NODE_CONFIG_ERROR.NODE_KEY_IO, `cannot create node key ${path}: ${(e as Error).message}`, { cause: e });
  }
  return { privateKey, created: true };
}

// ---- the node ----

export type NodeLogger = (level: Exclude<LogLevel, 'silent'>, message: string) => void;


const LEVEL_RANK: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** A logger writing `time level message` lines to stderr for levels up to `level`. */
/** The mailserver's asymmetric key from its file (hex, as a node key file). */
async function readMailserverKey(path: string): Promise<Uint8Array> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new NodeConfigError(NODE_CONFIG_ERROR.NODE_KEY_IO, `--mailserver-key ${path}: ${(e as Error).message}`);
  }
  return parseNodeKeyHex(text, `--mailserver-key ${path}`);
}

export function stderrLogger(level: LogLevel): NodeLogger {
  return (l, message) => {
    if (LEVEL_RANK[l] <= LEVEL_RANK[level]) process.stderr.write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} ${message}\n`);
  };
}

export interface StartStatusNodeOptions {
  /** Where log lines go (default: stderr, filtered by `config.logLevel`). */
  logger?: NodeLogger;
}

export interface StatusNode {
  /** `enode://<node id>@host:port`, with the port actually bound. */
  readonly enode: string;
  readonly nodeId: string;
  readonly overlay: RlpxOverlay;
  readonly whisper: WhisperNode | undefined;
  readonly waku: WakuNode | undefined;
  readonly bridge: Bridge | undefined;
  readonly mailservers: readonly MailServer[];
  readonly archive: EnvelopeArchive | undefined;
  readonly pool: PeerPool;
  /** Stops pool, mailservers, nodes, overlay and archive, in that order. Idempotent. */
  stop(): Promise<void>;
}

async function openArchive(config: ArchiveConfig): Promise<EnvelopeArchive> {
  // The drivers load only when an archive of their kind is configured: a relay loads neither.
  if (config.kind === 'postgres') {
    const { PostgresEnvelopeArchive } = await import('@status-stack/whisper/archive-postgres');
    return PostgresEnvelopeArchive.open(config.url);
  }
  if (config.path !== ':memory:') {
    mkdirPrivate(dirname(config.path));
    // Created 0600 before SQLite opens it: SQLite would make it 0644 under umask 022, and its -wal/-shm take its mode.
    ensurePrivateFile(config.path);
  }
  const { SqliteEnvelopeArchive } = await import('@status-stack/whisper/archive-sqlite');
  return new SqliteEnvelopeArchive({ path: config.path });
}

function describePeer(p: PeerInfo): string {
  const caps = p.capabilities.map((c) => `${c.name}/${c.version}`).join(',');
  return `${p.id.slice(0, 16)}… ${p.remoteAddress ?? '?'}:${p.remotePort ?? '?'} ${p.inbound ? 'inbound' : 'outbound'} [${caps}] ${JSON.stringify(p.clientId)}`;
}

/**
 * Starts the node the options describe (typed, defaults filled in by {@link resolveNodeOptions}; a
 * config from {@link parseNodeOptions} works too) and resolves once it listens. Bad options reject
 * with NodeConfigError before anything starts; on a later failure everything already started is
 * stopped again before the error is rethrown.
 */
export async function startStatusNode(nodeOptions: StatusNodeOptions = {}, options: StartStatusNodeOptions = {}): Promise<StatusNode> {
  const config = resolveNodeOptions(nodeOptions);
  const log = options.logger ?? stderrLogger(config.logLevel);
  for (const w of config.warnings) log('warn', w);
  const cleanups: Array<() => Promise<void> | void> = [];
  // Closed after everything else: no node or mailserver may still write to it.
  let archive: EnvelopeArchive | undefined;
  const cleanup = async (): Promise<void> => {
    const steps = cleanups.splice(0).reverse();
    const a = archive;
    if (a) steps.push(() => a.close());
    for (const step of steps) {
      try {
        await step();
      } catch (e) {
        log('warn', `shutdown step failed: ${(e as Error).message}`);
      }
    }
  };

  try {
    let privateKey: Uint8Array;
    if (config.nodeKey.kind === 'hex') privateKey = config.nodeKey.privateKey;
    else {
      const k = await loadOrCreateNodeKey(config.nodeKey.path, { createDir: config.nodeKey.createDir ?? true });
      privateKey = k.privateKey;
      if (k.warning) log('warn', k.warning);
      log('info', `${k.created ? 'created' : 'loaded'} node key ${config.nodeKey.path}`);
    }

    const overlay = new RlpxOverlay({
      privateKey,
      host: config.listen.host,
      port: config.listen.port,
      announceHost: config.announceHost,
      maxPeers: config.maxPeers,
      // No Whisper/Waku packet is larger: a peer's partial frame costs at most this much memory.
      maxMessageSize: WHISPER.DEFAULT_MAX_MESSAGE_SIZE,
      maxFrameSize: frameSizeFor(WHISPER.DEFAULT_MAX_MESSAGE_SIZE),
    });
    cleanups.push(() => overlay.stop());

    const nodeOptions: EnvelopeNodeOptions = {
      minPow: config.minPow,
      lightNode: config.light,
      rateLimits: { ipLimits: config.rateLimits.ip, peerIdLimits: config.rateLimits.peer, topicLimits: config.rateLimits.topic },
    };
    // A relay advertises and accepts every topic; a light node only what it subscribes to (nothing).
    if (!config.light) nodeOptions.bloomMode = 'full';
    const whisper = config.whisper ? new WhisperNode(overlay, nodeOptions) : undefined;
    const waku = config.waku ? new WakuNode(overlay, nodeOptions) : undefined;
    const nodes: EnvelopeNode[] = [whisper, waku].filter((n): n is WhisperNode | WakuNode => n !== undefined);
    for (const n of nodes) {
      cleanups.push(() => n.stop());
      n.on('peer:dropped', (peerId, reason, why) => log('warn', `${n.capability.name}: dropped ${peerId.slice(0, 16)}…: ${reasonText(reason)} (${why})`));
      n.on('peer:handshake', (peer) => log('debug', `${n.capability.name}: handshake with ${peer.id.slice(0, 16)}… pow ${peer.powRequirement}${peer.lightNode ? ' light' : ''}`));
      n.on('error', (e) => log('error', `${n.capability.name}: ${e.message}`));
      // Capabilities are registered here, before the overlay starts, so they are in our Hello.
      await n.start();
    }
    let bridge: Bridge | undefined;
    if (whisper && waku) {
      bridge = new Bridge(whisper, waku);
      bridge.start();
      cleanups.push(() => bridge?.stop());
    }

    const mailservers: MailServer[] = [];
    if (config.mailserver.enabled) {
      const ms = config.mailserver;
      const asymKey = ms.asymKeyFile === undefined ? undefined : await readMailserverKey(ms.asymKeyFile);
      const opened = await openArchive(ms.archive);
      archive = opened;
      for (const n of nodes) {
        const m = new MailServer(n, { archive: opened, password: ms.password, asymKey, retentionSeconds: ms.retentionSeconds });
        m.on('request:served', (peerId, _id, envelopes, cursor) =>
          log('info', `${n.capability.name}: served ${envelopes} envelopes to ${peerId.slice(0, 16)}…${cursor.length > 0 ? ' (more to page)' : ''}`),
        );
        m.on('request:rejected', (peerId, _id, reason) => log('warn', `${n.capability.name}: rejected history request from ${peerId.slice(0, 16)}…: ${reason}`));
        m.on('request:failed', (peerId, _id, e) => log('error', `${n.capability.name}: history request from ${peerId.slice(0, 16)}… failed: ${e.message}`));
        m.on('archive:error', (e) => log('error', `archive: ${e.message}`));
        mailservers.push(m);
        cleanups.push(() => m.close());
      }
      log('info', `mailserver on: archive ${ms.archive.kind === 'sqlite' ? `sqlite:${ms.archive.path}` : redact(ms.archive.url)}, retention ${ms.retentionSeconds / 86_400} days`);
    }

    overlay.on('peer:added', (p) => log('info', `peer joined ${describePeer(p)} (${overlay.peers().length} peers)`));
    overlay.on('peer:removed', (p, _reason, why) => log('info', `peer left ${p.id.slice(0, 16)}… ${why} (${overlay.peers().length} peers)`));
    overlay.on('peer:error', (e, peerId) => log('debug', `peer ${peerId ? `${peerId.slice(0, 16)}…` : '(handshake)'}: ${e.message}`));
    overlay.on('error', (e) => log('error', `overlay: ${e.message}`));
    await overlay.start();
    const enode = overlay.enode;
    const bound = parseEnode(enode);

    const discovery: DiscoverySource[] = [];
    const caps = nodes.map((n) => n.capability);
    for (const d of config.discovery) {
      if (d.kind === 'dns') discovery.push(new DnsDiscovery({ urls: [d.url] }));
      else {
        discovery.push(
          new Discv5Discovery({
            privateKey,
            // Advertise the enode's address; bind the listen address (0.0.0.0 behind NAT, with
            // --announce-host the public one). discv5 is IPv4 only.
            host: bound.host,
            bindHost: isIP(config.listen.host) === 4 ? config.listen.host : bound.host,
            udpPort: bound.port,
            tcpPort: bound.port,
            advertise: caps,
            bootstrapEnrs: config.bootstrapEnrs,
          }),
        );
      }
    }
    // The pool only logs a failing source at debug level: an operator should see it.
    const watched = discovery.map((d): DiscoverySource => ({
      name: d.name,
      async start(onPeer) {
        try {
          await d.start(onPeer);
        } catch (e) {
          log('warn', `discovery ${d.name} failed to start: ${(e as Error).message}`);
          throw e;
        }
      },
      stop: () => d.stop(),
    }));
    mkdirPrivate(config.dataDir);
    const pool = new PeerPool(overlay, {
      staticNodes: config.staticNodes,
      bootstrapNodes: config.bootstrapNodes,
      discovery: watched,
      minPeers: Math.min(2, config.maxPeers),
      // The pool drops peers above its maximum: it must allow as many as the overlay accepts.
      maxPeers: config.maxPeers,
      cache: new JsonFilePeerCache(join(config.dataDir, NODE_DEFAULTS.PEER_CACHE_FILE)),
    });
    pool.on('peer:dial-failed', (e, err, retryInMs) => log('warn', `dial ${e.slice(0, 30)}… failed: ${err.message}; retry in ${Math.round(retryInMs / 1000)} s`));
    pool.on('discovery:resumed', () => log('debug', 'discovery resumed'));
    pool.on('discovery:suspended', () => log('debug', 'discovery suspended'));
    cleanups.push(() => pool.stop());
    await pool.start();

    for (const d of config.discovery) log('info', d.kind === 'dns' ? `discovery: DNS list ${d.url}` : `discovery: discv5 on udp ${bound.host}:${bound.port}`);
    if (config.staticNodes.length + config.bootstrapNodes.length > 0) {
      log('info', `peers: ${config.staticNodes.length} static, ${config.bootstrapNodes.length} bootstrap`);
    }
    const protocols = nodes.map((n) => `${n.capability.name}/${n.capability.version}`).join(' + ');
    log('info', `listening on ${config.listen.host}:${bound.port}: ${protocols}${bridge ? ' (bridged)' : ''}${config.light ? ', light' : ''}`);
    debugLog('started %s', enode);

    let stopping: Promise<void> | undefined;
    return {
      enode,
      nodeId: overlay.nodeId,
      overlay,
      whisper,
      waku,
      bridge,
      mailservers,
      archive,
      pool,
      stop() {
        stopping ??= cleanup().then(() => log('info', 'stopped'));
        return stopping;
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
