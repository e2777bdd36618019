// The exported Store contract, run against the store this package ships.
import { MemoryStore } from '../src/index.js';
import { mvdsStoreContract } from '../src/testing.js';

mvdsStoreContract('MemoryStore', () => new MemoryStore());
