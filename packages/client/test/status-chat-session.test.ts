// The interactive session behind status-chat, run against real StatusClients on a MemoryHub:
// commands in, timeline entries (names, delivery states, notices) out. Plus the data dir's account.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseChatLine } from '../src/cli/chat-commands.js';
import { accountInfo, createAccountIn, dataPaths, kdfParams, loadOrCreateNodeKey, obtainPassword, openAccount, resolveDataDir } from '../src/cli/chat-account.js';
import { CHAT_CLI_ERROR, ChatCliError } from '../src/cli/chat-errors.js';
import { renderEntry, type MessageView } from '../src/cli/chat-render.js';
import { ChatSession } from '../src/cli/chat-session.js';
import { KEYSTORE_ERROR, KeystoreError, recoverAccount } from '../src/index.js';
import { generatePrivateKey } from '@status-stack/crypto';
import { Harness, until, type TestPeer } from './helpers/client-harness.js';

let h: Harness;
const sessions: ChatSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) s.dispose();
  await h?.close();
});

async function sessionOf(p: TestPeer): Promise<ChatSession> {
  const s = new ChatSession(p.client, { peers: () => 1 });
  sessions.push(s);
  await s.init();
  return s;
}

function run(s: ChatSession, line: string): Promise<void> {
  return s.execute(parseChatLine(line));
}

function lines(s: ChatSession): string[] {
  return s.entries().map((e) => renderEntry(e));
}

function messages(s: ChatSession): MessageView[] {
  return s.entries().flatMap((e) => (e.kind === 'message' ? [e.message] : []));
}

function lastError(s: ChatSession): string | undefined {
  return s
    .entries()
    .filter((e) => e.kind === 'notice' && e.level === 'error')
    .map((e) => (e.kind === 'notice' ? e.text : ''))
    .at(-1);
}

describe('ChatSession', () => {
  it('public chat: /join makes it current; text is sent and shown with its state; the other side sees our name', async () => {
    h = new Harness();
    const [a, b] = [await h.peer(), await h.peer()];
    const [sa, sb] = [await sessionOf(a), await sessionOf(b)];
    expect(sa.header()).toBe(`${a.client.alias} · no chat (/join #channel) · 1 peer`);
    await run(sa, 'hello?');
    expect(lastError(sa)).toContain('no current chat');

    await run(sa, '/join #tea');
    await run(sb, '/join tea');
    expect(sa.current).toMatchObject({ id: 'tea', type: 'public' });
    expect(sa.header()).toBe(`${a.client.alias} · #tea · 1 peer`);
    expect(lines(sa)).toContain('-- joined #tea');

    await run(sa, 'green or black?');
    const mine = messages(sa).find((m) => m.text === 'green or black?')!;
    expect(mine).toMatchObject({ outgoing: true, name: a.client.alias, from: a.client.publicKeyHex });
    await until(() => mine.state === 'sent', 'our message sent');
    expect(lines(sa).at(-1)).toMatch(new RegExp(`^\\d\\d:\\d\\d ${a.client.alias} \\(me\\): green or black\\?  ✓ sent$`));

    await until(() => messages(sb).some((m) => m.text === 'green or black?'), 'B shows it');
    expect(messages(sb).find((m) => m.text === 'green or black?')).toMatchObject({ outgoing: false, name: a.client.alias, state: 'received' });

    await run(sa, '/leave');
    expect(lines(sa)).toContain('-- left #tea; no chat is current');
    expect((await a.client.chat('tea'))?.joined).toBe(false);
  });

  it('1:1 by three-word name, unread counts, /chats and /switch, delivered state', async () => {
    h = new Harness();
    const [a, b] = [await h.peer(), await h.peer()];
    const [sa, sb] = [await sessionOf(a), await sessionOf(b)];
    await run(sb, `/msg Unknown Person Here hi`);
    expect(lastError(sb)).toContain('nobody known as "Unknown Person Here"');

    await run(sa, '/join #lobby');
    await run(sb, '/join #lobby');
    await run(sa, 'I am A');
    await until(() => messages(sb).some((m) => m.text === 'I am A'), 'B sees A in the lobby');
    // B learned A's name from the lobby: a three-word name is enough now.
    await run(sb, `/msg ${a.client.alias} private hello`);
    expect(sb.current).toMatchObject({ id: a.client.publicKeyHex, type: 'one-to-one' });
    const sent = messages(sb).find((m) => m.text === 'private hello')!;
    await until(() => sent.state === 'delivered', 'B’s 1:1 message delivered (MVDS ack)');
    expect(lines(sb).at(-1)).toMatch(/private hello {2}✓✓ delivered$/);

    // A is in #lobby: the 1:1 message counts as unread there.
    await until(() => (sa.unreadCounts().get(b.client.publicKeyHex) ?? 0) === 1, 'unread at A');
    expect(sa.unreadLine()).toBe(`new: @${b.client.alias} (1)`);
    await run(sa, '/chats');
    expect(lines(sa).slice(-2)).toEqual(['-- * 1. #lobby', `--   2. @${b.client.alias}  [1 new]`]);
    await run(sa, '/switch 2');
    expect(sa.current?.id).toBe(b.client.publicKeyHex);
    expect(sa.unreadLine()).toBe('');
    expect(messages(sa).map((m) => [m.name, m.text])).toEqual([[b.client.alias, 'private hello']]);
    await run(sa, 'plain text answers in the current chat');
    await until(() => messages(sb).some((m) => m.text === 'plain text answers in the current chat'), 'B gets the answer');
    await run(sa, '/switch #lobby');
    expect(sa.current?.id).toBe('lobby');
    await run(sa, '/switch 9');
    expect(lastError(sa)).toContain('no chat number 9');
    await run(sa, '/leave 2');
    expect(lastError(sa)).toContain('a 1:1 chat cannot be left');
  });

  it('groups: create with members by name, the invitee is told and joins by name, messages flow', async () => {
    h = new Harness();
    const [a, b] = [await h.peer(), await h.peer()];
    const [sa, sb] = [await sessionOf(a), await sessionOf(b)];
    await run(sa, `/msg ${b.client.publicKeyHex} hi`);
    await run(sa, `/group create "tea club" ${b.client.alias}`);
    expect(sa.current).toMatchObject({ type: 'private-group', name: 'tea club' });
    expect(lines(sa).at(-1)).toBe(`-- created the group "tea club" with ${b.client.alias}`);
    const groupId = sa.current!.id;
    await until(() => lines(sb).some((l) => l.includes('you were added to the group "tea club"')), 'B told of the invitation');
    await run(sb, '/group join "tea club"');
    expect(sb.current).toMatchObject({ id: groupId, type: 'private-group' });
    await until(async () => ((await a.client.chat(groupId))?.group?.joined.length ?? 0) === 2, 'A sees B joined');
    await until(() => lines(sa).includes(`-- ${b.client.alias} joined`), 'A is told B joined');
    await run(sb, 'hello club');
    await until(() => messages(sa).some((m) => m.text === 'hello club' && m.name === b.client.alias), 'A sees the group message');
    await run(sa, '/group add Nobody Known Here');
    expect(lastError(sa)).toContain('nobody known');
    await run(sb, '/group leave');
    expect(lines(sb)).toContain('-- you are no longer a member');
    expect(lines(sb).at(-1)).toBe('-- left the group "tea club"');
    await until(() => lines(sa).includes(`-- ${b.client.alias} is no longer a member`), 'A is told B left');
    await run(sb, '/switch #nowhere');
    expect(lastError(sb)).toContain('no chat #nowhere');
  });

  it('/devices announce names this device and tells the account’s other device, which lists it and pairs it', async () => {
    h = new Harness();
    const key = generatePrivateKey();
    const [laptop, phone] = [await h.peer({ privateKey: key }), await h.peer({ privateKey: key })];
    const [sl, sp] = [await sessionOf(laptop), await sessionOf(phone)];
    await run(sl, '/devices announce "Work laptop"');
    expect(lastError(sl)).toBeUndefined();
    expect(lines(sl).at(-1)).toBe(`-- announced this device as "Work laptop" (desktop); on your other devices: /devices enable ${laptop.client.installationId}`);
    await until(async () => (await phone.client.installations()).some((d) => d.installationId === laptop.client.installationId && d.name === 'Work laptop'), 'the phone learns the laptop');
    await run(sp, '/devices');
    expect(lines(sp)).toContainEqual(expect.stringMatching(new RegExp(`^-- ${laptop.client.installationId} {2}Work laptop \\(desktop\\) {2}not paired`)));
    await run(sp, `/devices enable ${laptop.client.installationId.slice(0, 8)}`);
    expect(lines(sp).at(-1)).toBe(`-- device ${laptop.client.installationId} paired`);
    expect((await phone.client.installations()).find((d) => d.installationId === laptop.client.installationId)?.enabled).toBe(true);
  });

  it('/history needs a mailserver; /devices lists this device; /whoami; /help; /quit', async () => {
    h = new Harness();
    const a = await h.peer();
    const sa = await sessionOf(a);
    await run(sa, '/join #x');
    await run(sa, '/history 2');
    expect(lastError(sa)).toContain('--mailserver');
    await run(sa, '/devices');
    expect(lines(sa)).toContain(`-- this device: ${a.client.installationId}`);
    expect(lines(sa)).toContain('-- no other devices of this account seen yet');
    await run(sa, '/devices enable nope');
    expect(lastError(sa)).toContain('no device "nope"');
    await run(sa, '/whoami');
    expect(lines(sa)).toContain(`-- ${a.client.alias}  ${a.client.publicKeyHex}`);
    await run(sa, '/help');
    expect(lines(sa).some((l) => l.startsWith('-- /join #channel'))).toBe(true);
    let quit = false;
    sa.events.on('quit', () => (quit = true));
    await run(sa, '/quit');
    expect(quit).toBe(true);
  });

  it('a restarted session makes the latest chat current and reloads its stored messages', async () => {
    h = new Harness();
    const a = await h.peer();
    const first = await sessionOf(a);
    await run(first, '/join #kept');
    await run(first, 'still here after a restart');
    first.dispose();
    const again = await sessionOf(a);
    expect(again.current?.id).toBe('kept');
    expect(messages(again).map((m) => m.text)).toEqual(['still here after a restart']);
  });
});

describe('status-chat data dir and account', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('creates, refuses to overwrite, opens with the password, rejects a wrong one; info needs none', async () => {
    dir = await mkdtemp(join(tmpdir(), 'status-chat-account-'));
    const paths = dataPaths(join(dir, 'nested'));
    expect(() => accountInfo(paths)).toThrow(expect.objectContaining({ code: CHAT_CLI_ERROR.NO_ACCOUNT }) as Error);
    const account = await createAccountIn(paths, 'pw', { kdf: { N: 1024 } });
    expect(accountInfo(paths)).toEqual({ publicKey: account.publicKeyHex, name: account.name, kdf: { N: 1024, r: 8, p: 1 } });
    expect((await stat(paths.keystore)).mode & 0o777).toBe(0o600);
    await expect(createAccountIn(paths, 'pw', { kdf: { N: 1024 } })).rejects.toMatchObject({ code: CHAT_CLI_ERROR.ACCOUNT_EXISTS });
    expect((await openAccount(paths, 'pw')).mnemonic).toBe(account.mnemonic);
    await expect(openAccount(paths, 'not it')).rejects.toSatisfy((e: unknown) => e instanceof KeystoreError && e.code === KEYSTORE_ERROR.WRONG_PASSWORD);
    const key = await loadOrCreateNodeKey(paths);
    expect(await loadOrCreateNodeKey(paths)).toEqual(key);
    expect((await readFile(paths.nodeKey, 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('recovers the same identity from a mnemonic', async () => {
    dir = await mkdtemp(join(tmpdir(), 'status-chat-account-'));
    const mnemonic = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
    const account = await createAccountIn(dataPaths(dir), 'pw', { mnemonic: `  ${mnemonic.toUpperCase()} `, kdf: { N: 1024 } });
    expect(account.publicKeyHex).toBe(recoverAccount(mnemonic).publicKeyHex);
    await expect(createAccountIn(dataPaths(join(dir, 'x')), 'pw', { mnemonic: 'not a mnemonic at all', kdf: { N: 1024 } })).rejects.toThrow(/mnemonic/);
  });

  it('data dir, scrypt cost and password sources', async () => {
    expect(resolveDataDir('/a/b', {})).toBe('/a/b');
    expect(resolveDataDir(undefined, { STATUS_CHAT_DATA_DIR: '/from/env' })).toBe('/from/env');
    expect(resolveDataDir(undefined, {})).toMatch(/\.status-stack$/);
    expect(resolveDataDir(undefined, {}).startsWith('~')).toBe(false);
    expect(kdfParams(undefined, {})).toEqual({});
    expect(kdfParams(undefined, { STATUS_CHAT_SCRYPT_N: '2048' })).toEqual({ N: 2048 });
    expect(kdfParams(4096, { STATUS_CHAT_SCRYPT_N: '2048' })).toEqual({ N: 4096 });
    expect(() => kdfParams(1000, {})).toThrow(ChatCliError);
    expect(await obtainPassword({ env: { STATUS_CHAT_PASSWORD: 'from env' } }, false)).toBe('from env');
    dir = await mkdtemp(join(tmpdir(), 'status-chat-account-'));
    const file = join(dir, 'pw.txt');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, 'from file\nignored\n'));
    expect(await obtainPassword({ file, env: { STATUS_CHAT_PASSWORD: 'from env' } }, false)).toBe('from file');
    const notTty = Object.assign(Object.create(process.stdin) as NodeJS.ReadStream, { isTTY: false });
    await expect(obtainPassword({ env: {}, input: notTty }, false)).rejects.toMatchObject({ code: CHAT_CLI_ERROR.NO_PASSWORD });
  });
});
