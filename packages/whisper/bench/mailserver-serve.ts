// Mailserver serving benchmark: how many archived envelopes per second a mailserver node serves to
// one client over RLPx (127.0.0.1), paging by cursor as status-go clients do, beside the rate the
// same process reads those pages straight from the same store (the ceiling for serving), measured
// in the same run, for the SQLite and the PostgreSQL archive.
//
//   npm run bench:serve -w @status-stack/whisper
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { RLP } from '@ethereumjs/rlp';
import { RlpxOverlay } from '@status-stack/p2p-overlay';
import {
  MailServer,
  WakuNode,
  archiveRecordFromEnvelope,
  type ArchiveRecord,
  type EnvelopeArchive,
} from '../src/index.js';
import { PostgresEnvelopeArchive } from '../src/archive-postgres.js';
import { SqliteEnvelopeArchive } from '../src/archive-sqlite.js';
import { startEmbeddedPostgres } from '../test/helpers/postgres.js';

const ENVELOPES = 5_000;
const DATA_BYTES = 1024;
const PAGE = 100;
const BASE = Math.floor(Date.now() / 1000) - 24 * 3600;
const TOPICS = [Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd), Uint8Array.of(0x11, 0x22, 0x33, 0x44), Uint8Array.of(0x5c, 0x6e, 0x9a, 0x01)];
/** status-go v0.62.18 mailserver, server side (ARCHITECTURE.md: 550 envelopes in pages of 100). */
const STATUS_GO_SERVER_RATE = 3_800;

function makeRecords(): ArchiveRecord[] {
  const out: ArchiveRecord[] = [];
  for (let i = 0; i < ENVELOPES; i++) {
    const sent = BASE + Math.floor(i / 3);
    out.push(archiveRecordFromEnvelope(RLP.encode([sent + 60, 60, TOPICS[i % TOPICS.length], randomBytes(DATA_BYTES), i]), sent));
  }
  return out;
}

async function storeRead(archive: EnvelopeArchive): Promise<number> {
  const start = performance.now();
  let cursor: Uint8Array | undefined;
  let n = 0;
  for (;;) {
    const page = await archive.query({ from: BASE, to: BASE + ENVELOPES, topics: TOPICS, limit: PAGE, cursor });
    n += page.envelopes.length;
    if (page.cursor.length === 0) break;
    cursor = page.cursor;
  }
  if (n !== ENVELOPES) throw new Error(`store read ${n} envelopes, expected ${ENVELOPES}`);
  return (n * 1000) / (performance.now() - start);
}

async function served(archive: EnvelopeArchive): Promise<number> {
  const overlays = [new RlpxOverlay({ host: '127.0.0.1', port: 0 }), new RlpxOverlay({ host: '127.0.0.1', port: 0 })];
  const [serverNode, clientNode] = overlays.map((o) => new WakuNode(o, { confirmations: false }));
  const mailserver = new MailServer(serverNode, { archive, pruneIntervalMs: 0 });
  try {
    for (const n of [serverNode, clientNode]) await n.start();
    for (const o of overlays) await o.start();
    await overlays[1].connect(overlays[0].enode);
    while (clientNode.peers().length === 0 || serverNode.peers().length === 0) await new Promise((r) => setTimeout(r, 2));
    const start = performance.now();
    const result = await clientNode.requestHistory({ peer: overlays[0].nodeId, topics: TOPICS, from: BASE, to: BASE + ENVELOPES, limit: PAGE });
    const elapsed = performance.now() - start;
    if (result.envelopes !== ENVELOPES) throw new Error(`client received ${result.envelopes} envelopes, expected ${ENVELOPES}`);
    return (result.envelopes * 1000) / elapsed;
  } finally {
    await mailserver.close();
    for (const n of [clientNode, serverNode]) await n.stop();
    for (const o of overlays) await o.stop();
  }
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US').padStart(7);
function row(store: string, serve: number, read: number): void {
  console.log(
    `${store.padEnd(34)} served over RLPx ${fmt(serve)} env/s   store read (same pages) ${fmt(read)} env/s   ratio ${(serve / read).toFixed(2)}   vs status-go ${fmt(STATUS_GO_SERVER_RATE)} env/s: x${(serve / STATUS_GO_SERVER_RATE).toFixed(2)}`,
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`mailserver serving: ${ENVELOPES.toLocaleString('en-US')} archived envelopes (${DATA_BYTES}-byte data, ${TOPICS.length} topics) to one client, pages of ${PAGE}`);
  const records = makeRecords();

  const dir = await mkdtemp(join(tmpdir(), 'status-stack-bench-serve-'));
  try {
    const sqlite = new SqliteEnvelopeArchive({ path: join(dir, 'archive.db') });
    for (let i = 0; i < records.length; i += 500) await sqlite.putMany(records.slice(i, i + 500));
    const read = await storeRead(sqlite);
    const serve = await served(sqlite);
    await sqlite.close();
    row('SQLite (file, WAL)', serve, read);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const server = await startEmbeddedPostgres({ durable: true });
  try {
    const pg = await PostgresEnvelopeArchive.open(server.connectionString);
    for (let i = 0; i < records.length; i += 500) await pg.putMany(records.slice(i, i + 500));
    const read = await storeRead(pg);
    const serve = await served(pg);
    await pg.close();
    row('PostgreSQL (embedded, fsync on)', serve, read);
  } finally {
    await server.stop();
  }
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
