// Acceptance: clients that have sent and received 1:1 and group messages on encrypted SQLite files
// leave no private key of theirs in those files: not the identity key, not a signed prekey, not
// a ratchet root / chain / DH key, not an X3DH shared key, not a skipped message key, not a
// negotiated secret or its symmetric key, and not the messages' text, as raw bytes or as hex,
// in the database or its WAL, while open and after closing. The same run on plain files finds
// them (so the search is not blind). Every file they wrote is 0600, in a 0700 folder, under umask 022.
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, randomBytes } from '@status-stack/crypto';
import { negotiatedSecret, type MemoryTransport } from '@status-stack/whisper';
import { CLIENT_NS, SESSION_NS, SqliteStorage, type ClientMessage } from '../src/index.js';
import { decodeRecord } from '../src/client/json-codec.js';
import { Harness, until, type TestPeer } from './helpers/client-harness.js';

let h: Harness;
let previousUmask: number | undefined;
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  await h.close();
  for (const f of cleanup.splice(0)) await f();
  if (previousUmask !== undefined) process.umask(previousUmask);
  previousUmask = undefined;
});

/** Drops the next `drop` posts it is handed (a lost envelope), passes everything else on. */
class LossyTransport {
  drop = 0;
  dropped = 0;
  constructor(private readonly inner: MemoryTransport) {}
  post(message: Parameters<MemoryTransport['post']>[0]): ReturnType<MemoryTransport['post']> {
    if (this.drop > 0) {
      this.drop--;
      this.dropped++;
      return Promise.resolve(new Uint8Array(32));
    }
    return this.inner.post(message);
  }
  subscribe(...args: Parameters<MemoryTransport['subscribe']>): ReturnType<MemoryTransport['subscribe']> {
    return this.inner.subscribe(...args);
  }
}

/** A secret and where it came from. */
interface Secret {
  what: string;
  bytes: Uint8Array;
}

/** Every byte string of 16 bytes or more inside a decoded record (keys, chain keys, DH keys). */
function byteStrings(value: unknown, path: string, out: Secret[]): void {
  if (value instanceof Uint8Array) {
    if (value.length >= 16) out.push({ what: path, bytes: value });
  } else if (Array.isArray(value)) value.forEach((v, i) => byteStrings(v, `${path}[${i}]`, out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) byteStrings(v, `${path}.${k}`, out);
}

/** The private material a client holds right now: identity key, prekeys, sessions, skipped keys, negotiated secrets. */
async function secretsOf(label: string, p: TestPeer): Promise<Secret[]> {
  const out: Secret[] = [{ what: `${label} identity private key`, bytes: p.privateKey }];
  for (const ns of [SESSION_NS.OUR_PREKEY, SESSION_NS.SESSION, SESSION_NS.SKIPPED]) {
    for (const e of await p.storage.kvList(ns)) byteStrings(decodeRecord(e.value, ns), `${label} ${ns} ${e.key}`, out);
  }
  for (const e of await p.storage.kvList(CLIENT_NS.NEGOTIATED)) {
    const s = negotiatedSecret(p.privateKey, hexToBytes(e.key));
    out.push({ what: `${label} negotiated secret with ${e.key.slice(0, 12)}`, bytes: s.secret });
    out.push({ what: `${label} negotiated symmetric key with ${e.key.slice(0, 12)}`, bytes: s.symKey });
  }
  return out;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (lstatSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** Where any secret (raw, lower- or upper-case hex) or any text (UTF-8) occurs in the files under `dir`. */
function leaks(dir: string, secrets: Secret[], texts: string[]): string[] {
  const hits: string[] = [];
  for (const file of filesUnder(dir)) {
    const bytes = readFileSync(file);
    for (const s of secrets) {
      const hex = bytesToHex(s.bytes);
      if (bytes.includes(Buffer.from(s.bytes)) || bytes.includes(Buffer.from(hex, 'latin1')) || bytes.includes(Buffer.from(hex.toUpperCase(), 'latin1'))) {
        hits.push(`${s.what} in ${file}`);
      }
    }
    for (const t of texts) if (bytes.includes(Buffer.from(t, 'utf8'))) hits.push(`text ${JSON.stringify(t)} in ${file}`);
  }
  return hits;
}

interface Run {
  dir: string;
  secrets: Secret[];
  texts: string[];
  /** Leaks found while the clients were still running (WAL not checkpointed). */
  whileOpen: string[];
  /** Leaks found after clients and storages closed. */
  afterClose: string[];
  /** Every file the clients wrote, with its mode, while running (the WALs too) and after closing; the folder's mode. */
  modesWhileOpen: string[];
  modes: string[];
  dirMode: string;
  skippedKeysSeen: number;
  sessionsSeen: number;
  prekeysSeen: number;
  negotiatedSeen: number;
}

const modeOf = (path: string): string => (lstatSync(path).mode & 0o777).toString(8);

/** A and B talk 1:1 both ways (one envelope lost, so B keeps a skipped key), then A, B, C in a group. */
async function conversation(encrypted: boolean): Promise<Run> {
  h = new Harness();
  // Like a data dir: a 0700 folder (mkdtemp), the databases in it.
  const dir = mkdtempSync(join(tmpdir(), 'client-secrets-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const storages: SqliteStorage[] = [];
  const storage = (name: string): SqliteStorage => {
    const s = SqliteStorage.open(join(dir, `${name}.sqlite`), encrypted ? { key: randomBytes(32) } : {});
    storages.push(s);
    cleanup.push(() => (s.closed ? undefined : s.close()));
    return s;
  };
  let lossy: LossyTransport | undefined;
  const a = await h.peer({
    storage: storage('a'),
    wrap: (t) => (lossy = new LossyTransport(t)),
  });
  const b = await h.peer({ storage: storage('b') });
  const c = await h.peer({ storage: storage('c') });
  const peers: [string, TestPeer][] = [['A', a], ['B', b], ['C', c]];
  const seen = new Map<TestPeer, ClientMessage[]>(peers.map(([, p]) => [p, []]));
  for (const [, p] of peers) p.client.on('message', (m) => seen.get(p)!.push(m));
  const texts: string[] = [];
  const secrets: Secret[] = [];
  const snapshot = async (): Promise<void> => {
    for (const [label, p] of peers) secrets.push(...(await secretsOf(label, p)));
  };
  const say = async (from: TestPeer, chatId: string, text: string, to: TestPeer[]): Promise<void> => {
    texts.push(text);
    const sent = await from.client.sendMessage(chatId, text);
    await until(() => to.every((p) => seen.get(p)!.some((m) => m.id === sent.id)), `${text} received`);
  };

  await say(a, b.client.publicKeyHex, 'one-to-one: first contact from A, the quokka sleeps at dawn', [b]);
  await say(b, a.client.publicKeyHex, 'one-to-one: B answers, lanterns under the north pier', [a]);
  await say(a, b.client.publicKeyHex, 'one-to-one: A on the ratchet, seventeen blue herons', [b]);
  await snapshot();
  // One envelope from A lost: MVDS resends it on a later ratchet step, and B keeps the key it skipped.
  lossy!.drop = 1;
  await say(a, b.client.publicKeyHex, 'one-to-one: lost once, resent, the tide turns at four', [b]);
  expect(lossy!.dropped).toBe(1);
  await say(b, a.client.publicKeyHex, 'one-to-one: B again, the kettle is on', [a]);
  await snapshot();

  const group = await a.client.createGroup('acceptance group', [b.client.publicKeyHex, c.client.publicKeyHex]);
  await until(async () => (await b.client.chat(group.id)) !== undefined && (await c.client.chat(group.id)) !== undefined, 'B and C see the group');
  await b.client.joinGroup(group.id);
  await c.client.joinGroup(group.id);
  await until(async () => {
    for (const [, p] of peers) if ((await p.client.chat(group.id))?.group?.joined.length !== 3) return false;
    return true;
  }, 'everyone joined');
  await say(a, group.id, 'group: A to everyone, the orchard gate code is 4417', [b, c]);
  await say(b, group.id, 'group: B to everyone, bring the brass compass', [a, c]);
  await say(c, group.id, 'group: C to everyone, the owl has the map', [a, b]);
  await snapshot();

  let skippedKeysSeen = 0;
  let sessionsSeen = 0;
  let prekeysSeen = 0;
  let negotiatedSeen = 0;
  for (const s of secrets) {
    if (s.what.includes(SESSION_NS.SKIPPED)) skippedKeysSeen++;
    if (s.what.includes(`${SESSION_NS.SESSION} `)) sessionsSeen++;
    if (s.what.includes(SESSION_NS.OUR_PREKEY)) prekeysSeen++;
    if (s.what.includes('negotiated secret')) negotiatedSeen++;
  }
  const whileOpen = leaks(dir, secrets, texts);
  const modesWhileOpen = filesUnder(dir)
    .sort()
    .map((f) => `${f.slice(dir.length + 1)} ${modeOf(f)}`);
  await h.close();
  for (const s of storages) await s.close();
  const afterClose = leaks(dir, secrets, texts);
  const modes = filesUnder(dir)
    .sort()
    .map((f) => `${f.slice(dir.length + 1)} ${modeOf(f)}`);
  return { dir, secrets, texts, whileOpen, afterClose, modesWhileOpen, modes, dirMode: modeOf(dir), skippedKeysSeen, sessionsSeen, prekeysSeen, negotiatedSeen };
}

describe('what encrypted client storage leaves on disk', () => {
  it('no private key and no message text in the database files, while running or after closing; every file 0600 in a 0700 folder', async () => {
    previousUmask = process.umask(0o022);
    const run = await conversation(true);
    // What was searched for is real: the clients did hold every kind of secret.
    expect(run.prekeysSeen).toBeGreaterThan(0);
    expect(run.sessionsSeen).toBeGreaterThan(0);
    expect(run.negotiatedSeen).toBeGreaterThan(0);
    expect(run.skippedKeysSeen).toBeGreaterThan(0);
    expect(run.texts).toHaveLength(8);
    expect(run.whileOpen).toEqual([]);
    expect(run.afterClose).toEqual([]);
    expect(run.modesWhileOpen).toEqual(['a.sqlite 600', 'a.sqlite-wal 600', 'b.sqlite 600', 'b.sqlite-wal 600', 'c.sqlite 600', 'c.sqlite-wal 600']);
    expect(run.modes).toEqual(['a.sqlite 600', 'b.sqlite 600', 'c.sqlite 600']);
    expect(run.dirMode).toBe('700');
  });

  it('the same conversation on plain files leaves them there: the search is not blind', async () => {
    const run = await conversation(false);
    const found = [...run.whileOpen, ...run.afterClose];
    expect(found.some((l) => l.includes(SESSION_NS.OUR_PREKEY))).toBe(true);
    expect(found.some((l) => l.includes(`${SESSION_NS.SESSION} `))).toBe(true);
    expect(found.some((l) => l.includes(SESSION_NS.SKIPPED))).toBe(true);
    expect(found.some((l) => l.startsWith('text '))).toBe(true);
  });
});
