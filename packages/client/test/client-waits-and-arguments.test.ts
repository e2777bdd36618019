// Library ergonomics of StatusClient: every waitFor* has a time limit (a default one when the call
// gives no signal) and rejects with a typed TIMEOUT; malformed chat ids and keys are
// INVALID_ARGUMENT (UNKNOWN_CHAT only for a well-formed id we have no chat for); requestHistory
// reports its progress (pages, envelopes, oldest time reached) to onProgress and 'history-progress'.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bytesToHex, generatePrivateKey, getPublicKey, utf8ToBytes } from '@status-stack/crypto';
import { publicChatTopic } from '@status-stack/whisper';
import { CLIENT_DEFAULTS, CLIENT_ERROR, CLIENT_NS, ClientError, MemoryStorage, StatusClient, publicKeyToHex, type HistoryProgress } from '../src/index.js';
import { Harness } from './helpers/client-harness.js';
import { HistoryTransport } from './helpers/client-history.js';

let h: Harness | undefined;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const s of stops.splice(0).reverse()) await s();
  await h?.close();
  h = undefined;
});

/** The settled outcome of `p`, or 'pending' if it has not settled within `ms` (a hang is a failure, not a test timeout). */
async function within<T>(p: Promise<T>, ms: number): Promise<{ value?: T; error?: unknown } | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>((r) => (timer = setTimeout(() => r('pending'), ms)));
  try {
    return await Promise.race([p.then((value) => ({ value }), (error: unknown) => ({ error })), pending]);
  } finally {
    clearTimeout(timer);
  }
}

function codeOf(outcome: { error?: unknown } | 'pending'): string | undefined {
  if (outcome === 'pending') return 'pending';
  return outcome.error instanceof ClientError ? outcome.error.code : undefined;
}

/** Lets fake-timer callbacks' promise reactions run. */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('waitFor* time limits', () => {
  it('waitForPeers without a signal rejects with TIMEOUT after the client default (here 300 ms) instead of waiting for ever', async () => {
    const lonely = StatusClient.createNetworked({ identity: { privateKey: generatePrivateKey() }, storage: new MemoryStorage(), options: { waitTimeoutMs: 300 } });
    stops.push(() => lonely.stop());
    await lonely.start();
    const started = Date.now();
    const outcome = await within(lonely.waitForPeers(1), 5000);
    expect(codeOf(outcome)).toBe(CLIENT_ERROR.TIMEOUT);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect((outcome as { error: Error }).error.message).toMatch(/waitForPeers.*timed out after 300 ms/);
    // A per-call timeoutMs overrides the default.
    expect(codeOf(await within(lonely.waitForPeers(1, { timeoutMs: 50 }), 5000))).toBe(CLIENT_ERROR.TIMEOUT);
  });

  it('waitForMessage: 30 s by default without a signal, none with a signal, Infinity on request; bad values are INVALID_ARGUMENT', async () => {
    h = new Harness();
    const { client } = await h.peer();
    expect(CLIENT_DEFAULTS.WAIT_TIMEOUT_MS).toBe(30_000);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const never = () => false;
    let byDefaultDone = false;
    const byDefault = client.waitForMessage(never).catch((e: unknown) => e);
    void byDefault.then(() => (byDefaultDone = true));
    const withSignal = new AbortController();
    const signalled = client.waitForMessage(never, { signal: withSignal.signal }).catch((e: unknown) => e);
    const forever = new AbortController();
    const infinite = client.waitForMessage(never, { timeoutMs: Infinity, signal: forever.signal }).catch((e: unknown) => e);
    let infiniteDone = false;
    let signalledDone = false;
    void infinite.then(() => (infiniteDone = true));
    void signalled.then(() => (signalledDone = true));

    vi.advanceTimersByTime(CLIENT_DEFAULTS.WAIT_TIMEOUT_MS - 1);
    await flush();
    expect(byDefaultDone).toBe(false);
    vi.advanceTimersByTime(1);
    await flush();
    expect(byDefaultDone).toBe(true);
    expect(await byDefault).toMatchObject({ code: CLIENT_ERROR.TIMEOUT, message: 'waitForMessage timed out after 30000 ms' });

    vi.advanceTimersByTime(60 * 60 * 1000);
    await flush();
    expect(signalledDone).toBe(false);
    expect(infiniteDone).toBe(false);
    withSignal.abort();
    forever.abort();
    expect(await signalled).toMatchObject({ code: CLIENT_ERROR.ABORTED });
    expect(await infinite).toMatchObject({ code: CLIENT_ERROR.ABORTED });
    vi.useRealTimers();

    for (const timeoutMs of [0, -1, Number.NaN, 2 ** 31]) {
      await expect(client.waitForMessage(never, { timeoutMs })).rejects.toMatchObject({ code: CLIENT_ERROR.INVALID_ARGUMENT });
    }
    let thrown: unknown;
    try {
      new StatusClient({ identity: { privateKey: generatePrivateKey() }, storage: new MemoryStorage(), transport: client.transport, options: { waitTimeoutMs: -5 } });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: CLIENT_ERROR.INVALID_ARGUMENT });
  });

  it('waitForDelivery of a message nobody acknowledges rejects with TIMEOUT; one that is delivered resolves', async () => {
    h = new Harness();
    const [a, b] = [await h.peer(), await h.peer()];
    const nobody = publicKeyToHex(getPublicKey(generatePrivateKey()));
    const lost = await a.client.sendMessage(nobody, 'nobody is there');
    const outcome = await within(a.client.waitForDelivery(lost.id, 'delivered', { timeoutMs: 300 }), 5000);
    expect(codeOf(outcome)).toBe(CLIENT_ERROR.TIMEOUT);
    expect((outcome as { error: Error }).error.message).toContain(lost.id);

    const ok = await a.client.sendMessage(b.client.publicKeyHex, 'hi B');
    await a.client.waitForDelivery(ok.id, 'delivered', { timeoutMs: 20_000 });
    expect((await a.storage.getMessage(ok.id))?.deliveryState).toBe('delivered');
  });
});

describe('malformed ids and keys are INVALID_ARGUMENT', () => {
  it('sendMessage and the group calls tell a malformed id (INVALID_ARGUMENT) from an unknown one (UNKNOWN_CHAT)', async () => {
    h = new Harness();
    const { client } = await h.peer();
    const uuid = '0f0e0d0c-0b0a-4908-8706-050403020100';
    const wellFormedGroup = `${uuid}-${client.publicKeyHex}`;
    for (const bad of ['0x04zz', '0x1234', `0x04${'a'.repeat(128)}`, '0X04', '', ' status', `${uuid}-0x04zz`]) {
      await expect(client.sendMessage(bad, 'hi'), JSON.stringify(bad)).rejects.toMatchObject({ code: CLIENT_ERROR.INVALID_ARGUMENT });
    }
    await expect(client.sendMessage(42 as unknown as string, 'hi')).rejects.toMatchObject({ code: CLIENT_ERROR.INVALID_ARGUMENT });
    await expect(client.sendMessage('no-such-chat', 'hi')).rejects.toMatchObject({ code: CLIENT_ERROR.UNKNOWN_CHAT });
    await expect(client.sendMessage(wellFormedGroup, 'hi')).rejects.toMatchObject({ code: CLIENT_ERROR.UNKNOWN_CHAT });

    await client.joinPublicChat('status');
    await expect(client.joinGroup('status')).rejects.toMatchObject({ code: CLIENT_ERROR.INVALID_ARGUMENT });
    await expect(client.renameGroup('0x04zz', 'x')).rejects.toMatchObject({ code: CLIENT_ERROR.INVALID_ARGUMENT });
    await expect(client.joinGroup(wellFormedGroup)).rejects.toMatchObject({ code: CLIENT_ERROR.UNKNOWN_CHAT });
    await expect(client.addMembers(wellFormedGroup, ['0x04zz'])).rejects.toMatchObject({ code: CLIENT_ERROR.INVALID_ARGUMENT });

    // A valid key still opens a 1:1 on first use, in any case of hex.
    const peer = await h.peer();
    const sent = await client.sendMessage(peer.client.publicKeyHex.toUpperCase().replace('0X', '0x'), 'hello');
    expect(sent.chatId).toBe(peer.client.publicKeyHex);
  });
});

describe('requestHistory progress', () => {
  it('reports pages, envelopes and the oldest time reached after each page and once done, to onProgress and as history-progress events', async () => {
    h = new Harness();
    const a = await h.peer();
    await a.client.joinPublicChat('news');
    const base = Math.floor(Date.now() / 1000) - 600;
    for (let i = 0; i < 7; i++) await a.client.sendMessage('news', `news #${i}`);
    const oldest = Math.min(...h.hub.log.filter((e) => bytesToHex(e.topic) === bytesToHex(publicChatTopic('news'))).map((e) => e.expiry - e.ttl));
    expect(oldest).toBeGreaterThanOrEqual(base);

    let history: HistoryTransport | undefined;
    const b = await h.peer({ timing: { historyPageLimit: 3 }, wrap: (t) => (history = new HistoryTransport(t, () => h!.hub.log)) });
    const events: HistoryProgress[] = [];
    b.client.on('history-progress', (p) => events.push(p));
    // Joining asks for the chat's history through requestHistory: progress comes as events only.
    await b.client.joinPublicChat('news');
    expect(history!.requests.length).toBeGreaterThan(0);
    const joined = events.filter((p) => p.topics === 1);
    expect(joined.at(-1)).toMatchObject({ done: true, pages: 3, envelopes: 7, oldestTimestamp: oldest });
    expect(joined.map((p) => p.pages)).toEqual([1, 2, 3, 3]);
    expect(joined.map((p) => p.envelopes)).toEqual([3, 6, 7, 7]);
    expect(joined.map((p) => p.done)).toEqual([false, false, false, true]);
    // Newest first: the oldest time reached only goes back.
    const oldestSeen = joined.map((p) => p.oldestTimestamp!);
    expect([...oldestSeen].sort((x, y) => y - x)).toEqual(oldestSeen);
    expect(await b.storage.countMessages('news')).toBe(7);

    // An explicit request with onProgress, asked again from before the oldest message.
    const calls: HistoryProgress[] = [];
    await b.storage.kvPut(CLIENT_NS.HISTORY, bytesToHex(publicChatTopic('news')), utf8ToBytes(String(oldest - 1)));
    const pages = await b.client.requestHistory([publicChatTopic('news')], { onProgress: (p) => calls.push(p) });
    expect(pages).toBe(3);
    expect(calls.map((p) => [p.pages, p.envelopes, p.done])).toEqual([
      [1, 3, false],
      [2, 6, false],
      [3, 7, false],
      [3, 7, true],
    ]);
    expect(calls.at(-1)).toMatchObject({ topics: 1, from: oldest - 1, oldestTimestamp: oldest });
    expect(calls.at(-1)!.to).toBeGreaterThanOrEqual(oldest);
  });
});
