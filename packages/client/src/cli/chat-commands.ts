// The interactive language of status-chat: one line → one command. Pure: no client, no terminal.
import { CHAT_CLI_ERROR, ChatCliError } from './chat-errors.js';

/** Someone to write to: a `0x04…` key or a three-word name ("Adjective Adjective Animal"). */
export type PersonRef = { kind: 'key'; key: string } | { kind: 'name'; name: string };

/** A chat to switch to: its position in `/chats`, a `#channel`, a person, or any other text (a group's name). */
export type ChatRef = { kind: 'index'; index: number } | { kind: 'channel'; name: string } | PersonRef | { kind: 'text'; text: string };

export type DevicesAction = 'list' | 'enable' | 'disable' | 'sync' | 'announce';

export type ChatCommand =
  | { kind: 'empty' }
  | { kind: 'text'; text: string }
  | { kind: 'join'; channel: string }
  | { kind: 'leave'; chat?: ChatRef }
  | { kind: 'msg'; to: PersonRef; text: string }
  | { kind: 'chats' }
  | { kind: 'switch'; to: ChatRef }
  | { kind: 'group-create'; name: string; members: PersonRef[] }
  | { kind: 'group-add'; members: PersonRef[] }
  | { kind: 'group-join'; chat?: ChatRef }
  | { kind: 'group-leave' }
  | { kind: 'history'; hours?: number }
  | { kind: 'devices'; action: DevicesAction; installationId?: string; name?: string; deviceType?: string }
  | { kind: 'whoami' }
  | { kind: 'help'; topic?: string }
  | { kind: 'quit' };

/** One line of help per command, in the order `/help` lists them. */
export const CHAT_COMMAND_HELP = [
  ['/join #channel', 'join a public chat and make it the current chat (fetches its history from the mailserver)'],
  ['/leave [chat]', 'leave the current (or the named) public chat or group'],
  ['/msg <key|name> [text]', 'open a 1:1 chat with a 0x04… key or the three-word name of someone known, and send text'],
  ['/chats', 'list your chats with their numbers'],
  ['/switch <n|#channel|key|name>', 'make another chat the current one'],
  ['/group create NAME member…', 'create a private group (quote a NAME with spaces; members are keys or three-word names)'],
  ['/group add member…', 'add members to the current group'],
  ['/group join [chat]', 'accept the invitation to the current (or the named) group'],
  ['/group leave', 'leave the current group'],
  ['/history [hours]', 'ask the mailserver for the current chat’s history (default: since the last fetch, or 24 h)'],
  ['/devices [enable|disable ID|sync]', 'list your other devices, pair or unpair one, or sync chats and contacts to them'],
  ['/devices announce NAME [TYPE]', 'name this device (quote a NAME with spaces; TYPE defaults to desktop) and announce it to your other devices'],
  ['/whoami', 'show your name, public key and peers'],
  ['/help', 'this list'],
  ['/quit', 'leave status-chat (also Ctrl-D, or Ctrl-C twice)'],
] as const;

const KEY_RE = /^0x04[0-9a-f]{128}$/i;
/** Status's rule for channel names: lower-case letters, digits and dashes. */
const CHANNEL_RE = /^[a-z0-9-]+$/;
const MAX_HISTORY_HOURS = 24 * 30;

interface Token {
  text: string;
  quoted: boolean;
}

function usage(message: string): ChatCliError {
  return new ChatCliError(CHAT_CLI_ERROR.USAGE, message);
}

/** Splits on whitespace; "double quotes" keep spaces (and may be empty). */
export function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length) break;
    if (line[i] === '"') {
      const end = line.indexOf('"', i + 1);
      if (end < 0) throw usage(`unclosed quote in ${JSON.stringify(line)}`);
      tokens.push({ text: line.slice(i + 1, end), quoted: true });
      i = end + 1;
    } else {
      let j = i;
      while (j < line.length && !/\s/.test(line[j])) j++;
      tokens.push({ text: line.slice(i, j), quoted: false });
      i = j;
    }
  }
  return tokens;
}

/** `#name` or `name` → the channel name, checked against Status's rule. */
export function parseChannel(text: string): string {
  const name = text.startsWith('#') ? text.slice(1) : text;
  if (!CHANNEL_RE.test(name)) throw usage(`a channel name is lower-case letters, digits and dashes: ${JSON.stringify(text)}`);
  return name;
}

export function isPublicKeyText(text: string): boolean {
  return KEY_RE.test(text);
}

/** Keys stand alone; other words group by three into names; a quoted token is a name by itself. */
export function parsePeople(tokens: readonly Token[], what: string): PersonRef[] {
  const out: PersonRef[] = [];
  let words: string[] = [];
  const flush = (): void => {
    if (words.length === 0) return;
    if (words.length % 3 !== 0) throw usage(`${what}: "${words.join(' ')}" is not a 0x04… key nor three-word names (quote a name: "Adjective Adjective Animal")`);
    for (let i = 0; i < words.length; i += 3) out.push({ kind: 'name', name: words.slice(i, i + 3).join(' ') });
    words = [];
  };
  for (const t of tokens) {
    if (t.quoted) {
      flush();
      const name = t.text.trim().split(/\s+/).join(' ');
      if (name === '') throw usage(`${what}: an empty name`);
      out.push({ kind: 'name', name });
    } else if (isPublicKeyText(t.text)) {
      flush();
      out.push({ kind: 'key', key: t.text.toLowerCase() });
    } else if (t.text.startsWith('0x')) {
      throw usage(`${what}: not a 0x04… public key of 65 bytes: ${t.text}`);
    } else {
      words.push(t.text);
    }
  }
  flush();
  return out;
}

function parseChatRef(rest: string): ChatRef {
  const text = rest.trim();
  if (/^\d+$/.test(text)) return { kind: 'index', index: Number(text) };
  if (text.startsWith('#')) return { kind: 'channel', name: parseChannel(text) };
  if (isPublicKeyText(text)) return { kind: 'key', key: text.toLowerCase() };
  const unquoted = text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
  const words = unquoted.trim().split(/\s+/);
  if (words.length === 3 && words.every((w) => /^[A-Za-z]+$/.test(w))) return { kind: 'name', name: words.join(' ') };
  return { kind: 'text', text: unquoted.trim() };
}

/** The text after the command word, as typed (inner spacing kept), without the one separating space. */
function restOf(line: string, word: string): string {
  const at = line.indexOf(word) + word.length;
  return line.slice(at).replace(/^\s/, '');
}

/** Parses one line typed at the prompt. Throws ChatCliError(USAGE) with a hint when it does not parse. */
export function parseChatLine(input: string): ChatCommand {
  const line = input.replace(/[\r\n]+$/, '');
  if (line.trim() === '') return { kind: 'empty' };
  // IRC convention: a doubled slash sends the line as text, starting with one slash.
  if (line.startsWith('//')) return { kind: 'text', text: line.slice(1) };
  if (!line.startsWith('/')) return { kind: 'text', text: line };
  const trimmed = line.trimEnd();
  const word = trimmed.split(/\s/, 1)[0];
  const rest = restOf(trimmed, word);
  const args = tokenize(rest);
  switch (word.toLowerCase()) {
    case '/join':
    case '/j': {
      if (args.length !== 1) throw usage('usage: /join #channel');
      return { kind: 'join', channel: parseChannel(args[0].text) };
    }
    case '/leave':
    case '/part':
      return rest.trim() === '' ? { kind: 'leave' } : { kind: 'leave', chat: parseChatRef(rest) };
    case '/msg':
    case '/m':
    case '/query': {
      if (args.length === 0) throw usage('usage: /msg <0x04… key | three-word name> [text]');
      if (args[0].quoted) return { kind: 'msg', to: parsePeople([args[0]], '/msg')[0], text: textAfter(rest, 1) };
      if (isPublicKeyText(args[0].text)) return { kind: 'msg', to: { kind: 'key', key: args[0].text.toLowerCase() }, text: textAfter(rest, 1) };
      if (args[0].text.startsWith('0x')) throw usage(`/msg: not a 0x04… public key of 65 bytes: ${args[0].text}`);
      if (args.length < 3) throw usage('usage: /msg <0x04… key | three-word name> [text]');
      return { kind: 'msg', to: { kind: 'name', name: args.slice(0, 3).map((a) => a.text).join(' ') }, text: textAfter(rest, 3) };
    }
    case '/chats':
    case '/list':
      return { kind: 'chats' };
    case '/switch':
    case '/s': {
      if (rest.trim() === '') throw usage('usage: /switch <number | #channel | key | name>');
      return { kind: 'switch', to: parseChatRef(rest) };
    }
    case '/group':
    case '/g':
      return parseGroup(args, rest);
    case '/history': {
      if (args.length === 0) return { kind: 'history' };
      const hours = Number(args[0].text);
      if (args.length > 1 || !Number.isInteger(hours) || hours < 1 || hours > MAX_HISTORY_HOURS) {
        throw usage(`usage: /history [hours], hours a whole number 1…${MAX_HISTORY_HOURS}`);
      }
      return { kind: 'history', hours };
    }
    case '/devices':
    case '/device': {
      if (args.length === 0 || args[0].text === 'list') return { kind: 'devices', action: 'list' };
      const action = args[0].text.toLowerCase();
      if (action === 'sync' && args.length === 1) return { kind: 'devices', action: 'sync' };
      if (action === 'announce' && (args.length === 2 || args.length === 3)) {
        const name = args[1].text.trim();
        const deviceType = args[2]?.text.trim() ?? 'desktop';
        if (name.length > 0 && deviceType.length > 0) return { kind: 'devices', action: 'announce', name, deviceType };
      }
      if ((action === 'enable' || action === 'disable' || action === 'pair' || action === 'unpair') && args.length === 2) {
        return { kind: 'devices', action: action === 'pair' ? 'enable' : action === 'unpair' ? 'disable' : action, installationId: args[1].text };
      }
      throw usage('usage: /devices [list | enable ID | disable ID | sync | announce NAME [TYPE]]');
    }
    case '/whoami':
    case '/me':
      return { kind: 'whoami' };
    case '/help':
    case '/?':
      return args.length > 0 ? { kind: 'help', topic: args[0].text.replace(/^\//, '') } : { kind: 'help' };
    case '/quit':
    case '/exit':
    case '/q':
      return { kind: 'quit' };
    default:
      throw usage(`unknown command ${word} (try /help; start a line with // to send it as text)`);
  }
}

/** The text after the first `n` tokens of `rest`, with its own spacing. */
function textAfter(rest: string, n: number): string {
  let i = 0;
  for (let k = 0; k < n; k++) {
    while (i < rest.length && /\s/.test(rest[i])) i++;
    if (rest[i] === '"') {
      i = rest.indexOf('"', i + 1) + 1;
    } else {
      while (i < rest.length && !/\s/.test(rest[i])) i++;
    }
  }
  return rest.slice(i).trim();
}

function parseGroup(args: Token[], rest: string): ChatCommand {
  const sub = args[0]?.text.toLowerCase();
  switch (sub) {
    case 'create': {
      if (args.length < 2 || args[1].text.trim() === '') throw usage('usage: /group create NAME member… (quote a NAME with spaces)');
      return { kind: 'group-create', name: args[1].text.trim(), members: parsePeople(args.slice(2), '/group create') };
    }
    case 'add': {
      const members = parsePeople(args.slice(1), '/group add');
      if (members.length === 0) throw usage('usage: /group add member… (0x04… keys or three-word names)');
      return { kind: 'group-add', members };
    }
    case 'join': {
      const chat = textAfter(rest, 1);
      return chat === '' ? { kind: 'group-join' } : { kind: 'group-join', chat: parseChatRef(chat) };
    }
    case 'leave':
      if (args.length > 1) throw usage('usage: /group leave (leaves the current group)');
      return { kind: 'group-leave' };
    default:
      throw usage('usage: /group create NAME member… | /group add member… | /group join [chat] | /group leave');
  }
}
