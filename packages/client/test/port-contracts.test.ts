// The secure transport's and MVDS's exported store contracts, run against the client's stores on
// every ClientStorage: the same suites a third-party store would run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { mvdsStoreContract } from '@status-stack/mvds/testing';
import { sessionStoreContract } from '@status-stack/secure-transport/testing';
import { MemoryStorage, SqliteStorage, StorageMvdsStore, StorageSessionStore, type ClientStorage } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'client-port-contracts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const key = new Uint8Array(32).fill(7);

/** Which storage each store sits on, to close and reopen it. */
const storageOf = new WeakMap<object, { storage: ClientStorage; path?: string }>();

function on<T extends object>(make: (s: ClientStorage) => T, storage: ClientStorage, path?: string): T {
  const store = make(storage);
  storageOf.set(store, { storage, path });
  return store;
}

function sqlite(): { storage: SqliteStorage; path: string } {
  const path = join(dir, `store-${counter++}.db`);
  return { storage: SqliteStorage.open(path, { key }), path };
}

async function reopen<T extends object>(store: T, make: (s: ClientStorage) => T): Promise<T> {
  const { storage, path } = storageOf.get(store)!;
  await storage.close();
  return on(make, SqliteStorage.open(path!, { key }), path);
}

async function dispose(store: object): Promise<void> {
  await storageOf.get(store)?.storage.close();
}

const session = (s: ClientStorage): StorageSessionStore => new StorageSessionStore(s);
const mvds = (s: ClientStorage): StorageMvdsStore => new StorageMvdsStore(s);

sessionStoreContract('StorageSessionStore on MemoryStorage', { create: () => on(session, new MemoryStorage()), dispose });
sessionStoreContract('StorageSessionStore on encrypted SqliteStorage', {
  create: () => {
    const { storage, path } = sqlite();
    return on(session, storage, path);
  },
  reopen: (store) => reopen(store as StorageSessionStore, session),
  dispose,
});
mvdsStoreContract('StorageMvdsStore on MemoryStorage', { create: () => on(mvds, new MemoryStorage()), dispose });
mvdsStoreContract('StorageMvdsStore on encrypted SqliteStorage', {
  create: () => {
    const { storage, path } = sqlite();
    return on(mvds, storage, path);
  },
  reopen: (store) => reopen(store as StorageMvdsStore, mvds),
  dispose,
});
