// Acceptance: status-chat in a real pseudo-terminal, driven by keystrokes, against a relay +
// mailserver on 127.0.0.1; messages from `status-chat send` in other processes reach its screen.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recoverAccount } from '../src/index.js';
import { accountDir, chatEnv, killAllChats, spawnChat, spawnChatInPty, startRelay, type Relay } from './fixtures/status-chat-harness.js';

describe('status-chat in a pseudo-terminal', () => {
  let root: string;
  let relay: Relay | undefined;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'status-chat-pty-'));
    relay = await startRelay(root);
  });

  afterEach(async () => {
    await killAllChats();
    await relay?.stop();
    relay = undefined;
    await rm(root, { recursive: true, force: true });
  });

  it('joins a channel (history with a progress indicator), sends, and shows messages sent by `status-chat send`', async () => {
    const alice = await accountDir(root, 'alice');
    const bob = await accountDir(root, 'bob');
    const enode = relay!.enode;
    const net = ['--connect', enode, '--mailserver', enode];

    // Bob posts before Alice is there: the mailserver keeps it for her.
    const early = spawnChat(['-d', bob.dir, ...net, 'send', '--to', '#pty-test', 'posted before you came']);
    expect(await early.exited).toBe(0);
    expect(early.stdout).toMatch(/^sent 0x[0-9a-f]{64}\n$/);

    const ui = spawnChatInPty(['-d', alice.dir, ...net]);
    await ui.waitForText(/1 peer\b/);
    expect(ui.screenText).toContain(alice.account.name);
    ui.type('/join #pty-test\r');
    await ui.waitForText('joined #pty-test');
    // The progress indicator was drawn while the history was fetched, then its result.
    expect(ui.screenText).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] history of #pty-test… \d+ messages?/);
    // It arrives from the mailserver's history or, while its TTL lasts, from the relay's pool.
    await ui.waitForText(`${bob.account.name}: posted before you came`);
    expect(ui.screenText).toMatch(/history of #pty-test: \d+ messages? fetched/);

    ui.type('hello from the terminal\r');
    await ui.waitForText(`${alice.account.name} (me): hello from the terminal  ✓ sent`);

    const live = spawnChat(['-d', bob.dir, ...net, 'send', '--to', '#pty-test', 'hi Alice, from another process']);
    expect(await live.exited).toBe(0);
    await ui.waitForText(`${bob.account.name}: hi Alice, from another process`);

    // Asked again, the mailserver's copies are the messages already shown: nothing new, nothing twice.
    ui.type('/history 1\r');
    await ui.waitFor(() => (ui.lastFrame.match(/history of #pty-test: \d+ messages? fetched/g) ?? []).length === 2, 'the second history fetch');
    expect(ui.lastFrame).toMatch(/history of #pty-test: 0 messages fetched\n/);
    expect(ui.lastFrame.split('posted before you came')).toHaveLength(2);
    expect(ui.lastFrame.split('hi Alice, from another process')).toHaveLength(2);

    ui.type('/chats\r');
    await ui.waitForText(/\* 1\. #pty-test/);
    if (process.env.SHOW_SCREEN) console.log(ui.stdout);
    ui.type('/quit\r');
    expect(await ui.exited).toBe(0);
    expect(ui.screenText).toContain('bye');
  });

  it('first run in a terminal: creates the account (password typed twice, never echoed), shows its recovery phrase, then chats; the next run unlocks it', async () => {
    const env = chatEnv();
    delete env.STATUS_CHAT_PASSWORD;
    const dir = join(root, 'first-run');
    const ui = spawnChatInPty(['-d', dir], env);
    await ui.waitFor((out) => out.includes('Create a (n)ew account or (r)ecover one'), 'the first-run question');
    ui.type('n\r');
    await ui.waitForText('Password: ');
    ui.type('s3cret-pass\r');
    await ui.waitForText('Repeat the password: ');
    ui.type('s3cret-pass\r');
    await ui.waitForText('Press Enter when you have written it down.');
    const words = /recover this account\):\s+((?:[a-z]+ ){11}[a-z]+)\s/.exec(ui.screenText)?.[1];
    expect(words).toBeDefined();
    const expected = recoverAccount(words!);
    ui.type('\r');
    await ui.waitForText('/help lists the commands');
    ui.type('/whoami\r');
    await ui.waitForText(expected.publicKeyHex);
    expect(ui.screenText).toContain(`${expected.name} · no chat`);
    expect(ui.screenText).not.toContain('s3cret-pass');
    ui.type('/quit\r');
    expect(await ui.exited).toBe(0);

    // The next start asks for the password, and asks again after a wrong one.
    const again = spawnChatInPty(['-d', dir], env);
    await again.waitForText('Password: ');
    again.type('not-it\r');
    await again.waitForText('Wrong password; try again.');
    again.type('s3cret-pass\r');
    await again.waitForText('/help lists the commands');
    expect(again.screenText).toContain(`${expected.name} · no chat`);
    again.type('/quit\r');
    expect(await again.exited).toBe(0);
  });
});
