// status-chat's data dir: the database is encrypted with the key the account's password yields
// (through the key store's scrypt), survives a new process unlocking the account, is encrypted in
// place when an older version left it plain, and a key store that is not the database's one is WRONG_KEY.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { accountStorageKey, createAccountIn, dataPaths, openAccount, openAccountStorage } from '../src/cli/chat-account.js';
import { STORAGE_ERROR, SqliteStorage, StorageError, createAccount } from '../src/index.js';
import { chat, message } from './helpers/records.js';

const root = mkdtempSync(join(tmpdir(), 'client-chat-storage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const KDF = { N: 1024 };
const TEXT = 'chat-account-storage: the heron flies at noon';
let n = 0;

describe('the data dir database of status-chat', () => {
  it('is encrypted with the key of the account password, and opens again after a fresh unlock', async () => {
    const paths = dataPaths(join(root, `dir-${n++}`));
    const created = await createAccountIn(paths, 'pw', { kdf: KDF });
    const s = openAccountStorage(paths, created);
    expect(s.encrypted).toBe(true);
    await s.putChat(chat('status'));
    await s.insertMessage(message('0x01', 'status', 1n, { text: TEXT }));
    await s.close();
    expect(readFileSync(paths.database).includes(Buffer.from(TEXT))).toBe(false);

    // A later run: the password unlocks the key store, whose scrypt yields the same key.
    const unlocked = await openAccount(paths, 'pw');
    expect(accountStorageKey(unlocked)).toEqual(accountStorageKey(created));
    const again = openAccountStorage(paths, unlocked);
    expect((await again.getMessage('0x01'))?.text).toBe(TEXT);
    await again.close();
  });

  it('a plain chat.sqlite from an older version is encrypted on the first open, rows kept', async () => {
    const paths = dataPaths(join(root, `dir-${n++}`));
    const account = await createAccountIn(paths, 'pw', { kdf: KDF });
    const old = SqliteStorage.open(paths.database);
    await old.insertMessage(message('0x02', 'status', 2n, { text: TEXT }));
    await old.close();
    expect(readFileSync(paths.database).includes(Buffer.from(TEXT))).toBe(true);

    const s = openAccountStorage(paths, account);
    expect((await s.getMessage('0x02'))?.text).toBe(TEXT);
    await s.close();
    expect(readFileSync(paths.database).includes(Buffer.from(TEXT))).toBe(false);
  });

  it('a database written under another key store (an account recovered anew) is WRONG_KEY, not garbage', async () => {
    const paths = dataPaths(join(root, `dir-${n++}`));
    const first = await createAccountIn(paths, 'pw', { kdf: KDF });
    await openAccountStorage(paths, first).close();
    rmSync(paths.keystore);
    const second = await createAccountIn(paths, 'pw', { kdf: KDF, mnemonic: first.mnemonic });
    expect(second.publicKeyHex).toBe(first.publicKeyHex);
    let err: unknown;
    try {
      openAccountStorage(paths, second);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe(STORAGE_ERROR.WRONG_KEY);
  });

  it('refuses an account that was not opened from its key store (no storage key to give)', () => {
    const paths = dataPaths(join(root, `dir-${n++}`));
    expect(() => openAccountStorage(paths, createAccount())).toThrow(/not opened from its key store/);
  });
});
