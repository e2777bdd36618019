// How status-chat shows things: message lines with names and delivery state, chat lists, the
// progress indicator, the full-screen frame of the terminal UI, and the JSON of `listen --json`.
// Pure functions of their arguments (the clock and the terminal size come in as parameters).
import type { ChatType, DeliveryState } from '../types.js';
import type { ClientMessage } from '../client/types.js';
import { CHAT_COMMAND_HELP } from './chat-commands.js';

/** A message as the message list shows it. */
export interface MessageView {
  id: string;
  chatId: string;
  /** `0x04…` author. */
  from: string;
  /** The author's three-word name. */
  name: string;
  text: string;
  /** Unix milliseconds (the sender's clock). */
  timestamp: number;
  outgoing: boolean;
  state: DeliveryState;
  /** Came from a mailserver's history. */
  history: boolean;
  /**
   * Ours, handed to our node while no peer was connected, and no peer has taken it yet: shown as
   * "queued" instead of its state (a 'sent' message nobody received is not sent).
   */
  queued?: boolean;
}

export interface ChatView {
  id: string;
  type: ChatType;
  name: string;
  joined: boolean;
}

export type NoticeLevel = 'info' | 'error';

export type TimelineEntry = { kind: 'message'; message: MessageView } | { kind: 'notice'; text: string; level: NoticeLevel };

export interface Style {
  color: boolean;
}

const ANSI = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  cyan: '\x1b[36m',
  inverse: '\x1b[7m',
  clearScreen: '\x1b[2J\x1b[H',
} as const;

/** The frames of the progress indicator (a braille spinner: one cell wide in every terminal font). */
export const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const;

/** The words the message list shows for a delivery state of our messages (received ones show none). */
export const DELIVERY_LABEL: Record<DeliveryState, string> = {
  pending: '… pending',
  sent: '✓ sent',
  delivered: '✓✓ delivered',
  failed: '✗ failed',
  received: '',
};

/** What a message of ours that no peer has taken yet shows instead of its state. */
export const QUEUED_LABEL = '… queued';

/** The delivery label of a message: "queued" while no peer took it, else its state's. */
export function deliveryLabel(m: Pick<MessageView, 'state' | 'queued'>): string {
  return m.queued === true && (m.state === 'pending' || m.state === 'sent') ? QUEUED_LABEL : DELIVERY_LABEL[m.state];
}

function paint(style: Style, codes: string, text: string): string {
  return style.color && text !== '' ? `${codes}${text}${ANSI.reset}` : text;
}

// eslint-disable-next-line no-control-regex
const ANSI_RE = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** The text without ANSI escape sequences (what a reader of a log or a test compares). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_RE, '');
}

/** Local wall-clock HH:MM of a Unix-millisecond time. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** `#channel`, `@Three Word Name` for a 1:1 chat, the group's name for a group. */
export function chatLabel(chat: Pick<ChatView, 'type' | 'name' | 'id'>): string {
  if (chat.type === 'public') return `#${chat.id}`;
  if (chat.type === 'one-to-one') return `@${chat.name}`;
  return `${chat.name} (group)`;
}

/** A public key shortened for display: `0x04abcd…ef01`. */
export function shortKey(key: string): string {
  return key.length > 16 ? `${key.slice(0, 10)}…${key.slice(-4)}` : key;
}

/** One line of the message list: `12:03 Name: text  ✓ sent`. Control characters in the text are made visible. */
export function renderMessage(m: MessageView, style: Style = { color: false }): string {
  const who = m.outgoing ? `${m.name} (me)` : m.name;
  const state = m.outgoing ? deliveryLabel(m) : '';
  const stateColor = m.state === 'failed' ? ANSI.red : m.state === 'delivered' ? ANSI.green : ANSI.dim;
  // A received text must not drive the terminal (escape sequences): control characters show as ^X.
  // eslint-disable-next-line no-control-regex
  const text = m.text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `^${String.fromCharCode(c.charCodeAt(0) ^ 0x40)}`).replace(/\n/g, '\n      ');
  return [
    paint(style, ANSI.dim, formatClock(m.timestamp)),
    ' ',
    paint(style, ANSI.bold + (m.outgoing ? ANSI.cyan : ANSI.yellow), who),
    ': ',
    text,
    state ? `  ${paint(style, stateColor, state)}` : '',
    m.history ? `  ${paint(style, ANSI.dim, '(history)')}` : '',
  ].join('');
}

export function renderNotice(text: string, level: NoticeLevel, style: Style = { color: false }): string {
  return level === 'error' ? paint(style, ANSI.red, `! ${text}`) : paint(style, ANSI.dim, `-- ${text}`);
}

export function renderEntry(e: TimelineEntry, style: Style = { color: false }): string {
  return e.kind === 'message' ? renderMessage(e.message, style) : renderNotice(e.text, e.level, style);
}

/** `/chats`: one numbered line per chat, the current one marked, unread counts in brackets. */
export function renderChatList(chats: readonly ChatView[], current: string | undefined, unread: ReadonlyMap<string, number> = new Map()): string[] {
  if (chats.length === 0) return ['no chats yet: /join #channel, /msg <key> or /group create'];
  return chats.map((c, i) => {
    const mark = c.id === current ? '*' : ' ';
    const n = unread.get(c.id) ?? 0;
    const extra = [c.joined ? '' : c.type === 'private-group' ? 'invited: /group join' : 'left', n > 0 ? `${n} new` : ''].filter(Boolean).join(', ');
    return `${mark}${String(i + 1).padStart(2)}. ${chatLabel(c)}${extra ? `  [${extra}]` : ''}`;
  });
}

/** `/help`. */
export function renderHelp(): string[] {
  const width = Math.max(...CHAT_COMMAND_HELP.map(([c]) => c.length));
  return [...CHAT_COMMAND_HELP.map(([c, d]) => `${c.padEnd(width)}  ${d}`), 'anything else is sent to the current chat (start it with // to send a line beginning with /)'];
}

/** The progress line shown while history is fetched: spinner, what, and how many messages came so far. */
export function renderProgress(frame: number, label: string, received: number): string {
  const spin = SPINNER_FRAMES[((frame % SPINNER_FRAMES.length) + SPINNER_FRAMES.length) % SPINNER_FRAMES.length];
  return `${spin} ${label}… ${received} message${received === 1 ? '' : 's'}`;
}

export interface ScreenModel {
  /** Top line: who we are, where we are, peers. */
  header: string;
  entries: readonly TimelineEntry[];
  /** The line above the prompt (progress, unread chats), or ''. */
  status: string;
}

/** How many terminal rows a line takes at `columns` (wrapping; ANSI sequences take none). */
export function rowsOf(line: string, columns: number): number {
  return line.split('\n').reduce((n, l) => n + Math.max(1, Math.ceil([...stripAnsi(l)].length / Math.max(1, columns))), 0);
}

/**
 * The whole screen of the terminal UI, redrawn on every change: header, as many of the newest
 * entries as fit, the status line. The prompt (readline's) goes on the last row, after this.
 */
export function renderScreen(model: ScreenModel, rows: number, columns: number, style: Style = { color: false }): string {
  const header = paint(style, ANSI.inverse, model.header.padEnd(columns).slice(0, Math.max(columns, 1)));
  const room = Math.max(1, rows - 3);
  const lines: string[] = [];
  let used = 0;
  for (let i = model.entries.length - 1; i >= 0; i--) {
    const line = renderEntry(model.entries[i], style);
    const r = rowsOf(line, columns);
    if (used + r > room) break;
    lines.unshift(line);
    used += r;
  }
  const blank = Math.max(0, room - used);
  return `${ANSI.clearScreen}${header}\n${'\n'.repeat(blank)}${lines.map((l) => `${l}\n`).join('')}${paint(style, ANSI.dim, model.status)}\n`;
}

/** What `listen --json` prints for a received message: one JSON object on one line. */
export function messageJson(m: ClientMessage, chatType: ChatType | undefined): string {
  return JSON.stringify({
    id: m.id,
    chatId: m.chatId,
    chatType: chatType ?? null,
    from: m.from,
    alias: m.alias,
    text: m.text,
    clock: m.clock.toString(),
    timestamp: m.timestamp,
    contentType: m.contentType,
    responseTo: m.responseTo,
    outgoing: m.outgoing,
    via: m.via ?? null,
  });
}

/** What a group's membership notices compare. */
export interface GroupSummary {
  name: string;
  members: readonly string[];
  joined: readonly string[];
}

/** The notices a change of a group's state makes: added, joined, gone, renamed. `me` is shown as "you". */
export function describeGroupChange(prev: GroupSummary, next: GroupSummary, nameOf: (key: string) => string, me?: string): string[] {
  const out: string[] = [];
  const had = new Set(prev.members);
  const was = new Set(prev.joined);
  const now = new Set(next.members);
  const who = (k: string): string => (k === me ? 'you' : nameOf(k));
  const were = (k: string): string => (k === me ? 'were' : 'was');
  for (const m of next.members) if (!had.has(m)) out.push(`${who(m)} ${were(m)} added`);
  for (const m of next.joined) if (!was.has(m)) out.push(`${who(m)} joined`);
  // The state does not say whether a member left or was removed: say only what it does say.
  for (const m of prev.members) if (!now.has(m)) out.push(`${who(m)} ${m === me ? 'are' : 'is'} no longer a member`);
  if (prev.name !== next.name) out.push(`the group was renamed to "${next.name}"`);
  return out;
}
