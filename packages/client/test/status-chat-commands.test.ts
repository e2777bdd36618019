// status-chat's line language and its rendering: pure functions, no client, no terminal.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHAT_COMMAND_HELP, parseChatLine, parseChannel, tokenize, type ChatCommand } from '../src/cli/chat-commands.js';
import { CHAT_CLI_ERROR, ChatCliError } from '../src/cli/chat-errors.js';
import {
  DELIVERY_LABEL,
  SPINNER_FRAMES,
  chatLabel,
  describeGroupChange,
  formatClock,
  messageJson,
  renderChatList,
  renderHelp,
  renderMessage,
  renderNotice,
  renderProgress,
  renderScreen,
  rowsOf,
  shortKey,
  stripAnsi,
  type MessageView,
  type TimelineEntry,
} from '../src/cli/chat-render.js';
import type { ClientMessage } from '../src/index.js';

const KEY = `0x04${'ab'.repeat(64)}`;
const KEY2 = `0x04${'cd'.repeat(64)}`;

function usageError(line: string): ChatCliError {
  try {
    parseChatLine(line);
  } catch (e) {
    expect(e).toBeInstanceOf(ChatCliError);
    return e as ChatCliError;
  }
  throw new Error(`${JSON.stringify(line)} parsed`);
}

describe('parseChatLine', () => {
  it('plain text goes to the current chat as typed; blank lines do nothing; // escapes a slash', () => {
    expect(parseChatLine('hello there')).toEqual({ kind: 'text', text: 'hello there' });
    expect(parseChatLine('  spaced  out  ')).toEqual({ kind: 'text', text: '  spaced  out  ' });
    expect(parseChatLine('')).toEqual({ kind: 'empty' });
    expect(parseChatLine('   \t ')).toEqual({ kind: 'empty' });
    expect(parseChatLine('//join is a command')).toEqual({ kind: 'text', text: '/join is a command' });
    expect(parseChatLine('hi\r\n')).toEqual({ kind: 'text', text: 'hi' });
  });

  it('any line not starting with a slash is text, unchanged', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 80 }).filter((s) => !s.startsWith('/') && s.trim() !== '' && !/[\r\n]$/.test(s)),
        (s) => {
          expect(parseChatLine(s)).toEqual({ kind: 'text', text: s });
        },
      ),
    );
  });

  it('/join takes one channel, with or without #, in Status’s alphabet', () => {
    expect(parseChatLine('/join #status')).toEqual({ kind: 'join', channel: 'status' });
    expect(parseChatLine('/join status-dev-2')).toEqual({ kind: 'join', channel: 'status-dev-2' });
    expect(parseChatLine('/j #a')).toEqual({ kind: 'join', channel: 'a' });
    expect(usageError('/join #Status').message).toContain('"#Status"');
    expect(usageError('/join').code).toBe(CHAT_CLI_ERROR.USAGE);
    expect(usageError('/join #a #b').message).toContain('usage: /join');
    expect(() => parseChannel('#')).toThrow(ChatCliError);
  });

  it('/msg names a key or a three-word name; the text keeps its spacing', () => {
    expect(parseChatLine(`/msg ${KEY} hello   world`)).toEqual({ kind: 'msg', to: { kind: 'key', key: KEY }, text: 'hello   world' });
    expect(parseChatLine(`/msg ${KEY.toUpperCase().replace('0X', '0x')} hi`)).toEqual({ kind: 'msg', to: { kind: 'key', key: KEY }, text: 'hi' });
    expect(parseChatLine(`/msg ${KEY}`)).toEqual({ kind: 'msg', to: { kind: 'key', key: KEY }, text: '' });
    expect(parseChatLine('/msg Swift Gray Fox how are you?')).toEqual({ kind: 'msg', to: { kind: 'name', name: 'Swift Gray Fox' }, text: 'how are you?' });
    expect(parseChatLine('/msg "Swift  Gray Fox" yo')).toEqual({ kind: 'msg', to: { kind: 'name', name: 'Swift Gray Fox' }, text: 'yo' });
    expect(parseChatLine('/msg Swift Gray Fox')).toEqual({ kind: 'msg', to: { kind: 'name', name: 'Swift Gray Fox' }, text: '' });
    expect(usageError('/msg 0x04abcd hi').message).toContain('0x04abcd');
    expect(usageError('/msg Swift Gray').message).toContain('usage: /msg');
    expect(usageError('/msg').code).toBe(CHAT_CLI_ERROR.USAGE);
  });

  it('/chats, /switch by number, channel, key, name or any other text', () => {
    expect(parseChatLine('/chats')).toEqual({ kind: 'chats' });
    expect(parseChatLine('/switch 2')).toEqual({ kind: 'switch', to: { kind: 'index', index: 2 } });
    expect(parseChatLine('/switch #dev')).toEqual({ kind: 'switch', to: { kind: 'channel', name: 'dev' } });
    expect(parseChatLine(`/switch ${KEY}`)).toEqual({ kind: 'switch', to: { kind: 'key', key: KEY } });
    expect(parseChatLine('/switch Swift Gray Fox')).toEqual({ kind: 'switch', to: { kind: 'name', name: 'Swift Gray Fox' } });
    expect(parseChatLine('/switch "the team"')).toEqual({ kind: 'switch', to: { kind: 'text', text: 'the team' } });
    expect(parseChatLine('/switch the team')).toEqual({ kind: 'switch', to: { kind: 'text', text: 'the team' } });
    expect(usageError('/switch').message).toContain('usage: /switch');
  });

  it('/group create|add|join|leave with members as keys and three-word names', () => {
    expect(parseChatLine(`/group create team ${KEY} Swift Gray Fox "Calm Blue Whale" ${KEY2}`)).toEqual({
      kind: 'group-create',
      name: 'team',
      members: [
        { kind: 'key', key: KEY },
        { kind: 'name', name: 'Swift Gray Fox' },
        { kind: 'name', name: 'Calm Blue Whale' },
        { kind: 'key', key: KEY2 },
      ],
    });
    expect(parseChatLine('/group create "my team"')).toEqual({ kind: 'group-create', name: 'my team', members: [] });
    expect(parseChatLine('/g add Swift Gray Fox Calm Blue Whale')).toEqual({
      kind: 'group-add',
      members: [
        { kind: 'name', name: 'Swift Gray Fox' },
        { kind: 'name', name: 'Calm Blue Whale' },
      ],
    });
    expect(parseChatLine('/group join')).toEqual({ kind: 'group-join' });
    expect(parseChatLine('/group join "my team"')).toEqual({ kind: 'group-join', chat: { kind: 'text', text: 'my team' } });
    expect(parseChatLine('/group join 3')).toEqual({ kind: 'group-join', chat: { kind: 'index', index: 3 } });
    expect(parseChatLine('/group leave')).toEqual({ kind: 'group-leave' });
    expect(usageError('/group create team Swift Gray').message).toContain('"Swift Gray"');
    expect(usageError('/group create').message).toContain('usage: /group create');
    expect(usageError('/group add').message).toContain('usage: /group add');
    expect(usageError('/group add 0x1234').message).toContain('0x1234');
    expect(usageError('/group rename x').message).toContain('/group create NAME');
    expect(usageError('/group create "team').message).toContain('unclosed quote');
  });

  it('/history [hours], /devices, /whoami, /help, /quit; unknown commands are errors that say how to send text', () => {
    expect(parseChatLine('/history')).toEqual({ kind: 'history' });
    expect(parseChatLine('/history 6')).toEqual({ kind: 'history', hours: 6 });
    expect(usageError('/history 0').message).toContain('hours');
    expect(usageError('/history soon').message).toContain('hours');
    expect(parseChatLine('/devices')).toEqual({ kind: 'devices', action: 'list' });
    expect(parseChatLine('/devices pair abc-1')).toEqual({ kind: 'devices', action: 'enable', installationId: 'abc-1' });
    expect(parseChatLine('/devices disable abc-1')).toEqual({ kind: 'devices', action: 'disable', installationId: 'abc-1' });
    expect(parseChatLine('/devices sync')).toEqual({ kind: 'devices', action: 'sync' });
    expect(parseChatLine('/devices announce "Work laptop"')).toEqual({ kind: 'devices', action: 'announce', name: 'Work laptop', deviceType: 'desktop' });
    expect(parseChatLine('/devices announce phone mobile')).toEqual({ kind: 'devices', action: 'announce', name: 'phone', deviceType: 'mobile' });
    expect(usageError('/devices announce').message).toContain('announce NAME [TYPE]');
    expect(usageError('/devices announce "  "').message).toContain('usage: /devices');
    expect(usageError('/devices enable').message).toContain('usage: /devices');
    expect(parseChatLine('/whoami')).toEqual({ kind: 'whoami' });
    expect(parseChatLine('/help')).toEqual({ kind: 'help' });
    expect(parseChatLine('/help /join')).toEqual({ kind: 'help', topic: 'join' });
    const quits: ChatCommand[] = ['/quit', '/exit', '/q', '/QUIT  '].map((l) => parseChatLine(l));
    expect(quits).toEqual(Array(4).fill({ kind: 'quit' }));
    const e = usageError('/frobnicate now');
    expect(e.code).toBe(CHAT_CLI_ERROR.USAGE);
    expect(e.message).toContain('/frobnicate');
    expect(e.message).toContain('//');
    expect(parseChatLine('/leave')).toEqual({ kind: 'leave' });
    expect(parseChatLine('/leave #dev')).toEqual({ kind: 'leave', chat: { kind: 'channel', name: 'dev' } });
  });

  it('tokenize keeps quoted spaces and empty quotes', () => {
    expect(tokenize(' a  "b c" "" d ')).toEqual([
      { text: 'a', quoted: false },
      { text: 'b c', quoted: true },
      { text: '', quoted: true },
      { text: 'd', quoted: false },
    ]);
  });
});

const base: MessageView = {
  id: '0x01',
  chatId: 'status',
  from: KEY,
  name: 'Swift Gray Fox',
  text: 'hello',
  timestamp: new Date(2024, 0, 2, 9, 5, 7).getTime(),
  outgoing: false,
  state: 'received',
  history: false,
};

describe('rendering', () => {
  it('a message line has the local time, the author’s name, the text and, for ours, the delivery state', () => {
    expect(formatClock(base.timestamp)).toBe('09:05');
    expect(renderMessage(base)).toBe('09:05 Swift Gray Fox: hello');
    expect(renderMessage({ ...base, outgoing: true, state: 'pending' })).toBe('09:05 Swift Gray Fox (me): hello  … pending');
    expect(renderMessage({ ...base, outgoing: true, state: 'sent' })).toBe('09:05 Swift Gray Fox (me): hello  ✓ sent');
    expect(renderMessage({ ...base, outgoing: true, state: 'delivered' })).toBe('09:05 Swift Gray Fox (me): hello  ✓✓ delivered');
    expect(renderMessage({ ...base, outgoing: true, state: 'failed' })).toBe('09:05 Swift Gray Fox (me): hello  ✗ failed');
    expect(renderMessage({ ...base, history: true })).toBe('09:05 Swift Gray Fox: hello  (history)');
    expect(Object.keys(DELIVERY_LABEL).sort()).toEqual(['delivered', 'failed', 'pending', 'received', 'sent']);
  });

  it('received text cannot drive the terminal: control characters are shown, not sent', () => {
    const line = renderMessage({ ...base, text: 'evil\x1b[2Jbell\x07' });
    expect(line).toBe('09:05 Swift Gray Fox: evil^[[2Jbell^G');
    expect(line).not.toContain('\x1b');
  });

  it('colour only when asked; stripping it gives the plain line back', () => {
    const coloured = renderMessage({ ...base, outgoing: true, state: 'delivered' }, { color: true });
    expect(coloured).toContain('\x1b[');
    expect(stripAnsi(coloured)).toBe(renderMessage({ ...base, outgoing: true, state: 'delivered' }));
    expect(renderNotice('joined #a', 'info')).toBe('-- joined #a');
    expect(renderNotice('no such chat', 'error')).toBe('! no such chat');
  });

  it('chat labels and the numbered chat list', () => {
    expect(chatLabel({ id: 'dev', type: 'public', name: 'dev' })).toBe('#dev');
    expect(chatLabel({ id: KEY, type: 'one-to-one', name: 'Swift Gray Fox' })).toBe('@Swift Gray Fox');
    expect(chatLabel({ id: 'uuid-0x04…', type: 'private-group', name: 'team' })).toBe('team (group)');
    expect(shortKey(KEY)).toBe('0x04ababab…abab');
    const chats = [
      { id: 'dev', type: 'public' as const, name: 'dev', joined: true },
      { id: KEY, type: 'one-to-one' as const, name: 'Swift Gray Fox', joined: true },
      { id: 'g1', type: 'private-group' as const, name: 'team', joined: false },
      { id: 'old', type: 'public' as const, name: 'old', joined: false },
    ];
    expect(renderChatList(chats, KEY, new Map([['dev', 3]]))).toEqual([
      '  1. #dev  [3 new]',
      '* 2. @Swift Gray Fox',
      '  3. team (group)  [invited: /group join]',
      '  4. #old  [left]',
    ]);
    expect(renderChatList([], undefined)[0]).toContain('/join');
  });

  it('the progress indicator turns through its frames and counts what came', () => {
    expect(renderProgress(0, 'history of #dev', 0)).toBe('⠋ history of #dev… 0 messages');
    expect(renderProgress(1, 'history of #dev', 1)).toBe('⠙ history of #dev… 1 message');
    expect(renderProgress(SPINNER_FRAMES.length + 2, 'x', 5)).toBe(`${SPINNER_FRAMES[2]} x… 5 messages`);
    expect(new Set(SPINNER_FRAMES.map((_, i) => renderProgress(i, 'x', 0))).size).toBe(SPINNER_FRAMES.length);
  });

  it('the screen shows the header, the newest entries that fit (wrapped lines count), and the status line', () => {
    const entries: TimelineEntry[] = Array.from({ length: 30 }, (_, i) => ({ kind: 'message', message: { ...base, id: `0x${i}`, text: `message ${i}` } }));
    entries.push({ kind: 'notice', text: 'x'.repeat(45), level: 'info' });
    const screen = renderScreen({ header: 'Me · #dev · 1 peer', entries, status: '⠋ history of #dev… 2 messages' }, 10, 40);
    expect(screen.startsWith('\x1b[2J\x1b[H')).toBe(true);
    const lines = stripAnsi(screen).split('\n');
    expect(lines[0]).toBe('Me · #dev · 1 peer'.padEnd(40));
    // 10 rows: header, 7 rows of entries, status, prompt. The 48-character notice takes two rows of 40.
    expect(lines.slice(1, -2)).toEqual([...[25, 26, 27, 28, 29].map((i) => `09:05 Swift Gray Fox: message ${i}`), `-- ${'x'.repeat(45)}`]);
    expect(lines.at(-2)).toBe('⠋ history of #dev… 2 messages');
    expect(rowsOf('a'.repeat(41), 20)).toBe(3);
    expect(rowsOf('\x1b[1mab\x1b[0m', 2)).toBe(1);
    expect(rowsOf('a\nb', 80)).toBe(2);
  });

  it('group changes become notices: added, joined, gone, renamed; our own key reads "you"', () => {
    const names: Record<string, string> = { [KEY]: 'Swift Gray Fox', [KEY2]: 'Calm Blue Whale' };
    const nameOf = (k: string): string => names[k] ?? k;
    const ME = `0x04${'ef'.repeat(64)}`;
    const before = { name: 'team', members: [KEY, ME], joined: [ME] };
    expect(describeGroupChange(before, { name: 'team', members: [KEY, KEY2, ME], joined: [KEY, ME] }, nameOf, ME)).toEqual(['Calm Blue Whale was added', 'Swift Gray Fox joined']);
    expect(describeGroupChange(before, { name: 'club', members: [ME], joined: [ME] }, nameOf, ME)).toEqual(['Swift Gray Fox is no longer a member', 'the group was renamed to "club"']);
    expect(describeGroupChange({ name: 't', members: [KEY], joined: [] }, { name: 't', members: [KEY, ME], joined: [ME] }, nameOf, ME)).toEqual(['you were added', 'you joined']);
    expect(describeGroupChange(before, { name: 'team', members: [KEY], joined: [] }, nameOf, ME)).toEqual(['you are no longer a member']);
    expect(describeGroupChange(before, before, nameOf, ME)).toEqual([]);
  });

  it('help lists every command', () => {
    const help = renderHelp().join('\n');
    for (const [cmd] of CHAT_COMMAND_HELP) expect(help).toContain(cmd);
    for (const c of ['/join', '/leave', '/msg', '/chats', '/switch', '/group create', '/history', '/devices', '/help', '/quit']) expect(help).toContain(c);
  });

  it('listen --json: one object per message, clock as a decimal string', () => {
    const m: ClientMessage = {
      id: '0xabc',
      chatId: 'dev',
      clock: 12345678901234567890n,
      timestamp: 1700000000000,
      from: KEY,
      text: 'hi "there"\n',
      contentType: 1,
      responseTo: null,
      content: null,
      outgoing: false,
      deliveryState: 'received',
      payload: new Uint8Array([1, 2]),
      receivedAt: 1700000000001,
      alias: 'Swift Gray Fox',
      via: { channel: 'public', method: null, history: true },
    };
    const line = messageJson(m, 'public');
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      id: '0xabc',
      chatId: 'dev',
      chatType: 'public',
      from: KEY,
      alias: 'Swift Gray Fox',
      text: 'hi "there"\n',
      clock: '12345678901234567890',
      timestamp: 1700000000000,
      contentType: 1,
      responseTo: null,
      outgoing: false,
      via: { channel: 'public', method: null, history: true },
    });
  });
});
