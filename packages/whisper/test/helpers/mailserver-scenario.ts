// The mailserver acceptance scenario, run against each archive: a client that was offline while 500
// envelopes on 3 topics were posted connects to the mailserver and gets exactly those on its topics,
// in pages of 100 through cursors, over RLPx on 127.0.0.1.
import { expect } from 'vitest';
import { bytesToHex } from '@status-stack/crypto';
import {
  MailServer,
  MailserverClient,
  publicChatKey,
  publicChatTopic,
  WakuNode,
  WhisperNode,
  type EnvelopeArchive,
  type EnvelopeNode,
  type EnvelopeNodeOptions,
  type HistoryClient,
  type MailserverPageResult,
  type ReceivedMessage,
} from '../../src/index.js';
import { connect, until, type Resources } from './nodes.js';

export const TOPICS = ['history-a', 'history-b', 'history-c'].map(publicChatTopic);
export const KEY = publicChatKey('history');

export type NodeKind = 'waku' | 'whisper';

export function makeNode(kind: NodeKind, res: Resources, opts: EnvelopeNodeOptions) {
  return res.node((o) => (kind === 'waku' ? new WakuNode(o, opts) : new WhisperNode(o, opts)) as EnvelopeNode);
}

/** Requests through the node's own `requestHistory` (Waku) or a client attached to it (Whisper). */
export function clientFor(node: EnvelopeNode): HistoryClient {
  return node instanceof WakuNode ? node.mailserver : new MailserverClient(node);
}

export async function offlineClientGetsHistory(res: Resources, kind: NodeKind, archive: EnvelopeArchive): Promise<void> {
  let now = Date.now();
  const clock = () => now;
  const mailserver = await makeNode(kind, res, { now: clock });
  const server = new MailServer(mailserver, { archive, now: clock });
  res.add(() => server.close());
  const poster = await makeNode(kind, res, { now: clock });
  await connect(poster, mailserver);

  const start = Math.floor(now / 1000);
  const posted = new Map<string, number>();
  for (let i = 0; i < 500; i++) {
    if (i % 50 === 49) now += 1000; // spread over ten seconds, many sharing a second (cursor ties)
    const t = i % 3;
    const hash = await poster.post({ topic: TOPICS[t], payload: new TextEncoder().encode(`message ${i}`), symKey: KEY, ttl: 10, powTarget: 0.0001 });
    posted.set(bytesToHex(hash), t);
  }
  await until(() => server.stats.archived === 500, 'all 500 archived');
  await poster.stop();

  // Later: everything has expired from the live pools; only the archive has it.
  now += 120_000;
  expect(mailserver.expire()).toBe(500);
  const client = await makeNode(kind, res, { now: clock });
  const got: ReceivedMessage[] = [];
  client.subscribe({ topics: [TOPICS[0], TOPICS[1]], symKey: KEY }, (m) => got.push(m));
  await connect(client, mailserver);
  expect(client.envelopes()).toHaveLength(0);

  const pages: MailserverPageResult[] = [];
  const result = await clientFor(client).requestHistory({
    peer: mailserver.overlay.nodeId,
    topics: [TOPICS[0], TOPICS[1]],
    from: start - 60,
    to: Math.floor(now / 1000),
    limit: 100,
    onPage: (p) => pages.push(p),
  });
  const wanted = [...posted].filter(([, t]) => t !== 2).map(([h]) => h);
  expect(wanted).toHaveLength(334);
  expect(pages.map((p) => p.envelopes)).toEqual([100, 100, 100, 34]);
  expect(pages.slice(0, 3).every((p) => p.cursor.length === 36)).toBe(true);
  expect(result).toMatchObject({ pages: 4, envelopes: 334, delivered: 334 });
  expect(result.cursor).toHaveLength(0);
  expect(got.map((m) => bytesToHex(m.hash)).sort()).toEqual(wanted.sort());
  expect(got.every((m) => m.p2p)).toBe(true);
  // Newest first, as the server serves them.
  const sent = got.map((m) => m.sent);
  expect(sent).toEqual([...sent].sort((a, b) => b - a));
  expect(server.stats).toMatchObject({ served: 4, envelopesSent: 334, rejected: 0, failed: 0 });
}
