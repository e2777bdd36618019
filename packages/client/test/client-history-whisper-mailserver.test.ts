// A networked StatusClient on Whisper v6 (shh/6) and its mailserver, over RLPx on 127.0.0.1, against
// a peer that behaves as statusd did in the captures (vectors/whisper-mailserver/whisper_mailserver_exchange.json):
//  - it accepts only the 6-field Whisper MessagesRequest: the client gets the archived public-chat
//    history and stays connected;
//  - a mailserver that drops us on every request (SubprotocolError, as statusd did for our old
//    7-field request, 239 reconnect-and-request cycles in 56 s) is asked at the pace of an
//    exponential backoff, and the failure is reported once, with the disconnect reason.
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '@status-stack/crypto';
import { MemoryStorage, StatusClient, type ClientError, type ClientMessage, type StatusClientTiming } from '../src/index.js';
import { until } from './helpers/client-harness.js';
import { FakeStatusd } from '../../whisper/test/helpers/fake-statusd.js';
import { CAPTURE_SECONDS, CHAT } from '../../whisper/test/helpers/statusd-wire.js';
import { checkMessagesRequest } from '../../whisper/test/helpers/wire-schemas.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function fakeStatusd(mode: 'whisper-6-only' | 'drop-every-request'): Promise<FakeStatusd> {
  const f = new FakeStatusd(mode);
  stops.push(() => f.stop());
  await f.start();
  return f;
}

async function whisperClient(mailserver: string, options: StatusClientTiming = {}, now?: () => number) {
  const storage = new MemoryStorage();
  const client = StatusClient.createNetworked({ identity: { privateKey: generatePrivateKey() }, storage, protocol: 'whisper', mailserver, options, now });
  const errors: ClientError[] = [];
  const got: ClientMessage[] = [];
  client.on('error', (e) => errors.push(e));
  client.on('message', (m) => got.push(m));
  stops.push(async () => {
    await client.stop();
    await storage.close();
  });
  await client.start();
  return { client, storage, errors, got };
}

describe('StatusClient on shh/6 with a statusd-like mailserver', () => {
  it('fetches a public chat’s history from a mailserver that accepts only the 6-field Whisper request', async () => {
    const f = await fakeStatusd('whisper-6-only');
    // The client's clock a minute after the capture, so the archived messages are in its 24 h window.
    const t0 = Date.now();
    const { client, storage, errors, got } = await whisperClient(f.enode, {}, () => (CAPTURE_SECONDS + 60) * 1000 + (Date.now() - t0));
    await client.waitForPeers(1);
    await client.joinPublicChat(CHAT);
    await until(async () => (await storage.countMessages(CHAT)) === 6, 'the six archived messages of the chat');
    expect(got.filter((m) => m.chatId === CHAT).every((m) => m.via?.history === true)).toBe(true);
    expect(errors).toEqual([]);
    expect(f.requests.length).toBeGreaterThanOrEqual(2); // start-up (our own topics) and the join
    expect(f.requests.every((r) => r.served)).toBe(true);
    expect(f.requests.map((r) => checkMessagesRequest(r.payload))).toEqual(f.requests.map(() => 'whisper-6'));
    expect(f.links.filter((l) => l.isClosed)).toEqual([]);
  });

  it('a mailserver that drops us on every request: attempts back off exponentially, the failure is reported once with its reason', async () => {
    const f = await fakeStatusd('drop-every-request');
    const initial = 100;
    const max = 800;
    const jitter = 0.2;
    const { client, errors } = await whisperClient(f.enode, { historyRetryInitialMs: initial, historyRetryMaxMs: max, historyRetryJitter: jitter });
    await until(() => f.requests.length >= 1, 'the first history request');
    const start = f.requests[0].at;
    await new Promise((r) => setTimeout(r, 3000 - (Date.now() - start)));
    const attempts = f.requests.filter((r) => r.at - start < 3000);
    // Delays of at least 80, 160, 320, 640, 640, 640 ms (±20 % of 100·2^(n−1), capped at 800):
    // at most 7 attempts fit in 3 s. The pool reconnects within ~200 ms, so without a backoff a
    // request would follow every reconnect: more than a dozen.
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(attempts.length).toBeLessThanOrEqual(7);
    for (let i = 1; i < attempts.length; i++) {
      const gap = attempts[i].at - attempts[i - 1].at;
      expect(gap, `gap before attempt ${i + 1}`).toBeGreaterThanOrEqual(Math.min(max, initial * 2 ** (i - 1)) * (1 - jitter) - 5);
    }
    // The mailserver dropped us each time and the pool reconnected: one connection per attempt at least.
    expect(f.links.length).toBeGreaterThanOrEqual(attempts.length);
    // Reported once, with the disconnect reason; the retries are not reported again.
    const history = errors.filter((e) => e.code === 'HISTORY_FAILED');
    expect(history).toHaveLength(1);
    expect(history[0].message).toMatch(/disconnected: SUBPROTOCOL_ERROR \(0x10\)/);
    expect(errors).toHaveLength(1);
    expect(client.owned!.node.isRunning).toBe(true);
  });
});
