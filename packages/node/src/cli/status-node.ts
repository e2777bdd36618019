#!/usr/bin/env node
// status-node: a Status relay / mailserver / bootstrap node. Prints its enode URL on one stdout line
// (the only line starting with "enode://"), logs on stderr, and stops cleanly on SIGINT/SIGTERM.
// Exit codes: 0 clean shutdown (or --help), 1 failed to start or to stop in time, 2 bad options.
import { CommanderError } from 'commander';
import { createStatusNodeCommand, parseStatusNodeArgv } from '../command.js';
import { NodeConfigError } from '../errors.js';
import { routeDebugOutput, stderrLogger } from '../logger.js';
import { startStatusNode } from '../runtime.js';
import type { StatusNode, StatusNodeConfig } from '../types.js';

const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;
/** A shutdown that takes longer than this is abandoned: the process exits 1 anyway. */
const SHUTDOWN_TIMEOUT_MS = 8000;
/** A repeated signal this soon after the first is the same request, not an impatient second one. */
const REPEAT_SIGNAL_GRACE_MS = 1000;

function fail(message: string, code: number): number {
  process.stderr.write(`status-node: ${message}\n`);
  return code;
}

async function main(argv: string[]): Promise<number> {
  const command = createStatusNodeCommand();
  let config: StatusNodeConfig;
  try {
    config = parseStatusNodeArgv(argv, command);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    if (e instanceof NodeConfigError) return fail(`${e.message} [${e.code}] (see status-node --help)`, EXIT.USAGE);
    throw e;
  }
  const log = stderrLogger(config.logLevel, config.logFormat);
  if (config.logLevel === 'debug') routeDebugOutput(log, config.logFormat);

  // Installed before the node starts, long before the enode is printed: a supervisor that stops us
  // the moment it reads the enode line must find the handler in place, not the default (death).
  let firstSignalAt: number | undefined;
  let resolveSignal!: (signal: NodeJS.Signals) => void;
  const signalled = new Promise<NodeJS.Signals>((r) => (resolveSignal = r));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      resolveSignal(signal);
      return;
    }
    // A wrapper (npm, timeout, a terminal's process group) often delivers the same signal twice at
    // once; only a later one means "stop waiting".
    if (Date.now() - firstSignalAt < REPEAT_SIGNAL_GRACE_MS) return;
    log('warn', `${signal} again: exiting without waiting`);
    process.exit(EXIT.FAILED);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let node: StatusNode;
  try {
    node = await startStatusNode(config, { logger: log });
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? String((e as { code: unknown }).code) : undefined;
    if (config.logFormat === 'json') {
      log('error', `cannot start: ${(e as Error).message}`, { code });
      return EXIT.FAILED;
    }
    return fail(`cannot start: ${(e as Error).message}${code === undefined ? '' : ` [${code}]`}`, EXIT.FAILED);
  }
  if (firstSignalAt === undefined) process.stdout.write(`${node.enode}\n`);

  const signal = await signalled;
  log('info', `${signal}: shutting down`);
  const timer = setTimeout(() => {
    log('error', `shutdown took more than ${SHUTDOWN_TIMEOUT_MS / 1000} s: exiting`);
    process.exit(EXIT.FAILED);
  }, SHUTDOWN_TIMEOUT_MS);
  timer.unref();
  try {
    await node.stop();
    return EXIT.OK;
  } catch (e) {
    log('error', `shutdown failed: ${(e as Error).message}`);
    return EXIT.FAILED;
  } finally {
    clearTimeout(timer);
  }
}

// `status-node | head -1` closes the pipe early: that must not crash the node.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});

main(process.argv).then(
  (code) => {
    // Explicit exit: a driver's idle socket or timer must not keep a stopped node alive.
    process.exit(code);
  },
  (e: unknown) => {
    process.stderr.write(`status-node: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(70);
  },
);
