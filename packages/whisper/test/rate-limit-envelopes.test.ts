// Rate limits count envelopes (and bytes), not packets; their buckets outlive a connection (per IP,
// per peer id) and are bounded in number. Over real RLPx on 127.0.0.0/8, with attackers connecting
// from chosen loopback addresses.
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey, getPublicKey, bytesToHex, randomBytes } from '@status-stack/crypto';
import { DISCONNECT_REASON, RlpxOverlay } from '@status-stack/p2p-overlay';
import {
  encodeMessagesPacket,
  encodeWakuStatus,
  envelopeHash,
  publicChatKey,
  publicChatTopic,
  RateLimiter,
  rateLimitAddressKey,
  sealEnvelope,
  WAKU_PACKET,
  WakuNode,
  type Envelope,
  type ReceivedMessage,
  type WakuNodeOptions,
} from '../src/index.js';
import { connect, Resources, until } from './helpers/nodes.js';
import { wirePeer, type WirePeer } from './helpers/wire-peer.js';

const res = new Resources();
afterEach(() => res.closeAll());

function envelopes(n: number, topic?: Uint8Array): Envelope[] {
  const expiry = Math.floor(Date.now() / 1000) + 60;
  return Array.from({ length: n }, () => sealEnvelope({ expiry, ttl: 60, topic: topic ?? randomBytes(4), data: randomBytes(48) }, { powTarget: 0, powTime: 1 }));
}

interface Target {
  node: WakuNode;
  port: number;
  id: string;
}

async function target(options: WakuNodeOptions): Promise<Target> {
  const overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
  res.add(() => overlay.stop());
  const node = new WakuNode(overlay, options);
  res.add(() => node.stop());
  await node.start();
  await overlay.start();
  return { node, port: Number(/:(\d+)$/.exec(overlay.enode)![1]), id: overlay.nodeId };
}

async function joined(t: Target, localAddress: string, privateKey?: Uint8Array): Promise<WirePeer> {
  const p = await wirePeer(t.port, t.id, { localAddress, privateKey });
  res.add(() => p.destroy());
  p.send(WAKU_PACKET.STATUS, encodeWakuStatus({ powRequirement: 0, lightNode: false, confirmationsEnabled: false }));
  await until(() => t.node.peers().some((h) => h.id === p.nodeId), 'status exchange');
  return p;
}

/** Resolves with the reason the node closed the peer with, or 'open' if it still stands after `ms`. */
function outcome(p: WirePeer, ms = 1500): Promise<number | undefined | 'open'> {
  return Promise.race([p.closed, new Promise<'open'>((r) => setTimeout(() => r('open'), ms))]);
}

describe('rate limits count envelopes and outlive connections', () => {
  it('drops a connection sending few packets of many random-topic envelopes; the same IP gets no fresh burst; a trusted peer is exempt', async () => {
    const trustedKey = generatePrivateKey();
    const t = await target({
      rateLimits: { ipLimits: 20, peerIdLimits: 20, topicLimits: 20 },
      trustedPeers: [bytesToHex(getPublicKey(trustedKey).subarray(1))],
    });

    // 10 packets a second of 200 envelopes on random topics: the per-topic limit never sees one twice.
    const flooder = await joined(t, '127.0.0.2');
    const dropped: Array<[string, number, string]> = [];
    t.node.on('peer:dropped', (id, reason, why) => dropped.push([id, reason, why]));
    for (let i = 0; i < 10 && !flooder.socket.destroyed; i++) {
      flooder.send(WAKU_PACKET.MESSAGES, encodeMessagesPacket(envelopes(200)));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await outcome(flooder, 3000)).toBe(DISCONNECT_REASON.USELESS_PEER);
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toEqual([flooder.nodeId, DISCONNECT_REASON.USELESS_PEER, expect.stringMatching(/rate limit exceeded/)]);
    // One packet passed on the full bucket (a batch above the limit is let through once); nothing more.
    expect(t.node.stats.received).toBeLessThanOrEqual(200);
    expect(t.node.stats.rateLimited).toBe(1);

    // Back from the same IP under a new node key, with a batch well under the limit: still in debt.
    const again = await joined(t, '127.0.0.2');
    const small = envelopes(5);
    again.send(WAKU_PACKET.MESSAGES, encodeMessagesPacket(small));
    expect(await outcome(again)).toBe(DISCONNECT_REASON.USELESS_PEER);
    for (const e of small) expect(t.node.hasEnvelope(envelopeHash(e))).toBe(false);

    // The same batch from another address is taken: the limit, not the batch, stopped the flooder.
    const fresh = await joined(t, '127.0.0.3');
    const ok = envelopes(5);
    fresh.send(WAKU_PACKET.MESSAGES, encodeMessagesPacket(ok));
    await until(() => ok.every((e) => t.node.hasEnvelope(envelopeHash(e))), 'the fresh peer’s envelopes');
    expect(await outcome(fresh, 300)).toBe('open');

    // A trusted peer from the indebted IP sends ten times the limit, and more: all taken, never dropped.
    const trusted = await joined(t, '127.0.0.2', trustedKey);
    const lots = Array.from({ length: 5 }, () => envelopes(200));
    for (const batch of lots) trusted.send(WAKU_PACKET.MESSAGES, encodeMessagesPacket(batch));
    await until(() => lots.flat().every((e) => t.node.hasEnvelope(envelopeHash(e))), 'the trusted peer’s 1000 envelopes');
    expect(await outcome(trusted, 300)).toBe('open');
    expect(t.node.stats.rateLimited).toBe(2);
  }, 60_000);

  it('with only a per-peer limit, reconnecting under the same node key gets no fresh burst, even from another IP', async () => {
    const t = await target({ rateLimits: { peerIdLimits: 30 } });
    const key = generatePrivateKey();
    const first = await joined(t, '127.0.0.4', key);
    first.send(WAKU_PACKET.MESSAGES, encodeMessagesPacket(envelopes(150)));
    first.send(WAKU_PACKET.MESSAGES, encodeMessagesPacket(envelopes(150)));
    expect(await outcome(first, 3000)).toBe(DISCONNECT_REASON.USELESS_PEER);
    const back = await joined(t, '127.0.0.5', key);
    back.send(WAKU_PACKET.MESSAGES, encodeMessagesPacket(envelopes(3)));
    expect(await outcome(back)).toBe(DISCONNECT_REASON.USELESS_PEER);
    // Another key from that address is fine.
    const other = await joined(t, '127.0.0.5');
    const ok = envelopes(3);
    other.send(WAKU_PACKET.MESSAGES, encodeMessagesPacket(ok));
    await until(() => ok.every((e) => t.node.hasEnvelope(envelopeHash(e))), 'the other key’s envelopes');
    expect(t.node.stats.rateLimited).toBe(2);
  }, 30_000);

  it('bytes limits (Waku option 6) hold per IP across reconnects too', async () => {
    const t = await target({ bytesRateLimits: { ipLimits: 20_000 } });
    const first = await joined(t, '127.0.0.6');
    // ~70 kB at once: past the bucket, let through on it full, leaving ~2.5 s of debt.
    first.send(WAKU_PACKET.MESSAGES, encodeMessagesPacket(envelopes(1000)));
    first.send(WAKU_PACKET.MESSAGES, encodeMessagesPacket(envelopes(10)));
    expect(await outcome(first, 3000)).toBe(DISCONNECT_REASON.USELESS_PEER);
    const back = await joined(t, '127.0.0.6');
    back.send(WAKU_PACKET.MESSAGES, encodeMessagesPacket(envelopes(2)));
    expect(await outcome(back)).toBe(DISCONNECT_REASON.USELESS_PEER);
  }, 30_000);

  it('the limiters track a bounded number of keys however many topics a peer makes up', async () => {
    const t = await target({ rateLimits: { peerIdLimits: 100_000, ipLimits: 100_000, topicLimits: 5 }, maxRateLimitKeys: 500 });
    const p = await joined(t, '127.0.0.7');
    for (let i = 0; i < 10; i++) p.send(WAKU_PACKET.MESSAGES, encodeMessagesPacket(envelopes(400)));
    await until(() => t.node.stats.received === 4000, '4000 envelopes on random topics');
    expect(t.node.rateLimiterSizes().topic).toBeLessThanOrEqual(500);
    expect(await outcome(p, 100)).toBe('open');
  }, 30_000);

  it('our sender keeps under the envelopes per second a peer advertises, splitting a large batch', async () => {
    const a = await res.node((o) => new WakuNode(o));
    const b = await res.node((o) => new WakuNode(o, { rateLimits: { peerIdLimits: 10 } }));
    await connect(a, b);
    const symKey = publicChatKey('split');
    const topic = publicChatTopic('split');
    const got: ReceivedMessage[] = [];
    b.subscribe({ topics: [topic], symKey }, (m) => got.push(m));
    const sent: number[] = [];
    a.on('envelope:sent', () => sent.push(Date.now()));
    await Promise.all(Array.from({ length: 25 }, (_, i) => a.post({ topic, symKey, payload: Uint8Array.of(i), powTarget: 0 })));
    await until(() => got.length === 25, 'all 25 at B', 10_000);
    expect(b.stats.rateLimited).toBe(0);
    expect(b.peers()).toHaveLength(1);
    // 10 at once, then about 10 a second: the last goes out more than a second after the first.
    expect(sent[sent.length - 1] - sent[0]).toBeGreaterThan(1000);
  }, 30_000);
});

describe('RateLimiter', () => {
  it('charges costs, refuses above the bucket, keeps refused costs as debt (bounded), lets one oversized cost through a full bucket', () => {
    let now = 0;
    const r = new RateLimiter(20, () => now, { maxDebtSeconds: 10 });
    expect(r.take('a', 15)).toBe(true);
    expect(r.take('a', 10)).toBe(false);
    // Refused, yet charged: 5 − 10 = −5 tokens.
    expect(r.available('a')).toBe(-5);
    now += 500; // +10
    expect(r.available('a')).toBe(5);
    expect(r.take('a', 200)).toBe(false);
    expect(r.available('a')).toBe(-195);
    expect(r.take('a', 1_000_000)).toBe(false);
    expect(r.available('a')).toBe(-200); // 10 s of debt at most
    now += 11_000;
    expect(r.available('a')).toBe(20);
    expect(r.take('a', 200)).toBe(true); // full bucket: an oversized cost passes once
    expect(r.take('a', 1)).toBe(false);
    expect(new RateLimiter(0).take('x', 1e9)).toBe(true);
  });

  it('tracks at most maxKeys keys, forgetting full buckets before the least recently used', () => {
    let now = 0;
    const r = new RateLimiter(10, () => now, { maxKeys: 100 });
    r.take('indebted', 50);
    for (let i = 0; i < 10_000; i++) {
      r.take(`k${i}`);
      if (i % 50 === 0) r.take('indebted', 0); // recently used
      now += 0.1; // one second in all: the debt of 40 is not repaid
    }
    expect(r.size).toBeLessThanOrEqual(100);
    expect(r.available('indebted')).toBeLessThan(10);
  });

  it('keys addresses by IPv4, IPv4-mapped IPv6, or IPv6 /64', () => {
    expect(rateLimitAddressKey('127.0.0.2')).toBe('127.0.0.2');
    expect(rateLimitAddressKey('::ffff:127.0.0.2')).toBe('127.0.0.2');
    expect(rateLimitAddressKey('2001:db8:0:1:aaaa::1')).toBe('2001:db8:0:1::/64');
    expect(rateLimitAddressKey('2001:DB8:0:1:bbbb:cccc:dddd:eeee')).toBe('2001:db8:0:1::/64');
    expect(rateLimitAddressKey('2001:db8::5')).toBe('2001:db8:0:0::/64');
    expect(rateLimitAddressKey('::1')).toBe('0:0:0:0::/64');
  });
});
