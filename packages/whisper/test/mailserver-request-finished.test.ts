// `request:finished`: what an operator's metrics see of each request a mailserver serves, over RLPx on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteEnvelopeArchive } from '../src/archive-sqlite.js';
import { MailServer, MailserverClient, MailserverError, type ArchivePage, type ArchiveQuery, type EnvelopeArchive, type MailServerRequestReport } from '../src/index.js';
import { connect, Resources, until } from './helpers/nodes.js';
import { KEY, makeNode, TOPICS } from './helpers/mailserver-scenario.js';

const res = new Resources();
afterEach(() => res.closeAll());

const QUERY_DELAY_MS = 40;

/** The SQLite archive, each query held back by QUERY_DELAY_MS (or failing), so a request's duration has a known floor. */
function slowArchive(fail = false): EnvelopeArchive {
  const inner = new SqliteEnvelopeArchive();
  res.add(() => inner.close());
  return {
    put: (r) => inner.put(r),
    putMany: (r) => inner.putMany(r),
    async query(q: ArchiveQuery): Promise<ArchivePage> {
      await new Promise((r) => setTimeout(r, QUERY_DELAY_MS));
      if (fail) throw new Error('database is down');
      return inner.query(q);
    },
    prune: (now, retention) => inner.prune(now, retention),
    count: () => inner.count(),
    close: () => inner.close(),
  };
}

async function setup(kind: 'waku' | 'whisper', archive: EnvelopeArchive, posts: number) {
  const mailserver = await makeNode(kind, res, {});
  const server = new MailServer(mailserver, { archive, maxPacketBytes: 2048 });
  res.add(() => server.close());
  const poster = await makeNode(kind, res, {});
  await connect(poster, mailserver);
  for (let i = 0; i < posts; i++) {
    await poster.post({ topic: TOPICS[i % 2], payload: new Uint8Array(300).fill(i), symKey: KEY, ttl: 60, powTarget: 0.0001 });
  }
  await until(() => server.stats.archived === posts, 'archived');
  const client = await makeNode(kind, res, {});
  await connect(client, mailserver);
  const reports: MailServerRequestReport[] = [];
  server.on('request:finished', (r) => reports.push(r));
  return { mailserver, server, client, reports };
}

describe('MailServer request:finished', () => {
  for (const kind of ['waku', 'whisper'] as const) {
    it(`${kind}: reports each served page with its envelopes, packets, reads and real duration`, async () => {
      const { mailserver, client, reports } = await setup(kind, slowArchive(), 30);
      const history = new MailserverClient(client);
      res.add(() => history.close());
      const now = Math.floor(Date.now() / 1000);
      const started = performance.now();
      const result = await history.requestHistory({ peer: mailserver.overlay.nodeId, topics: [TOPICS[0]], from: now - 60, to: now + 5, limit: 10 });
      const elapsed = performance.now() - started;
      expect(result).toMatchObject({ pages: 2, envelopes: 15 });
      await until(() => reports.length === 2, 'two reports');
      expect(reports.map((r) => r.envelopes)).toEqual([10, 5]);
      expect(reports.map((r) => r.more)).toEqual([true, false]);
      for (const r of reports) {
        expect(r).toMatchObject({ peer: client.overlay.nodeId, outcome: 'served', ok: true });
        expect(r.error).toBeUndefined();
        expect(r.requestId).toHaveLength(32);
        // 300-byte payloads in 2 KiB packets: several packets, one archive read per packet's worth.
        expect(r.packets).toBeGreaterThan(1);
        expect(r.reads).toBeGreaterThanOrEqual(r.packets);
        expect(r.bytes).toBeGreaterThan(r.envelopes * 300);
        expect(r.durationMs).toBeGreaterThanOrEqual(r.reads * QUERY_DELAY_MS - 1);
      }
      // Both pages were measured inside the client's wait.
      expect(reports[0].durationMs + reports[1].durationMs).toBeLessThanOrEqual(elapsed);
      expect(reports[0].requestId).not.toEqual(reports[1].requestId);
    });
  }

  it('reports a request whose archive query failed, with its error', async () => {
    const { mailserver, client, reports } = await setup('waku', slowArchive(true), 3);
    const history = new MailserverClient(client);
    res.add(() => history.close());
    const now = Math.floor(Date.now() / 1000);
    await expect(history.requestHistory({ peer: mailserver.overlay.nodeId, topics: [TOPICS[0]], from: now - 60, to: now + 5 })).rejects.toBeInstanceOf(MailserverError);
    await until(() => reports.length === 1, 'report');
    expect(reports[0]).toMatchObject({ peer: client.overlay.nodeId, outcome: 'failed', ok: false, envelopes: 0, packets: 0, reads: 1 });
    expect(reports[0].error).toMatch(/database is down/);
    expect(reports[0].durationMs).toBeGreaterThanOrEqual(QUERY_DELAY_MS - 1);
  });
});
