// status-node's options checked and turned into a StatusNodeConfig: from the command line's strings
// (parseNodeOptions) or from typed values (resolveNodeOptions). Pure: no I/O.
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { hexToBytes, isValidPrivateKey } from '@status-stack/crypto';
import { decodeEnr, enrToEnode, parseEnode, parseEnrTreeUrl } from '@status-stack/p2p-overlay';
import { NODE_CONFIG_ERROR, NodeConfigError, type NodeConfigErrorCode } from './errors.js';
import {
  LOG_FORMATS,
  LOG_LEVELS,
  NODE_DEFAULTS,
  type ArchiveConfig,
  type DiscoveryConfig,
  type LogFormat,
  type LogLevel,
  type NodeKeySource,
  type RawNodeOptions,
  type StatusNodeConfig,
  type StatusNodeOptions,
} from './types.js';

const HOSTNAME_RE = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

function parseHost(host: string, what: string, code: NodeConfigErrorCode = NODE_CONFIG_ERROR.INVALID_LISTEN): string {
  if (isIP(host) !== 0 || HOSTNAME_RE.test(host)) return host;
  throw new NodeConfigError(code, `${what}: bad host ${JSON.stringify(host)}`);
}

/** `host:port`, `[v6]:port`, or `:port` / a bare port (host 127.0.0.1); `flag` names the option in errors. */
export function parseListen(value: string, flag = '--listen', code: NodeConfigErrorCode = NODE_CONFIG_ERROR.INVALID_LISTEN): { host: string; port: number } {
  const v = value.trim();
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(v) ?? /^()()(\d{1,5})$/.exec(v);
  if (!m) throw new NodeConfigError(code, `${flag} must be host:port, got ${JSON.stringify(value)}`);
  const port = Number(m[3]);
  if (port > 65535) throw new NodeConfigError(code, `${flag} port ${m[3]} out of range 0..65535`);
  if (m[1] !== undefined) {
    if (isIP(m[1]) !== 6) throw new NodeConfigError(code, `${flag}: bad IPv6 address ${JSON.stringify(m[1])}`);
    return { host: m[1], port };
  }
  const host = m[2] === '' ? NODE_DEFAULTS.HOST : m[2];
  return { host: parseHost(host, flag, code), port };
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

  const logFormat = parseLogFormat(raw.logFormat, '--log-format');
  const metrics = raw.metrics === undefined ? undefined : parseListen(raw.metrics, '--metrics', NODE_CONFIG_ERROR.INVALID_METRICS);

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
    logFormat,
    metrics,
    warnings,
  };
}

function parseLogFormat(value: unknown, name: string): LogFormat {
  if (value === undefined) return NODE_DEFAULTS.LOG_FORMAT;
  if (typeof value === 'string' && (LOG_FORMATS as readonly string[]).includes(value.trim().toLowerCase())) return value.trim().toLowerCase() as LogFormat;
  throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_LOG_FORMAT, `${name} must be one of ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(value)}`);
}

function typedMetrics(m: StatusNodeOptions['metrics']): StatusNodeConfig['metrics'] {
  if (m === undefined) return undefined;
  if (m === null || typeof m !== 'object') throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_METRICS, `metrics must be { host, port }, got ${JSON.stringify(m)}`);
  const host = m.host ?? NODE_DEFAULTS.HOST;
  if (typeof host !== 'string') throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_METRICS, `metrics.host must be a string, got ${String(host)}`);
  return {
    host: isIP(host) === 6 ? host : parseHost(host, 'metrics.host', NODE_CONFIG_ERROR.INVALID_METRICS),
    port: typedNumber(m.port ?? 0, 'metrics.port', { integer: true, min: 0, max: 65535 }, NODE_CONFIG_ERROR.INVALID_METRICS)!,
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
    logFormat: parseLogFormat(o.logFormat, 'logFormat'),
    metrics: typedMetrics(o.metrics),
    warnings: [...warnings],
  };
}
