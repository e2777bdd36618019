// status-chat's runs: the options every command shares, unlocking the account, starting and closing
// the client, and watching its node's peers and envelopes.
import { bytesToHex } from '@status-stack/crypto';
import type { EnvelopeNode, EnvelopeTransport } from '@status-stack/whisper';
import { SqliteStorage } from '../storage/sqlite-storage.js';
import { StatusClient } from '../client/status-client.js';
import type { Account } from '../types.js';
import { KEYSTORE_ERROR, KeystoreError, STORAGE_ERROR, StorageError } from '../errors.js';
import { CHAT_ENV, openAccountStorage, loadOrCreateNodeKey, obtainPassword, openAccount, type DataPaths } from './chat-account.js';
import { CHAT_CLI_ERROR, ChatCliError } from './chat-errors.js';
import { type EnvelopeEvents } from './chat-session.js';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

export interface GlobalOptions {
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

export interface Running {
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

export async function startClient(g: GlobalOptions, paths: DataPaths, account: Account, options: { offline?: boolean } = {}): Promise<Running> {
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
export async function unlock(g: GlobalOptions, paths: DataPaths): Promise<Account> {
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

export function peerCount(client: StatusClient): number {
  return client.owned?.node.peers().length ?? 0;
}

/** The peers asked for with --connect and --mailserver. */
export function targets(g: GlobalOptions): string[] {
  return [...(g.connect ?? []), ...(g.mailserver ? [g.mailserver] : [])];
}

export function shortEnode(enode: string): string {
  return enode.length > 40 ? `${enode.slice(0, 24)}…${enode.slice(enode.lastIndexOf('@'))}` : enode;
}

/** Our node's envelopes: the ones we post, and the ones it hands to a peer. */
export function envelopeEvents(node: EnvelopeNode): EnvelopeEvents {
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
export function watchTaken(node: EnvelopeNode): { readonly posted: number; taken(signal: AbortSignal, what: string): Promise<void>; stop(): void } {
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
export async function waitForPeer(client: StatusClient, g: GlobalOptions, timeoutMs: number): Promise<void> {
  if ((g.connect ?? []).length === 0 && !g.mailserver) return;
  const deadline = Date.now() + timeoutMs;
  while (peerCount(client) === 0) {
    if (Date.now() > deadline) throw new ChatCliError(CHAT_CLI_ERROR.NOT_CONNECTED, `no peer connected within ${timeoutMs / 1000} s (tried ${[...(g.connect ?? []), ...(g.mailserver ? [g.mailserver] : [])].map((e) => e.slice(0, 30) + '…').join(', ')})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function onSignals(handler: (signal: NodeJS.Signals) => void): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
