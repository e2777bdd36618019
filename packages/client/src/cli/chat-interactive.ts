// status-chat's interactive chat: the first-run account set-up, then the session on the terminal until /quit.
import { parseEnode } from '@status-stack/p2p-overlay';
import type { Account } from '../types.js';
import { createAccountIn, dataPaths, hasAccount, kdfParams, obtainMnemonic, obtainPassword, promptLine, resolveDataDir, type DataPaths } from './chat-account.js';
import { chatLabel, shortKey } from './chat-render.js';
import { ChatSession } from './chat-session.js';
import { ChatTerminal } from './chat-terminal.js';
import { EXIT, type GlobalOptions, type Running, envelopeEvents, onSignals, peerCount, shortEnode, startClient, targets, unlock } from './chat-run.js';

/** Interactive: warn when no peer has connected this long after the start. */
const PEER_WARNING_MS = 5000;

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

export async function interactive(g: GlobalOptions): Promise<number> {
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
