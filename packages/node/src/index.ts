export { NODE_CONFIG_ERROR, NodeConfigError, type NodeConfigErrorCode } from './errors.js';
export {
  LOG_FORMATS,
  LOG_LEVELS,
  NODE_DEFAULTS,
  type ArchiveConfig,
  type DiscoveryConfig,
  type LogFields,
  type LogFormat,
  type LogLevel,
  type NodeKeySource,
  type NodeLogger,
  type RawNodeOptions,
  type StartStatusNodeOptions,
  type StatusNode,
  type StatusNodeConfig,
  type StatusNodeOptions,
} from './types.js';
export { defaultDataDir, parseListen, parseNodeKeyHex, parseNodeOptions, redact, resolveNodeOptions } from './options.js';
export { CONFIG_SCHEMA, flagOf, loadConfigFile, mergeConfig, parseConfigObject, type ConfigKey, type ConfigValueType } from './config-file.js';
export { createStatusNodeCommand, parseStatusNodeArgv } from './command.js';
export { loadOrCreateNodeKey, readMailserverKey } from './node-key.js';
export { createLogger, formatLogLine, routeDebugOutput, stderrLogger } from './logger.js';
export { NodeMetrics, type NodeHealth } from './metrics.js';
export { startStatusNode } from './runtime.js';
