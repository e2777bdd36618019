// status-node's log lines, on stderr: `text` (`<ISO time> LEVEL message`, the default, for people)
// or `json` (one object a line: time, level, msg, fields; for log shippers).
import { format } from 'node:util';
import debugFactory from 'debug';
import { LOG_LEVELS, NODE_DEFAULTS, type LogFields, type LogFormat, type LogLevel, type NodeLogger } from './types.js';

const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

const LEVEL_RANK: Record<LogLevel, number> = Object.fromEntries(LOG_LEVELS.map((l, i) => [l, i])) as Record<LogLevel, number>;

/** One log line, without its newline. */
export function formatLogLine(logFormat: LogFormat, level: Exclude<LogLevel, 'silent'>, message: string, fields: LogFields = {}, time = new Date()): string {
  if (logFormat === 'json') {
    // undefined fields are dropped by JSON.stringify: a line's keys are only the values it has.
    return JSON.stringify({ time: time.toISOString(), level, msg: message, fields });
  }
  return `${time.toISOString()} ${level.toUpperCase().padEnd(5)} ${message}`;
}

/** A logger writing lines of `logFormat` for levels up to `level` to `write` (default: stderr). */
export function createLogger(
  level: LogLevel,
  logFormat: LogFormat = NODE_DEFAULTS.LOG_FORMAT,
  write: (line: string) => void = (line) => process.stderr.write(line),
): NodeLogger {
  return (l, message, fields) => {
    if (LEVEL_RANK[l] <= LEVEL_RANK[level]) write(`${formatLogLine(logFormat, l, message, fields)}\n`);
  };
}

/** A logger writing `time level message` lines (or JSON lines) to stderr for levels up to `level`. */
export function stderrLogger(level: LogLevel, logFormat: LogFormat = NODE_DEFAULTS.LOG_FORMAT): NodeLogger {
  return createLogger(level, logFormat);
}

/**
 * Turns on the libraries' `debug` output (`status:*`, and whatever DEBUG names) through `log`, so
 * with `--log-format json` those lines are JSON too instead of debug's own format.
 */
export function routeDebugOutput(log: NodeLogger, logFormat: LogFormat): void {
  if (logFormat === 'json') {
    // Mutated, not replaced: debug's node backend reads this very object.
    if (debugFactory.inspectOpts) debugFactory.inspectOpts.hideDate = true;
    // Loggers made before this call decided on colours already: their escape codes are dropped here.
    debugFactory.log = (...args: unknown[]) => log('debug', format(...args).replace(ANSI_COLOUR, '').trim(), { source: 'debug' });
  }
  debugFactory.enable(['status:*', process.env.DEBUG].filter(Boolean).join(','));
}
