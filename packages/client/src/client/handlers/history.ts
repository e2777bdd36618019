import { bytesToHex, bytesToUtf8, utf8ToBytes } from '@status-stack/crypto';
import type { ReceivedMessage, Topic } from '@status-stack/whisper';
import { log, type ClientCore, type HistoryRetryPolicy } from '../client-core.js';
import type { ChatTransport } from '../chat-transport.js';
import { CLIENT_NS } from '../constants.js';
import { CLIENT_ERROR, ClientError, throwIfAborted } from '../errors.js';
import type { HistoryProgress, RequestHistoryOptions } from '../types.js';

/** Wait after the n-th consecutive failure (n ≥ 1): initial·2^(n−1), capped at max, ± jitter, never above max. */
function historyRetryDelay(p: HistoryRetryPolicy, failures: number): number {
  const base = Math.min(p.maxMs, p.initialMs * 2 ** Math.min(failures - 1, 52));
  const jittered = base * (1 - p.jitter + 2 * p.jitter * Math.random());
  return Math.round(Math.min(p.maxMs, jittered));
}

/** History from the mailserver: requests per topic from where the last one ended, paged, and the automatic requests with their backoff. */
export class History {
  /** State of the automatic history requests: one at a time; after failures, the next waits until `retryAt`. */
  private readonly auto: { running: boolean; again: boolean; failures: number; retryAt: number; timer: NodeJS.Timeout | undefined } = {
    running: false,
    again: false,
    failures: 0,
    retryAt: 0,
    timer: undefined,
  };

  constructor(
    private readonly core: ClientCore,
    private readonly chats: ChatTransport,
  ) {}

  /**
   * Like status-go, asks the mailserver for every topic we listen on (chats, partitioned, negotiated,
   * contact codes) once it is connected, and again (the gaps) whenever it reconnects; after a
   * failure, both wait out an exponential backoff (see `schedule`). Returns the unsubscribe function.
   */
  startAutomatic(): () => void {
    const c = this.core;
    const mailserver = c.settings.mailserver;
    let off = (): void => undefined;
    if (c.owned && mailserver) {
      const node = c.owned.node;
      const onHandshake = (p: { id: string }): void => {
        if (p.id === mailserver && c.status === 'running') this.schedule();
      };
      node.on('peer:handshake', onHandshake);
      off = () => node.off('peer:handshake', onHandshake);
    }
    this.schedule();
    return off;
  }

  /**
   * Asks for the history of every topic we listen on: now, or, after failures, once the backoff
   * allows. Start-up, every mailserver (re)connect and the retries all come through here, so a
   * mailserver that drops us on each request is asked at the backoff's pace, not on every reconnect.
   * Only one automatic request runs at a time; a reconnect during one asks again once it is done.
   * The first failure of a run of failures is reported ('error', HISTORY_FAILED, with the
   * mailserver's reason, e.g. its disconnect reason); the retries that follow are only logged.
   */
  private schedule(): void {
    const c = this.core;
    const s = this.auto;
    if (c.status !== 'running' || !c.settings.historyEnabled) return;
    if (s.running) {
      s.again = true;
      return;
    }
    if (s.timer) return;
    // Real time, not core.now (a test clock): the backoff paces the network.
    const wait = s.retryAt - Date.now();
    if (wait > 0) {
      const timer = setTimeout(() => {
        c.timers.delete(timer);
        s.timer = undefined;
        this.schedule();
      }, wait);
      timer.unref();
      s.timer = timer;
      c.timers.add(timer);
      return;
    }
    // Not connected: the mailserver's next handshake calls us again.
    if (!c.mailserverReady()) return;
    s.running = true;
    s.again = false;
    const run = this.request(this.chats.listenedTopics()).then(
      () => {
        if (s.failures > 0) log('history: the mailserver answered again after %d failed attempts', s.failures);
        s.failures = 0;
        s.retryAt = 0;
      },
      (e: unknown) => {
        s.failures++;
        const delay = historyRetryDelay(c.settings.historyRetry, s.failures);
        s.retryAt = Date.now() + delay;
        if (c.status !== 'running') return;
        if (s.failures === 1) c.reportError(e, CLIENT_ERROR.HISTORY_FAILED, 'history request');
        log('history: attempt %d failed (%s); next in %d ms', s.failures, e instanceof Error ? e.message : String(e), delay);
      },
    );
    c.track(
      run.finally(() => {
        s.running = false;
        if (s.failures > 0 || s.again) this.schedule();
      }),
    );
  }

  /** Makes the next request for each of `topics` start at `fromSeconds` (Unix seconds). */
  async rewind(topics: readonly Topic[], fromSeconds: number): Promise<void> {
    for (const t of topics) await this.core.storage.kvPut(CLIENT_NS.HISTORY, bytesToHex(t), utf8ToBytes(String(fromSeconds)));
  }

  /** See StatusClient.requestHistory. */
  async request(topics: readonly Topic[], options: RequestHistoryOptions = {}): Promise<number> {
    const c = this.core;
    const request = c.transport.requestHistory?.bind(c.transport);
    if (!request) return 0;
    const to = Math.floor(c.now() / 1000);
    const groups = new Map<number, Topic[]>();
    for (const t of topics) {
      const v = await c.storage.kvGet(CLIENT_NS.HISTORY, bytesToHex(t));
      const from = v ? Number(bytesToUtf8(v)) : to - c.settings.historyWindowSeconds;
      if (from >= to) continue;
      groups.set(from, [...(groups.get(from) ?? []), t]);
    }
    if (groups.size === 0) return 0;
    const asked = new Set([...groups.values()].flat().map((t) => bytesToHex(t)));
    const progress: HistoryProgress = { topics: asked.size, pages: 0, envelopes: 0, oldestTimestamp: undefined, from: Math.min(...groups.keys()), to, done: false };
    const seen = new Set<string>();
    const watch = (m: ReceivedMessage): void => {
      if (!asked.has(bytesToHex(m.topic))) return;
      const hash = bytesToHex(m.hash);
      if (seen.has(hash)) return;
      seen.add(hash);
      progress.envelopes++;
      if (progress.oldestTimestamp === undefined || m.sent < progress.oldestTimestamp) progress.oldestTimestamp = m.sent;
    };
    const report = (): void => {
      const p = { ...progress };
      c.emitter.emit('history-progress', p);
      options.onProgress?.({ ...p });
    };
    const unwatch = this.chats.watchHistory(watch);
    try {
      for (const [from, group] of groups) {
        let cursor: Uint8Array | undefined;
        do {
          throwIfAborted(options.signal, 'requestHistory');
          if (c.status === 'stopped') return progress.pages;
          try {
            const res = await request({ from, to, topics: group, limit: c.settings.historyPageLimit, cursor, peerId: c.settings.mailserver });
            cursor = res.cursor && res.cursor.length > 0 ? res.cursor : undefined;
            progress.pages++;
          } catch (e) {
            throw new ClientError(CLIENT_ERROR.HISTORY_FAILED, `history of ${group.length} topic(s) from ${from} to ${to}: ${(e as Error).message}`, { cause: e });
          }
          report();
        } while (cursor);
        // What the mailserver pushed is processed (stored, shown) before the range counts as fetched.
        await c.enqueue(async () => undefined, true);
        for (const t of group) await c.storage.kvPut(CLIENT_NS.HISTORY, bytesToHex(t), utf8ToBytes(String(to)));
      }
    } finally {
      unwatch();
    }
    progress.done = true;
    report();
    return progress.pages;
  }
}
