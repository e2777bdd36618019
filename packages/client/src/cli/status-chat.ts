#!/usr/bin/env node
// status-chat: a terminal Status client. Without a subcommand it is interactive (a full-screen
// chat on a terminal, a line-per-event view on pipes); `send` and `listen` are for scripts;
// `account new|recover|info` manage the data dir's account.
// Exit codes: 0 done, 1 failed (no peer, timeout, wrong password, network), 2 bad usage.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { parseEnode } from '@status-stack/p2p-overlay';
import { parseChannel } from './chat-commands.js';
import { CHAT_CLI_ERROR, ChatCliError } from './chat-errors.js';
import { EXIT, type GlobalOptions } from './chat-run.js';
import { type ListenOptions, type SendOptions, accountNew, accountShow, listen, send } from './chat-scripted.js';
import { interactive } from './chat-interactive.js';

function collect(parse: (v: string) => string): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => [...(previous ?? []), parse(value)];
}

function enodeArg(v: string): string {
  try {
    parseEnode(v);
    return v;
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function intArg(min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number ${min}…${max}, got ${JSON.stringify(v)}`);
    return n;
  };
}

function channelArg(v: string): string {
  try {
    return parseChannel(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function buildProgram(run: (p: Promise<number>) => void): Command {
  const program = new Command()
    .name('status-chat')
    .description(
      'A terminal Status client: public chats, 1:1 chats and private groups over Waku v1 / Whisper v6 on RLPx. ' +
        'Without a command it starts the interactive chat (type /help there). The account lives in the data dir ' +
        '(account.json, an encrypted key store; chat.sqlite; node.key).',
    )
    .addOption(new Option('-d, --data-dir <dir>', 'where the account and its messages live (env STATUS_CHAT_DATA_DIR)').default(undefined, '~/.status-stack'))
    .addOption(new Option('-c, --connect <enode>', 'a node to connect to and keep connected (repeatable)').argParser(collect(enodeArg)))
    .addOption(new Option('-m, --mailserver <enode>', 'the mailserver to ask for history (trusted, kept connected)').argParser(enodeArg))
    .addOption(new Option('--host <address>', 'address our node listens on').default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'port our node listens on (0: any free port)').default(0).argParser(intArg(0, 65535)))
    .addOption(new Option('--protocol <name>', 'envelope protocol').choices(['waku', 'whisper']).default('waku'))
    .addOption(new Option('--password-file <path>', "read the account's password from the file's first line (env STATUS_CHAT_PASSWORD; else asked)"))
    .addOption(new Option('--timeout <seconds>', 'how long send/listen wait for a peer, and send for its message to go out').default(30).argParser(intArg(1, 3600)))
    .addOption(new Option('--scrypt-n <N>', 'scrypt cost of a new key store, a power of two (env STATUS_CHAT_SCRYPT_N; default 32768)').argParser(intArg(2, 2 ** 20)))
    .option('--no-color', 'no colours in the interactive view (also env NO_COLOR)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  status-chat account new                       create the account (asks for a password)',
        '  status-chat -c ENODE -m ENODE                 chat interactively through a status-node (ENODE: its enode:// URL)',
        '  status-chat -c ENODE send --to "#status" hi   send one message and exit',
        '  status-chat send --offline --to "#status" hi  queue it for the next run that connects',
        '  status-chat -c ENODE listen --json            print received messages as JSON lines',
        '',
        'Exit codes: 0 done, 1 failed (wrong password, no peer, timeout), 2 bad usage or no account.',
      ].join('\n'),
    )
    .showHelpAfterError()
    .exitOverride()
    .action(function (this: Command) {
      run(interactive(this.opts<GlobalOptions>()));
    });

  const account = program.command('account').description('create, recover or show the account of the data dir').exitOverride();
  account
    .command('new')
    .description('create a new account: prints its name, public key and the 12-word recovery phrase')
    .exitOverride()
    .action(function (this: Command) {
      run(accountNew(this.optsWithGlobals<GlobalOptions>(), false, undefined));
    });
  account
    .command('recover')
    .description('recover an account from its 12 words (--mnemonic-file, env STATUS_CHAT_MNEMONIC, the terminal, or stdin)')
    .option('--mnemonic-file <path>', "read the 12 words from the file's first line")
    .exitOverride()
    .action(function (this: Command) {
      const o = this.optsWithGlobals<GlobalOptions & { mnemonicFile?: string }>();
      run(accountNew(o, true, o.mnemonicFile));
    });
  account
    .command('info')
    .description("print the account's three-word name and public key (no password needed)")
    .exitOverride()
    .action(function (this: Command) {
      run(Promise.resolve(accountShow(this.optsWithGlobals<GlobalOptions>())));
    });

  program
    .command('send')
    .description(
      'connect, send TEXT, wait until a peer has taken it (and it is delivered, for 1:1 and groups, with --wait-delivered), print "<state> <message id>", exit; ' +
        'without --connect it fails (NOT_CONNECTED) unless --offline queues the message',
    )
    .requiredOption('--to <target>', '#channel, a 0x04… public key, or the name or id of a group of this account')
    .option('--wait-delivered', 'for 1:1 and group messages: wait for the MVDS acknowledgement', false)
    .option('--offline', 'do not connect: store the message and print "queued <id>"; the next run of this data dir that connects sends it', false)
    .option('--json', 'print {"id","chatId","state"} instead', false)
    .argument('<text...>', 'the message')
    .exitOverride()
    .action(function (this: Command, words: string[]) {
      run(send(this.optsWithGlobals<GlobalOptions>(), this.opts<SendOptions>(), words));
    });

  program
    .command('listen')
    .description(
      'print every message received, one per line (JSON with --json), until SIGINT/SIGTERM or --count messages; ' +
        'with --mailserver, what it kept for us (the last 24 h at first, then since the last run) comes too, marked as history',
    )
    .option('--json', 'one JSON object per message per line', false)
    .addOption(new Option('--chat <#channel>', 'join this public chat and print only the chats given (repeatable)').argParser(collect(channelArg)))
    .addOption(new Option('--count <n>', 'exit after n messages').argParser(intArg(1, Number.MAX_SAFE_INTEGER)))
    .exitOverride()
    .action(function (this: Command) {
      run(listen(this.optsWithGlobals<GlobalOptions>(), this.opts<ListenOptions>()));
    });
  return program;
}

function report(e: unknown): number {
  if (e instanceof ChatCliError) {
    process.stderr.write(`status-chat: ${e.message} [${e.code}]\n`);
    return e.code === CHAT_CLI_ERROR.USAGE || e.code === CHAT_CLI_ERROR.UNKNOWN_TARGET || e.code === CHAT_CLI_ERROR.NO_ACCOUNT || e.code === CHAT_CLI_ERROR.ACCOUNT_EXISTS
      ? EXIT.USAGE
      : EXIT.FAILED;
  }
  const code = e instanceof Error ? (e as Error & { code?: unknown }).code : undefined;
  if (e instanceof Error && typeof code === 'string') {
    process.stderr.write(`status-chat: ${e.message} [${code}]\n`);
    return EXIT.FAILED;
  }
  process.stderr.write(`status-chat: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 70;
}

function exitAfterOutput(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

function main(argv: string[]): void {
  let pending: Promise<number> | undefined;
  const program = buildProgram((p) => (pending = p));
  try {
    program.parse(argv);
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? EXIT.OK : EXIT.USAGE);
    process.exit(report(e));
  }
  (pending ?? Promise.resolve(EXIT.OK)).then(
    // Explicit exit: an idle socket or a timer of a stopped node must not keep the process alive.
    (code) => exitAfterOutput(code),
    (e: unknown) => exitAfterOutput(report(e)),
  );
}

// `status-chat listen | head` closes the pipe early: stop quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(EXIT.OK);
  throw e;
});

main(process.argv);
