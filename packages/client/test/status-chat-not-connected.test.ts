// status-chat when nothing (or nobody any more) is connected: `send` without --connect fails with
// NOT_CONNECTED unless --offline queues the message (a later run sends it); the interactive chat
// warns when no peer has connected within a few seconds and when the last peer leaves, and shows
// our messages as "queued" until a peer has taken them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesToHex } from '@status-stack/crypto';
import type { EnvelopeTransport, OutgoingMessage } from '@status-stack/whisper';
import { parseChatLine } from '../src/cli/chat-commands.js';
import { renderEntry, type MessageView } from '../src/cli/chat-render.js';
import { ChatSession, type EnvelopeEvents } from '../src/cli/chat-session.js';
import { MemoryStorage, StatusClient, createAccount, type ClientMessage } from '../src/index.js';
import { accountDir, killAllChats, spawnChat, startRelay, type Relay } from './fixtures/status-chat-harness.js';
import { Harness, until } from './helpers/client-harness.js';

const UNREACHABLE = `enode://${'1'.repeat(128)}@127.0.0.1:1`;

describe('status-chat with no peer', () => {
  let root: string;
  let relay: Relay | undefined;
  const clients: StatusClient[] = [];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'status-chat-offline-'));
  });

  afterEach(async () => {
    await killAllChats();
    for (const c of clients.splice(0)) await c.stop();
    await relay?.stop();
    relay = undefined;
    await rm(root, { recursive: true, force: true });
  });

  /** An in-process client on the relay, in `channel`, collecting what it receives. */
  async function listener(enodes: string[], channel: string): Promise<{ client: StatusClient; got: ClientMessage[] }> {
    const client = StatusClient.createNetworked({ identity: createAccount(), storage: new MemoryStorage(), staticPeers: enodes });
    clients.push(client);
    const got: ClientMessage[] = [];
    client.on('message', (m) => {
      if (!m.outgoing) got.push(m);
    });
    await client.start();
    if (enodes.length > 0) await client.waitForPeers(1, { timeoutMs: 15_000 });
    await client.joinPublicChat(channel);
    return { client, got };
  }

  it('send without --connect fails with NOT_CONNECTED (exit 1) and sends nothing; --offline queues it and a later connected run sends it', async () => {
    relay = await startRelay(root);
    const dave = await accountDir(root, 'dave');

    const nowhere = spawnChat(['-d', dave.dir, 'send', '--to', '#later', 'into the void']);
    expect(await nowhere.exited).toBe(1);
    expect(nowhere.stdout).toBe('');
    expect(nowhere.stderr).toContain('[NOT_CONNECTED]');
    expect(nowhere.stderr).toContain('--offline');

    const conflicting = spawnChat(['-d', dave.dir, '--connect', relay.enode, 'send', '--offline', '--to', '#later', 'x']);
    expect(await conflicting.exited).toBe(2);
    expect(conflicting.stderr).toContain('[USAGE]');

    const queued = spawnChat(['-d', dave.dir, 'send', '--offline', '--to', '#later', 'queued hello']);
    expect(await queued.exited).toBe(0);
    expect(queued.stdout).toMatch(/^queued 0x[0-9a-f]{64}\n$/);
    const queuedId = queued.stdout.trim().split(' ')[1];
    const asJson = spawnChat(['-d', dave.dir, 'send', '--offline', '--json', '--to', '#later', 'queued too']);
    expect(await asJson.exited).toBe(0);
    const json = JSON.parse(asJson.stdout) as { id: string; chatId: string; state: string };
    expect(json).toMatchObject({ chatId: 'later', state: 'queued' });

    // The next run that connects sends what was queued, then its own message.
    const { got } = await listener([relay.enode], 'later');
    const online = spawnChat(['-d', dave.dir, '--connect', relay.enode, 'send', '--to', '#later', 'online now']);
    expect(await online.exited).toBe(0);
    expect(online.stdout).toMatch(/^sent 0x[0-9a-f]{64}\n$/);
    await until(() => got.length >= 3, 'the queued messages and the new one at the listener');
    expect(got.map((m) => m.text).sort()).toEqual(['online now', 'queued hello', 'queued too']);
    expect(got.find((m) => m.text === 'queued hello')?.id).toBe(queuedId);
    expect(got.find((m) => m.text === 'queued too')?.id).toBe(json.id);
    expect(got.every((m) => m.from === dave.account.publicKeyHex)).toBe(true);
    // "into the void" was refused before anything was stored: it never comes.
    expect(got.some((m) => m.text === 'into the void')).toBe(false);
  });

  it('interactive, --connect unreachable: warns within seconds, shows our message as queued, and "✓ sent" once a peer connects and takes it', async () => {
    const erin = await accountDir(root, 'erin');
    const chat = spawnChat(['-d', erin.dir, '--connect', UNREACHABLE]);
    chat.child.stdin?.write('/join #late-peer\n/whoami\n');
    await chat.waitForText('-- joined #late-peer');
    await chat.waitFor((out) => /^! no peer connected within \d+ s \(tried enode:\/\/1111.*@127\.0\.0\.1:1\): what you send is queued/m.test(out), 'the no-peer warning', 20_000);
    chat.child.stdin?.write('hello late\n');
    await chat.waitFor((out) => out.includes('-- … queued: hello late'), 'the queued state');
    expect(chat.stdout).toMatch(new RegExp(`${erin.account.name} \\(me\\): hello late {2}… queued`));
    expect(chat.stdout).not.toContain('✓ sent');

    // A peer connects to us (our enode from /whoami): the node hands it the queued envelope.
    const enode = /-- node (enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+)/.exec(chat.stdout)?.[1];
    expect(enode).toBeDefined();
    const { client, got } = await listener([], 'late-peer');
    await client.owned!.overlay.connect(enode!);
    await chat.waitFor((out) => out.includes('-- ✓ sent: hello late'), 'the sent state once a peer took it');
    await until(() => got.some((m) => m.text === 'hello late'), 'the message at the peer');
    chat.child.stdin?.end('/quit\n');
    expect(await chat.exited).toBe(0);
  });

  it('interactive: when the last peer leaves it says so, and what is sent then is queued; no "no peer within" warning after a peer came', async () => {
    relay = await startRelay(root);
    const frank = await accountDir(root, 'frank');
    const started = Date.now();
    const chat = spawnChat(['-d', frank.dir, '--connect', relay.enode]);
    chat.child.stdin?.write('/join #lonely\nwhile connected\n');
    await chat.waitForText('-- ✓ sent: while connected');
    expect(chat.stdout).toMatch(/-- connected to [0-9a-f]{10}…/);
    await relay.stop();
    relay = undefined;
    await chat.waitForText('! the last peer left: what you send is queued until a peer connects again');
    chat.child.stdin?.write('after it left\n');
    await chat.waitForText('-- … queued: after it left');
    // Past the warning delay: a peer did connect, so no "no peer connected within" warning.
    await new Promise((r) => setTimeout(r, Math.max(0, 6500 - (Date.now() - started))));
    expect(chat.stdout).not.toContain('no peer connected within');
    chat.child.stdin?.end('/quit\n');
    expect(await chat.exited).toBe(0);
  });
});

describe('ChatSession: queued until a peer takes it', () => {
  let h: Harness;
  const sessions: ChatSession[] = [];
  afterEach(async () => {
    for (const s of sessions.splice(0)) s.dispose();
    await h.close();
  });

  /** EnvelopeEvents fed by a transport wrapper (what our node reports of our posts) and by the test (peers taking them). */
  function node() {
    const posted = new Set<(hash: string, topic: string) => void>();
    const taken = new Set<(hash: string) => void>();
    const log: { hash: string; topic: string }[] = [];
    const events: EnvelopeEvents = {
      onPosted: (l) => (posted.add(l), () => posted.delete(l)),
      onTaken: (l) => (taken.add(l), () => taken.delete(l)),
    };
    const post = (hash: string, topic: string): void => {
      log.push({ hash, topic });
      for (const l of posted) l(hash, topic);
    };
    return {
      events,
      log,
      post,
      take: (hash: string) => {
        for (const l of taken) l(hash);
      },
      wrap: (t: EnvelopeTransport): EnvelopeTransport => ({
        post: async (m: OutgoingMessage) => {
          const hash = await t.post(m);
          post(bytesToHex(hash), bytesToHex(m.topic));
          return hash;
        },
        subscribe: (f, handler) => t.subscribe(f, handler),
      }),
    };
  }

  const run = (s: ChatSession, line: string): Promise<void> => s.execute(parseChatLine(line));
  const mine = (s: ChatSession, text: string): MessageView => s.entries().flatMap((e) => (e.kind === 'message' && e.message.text === text ? [e.message] : []))[0];

  it('public: queued while no peer is connected; taken by a peer → sent; sent at once with a peer', async () => {
    h = new Harness();
    const n = node();
    let peers = 0;
    const a = await h.peer({ wrap: (t) => n.wrap(t) });
    const s = new ChatSession(a.client, { peers: () => peers, envelopes: n.events });
    sessions.push(s);
    await s.init();
    const deliveries: string[] = [];
    s.events.on('delivery', (m) => deliveries.push(`${m.text}: ${m.queued ? 'queued' : m.state}`));
    await run(s, '/join #q');
    const before = n.log.length;
    await run(s, 'nobody here');
    const m = mine(s, 'nobody here');
    await until(() => m.state === 'sent', 'handed to the node');
    expect(m.queued).toBe(true);
    expect(renderEntry({ kind: 'message', message: m })).toMatch(/nobody here {2}… queued$/);
    expect(s.header()).toBe(`${a.client.alias} · #q · 0 peers · 1 queued`);
    const ours = n.log.slice(before).map((e) => e.hash);
    expect(ours.length).toBeGreaterThan(0);

    // A peer taking some other envelope changes nothing; taking ours does.
    n.take('ab'.repeat(32));
    peers = 1;
    const other = n.log.find((e) => !ours.includes(e.hash));
    if (other) n.take(other.hash);
    expect(m.queued).toBe(true);
    n.take(ours[0]);
    expect(m.queued).toBe(false);
    expect(renderEntry({ kind: 'message', message: m })).toMatch(/nobody here {2}✓ sent$/);
    expect(s.header()).toBe(`${a.client.alias} · #q · 1 peer`);
    expect(deliveries).toEqual(['nobody here: queued', 'nobody here: sent']);

    await run(s, 'with a peer');
    const w = mine(s, 'with a peer');
    await until(() => w.state === 'sent', 'sent');
    expect(w.queued).toBe(false);
    expect(renderEntry({ kind: 'message', message: w })).toMatch(/with a peer {2}✓ sent$/);
  });

  it('1:1: a later envelope on the same topic (an MVDS resend) being taken counts; delivered is never queued', async () => {
    h = new Harness();
    const n = node();
    let peers = 0;
    const a = await h.peer({ wrap: (t) => n.wrap(t) });
    const b = await h.peer();
    const s = new ChatSession(a.client, { peers: () => peers, envelopes: n.events });
    sessions.push(s);
    await s.init();
    const before = n.log.length;
    await run(s, `/msg ${b.client.publicKeyHex} are you there`);
    const m = mine(s, 'are you there');
    // The MemoryHub delivers regardless of `peers`: B acknowledges, and delivered is final.
    await until(() => m.state === 'delivered', 'delivered');
    expect(m.queued).toBe(false);

    // A message whose ack never comes (B gone): queued, then a resend on its topic is taken.
    await h.down(b);
    await run(s, 'still there?');
    const q = mine(s, 'still there?');
    await until(() => q.state === 'sent', 'handed to MVDS');
    expect(q.queued).toBe(true);
    const topic = n.log.slice(before).at(-1)!.topic;
    n.post('ef'.repeat(32), topic);
    peers = 1;
    n.take('ef'.repeat(32));
    expect(q.queued).toBe(false);
  });
});
