import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '@status-stack/crypto';
import {
  KEYSTORE_ERROR,
  KEYSTORE_DEFAULT_KDF,
  KeystoreError,
  type KeystoreErrorCode,
  createAccount,
  decryptKeystore,
  encryptKeystore,
  keystoreInfo,
  readKeystore,
  recoverAccount,
  writeKeystore,
} from '../src/index.js';

interface KeystoreVector {
  input: { mnemonic: string; wallet_keys: number; password: string; kdf: { N: number; r: number; p: number }; salt: string; nonce: string };
  expected: { public_key: string; name: string; chat_private_key: string; wallet_addresses: string[]; file: string };
}
const vector = JSON.parse(readFileSync(new URL('../../../vectors/client/keystore-v1.json', import.meta.url), 'utf8')) as KeystoreVector;
const FAST = { kdf: { N: 1024, r: 8, p: 1 } };
const dir = mkdtempSync(join(tmpdir(), 'client-keystore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function expectCode(p: Promise<unknown>, code: KeystoreErrorCode): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KeystoreError);
  expect((err as KeystoreError).code).toBe(code);
}

describe('key store format v1', () => {
  it('reproduces the checked-in known answer byte for byte', async () => {
    const { input, expected } = vector;
    const account = recoverAccount(input.mnemonic, { walletKeys: input.wallet_keys });
    const text = await encryptKeystore(account, input.password, { kdf: input.kdf, salt: hexToBytes(input.salt), nonce: hexToBytes(input.nonce) });
    expect(text).toBe(expected.file);
  });

  it('opens the known answer back into the account', async () => {
    const { input, expected } = vector;
    const account = await decryptKeystore(expected.file, input.password);
    expect(account.mnemonic).toBe(input.mnemonic);
    expect(account.publicKeyHex).toBe(expected.public_key);
    expect(account.name).toBe(expected.name);
    expect(bytesToHex(account.chatKey.privateKey)).toBe(expected.chat_private_key);
    expect(account.walletKeys.map((k) => k.address)).toEqual(expected.wallet_addresses);
    expect(keystoreInfo(expected.file)).toEqual({ publicKey: expected.public_key, name: expected.name, kdf: input.kdf });
  });

  it('defaults to scrypt N=2^15 r=8 p=1 and random salt and nonce', async () => {
    expect(KEYSTORE_DEFAULT_KDF).toEqual({ N: 32768, r: 8, p: 1 });
    const account = createAccount();
    const a = JSON.parse(await encryptKeystore(account, 'pw', FAST)) as { kdf: { salt: string }; cipher: { nonce: string } };
    const b = JSON.parse(await encryptKeystore(account, 'pw', FAST)) as { kdf: { salt: string }; cipher: { nonce: string } };
    expect(a.kdf.salt).not.toBe(b.kdf.salt);
    expect(a.cipher.nonce).not.toBe(b.cipher.nonce);
    const full = await encryptKeystore(account, 'pw');
    expect(keystoreInfo(full).kdf).toEqual({ N: 32768, r: 8, p: 1 });
    expect((await decryptKeystore(full, 'pw')).publicKeyHex).toBe(account.publicKeyHex);
  });

  it('does not contain the mnemonic or keys in the clear', async () => {
    const account = createAccount();
    const text = await encryptKeystore(account, 'pw', FAST);
    expect(text).not.toContain(account.mnemonic.split(' ')[0] + ' ' + account.mnemonic.split(' ')[1]);
    expect(text).not.toContain(bytesToHex(account.chatKey.privateKey));
  });

  it('says WRONG_PASSWORD for a wrong password, and normalises Unicode passwords (NFKC)', async () => {
    const account = createAccount();
    const text = await encryptKeystore(account, 'pa\u0301ss', FAST); // "pá" decomposed
    await expectCode(decryptKeystore(text, 'pass'), KEYSTORE_ERROR.WRONG_PASSWORD);
    await expectCode(decryptKeystore(text, ''), KEYSTORE_ERROR.WRONG_PASSWORD);
    expect((await decryptKeystore(text, 'p\u00e1ss')).publicKeyHex).toBe(account.publicKeyHex);
  });

  it('says CORRUPT_KEYSTORE for altered or malformed files', async () => {
    const { input, expected } = vector;
    const file = JSON.parse(expected.file) as Record<string, unknown> & { ciphertext: string; publicKey: string; kdf: Record<string, unknown>; cipher: Record<string, unknown> };
    const flip = (hex: string, at: number) => hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);
    const variants: string[] = [
      'not json',
      '[]',
      JSON.stringify({ ...file, format: 'other' }),
      JSON.stringify({ ...file, ciphertext: flip(file.ciphertext, 10) }),
      JSON.stringify({ ...file, ciphertext: file.ciphertext.slice(0, 20) }),
      JSON.stringify({ ...file, ciphertext: 'zz' }),
      JSON.stringify({ ...file, publicKey: flip(file.publicKey, 20) }),
      JSON.stringify({ ...file, cipher: { ...file.cipher, nonce: 'a0a1' } }),
      JSON.stringify({ ...file, kdf: { ...file.kdf, n: 1000 } }),
      JSON.stringify({ ...file, kdf: { ...file.kdf, n: 2 ** 30 } }),
      JSON.stringify({ ...file, kdf: { ...file.kdf, name: 'pbkdf2' } }),
      JSON.stringify({ ...file, check: undefined }),
    ];
    for (const v of variants) await expectCode(decryptKeystore(v, input.password), KEYSTORE_ERROR.CORRUPT_KEYSTORE);
    await expectCode(decryptKeystore(JSON.stringify({ ...file, version: 2 }), input.password), KEYSTORE_ERROR.UNSUPPORTED_VERSION);
  });

  it('rejects out-of-range parameters when writing', async () => {
    const account = createAccount();
    await expectCode(encryptKeystore(account, 'pw', { kdf: { N: 1000 } }), KEYSTORE_ERROR.INVALID_PARAMS);
    await expectCode(encryptKeystore(account, 'pw', { ...FAST, salt: new Uint8Array(8) }), KEYSTORE_ERROR.INVALID_PARAMS);
    await expectCode(encryptKeystore(account, 'pw', { ...FAST, nonce: new Uint8Array(24) }), KEYSTORE_ERROR.INVALID_PARAMS);
  });
});

describe('key store files', () => {
  it('writes atomically (no temp file left) and reads back', async () => {
    const account = createAccount({ walletKeys: 2 });
    const path = join(dir, 'account.json');
    await writeKeystore(path, account, 'secret', FAST);
    const again = createAccount();
    await writeKeystore(path, again, 'secret2', FAST); // replaces the file
    expect(readdirSync(dir).filter((f) => f.includes('account'))).toEqual(['account.json']);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const opened = await readKeystore(path, 'secret2');
    expect(opened.publicKeyHex).toBe(again.publicKeyHex);
    await expectCode(readKeystore(path, 'secret'), KEYSTORE_ERROR.WRONG_PASSWORD);
    await expectCode(readKeystore(join(dir, 'missing.json'), 'x'), KEYSTORE_ERROR.IO);
    await expectCode(writeKeystore(join(dir, 'no-such-dir', 'a.json'), account, 'x', FAST), KEYSTORE_ERROR.IO);
  });

  it('removes temporary files left by a writer that died, and keeps those of live writers', async () => {
    const path = join(dir, 'stale.json');
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const stale = `.stale.json.${deadPid}.0011aabbccdd.tmp`;
    const live = `.stale.json.${process.ppid}.0011aabbccdd.tmp`;
    writeFileSync(join(dir, stale), 'half');
    writeFileSync(join(dir, live), 'in progress');
    await writeKeystore(path, createAccount(), 'pw', FAST);
    const left = readdirSync(dir).filter((f) => f.includes('stale'));
    expect(left.sort()).toEqual([live, 'stale.json'].sort());
  });

  it('a truncated file (a torn write by another tool) is CORRUPT_KEYSTORE, not a crash', async () => {
    const path = join(dir, 'torn.json');
    writeFileSync(path, vector.expected.file.slice(0, 200));
    await expectCode(readKeystore(path, vector.input.password), KEYSTORE_ERROR.CORRUPT_KEYSTORE);
  });
});
