// The shapes of status-node: its typed options, the resolved configuration, the command line's raw
// strings, the logger and the running node. The values and checks are in options.ts.
import type { PeerPool, RlpxOverlay } from '@status-stack/p2p-overlay';
import type { Bridge, EnvelopeArchive, MailServer, WakuNode, WhisperNode } from '@status-stack/whisper';
import type { NodeMetrics } from './metrics.js';

export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

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
  LOG_FORMAT: 'text',
  CONFIG_FILE_NAME: 'status-node.json',
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
  /** `text`: `time LEVEL message` lines; `json`: one JSON object a line. */
  logFormat: LogFormat;
  /** Where Prometheus metrics and `/health` are served (undefined: nowhere). */
  metrics: { host: string; port: number } | undefined;
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
  logFormat?: string;
  metrics?: string;
  /** The `--config` file these options were merged with (see config-file.ts). */
  config?: string;
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
  /** Line format of the default logger (default 'text'). */
  logFormat?: LogFormat;
  /** Serve Prometheus metrics at `/metrics` and readiness at `/health` on this address (default: off; port 0: any free port). */
  metrics?: { host?: string; port?: number };
  /** Warnings logged at start (parseNodeOptions puts the command line's here). */
  warnings?: readonly string[];
}

/** Extra structured values of a log line (JSON lines carry them as `fields`; text lines ignore them). */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export type NodeLogger = (level: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields) => void;

export interface StartStatusNodeOptions {
  /** Where log lines go (default: stderr, filtered by `config.logLevel`, in `config.logFormat`). */
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
  /** The metrics listener, when `metrics` was configured: `url` is `http://host:port` as bound. */
  readonly metrics: NodeMetrics | undefined;
  /** Stops pool, mailservers, nodes, overlay, metrics listener (its /health says 503 from the start) and archive, in that order. Idempotent. */
  stop(): Promise<void>;
}
