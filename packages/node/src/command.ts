// The `status-node` command line: its flags and help (commander), and argv → StatusNodeConfig,
// a `--config` file merged underneath.
import { Command, Option } from 'commander';
import { loadConfigFile, mergeConfig } from './config-file.js';
import { parseNodeOptions } from './options.js';
import { LOG_FORMATS, LOG_LEVELS, NODE_DEFAULTS, type RawNodeOptions, type StatusNodeConfig } from './types.js';

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
    .addOption(new Option('--log-format <format>', `${LOG_FORMATS.join(' | ')}: text lines "<time> LEVEL message", or one JSON object a line {time, level, msg, fields}`).default(NODE_DEFAULTS.LOG_FORMAT))
    .addOption(new Option('--metrics <host:port>', 'serve Prometheus metrics at http://host:port/metrics and readiness at /health (JSON; 503 until the node listens); port 0 lets the OS choose'))
    .addOption(
      new Option('--config <file>', `a JSON file of these options, keyed by their camelCase names ({"listen": "0.0.0.0:30303", "maxPeers": 50, "static": [...]}); flags given override it`),
    )
    .addHelpText(
      'after',
      `
Examples:
  status-node --listen 0.0.0.0:30303 --announce-host 203.0.113.7 --whisper --waku
  status-node --mailserver --archive postgres://status:secret@db:5432/mailserver --retention-days 14
  status-node --listen 127.0.0.1:0 --data-dir ./node1 --static enode://<id>@127.0.0.1:30303
  status-node --config /etc/status-node/status-node.json --metrics 127.0.0.1:9100 --log-format json

Exit codes: 0 clean shutdown, 1 failed to start, 2 bad options.`,
    )
    .showHelpAfterError()
    .exitOverride();
}

/**
 * Parses an argv (`[node, script, ...args]`) into a config, merged over the `--config` file when one
 * is given; commander errors are thrown as CommanderError, bad values as NodeConfigError.
 */
export function parseStatusNodeArgv(argv: readonly string[], command: Command = createStatusNodeCommand()): StatusNodeConfig {
  command.parse([...argv]);
  const given = command.opts<RawNodeOptions>();
  if (given.config === undefined) return parseNodeOptions(given);
  // Read synchronously: the configuration is settled before anything starts.
  const file = loadConfigFile(given.config);
  return parseNodeOptions(mergeConfig(file, given, (key) => command.getOptionValueSource(key) === 'cli'));
}
