import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { publicChatTopic, MailServer, MAILSERVER_ERROR, MailserverError, WakuNode } from '../src/index.js';
import { PostgresEnvelopeArchive } from '../src/archive-postgres.js';
import { connect, Resources, until } from './helpers/nodes.js';
import { KEY, offlineClientGetsHistory } from './helpers/mailserver-scenario.js';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from './helpers/postgres.js';

const res = new Resources();
afterEach(() => res.closeAll());

let server: EmbeddedPostgresServer | undefined;
beforeAll(async () => {
  server = await startEmbeddedPostgres();
});
afterAll(async () => {
  await server?.stop();
});

describe('mailserver with the PostgreSQL archive (a real embedded server), over RlpxOverlay on 127.0.0.1', () => {
  it('waku: an offline client gets exactly its topics’ 334 of 500 envelopes in pages of 100', async () => {
    const archive = await PostgresEnvelopeArchive.open(await server!.createDatabase('mailserver_node_waku'));
    res.add(() => archive.close());
    await offlineClientGetsHistory(res, 'waku', archive);
  });

  it('whisper: the same history from a Whisper mailserver', async () => {
    const archive = await PostgresEnvelopeArchive.open(await server!.createDatabase('mailserver_node_whisper'));
    res.add(() => archive.close());
    await offlineClientGetsHistory(res, 'whisper', archive);
  });

  it('a database that goes away surfaces as a failed request at the client, never as empty history', async () => {
    // A server of its own, stopped under the running mailserver.
    const doomed = await startEmbeddedPostgres();
    res.add(() => doomed.stop());
    const archive = await PostgresEnvelopeArchive.open(doomed.connectionString);
    res.add(() => archive.close());
    const mailserver = await res.node((o) => new WakuNode(o));
    const ms = new MailServer(mailserver, { archive });
    res.add(() => ms.close());
    const client = await res.node((o) => new WakuNode(o));
    await connect(client, mailserver);
    const topic = publicChatTopic('history-a');
    await mailserver.post({ topic, payload: new Uint8Array([1]), symKey: KEY, ttl: 30 });
    await until(() => ms.stats.archived === 1, 'archived');
    const now = Math.floor(Date.now() / 1000);
    client.setTrusted(mailserver.overlay.nodeId);
    // The EnvelopeTransport port's form: no peer named, the one trusted peer is the mailserver.
    const ok = await client.requestHistory({ topics: [topic], from: now - 60, to: now + 60 });
    expect(ok.envelopes).toBe(1);

    await doomed.stop();
    const failed = await client.requestHistory({ peer: mailserver.overlay.nodeId, topics: [topic], from: now - 60, to: now + 60 }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(MailserverError);
    expect((failed as MailserverError).code).toBe(MAILSERVER_ERROR.REQUEST_FAILED);
    expect((failed as MailserverError).message).toMatch(/archive query failed/);
    expect(ms.stats.failed).toBe(1);
    // The node itself is fine: still connected, still relaying.
    expect(mailserver.peers().map((p) => p.id)).toEqual([client.overlay.nodeId]);
  });
});
