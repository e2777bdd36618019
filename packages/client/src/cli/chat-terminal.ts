// The two faces of the interactive status-chat: a full-screen view on a terminal (message list
// redrawn in place, so delivery states change where the message is; a spinner while history is
// fetched) and a line view when stdin/stdout are not a terminal (one line per event, for pipes).
import { createInterface, type Interface } from 'node:readline';
import { parseChatLine } from './chat-commands.js';
import { chatLabel, deliveryLabel, renderEntry, renderNotice, renderProgress, renderScreen, type Style } from './chat-render.js';
import type { ChatSession } from './chat-session.js';

export interface TerminalOptions {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean; rows?: number; columns?: number };
  /** Full-screen view (default: when both streams are terminals). */
  screen?: boolean;
  color?: boolean;
  /** Spinner frame interval (ms). */
  spinnerMs?: number;
}

const PROMPT = '> ';
/** A second Ctrl-C within this time quits. */
const DOUBLE_CTRL_C_MS = 2000;

/** Runs the interactive loop until /quit, Ctrl-D, Ctrl-C twice, or `stop()`. */
export class ChatTerminal {
  private readonly rl: Interface;
  private readonly style: Style;
  private readonly screen: boolean;
  private frame = 0;
  private spinner: NodeJS.Timeout | undefined;
  private redrawScheduled = false;
  private queue: Promise<void> = Promise.resolve();
  private lastCtrlC = 0;
  private closed = false;
  private resolveDone!: () => void;
  readonly done: Promise<void>;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly session: ChatSession,
    private readonly options: TerminalOptions,
  ) {
    this.screen = options.screen ?? (options.input.isTTY === true && options.output.isTTY === true);
    this.style = { color: options.color ?? this.screen };
    this.done = new Promise((r) => (this.resolveDone = r));
    this.rl = createInterface({ input: options.input, output: options.output, terminal: this.screen, prompt: PROMPT, historySize: 200 });
    this.rl.on('line', (line) => this.onLine(line));
    this.rl.on('close', () => this.stop());
    this.rl.on('SIGINT', () => this.onCtrlC());
    const ev = session.events;
    this.unsubscribe.push(ev.on('quit', () => this.stop()));
    if (this.screen) {
      const onResize = (): void => this.scheduleRedraw();
      options.output.on('resize', onResize);
      this.unsubscribe.push(() => options.output.off('resize', onResize));
      this.unsubscribe.push(ev.on('change', () => this.scheduleRedraw()));
      this.unsubscribe.push(ev.on('progress', (p) => this.onProgress(p !== null)));
    } else {
      this.unsubscribe.push(
        ev.on('entry', (chatId, entry) => {
          const cur = session.current?.id ?? '';
          const prefix = chatId === cur || chatId === '' ? '' : `[${this.label(chatId)}] `;
          this.print(prefix + renderEntry(entry, this.style));
        }),
        ev.on('delivery', (m) => this.print(renderNotice(`${deliveryLabel(m)}: ${m.text.slice(0, 40)}`, 'info', this.style))),
        ev.on('progress', (p) => {
          if (p && p.received === 0) this.print(renderNotice(`${p.label}…`, 'info', this.style));
        }),
      );
    }
  }

  private label(chatId: string): string {
    return this.session.current?.id === chatId ? chatLabel(this.session.current) : chatId.startsWith('0x04') ? `@${this.session.nameOf(chatId)}` : chatId;
  }

  start(): void {
    if (this.screen) this.redraw();
  }

  private print(line: string): void {
    if (this.closed) return;
    this.options.output.write(`${line}\n`);
  }

  /** Lines run one after the other, in the order typed (a parse error reports in its turn too). */
  private onLine(line: string): void {
    this.queue = this.queue.then(async () => {
      if (this.closed) return;
      let cmd: ReturnType<typeof parseChatLine>;
      try {
        cmd = parseChatLine(line);
      } catch (e) {
        this.session.notice((e as Error).message, 'error');
        return;
      }
      await this.session.execute(cmd);
    });
    if (this.screen) this.scheduleRedraw();
  }

  private onCtrlC(): void {
    const now = Date.now();
    if (this.rl.line.length > 0) {
      // Clears what was typed, as a shell does.
      this.rl.write(null, { ctrl: true, name: 'u' });
      return;
    }
    if (now - this.lastCtrlC < DOUBLE_CTRL_C_MS) {
      this.stop();
      return;
    }
    this.lastCtrlC = now;
    this.session.notice('press Ctrl-C again to quit (or /quit)');
  }

  private onProgress(active: boolean): void {
    if (active && !this.spinner) {
      this.spinner = setInterval(() => {
        this.frame++;
        this.scheduleRedraw();
      }, this.options.spinnerMs ?? 100);
    } else if (!active && this.spinner) {
      clearInterval(this.spinner);
      this.spinner = undefined;
    }
    this.scheduleRedraw();
  }

  private scheduleRedraw(): void {
    if (this.redrawScheduled || this.closed) return;
    this.redrawScheduled = true;
    setImmediate(() => {
      this.redrawScheduled = false;
      this.redraw();
    });
  }

  private redraw(): void {
    if (this.closed) return;
    const out = this.options.output;
    const p = this.session.progress;
    const status = p ? renderProgress(this.frame, p.label, p.received) : this.session.unreadLine();
    out.write(renderScreen({ header: this.session.header(), entries: this.session.entries(), status }, out.rows || 24, out.columns || 80, this.style));
    this.rl.prompt(true);
  }

  /** Stops reading; resolves `done` once the command being run has finished. */
  stop(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.spinner) clearInterval(this.spinner);
    for (const u of this.unsubscribe.splice(0)) u();
    this.rl.close();
    void this.queue.then(() => this.resolveDone());
  }
}
