#!/usr/bin/env node
// status-chat: a terminal Status client. Without a subcommand it is interactive (a full-screen
// chat on a terminal, a line-per-event view on pipes); `send` and `listen` are for scripts;
// `account new|recover|info` manage the data dir's account.
// Exit codes: 0 done, 1 failed (no peer, timeout, wrong password, network), 2 bad usage.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { bytesToHex } from '@status-stack/crypto';
import { parseEnode } from '@status-stack/p2p-overlay';
import type { EnvelopeNode, EnvelopeTransport } from '@status-stack/whisper';
import { SqliteStorage } from '../storage/sqlite-storage.js';
import { StatusClient } from '../client/status-client.js';
import type { ClientChat, ClientMessage } from '../client/types.js';
import type { Account, DeliveryState } from '../types.js';
import { KEYSTORE_ERROR, KeystoreError, STORAGE_ERROR, StorageError } from '../errors.js';
import {
  CHAT_ENV,
  openAccountStorage,
  accountInfo,
  createAccountIn,
  dataPaths,
  hasAccount,
  kdfParams,
  loadOrCreateNodeKey,
  obtainMnemonic,
  obtainPassword,
  openAccount,
  promptLine,
  resolveDataDir,
  type DataPaths,
} from './chat-account.js';
import { isPublicKeyText, parseChannel } from './chat-commands.js';
import { CHAT_CLI_ERROR, ChatCliError } from './chat-errors.js';
import { chatLabel, formatClock, messageJson, shortKey } from './chat-render.js';
import { ChatSession, type EnvelopeEvents } from './chat-session.js';
import { ChatTerminal } from './chat-terminal.js';

const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;
/** After a send is handed to the node, let its write reach the socket before the node stops. */
const SEND_LINGER_MS = 300;
/** Interactive: warn when no peer has connected this long after the start. */
const PEER_WARNING_MS = 5000;

interface GlobalOptions {
  dataDir?: string;
  connect?: string[];
  mailserver?: string;
  host: string;
  port: number;
  protocol: 'waku' | 'whisper';
  passwordFile?: string;
  timeout: number;
  color: boolean;
  scryptN?: number;
}

interface SendOptions {
  to: string;
  waitDelivered?: boolean;
  json?: boolean;
  offline?: boolean;
}

interface ListenOptions {
  json?: boolean;
  chat?: string[];
  count?: number;
}

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

// ------------------------------------------------------------------ the client

interface Running {
  account: Account;
  client: StatusClient;
  close(): Promise<void>;
}

/**
 * The transport of `send --offline`: nothing leaves the process. A public message stays in the
 * client's outbox (state pending) and a 1:1 or group message with MVDS: the next run of this data
 * dir that connects (interactive, send or listen) sends them.
 */
const OFFLINE_TRANSPORT: EnvelopeTransport = {
  post: () => Promise.reject(new Error('offline: kept for the next run that connects')),
  subscribe: () => () => undefined,
};

async function startClient(g: GlobalOptions, paths: DataPaths, account: Account, options: { offline?: boolean } = {}): Promise<Running> {
  let storage: SqliteStorage;
  try {
    storage = openAccountStorage(paths, account);
  } catch (e) {
    if (e instanceof StorageError && e.code === STORAGE_ERROR.WRONG_KEY) throw e;
    throw new ChatCliError(CHAT_CLI_ERROR.USAGE, `cannot open ${paths.database} (is another status-chat using ${paths.dir}?): ${(e as Error).message}`, { cause: e });
  }
  try {
    const client = options.offline
      ? new StatusClient({ identity: account, storage, transport: OFFLINE_TRANSPORT, history: false })
      : StatusClient.createNetworked({
          identity: account,
          storage,
          staticPeers: g.connect ?? [],
          mailserver: g.mailserver,
          host: g.host,
          port: g.port,
          protocol: g.protocol,
          nodeKey: await loadOrCreateNodeKey(paths),
        });
    await client.start();
    let closed = false;
    return {
      account,
      client,
      close: async () => {
        if (closed) return;
        closed = true;
        await client.stop();
        await storage.close();
      },
    };
  } catch (e) {
    await storage.close();
    throw e;
  }
}

/** Opens the data dir's account; a password typed at the terminal may be retried (three tries in all). */
async function unlock(g: GlobalOptions, paths: DataPaths): Promise<Account> {
  const typed = g.passwordFile === undefined && process.env[CHAT_ENV.PASSWORD] === undefined && process.stdin.isTTY === true;
  for (let attempt = 1; ; attempt++) {
    try {
      return await openAccount(paths, await obtainPassword({ file: g.passwordFile }, false));
    } catch (e) {
      if (!typed || attempt >= 3 || !(e instanceof KeystoreError) || e.code !== KEYSTORE_ERROR.WRONG_PASSWORD) throw e;
      process.stderr.write('Wrong password; try again.\n');
    }
  }
}

function peerCount(client: StatusClient): number {
  return client.owned?.node.peers().length ?? 0;
}

/** The peers asked for with --connect and --mailserver. */
function targets(g: GlobalOptions): string[] {
  return [...(g.connect ?? []), ...(g.mailserver ? [g.mailserver] : [])];
}

function shortEnode(enode: string): string {
  return enode.length > 40 ? `${enode.slice(0, 24)}…${enode.slice(enode.lastIndexOf('@'))}` : enode;
}

/** Our node's envelopes: the ones we post, and the ones it hands to a peer. */
function envelopeEvents(node: EnvelopeNode): EnvelopeEvents {
  return {
    onPosted(listener) {
      const f = (envelope: { topic: Uint8Array }, hash: Uint8Array, source: { kind: string }): void => {
        if (source.kind === 'local') listener(bytesToHex(hash), bytesToHex(envelope.topic));
      };
      node.on('envelope:added', f);
      return () => node.off('envelope:added', f);
    },
    onTaken(listener) {
      const f = (hash: Uint8Array): void => listener(bytesToHex(hash));
      node.on('envelope:sent', f);
      return () => node.off('envelope:sent', f);
    },
  };
}

/** Notes the envelopes our node posts from now on; `taken` resolves once a peer has taken one of them. */
function watchTaken(node: EnvelopeNode): { readonly posted: number; taken(signal: AbortSignal, what: string): Promise<void>; stop(): void } {
  const mine = new Set<string>();
  let isTaken = false;
  let wake: (() => void) | undefined;
  const events = envelopeEvents(node);
  const offs = [
    events.onPosted((hash) => mine.add(hash)),
    events.onTaken((hash) => {
      if (!mine.has(hash)) return;
      isTaken = true;
      wake?.();
    }),
  ];
  return {
    get posted() {
      return mine.size;
    },
    taken(signal, what) {
      if (isTaken) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const abort = (): void => reject(new ChatCliError(CHAT_CLI_ERROR.NOT_CONNECTED, `${what}: no peer took it in time (did the peer leave?)`));
        wake = () => {
          signal.removeEventListener('abort', abort);
          resolve();
        };
        if (signal.aborted) abort();
        else signal.addEventListener('abort', abort, { once: true });
      });
    },
    stop() {
      for (const off of offs) off();
    },
  };
}

/** Resolves once a peer is connected (at once when none was asked for); throws NOT_CONNECTED after `timeoutMs`. */
async function waitForPeer(client: StatusClient, g: GlobalOptions, timeoutMs: number): Promise<void> {
  if ((g.connect ?? []).length === 0 && !g.mailserver) return;
  const deadline = Date.now() + timeoutMs;
  while (peerCount(client) === 0) {
    if (Date.now() > deadline) throw new ChatCliError(CHAT_CLI_ERROR.NOT_CONNECTED, `no peer connected within ${timeoutMs / 1000} s (tried ${[...(g.connect ?? []), ...(g.mailserver ? [g.mailserver] : [])].map((e) => e.slice(0, 30) + '…').join(', ')})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function onSignals(handler: (signal: NodeJS.Signals) => void): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}

// ------------------------------------------------------------------ commands

async function accountNew(g: GlobalOptions, recover: boolean, mnemonicFile: string | undefined): Promise<number> {
  const paths = dataPaths(resolveDataDir(g.dataDir));
  const kdf = kdfParams(g.scryptN);
  if (hasAccount(paths)) throw new ChatCliError(CHAT_CLI_ERROR.ACCOUNT_EXISTS, `${paths.keystore} already holds an account (use another --data-dir)`);
  const mnemonic = recover ? await obtainMnemonic({ file: mnemonicFile }) : undefined;
  const password = await obtainPassword({ file: g.passwordFile }, true);
  const account = await createAccountIn(paths, password, { mnemonic, kdf });
  process.stdout.write(`${account.name}\n${account.publicKeyHex}\n`);
  if (!recover) {
    process.stderr.write(`\nYour recovery phrase (write it down; it is the only way to recover this account):\n\n`);
    process.stdout.write(`${account.mnemonic}\n`);
  }
  process.stderr.write(`account ${recover ? 'recovered' : 'created'} in ${paths.dir}\n`);
  return EXIT.OK;
}

function accountShow(g: GlobalOptions): number {
  const info = accountInfo(dataPaths(resolveDataDir(g.dataDir)));
  process.stdout.write(`${info.name}\n${info.publicKey}\n`);
  return EXIT.OK;
}

/** `#channel`, a `0x04…` key, or the name / id of a chat in storage (a group). */
async function resolveSendTarget(client: StatusClient, to: string): Promise<string> {
  if (to.startsWith('#')) return (await client.joinPublicChat(parseChannel(to))).id;
  if (isPublicKeyText(to)) return (await client.startOneToOne(to.toLowerCase())).id;
  const chats = (await client.chats()).filter((c) => c.id === to || c.name.toLowerCase() === to.toLowerCase());
  if (chats.length === 1) return chats[0].id;
  throw new ChatCliError(CHAT_CLI_ERROR.UNKNOWN_TARGET, chats.length === 0 ? `--to ${to}: not a #channel, a 0x04… key, or a chat of this account` : `--to ${to}: names ${chats.length} chats; give its id`);
}

const STATE_RANK: Record<DeliveryState, number> = { pending: 0, sent: 1, received: 1, delivered: 2, failed: -1 };

/** Resolves once message `id` is in `state` or further (a fast ack may skip past 'sent'); FAILED and timeouts throw. */
function reachState(client: StatusClient, id: string, state: 'sent' | 'delivered', signal: AbortSignal, timeoutS: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const check = (s: DeliveryState | undefined): boolean => {
      if (s === 'failed') {
        done(new ChatCliError(CHAT_CLI_ERROR.TIMEOUT, `message ${id} failed to send`));
        return true;
      }
      if (s !== undefined && STATE_RANK[s] >= STATE_RANK[state]) {
        done();
        return true;
      }
      return false;
    };
    const onAbort = (): void => done(new ChatCliError(CHAT_CLI_ERROR.TIMEOUT, `message ${id} not ${state} within ${timeoutS} s`));
    const off = client.on('delivery', (e) => {
      if (e.messageId === id) check(e.state);
    });
    let settled = false;
    function done(err?: Error): void {
      if (settled) return;
      settled = true;
      off();
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    }
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort);
    client.storage.getMessage(id).then((m) => check(m?.deliveryState), (e: unknown) => done(e as Error));
  });
}

/**
 * `send`: "sent" only once a peer has taken the message (and "delivered" once acknowledged); with no
 * peer to send to it fails (NOT_CONNECTED), unless `--offline` keeps it for the next run that connects.
 */
async function send(g: GlobalOptions, o: SendOptions, words: string[]): Promise<number> {
  const text = words.join(' ');
  const paths = dataPaths(resolveDataDir(g.dataDir));
  const peers = targets(g);
  if (o.offline && peers.length > 0) throw new ChatCliError(CHAT_CLI_ERROR.USAGE, 'send --offline does not connect: give it without --connect / --mailserver');
  if (o.offline && o.waitDelivered) throw new ChatCliError(CHAT_CLI_ERROR.USAGE, 'send --offline cannot --wait-delivered: nothing leaves before a later run connects');
  // Before the password is asked for (a data dir without an account still says NO_ACCOUNT).
  if (!o.offline && peers.length === 0 && hasAccount(paths)) {
    throw new ChatCliError(
      CHAT_CLI_ERROR.NOT_CONNECTED,
      'send: no peer to send to: give --connect ENODE (a status-node, or another status-chat), or --offline to queue the message for the next run that connects',
    );
  }
  const account = await unlock(g, paths);
  const run = await startClient(g, paths, account, { offline: o.offline });
  const stopSignals = onSignals(() => void run.close().finally(() => process.exit(EXIT.FAILED)));
  const node = run.client.owned?.node;
  let watch: ReturnType<typeof watchTaken> | undefined;
  try {
    const timeoutMs = g.timeout * 1000;
    await waitForPeer(run.client, g, timeoutMs);
    const chatId = await resolveSendTarget(run.client, o.to);
    const chat = await run.client.chat(chatId);
    const signal = AbortSignal.timeout(timeoutMs);
    watch = node && watchTaken(node);
    const sent = await run.client.sendMessage(chatId, text, { signal });
    if (o.offline) {
      process.stdout.write(o.json ? `${JSON.stringify({ id: sent.id, chatId, state: 'queued' })}\n` : `queued ${sent.id}\n`);
      process.stderr.write('status-chat: queued: the next run of this data dir that connects (status-chat, send or listen) sends it\n');
      return EXIT.OK;
    }
    const wait = (state: 'sent' | 'delivered'): Promise<void> => reachState(run.client, sent.id, state, signal, g.timeout);
    await wait('sent');
    // Sent means a peer took it, not only that our node has it (a group of one posts nothing).
    if (watch && watch.posted > 0) await watch.taken(signal, `message ${sent.id}`);
    let state: 'sent' | 'delivered' = 'sent';
    if (o.waitDelivered && chat?.type !== 'public') {
      await wait('delivered');
      state = 'delivered';
    }
    await new Promise((r) => setTimeout(r, SEND_LINGER_MS));
    process.stdout.write(o.json ? `${JSON.stringify({ id: sent.id, chatId, state })}\n` : `${state} ${sent.id}\n`);
    return EXIT.OK;
  } finally {
    watch?.stop();
    stopSignals();
    await run.close();
  }
}

function humanLine(m: ClientMessage, chat: ClientChat | undefined): string {
  const where = chat ? chatLabel(chat) : m.chatId;
  return `[${where}] ${formatClock(m.timestamp)} ${m.alias}: ${m.text}${m.via?.history ? '  (history)' : ''}`;
}

async function listen(g: GlobalOptions, o: ListenOptions): Promise<number> {
  const paths = dataPaths(resolveDataDir(g.dataDir));
  const account = await unlock(g, paths);
  const run = await startClient(g, paths, account);
  const client = run.client;
  const only = new Set(o.chat ?? []);
  let printed = 0;
  return new Promise<number>((resolve, reject) => {
    let finished = false;
    const finish = (code: number, err?: unknown): void => {
      if (finished) return;
      finished = true;
      stopSignals();
      off();
      run.close().then(
        () => (err === undefined ? resolve(code) : reject(err)),
        (e: unknown) => reject(err ?? e),
      );
    };
    const stopSignals = onSignals(() => finish(EXIT.OK));
    // Lines go out in arrival order: each waits for the chat lookup of the one before.
    let printing = Promise.resolve();
    const off = client.on('message', (m) => {
      if (finished || m.outgoing || (only.size > 0 && !only.has(m.chatId))) return;
      printing = printing.then(async () => {
        const c = await client.chat(m.chatId);
        if (finished) return;
        process.stdout.write(`${o.json ? messageJson(m, c?.type) : humanLine(m, c)}\n`);
        printed++;
        if (o.count !== undefined && printed >= o.count) finish(EXIT.OK);
      }).catch((e: unknown) => finish(EXIT.FAILED, e));
    });
    void (async () => {
      for (const ch of only) await client.joinPublicChat(ch);
      try {
        await waitForPeer(client, g, g.timeout * 1000);
      } catch (e) {
        process.stderr.write(`status-chat: ${(e as Error).message}; still listening\n`);
      }
      const where = only.size > 0 ? [...only].map((c) => `#${c}`).join(', ') : 'all chats';
      process.stderr.write(`status-chat: listening as ${account.name} (${shortKey(account.publicKeyHex)}) on ${where}; ${peerCount(client)} peer(s)\n`);
    })().catch((e: unknown) => finish(EXIT.FAILED, e));
  });
}

async function firstRun(g: GlobalOptions, paths: DataPaths): Promise<Account> {
  const err = process.stderr;
  err.write(`No account in ${paths.dir}.\n`);
  let choice = '';
  while (choice !== 'n' && choice !== 'r') {
    choice = (await promptLine('Create a (n)ew account or (r)ecover one from its 12 words? [n/r] ', process.stdin, err)).trim().toLowerCase().slice(0, 1);
  }
  const mnemonic = choice === 'r' ? await obtainMnemonic({}) : undefined;
  const password = await obtainPassword({ file: g.passwordFile }, true);
  const account = await createAccountIn(paths, password, { mnemonic, kdf: kdfParams(g.scryptN) });
  if (!mnemonic) {
    err.write(`\nYour recovery phrase (write it down; it is the only way to recover this account):\n\n  ${account.mnemonic}\n\n`);
    await promptLine('Press Enter when you have written it down.', process.stdin, err);
  }
  err.write(`Welcome, ${account.name}.\n`);
  return account;
}

async function interactive(g: GlobalOptions): Promise<number> {
  const paths = dataPaths(resolveDataDir(g.dataDir));
  let account: Account;
  if (!hasAccount(paths) && process.stdin.isTTY) account = await firstRun(g, paths);
  else account = await unlock(g, paths);
  process.stderr.write(`starting ${account.name}…\n`);
  const run = await startClient(g, paths, account);
  try {
    return await chatUntilQuit(g, run);
  } finally {
    await run.close();
  }
}

async function chatUntilQuit(g: GlobalOptions, run: Running): Promise<number> {
  const { client, account } = run;
  const mailserverId = g.mailserver ? parseEnode(g.mailserver).id : undefined;
  const node = client.owned?.node;
  const session = new ChatSession(client, {
    enode: () => client.owned?.overlay.enode,
    peers: () => peerCount(client),
    hasMailserver: mailserverId !== undefined,
    envelopes: node && envelopeEvents(node),
  });
  let everConnected = false;
  const onPeer = (p: { id: string }): void => {
    everConnected = true;
    session.notice(`connected to ${shortKey(p.id)}${p.id === mailserverId ? ' (mailserver)' : ''}`);
  };
  const onGone = (id: string, _reason: number, joined: boolean): void => {
    // A peer that never completed the handshake was never counted.
    if (!joined) return;
    session.notice(`disconnected from ${shortKey(id)}`);
    if (peerCount(client) === 0) session.notice('the last peer left: what you send is queued until a peer connects again', 'error');
  };
  node?.on('peer:handshake', onPeer);
  node?.on('peer:closed', onGone);
  // Peers that finished their handshake while the client was starting.
  for (const p of node?.peers() ?? []) onPeer(p);
  await session.init();
  const terminal = new ChatTerminal(session, { input: process.stdin, output: process.stdout, color: g.color && process.stdout.isTTY === true && !process.env.NO_COLOR });
  // On a terminal readline reads Ctrl-C as a key (see ChatTerminal); a signal comes from outside.
  const stopSignals = onSignals(() => terminal.stop());
  session.notice(`${account.name} (${shortKey(account.publicKeyHex)}): /help lists the commands${session.current ? `; current chat ${chatLabel(session.current)}` : ''}`);
  const asked = targets(g);
  if (asked.length === 0 && !everConnected) {
    session.notice(`not connected: no --connect or --mailserver given; what you send is queued until a peer connects to ${client.owned?.overlay.enode ?? 'us'}`, 'error');
  }
  const peerWarning = setTimeout(() => {
    if (everConnected || asked.length === 0) return;
    session.notice(`no peer connected within ${PEER_WARNING_MS / 1000} s (tried ${asked.map(shortEnode).join(', ')}): what you send is queued until one connects`, 'error');
  }, PEER_WARNING_MS);
  peerWarning.unref();
  terminal.start();
  await terminal.done;
  clearTimeout(peerWarning);
  stopSignals();
  node?.off('peer:handshake', onPeer);
  node?.off('peer:closed', onGone);
  session.dispose();
  process.stdout.write('\nbye\n');
  return EXIT.OK;
}

// ------------------------------------------------------------------ the program

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
