// Every data file the stack writes is 0600 and every folder it creates 0700, whatever the umask:
// the status-chat data dir (key store, node key, encrypted database and its WAL), a status-node's
// data dir (node key, SQLite archive, peer cache), the peer cache on its own, atomic writes, and
// files an older version left 0644. Run under umask 022 (the usual one) and 000 (the loosest).
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JsonFilePeerCache } from '@status-stack/p2p-overlay';
import { createAccountIn, dataPaths, loadOrCreateNodeKey as chatNodeKey, openAccountStorage } from '../src/cli/chat-account.js';
import { loadOrCreateNodeKey, parseNodeOptions, startStatusNode } from '@status-stack/node';
import { SqliteStorage, createAccount, writeFileAtomic, writeKeystore } from '../src/index.js';
import { mkdirPrivate } from '../src/storage/private-files.js';
import { chat, message } from './helpers/records.js';

const root = mkdtempSync(join(tmpdir(), 'client-modes-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const KDF = { N: 1024 };
const ENODE = `enode://${'ab'.repeat(64)}@127.0.0.1:30303`;

const modeOf = (path: string): string => (lstatSync(path).mode & 0o777).toString(8).padStart(3, '0');

/** Every file and folder under `dir` (not `dir` itself) with its mode. */
function walk(dir: string, out: Map<string, string> = new Map()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    out.set(p, modeOf(p));
    if (lstatSync(p).isDirectory()) walk(p, out);
  }
  return out;
}
/** The entries whose mode is not 0600 (files) / 0700 (folders). */
function wrongModes(dir: string): string[] {
  return [...walk(dir)].filter(([p, m]) => m !== (lstatSync(p).isDirectory() ? '700' : '600')).map(([p, m]) => `${p} ${m}`);
}

for (const umask of [0o022, 0o000]) {
  describe(`under umask ${umask.toString(8).padStart(3, '0')}`, () => {
    let previous: number;
    let base: string;
    const toClose: { close(): unknown }[] = [];
    beforeAll(() => {
      base = join(root, `umask-${umask.toString(8)}`);
      previous = process.umask(umask);
    });
    afterAll(() => {
      process.umask(previous);
    });
    afterEach(async () => {
      for (const c of toClose.splice(0)) await c.close();
    });

    it('status-chat: data dir (and the parents it creates) 0700; account.json, node.key, chat.sqlite and its WAL 0600', async () => {
      const paths = dataPaths(join(base, 'chat', 'nested', 'data'));
      const account = await createAccountIn(paths, 'pw', { kdf: KDF });
      await chatNodeKey(paths);
      const storage = openAccountStorage(paths, account);
      toClose.push(storage);
      await storage.putChat(chat('status'));
      await storage.insertMessage(message('0x01', 'status', 1n));
      // While the database is open its WAL exists: it must have the main file's 0600.
      expect(existsSync(`${paths.database}-wal`)).toBe(true);
      expect(modeOf(`${paths.database}-wal`)).toBe('600');
      expect(wrongModes(join(base, 'chat'))).toEqual([]);
      await storage.close();
      toClose.pop();
      expect(modeOf(join(base, 'chat'))).toBe('700');
      expect(wrongModes(join(base, 'chat'))).toEqual([]);
      expect(readdirSync(paths.dir).sort()).toEqual(['account.json', 'chat.sqlite', 'node.key']);
    });

    it('a shared (non-exclusive) database: its -wal and -shm are 0600 too', async () => {
      const dir = join(base, 'shared');
      mkdirPrivate(dir);
      const path = join(dir, 'db.sqlite');
      const s = SqliteStorage.open(path, { exclusive: false, key: new Uint8Array(32).fill(3) });
      toClose.push(s);
      await s.putSetting('k', 'v');
      expect(existsSync(`${path}-shm`)).toBe(true);
      expect(wrongModes(dir)).toEqual([]);
    });

    it('status-node: data dir 0700; node key, SQLite archive (and its WAL) and peer cache 0600', async () => {
      const dataDir = join(base, 'node', 'data');
      const node = await startStatusNode(parseNodeOptions({ listen: '127.0.0.1:0', dataDir, mailserver: true }), { logger: () => undefined });
      try {
        expect(existsSync(join(dataDir, 'nodekey'))).toBe(true);
        expect(existsSync(join(dataDir, 'mailserver.db'))).toBe(true);
        expect(wrongModes(join(base, 'node'))).toEqual([]);
        await new JsonFilePeerCache(join(dataDir, 'peers.json')).save([ENODE]);
      } finally {
        await node.stop();
      }
      expect(modeOf(join(base, 'node'))).toBe('700');
      expect(wrongModes(join(base, 'node'))).toEqual([]);
      const own = await loadOrCreateNodeKey(join(base, 'node', 'keys', 'other.key'));
      expect(own.created).toBe(true);
      expect(wrongModes(join(base, 'node'))).toEqual([]);
    });

    it('the peer cache on its own: the folders it creates 0700, the file 0600', async () => {
      const file = join(base, 'cache', 'deep', 'peers.json');
      await new JsonFilePeerCache(file).save([ENODE]);
      await new JsonFilePeerCache(file).save([ENODE, ENODE.replace('ab', 'cd')]);
      expect(modeOf(join(base, 'cache', 'deep'))).toBe('700');
      expect(modeOf(file)).toBe('600');
      expect(readdirSync(join(base, 'cache', 'deep'))).toEqual(['peers.json']);
    });

    it('files an older version left 0644 are tightened: a database, its WAL, a key store rewritten atomically', async () => {
      const dir = join(base, 'old');
      mkdirPrivate(dir);
      const db = join(dir, 'chat.sqlite');
      const old = SqliteStorage.open(db, { exclusive: false });
      await old.putSetting('k', 'v');
      await old.close();
      chmodSync(db, 0o644);
      writeFileSync(`${db}-wal`, '');
      chmodSync(`${db}-wal`, 0o644);
      const ks = join(dir, 'account.json');
      writeFileSync(ks, '{}');
      chmodSync(ks, 0o644);

      const s = SqliteStorage.open(db, { key: new Uint8Array(32).fill(9) });
      toClose.push(s);
      expect(await s.getSetting('k')).toBe('v');
      await writeKeystore(ks, createAccount(), 'pw', { kdf: KDF });
      await writeFileAtomic(join(dir, 'notes.txt'), 'x');
      expect(wrongModes(dir)).toEqual([]);
    });
  });
}
