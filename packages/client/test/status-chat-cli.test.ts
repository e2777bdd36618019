// status-chat's script interface as real processes against a relay on 127.0.0.1: `listen --json`,
// `send` (public, and 1:1 waiting for the delivery ack), `account …`, and its exit codes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStorage, StatusClient, createAccount, recoverAccount } from '../src/index.js';
import { accountDir, chatEnv, killAllChats, spawnChat, startRelay, type Relay } from './fixtures/status-chat-harness.js';
import { until } from './helpers/client-harness.js';

interface Line {
  id: string;
  chatId: string;
  chatType: string | null;
  from: string;
  alias: string;
  text: string;
  clock: string;
  outgoing: boolean;
  via: { channel: string; method: string | null; history: boolean } | null;
}

const jsonLines = (out: string): Line[] =>
  out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);

describe('status-chat send / listen / account', () => {
  let root: string;
  let relay: Relay | undefined;
  const clients: StatusClient[] = [];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'status-chat-cli-'));
    relay = await startRelay(root);
  });

  afterEach(async () => {
    await killAllChats();
    for (const c of clients.splice(0)) await c.stop();
    await relay?.stop();
    relay = undefined;
    await rm(root, { recursive: true, force: true });
  });

  it('listen --json --chat prints one JSON object per received message and exits after --count', async () => {
    const carol = await accountDir(root, 'carol');
    const listener = spawnChat(['-d', carol.dir, '--connect', relay!.enode, 'listen', '--json', '--chat', '#listen-test', '--count', '2']);
    await listener.waitFor((_, err) => /listening as .* on #listen-test; 1 peer/.test(err), 'listen ready');
    expect(listener.stderr).toContain(carol.account.name);

    const sender = createAccount();
    const client = StatusClient.createNetworked({ identity: sender, storage: new MemoryStorage(), staticPeers: [relay!.enode] });
    clients.push(client);
    await client.start();
    await until(() => client.owned!.node.peers().length > 0, 'in-process sender connected');
    await client.joinPublicChat('another-chat');
    await client.sendMessage('another-chat', 'not for the listener');
    await client.joinPublicChat('listen-test');
    const first = await client.sendMessage('listen-test', 'first line');
    const second = await client.sendMessage('listen-test', 'second "quoted" line');

    expect(await listener.exited).toBe(0);
    const lines = jsonLines(listener.stdout);
    expect(lines.map((l) => l.text).sort()).toEqual(['first line', 'second "quoted" line']);
    for (const l of lines) {
      expect(l).toMatchObject({ chatId: 'listen-test', chatType: 'public', from: sender.publicKeyHex, alias: sender.name, outgoing: false });
      expect(l.via).toMatchObject({ channel: 'public', method: null });
      expect(l.clock).toMatch(/^\d+$/);
    }
    expect(lines.map((l) => l.id).sort()).toEqual([first.id, second.id].sort());
  });

  it('send --to <key> --wait-delivered: a 1:1 message reaches a listener and its MVDS ack comes back; listen stops on SIGTERM', async () => {
    const [dave, erin] = [await accountDir(root, 'dave'), await accountDir(root, 'erin')];
    const listener = spawnChat(['-d', erin.dir, '--connect', relay!.enode, 'listen', '--json']);
    await listener.waitFor((_, err) => /listening as .* on all chats; 1 peer/.test(err), 'listen ready');

    const send = spawnChat(['-d', dave.dir, '--connect', relay!.enode, 'send', '--to', erin.account.publicKeyHex, '--wait-delivered', '--json', 'hello', 'Erin']);
    expect(await send.exited).toBe(0);
    const result = JSON.parse(send.stdout) as { id: string; chatId: string; state: string };
    expect(result).toMatchObject({ chatId: erin.account.publicKeyHex, state: 'delivered' });
    expect(result.id).toMatch(/^0x[0-9a-f]{64}$/);

    await listener.waitFor((out) => out.includes('hello Erin'), 'the 1:1 line');
    const [line] = jsonLines(listener.stdout);
    expect(line).toMatchObject({ id: result.id, text: 'hello Erin', chatId: dave.account.publicKeyHex, chatType: 'one-to-one', from: dave.account.publicKeyHex, alias: dave.account.name });
    listener.child.kill('SIGTERM');
    expect(await listener.exited).toBe(0);
  });

  it('account new / recover / info, and exit codes for usage errors, a wrong password and an unreachable peer', async () => {
    const fresh = join(root, 'fresh');
    const mnemonic = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
    const expected = recoverAccount(mnemonic);
    const unreachable = `enode://${'1'.repeat(128)}@127.0.0.1:1`;
    const [recovered, noAccount, badEnode] = [
      spawnChat(['-d', fresh, 'account', 'recover']),
      spawnChat(['-d', join(root, 'empty'), 'send', '--to', '#x', 'hi']),
      spawnChat(['--connect', 'enode://nope', 'listen']),
    ];
    recovered.child.stdin?.end(`${mnemonic}\n`);
    expect(await recovered.exited).toBe(0);
    expect(recovered.stdout).toBe(`${expected.name}\n${expected.publicKeyHex}\n`);
    expect(await noAccount.exited).toBe(2);
    expect(noAccount.stderr).toContain('[NO_ACCOUNT]');
    expect(await badEnode.exited).toBe(2);
    expect(badEnode.stderr).toContain('--connect');

    const [info, again, wrongPassword, noPeer] = [
      spawnChat(['account', 'info', '-d', fresh]),
      spawnChat(['-d', fresh, 'account', 'new']),
      spawnChat(['-d', fresh, 'send', '--offline', '--to', '#x', 'hi'], chatEnv({ STATUS_CHAT_PASSWORD: 'wrong' })),
      spawnChat(['-d', fresh, '--connect', unreachable, '--timeout', '1', 'send', '--to', '#x', 'hi']),
    ];
    expect(await info.exited).toBe(0);
    expect(info.stdout).toBe(`${expected.name}\n${expected.publicKeyHex}\n`);
    expect(await again.exited).toBe(2);
    expect(again.stderr).toContain('[ACCOUNT_EXISTS]');
    expect(await wrongPassword.exited).toBe(1);
    expect(wrongPassword.stderr).toContain('[WRONG_PASSWORD]');
    expect(await noPeer.exited).toBe(1);
    expect(noPeer.stderr).toContain('[NOT_CONNECTED]');
  });

  it('interactive on pipes: one line per event, commands run in the order given', async () => {
    const frank = await accountDir(root, 'frank');
    const chat = spawnChat(['-d', frank.dir, '--connect', relay!.enode]);
    chat.child.stdin?.write('/join #piped\nhello from a pipe\n/bogus\n/chats\n');
    await chat.waitFor((out) => out.includes('-- * 1. #piped'), 'the chat list');
    await chat.waitFor((out) => out.includes('-- ✓ sent: hello from a pipe'), 'the sent state');
    chat.child.stdin?.end('/quit\n');
    expect(await chat.exited).toBe(0);
    const out = chat.stdout.split('\n');
    const at = (text: string): number => out.findIndex((l) => l.includes(text));
    // Typed before the relay's handshake completed, it may show as queued (no peer yet) rather than pending.
    expect(out[at('hello from a pipe')]).toMatch(new RegExp(`^\\d\\d:\\d\\d ${frank.account.name} \\(me\\): hello from a pipe {2}… (pending|queued)$`));
    expect(at('-- joined #piped')).toBeLessThan(at('hello from a pipe'));
    expect(at('hello from a pipe')).toBeLessThan(at('! unknown command /bogus'));
    expect(at('! unknown command /bogus')).toBeLessThan(at('-- * 1. #piped'));
    expect(chat.stdout).not.toContain('\x1b[');
    expect(out.at(-2)).toBe('bye');
  });
});
