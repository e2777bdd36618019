// status-chat's commands for scripts: `account new|recover|info`, `send` and `listen`.
import { StatusClient } from '../client/status-client.js';
import type { ClientChat, ClientMessage } from '../client/types.js';
import type { DeliveryState } from '../types.js';
import { accountInfo, createAccountIn, dataPaths, hasAccount, kdfParams, obtainMnemonic, obtainPassword, resolveDataDir } from './chat-account.js';
import { isPublicKeyText, parseChannel } from './chat-commands.js';
import { CHAT_CLI_ERROR, ChatCliError } from './chat-errors.js';
import { chatLabel, formatClock, messageJson, shortKey } from './chat-render.js';
import { EXIT, type GlobalOptions, onSignals, peerCount, startClient, targets, unlock, waitForPeer, watchTaken } from './chat-run.js';

/** After a send is handed to the node, let its write reach the socket before the node stops. */
const SEND_LINGER_MS = 300;

export interface SendOptions {
  to: string;
  waitDelivered?: boolean;
  json?: boolean;
  offline?: boolean;
}

export interface ListenOptions {
  json?: boolean;
  chat?: string[];
  count?: number;
}

export async function accountNew(g: GlobalOptions, recover: boolean, mnemonicFile: string | undefined): Promise<number> {
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

export function accountShow(g: GlobalOptions): number {
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
export async function send(g: GlobalOptions, o: SendOptions, words: string[]): Promise<number> {
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

export async function listen(g: GlobalOptions, o: ListenOptions): Promise<number> {
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
