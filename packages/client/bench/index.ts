// Storage throughput: SQLite (a real file, WAL), plain and encrypted (SQLCipher 4 format, the file
// status-chat writes), against the in-memory storage, same workload, same run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePrivateKey, randomBytes } from '@status-stack/crypto';
import { SecureTransport } from '@status-stack/secure-transport';
import { MemoryStorage, SqliteStorage, StorageSessionStore, type ClientStorage, type MessageRecord } from '../src/index.js';

const N = 5_000;
const PAGE = 50;
const payload = new Uint8Array(1024).fill(1);

function makeMessage(i: number): MessageRecord {
  return {
    id: `0x${i.toString(16).padStart(64, '0')}`,
    chatId: 'bench',
    clock: BigInt(1_700_000_000_000 + i),
    timestamp: 1_700_000_000_000 + i,
    from: '0x04' + 'ab'.repeat(64),
    text: 'a message of about the length people type in a chat, more or less',
    contentType: 1,
    responseTo: null,
    content: null,
    outgoing: false,
    deliveryState: 'received',
    payload,
    receivedAt: 1_700_000_000_000 + i,
  };
}
const messages = Array.from({ length: N }, (_, i) => makeMessage(i));

async function rate(count: number, fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return count / seconds;
}

interface Figures {
  insertOne: number;
  insertBatch: number;
  pageForward: number;
  pageBackward: number;
}

async function measureInsertOne(make: () => ClientStorage, count: number): Promise<number> {
  const a = make();
  const result = await rate(count, async () => {
    for (let i = 0; i < count; i++) await a.insertMessage(messages[i]);
  });
  await a.close();
  return result;
}

async function measure(make: () => ClientStorage): Promise<Figures> {
  const insertOne = await measureInsertOne(make, N);
  const s = make();
  const insertBatch = await rate(N, async () => {
    for (let i = 0; i < N; i += 100) await s.insertMessages(messages.slice(i, i + 100));
  });
  const pageForward = await rate(N, async () => {
    let page = await s.listMessages('bench', { limit: PAGE });
    while (page.next) page = await s.listMessages('bench', { limit: PAGE, cursor: page.next });
  });
  const pageBackward = await rate(N, async () => {
    let page = await s.listMessages('bench', { limit: PAGE, direction: 'backward' });
    while (page.next) page = await s.listMessages('bench', { limit: PAGE, direction: 'backward', cursor: page.next });
  });
  await s.close();
  return { insertOne, insertBatch, pageForward, pageBackward };
}

/**
 * Double Ratchet through the protocol with its database: two SecureTransports, each on its own
 * storage through StorageSessionStore, 1 KB payloads, alternating directions (a DH ratchet step per
 * message), every state change committed in one transaction per message.
 */
async function ratchetThroughStorage(make: () => ClientStorage, durationMs = 1500): Promise<number> {
  const sa = make();
  const sb = make();
  const a = new SecureTransport({ identityPrivateKey: generatePrivateKey(), installationId: 'a1', store: new StorageSessionStore(sa) });
  const b = new SecureTransport({ identityPrivateKey: generatePrivateKey(), installationId: 'b1', store: new StorageSessionStore(sb) });
  try {
    await a.processBundle(await b.ourBundle());
    await b.decrypt(a.identityKey, (await a.encrypt(b.identityKey, payload)).message);
    await a.decrypt(b.identityKey, (await b.encrypt(a.identityKey, payload)).message);
    let turn = 0;
    const step = async (): Promise<void> => {
      const [from, to] = turn++ % 2 === 0 ? [a, b] : [b, a];
      await to.decrypt(from.identityKey, (await from.encrypt(to.identityKey, payload)).message);
    };
    for (let i = 0; i < 50; i++) await step();
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < durationMs) {
      for (let i = 0; i < 10; i++) await step();
      n += 10;
    }
    return (n * 1000) / (performance.now() - start);
  } finally {
    await sa.close();
    await sb.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'client-bench-'));
let n = 0;
try {
  // warm both code paths up before measuring, so neither pays the JIT for the other
  await measureInsertOne(() => new MemoryStorage(), 1000);
  await measureInsertOne(() => SqliteStorage.open(join(dir, `warmup.db`)), 1000);
  await measureInsertOne(() => SqliteStorage.open(join(dir, `warmup-enc.db`), { key: randomBytes(32) }), 1000);
  const plain = (): SqliteStorage => SqliteStorage.open(join(dir, `bench-${n++}.db`));
  const encrypted = (): SqliteStorage => SqliteStorage.open(join(dir, `bench-${n++}.db`), { key: randomBytes(32) });
  const memory = await measure(() => new MemoryStorage());
  const sqlite = await measure(plain);
  const sqliteEnc = await measure(encrypted);
  // fsync per commit: a few hundred per second on this kind of disk, so fewer of them
  const fullOne = await measureInsertOne(() => SqliteStorage.open(join(dir, `bench-${n++}.db`), { synchronous: 'full' }), 300);
  const fullOneEnc = await measureInsertOne(() => SqliteStorage.open(join(dir, `bench-${n++}.db`), { synchronous: 'full', key: randomBytes(32) }), 300);
  const fmt = (v: number): string => `${Math.round(v).toLocaleString('en-US')} msg/s`.padStart(16);
  const vs = (enc: number, pl: number): string => `encrypted ${fmt(enc)} (x${(enc / pl).toFixed(2)})`;
  const rows: [string, keyof Figures][] = [
    ['insert, one message per call (own transaction)', 'insertOne'],
    ['insert, batches of 100 (insertMessages)', 'insertBatch'],
    [`paged read forward, pages of ${PAGE}`, 'pageForward'],
    [`paged read backward, pages of ${PAGE}`, 'pageBackward'],
  ];
  console.log(`client storage, ${N} messages of ~1.2 KB in one chat (baselines: plain SQLite and MemoryStorage, same run)`);
  for (const [label, key] of rows) {
    console.log(
      `${label.padEnd(50)} sqlite ${fmt(sqlite[key])} | ${vs(sqliteEnc[key], sqlite[key])} | memory ${fmt(memory[key])} | sqlite/memory ${(sqlite[key] / memory[key]).toFixed(2)}`,
    );
  }
  console.log(
    `${'insert, one per call, synchronous=full (fsync)'.padEnd(50)} sqlite ${fmt(fullOne)} | ${vs(fullOneEnc, fullOne)} | memory ${fmt(memory.insertOne)} | sqlite/memory ${(fullOne / memory.insertOne).toFixed(3)}`,
  );
  const ratchetMemory = await ratchetThroughStorage(() => new MemoryStorage());
  const ratchetSqlite = await ratchetThroughStorage(plain);
  const ratchetEnc = await ratchetThroughStorage(encrypted);
  console.log(
    `${'ratchet through storage (1 KB, alternating, WAL)'.padEnd(50)} sqlite ${fmt(ratchetSqlite)} | ${vs(ratchetEnc, ratchetSqlite)} | memory ${fmt(ratchetMemory)} | sqlite/memory ${(ratchetSqlite / ratchetMemory).toFixed(2)}  (status-go, SQLCipher: 439 /s)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
