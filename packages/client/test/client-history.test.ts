import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex, generatePrivateKey } from '@status-stack/crypto';
import { publicChatTopic } from '@status-stack/whisper';
import type { ClientMessage } from '../src/index.js';
import { Harness, until } from './helpers/client-harness.js';
import { HistoryTransport } from './helpers/client-history.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('StatusClient history from a mailserver', () => {
  it('a client offline during a conversation gets all of it on restart, in order, without duplicates; then asks only for the gap', async () => {
    h = new Harness();
    const a = await h.peer();
    const c = await h.peer();
    const keyB = generatePrivateKey();
    let b = await h.peer({ privateKey: keyB });
    for (const p of [a, b, c]) await p.client.joinPublicChat('news');
    await h.down(b);

    const sent: string[] = [];
    for (let i = 0; i < 7; i++) {
      const who = i % 2 === 0 ? a : c;
      sent.push((await who.client.sendMessage('news', `news #${i}`)).id);
    }
    const direct = await a.client.sendMessage(b.client.publicKeyHex, 'while you were away');

    let history: HistoryTransport | undefined;
    const got: ClientMessage[] = [];
    b = await h.peer({
      privateKey: keyB,
      storage: b.storage,
      timing: { historyPageLimit: 3 },
      start: false,
      wrap: (t) => (history = new HistoryTransport(t, () => h.hub.log)),
    });
    b.client.on('message', (m) => got.push(m));
    await b.client.start();
    await until(async () => (await b.storage.countMessages('news')) === 7, 'the whole conversation at B');
    await until(async () => (await b.storage.getMessage(direct.id)) !== undefined, 'the 1:1 message at B');
    const page = await b.client.history('news');
    expect(page.messages.map((m) => m.text)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `news #${i}`));
    expect(page.messages.map((m) => m.id)).toEqual(sent);
    expect(got.filter((m) => m.chatId === 'news').map((m) => m.via?.history)).toEqual(Array(7).fill(true));
    expect(new Set(got.map((m) => m.id)).size).toBe(got.length);
    // Paged: the news topic took more than one request, each continuing from the cursor.
    const newsHex = bytesToHex(publicChatTopic('news'));
    const newsRequests = history!.requests.filter((r) => r.topics.some((t) => bytesToHex(t) === newsHex));
    expect(newsRequests.length).toBeGreaterThanOrEqual(3);
    expect(newsRequests.slice(1).every((r) => r.cursor !== undefined)).toBe(true);
    const firstTo = newsRequests[0].to;
    expect(b.errors).toEqual([]);

    // Restart a minute later: only the gap since the last fetch is asked for.
    await h.down(b);
    let again: HistoryTransport | undefined;
    b = await h.peer({ privateKey: keyB, storage: b.storage, now: () => Date.now() + 60_000, wrap: (t) => (again = new HistoryTransport(t, () => h.hub.log)) });
    await until(() => again!.requests.some((r) => r.topics.some((t) => bytesToHex(t) === newsHex)), 'history request for news on restart');
    const second = again!.requests.find((r) => r.topics.some((t) => bytesToHex(t) === newsHex));
    expect(second?.from).toBe(firstTo);
    expect(second!.to).toBeGreaterThanOrEqual(firstTo + 60);
    expect(await b.storage.countMessages('news')).toBe(7);
  });

  it('a mailserver failing mid-request is a HISTORY_FAILED event; the join stands and the range is asked again later', async () => {
    h = new Harness();
    const a = await h.peer();
    await a.client.joinPublicChat('flaky');
    await a.client.sendMessage('flaky', 'archived');
    let history: HistoryTransport | undefined;
    const b = await h.peer({ wrap: (t) => (history = new HistoryTransport(t, () => h.hub.log)) });
    // The start-up request (our own topics) has been made; the next one, the join's, fails.
    await until(() => history!.requests.length > 0, 'the start-up history request');
    history!.failNext = 1;
    const chat = await b.client.joinPublicChat('flaky');
    expect(chat.joined).toBe(true);
    expect(b.errors.map((e) => e.code)).toEqual(['HISTORY_FAILED']);
    expect(await b.storage.countMessages('flaky')).toBe(0);
    const asked = history!.requests.at(-1)!;
    // Nothing was recorded as fetched: the next request covers the same range (its start is
    // recomputed from the clock, so a second may have passed; a recorded fetch would move it by the
    // whole window).
    await b.client.requestHistory([publicChatTopic('flaky')]);
    const again = history!.requests.at(-1)!.from;
    expect(again).toBeGreaterThanOrEqual(asked.from);
    expect(again).toBeLessThanOrEqual(asked.from + 2);
    expect(await b.storage.countMessages('flaky')).toBe(1);
  });

  it('joining a chat asks for its history; an aborted request rejects with ABORTED', async () => {
    h = new Harness();
    const a = await h.peer();
    await a.client.joinPublicChat('later');
    await a.client.sendMessage('later', 'said before B joined');
    let history: HistoryTransport | undefined;
    const b = await h.peer({ wrap: (t) => (history = new HistoryTransport(t, () => h.hub.log)) });
    await b.client.joinPublicChat('later');
    expect(await b.storage.countMessages('later')).toBe(1);
    expect(history!.requests.some((r) => r.topics.some((t) => bytesToHex(t) === bytesToHex(publicChatTopic('later'))))).toBe(true);
    const ac = new AbortController();
    ac.abort(new Error('user went away'));
    await expect(b.client.requestHistory([publicChatTopic('other')], { signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
