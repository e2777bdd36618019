// The errors of status-node's configuration: one class, a stable code per kind of bad value, and
// (for a config file) the key that holds it.

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
  /** The `--config` file cannot be read, is not JSON, or is not a JSON object. */
  INVALID_CONFIG_FILE: 'INVALID_CONFIG_FILE',
  /** A key of the config file that the schema does not know (a typo must not be ignored). */
  UNKNOWN_CONFIG_KEY: 'UNKNOWN_CONFIG_KEY',
  /** A config file value of the wrong JSON type (a string where a number belongs, …). */
  INVALID_CONFIG_VALUE: 'INVALID_CONFIG_VALUE',
  /** `--log-format` is not one of LOG_FORMATS. */
  INVALID_LOG_FORMAT: 'INVALID_LOG_FORMAT',
  /** `--metrics` is not `host:port`. */
  INVALID_METRICS: 'INVALID_METRICS',
} as const;
export type NodeConfigErrorCode = (typeof NODE_CONFIG_ERROR)[keyof typeof NODE_CONFIG_ERROR];

export class NodeConfigError extends Error {
  readonly code: NodeConfigErrorCode;
  /** The config file key holding the bad value, when it came from a config file. */
  readonly key: string | undefined;
  constructor(code: NodeConfigErrorCode, message: string, options?: { cause?: unknown; key?: string }) {
    super(message, options);
    this.name = 'NodeConfigError';
    this.code = code;
    this.key = options?.key;
  }
}
