// The exported SessionStore contract, run against the store this package ships (and its snapshot).
import { MemorySessionStore } from '../src/index.js';
import { sessionStoreContract } from '../src/testing.js';

sessionStoreContract('MemorySessionStore', () => new MemorySessionStore());
sessionStoreContract('MemorySessionStore (snapshot and restore)', {
  create: () => new MemorySessionStore(),
  reopen: (store) => MemorySessionStore.restore((store as MemorySessionStore).snapshot()),
});
