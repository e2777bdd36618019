import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ChaCha20Poly1305 } from '@stablelib/chacha20poly1305';
import {
  bytesToHex,
  bytesToUtf8,
  equalBytes,
  getPublicKey,
  hkdfSha256,
  isValidPrivateKey,
  keccak256,
  randomBytes,
  scryptAsync,
  utf8ToBytes,
} from '@status-stack/crypto';
import { KEYSTORE_ERROR, KeystoreError } from '../errors.js';
import type { Account, DerivedKey, KeystoreKdfParams, KeystoreOptions, WalletKey } from '../types.js';
import { ethereumAddress, normalizeMnemonic, publicKeyToHex } from './account.js';
import { threeWordName } from './three-word-name.js';

/**
 * Key store file format, version 1 (ours; JSON, UTF-8, one object):
 *   format      "status-stack-keystore"
 *   version     1
 *   publicKey   "0x04…" chat public key, in the clear so an app can list accounts without a password
 *   kdf         { name: "scrypt", n, r, p, salt: hex(32) }; scrypt(password, salt) → 64 bytes dk
 *   check       hex(keccak256(dk[32:64])): tells a wrong password from a damaged file
 *   cipher      { name: "chacha20-poly1305", nonce: hex(12) }; key dk[0:32]
 *   ciphertext  hex(sealed plaintext ‖ tag16); associated data = UTF-8 JSON of
 *               [format, version, publicKey, n, r, p, salt, nonce], so the header cannot be swapped
 *   plaintext   UTF-8 JSON { mnemonic, chatKey: { path, privateKey }, walletKeys: [{ path, index, privateKey }] }
 *
 * The same scrypt output also keys the account's database (not stored anywhere):
 *   storage key = HKDF-SHA256(ikm dk[0:64], no salt, info "status-stack storage key v1", 32 bytes)
 * independent of dk[0:32] and of the check value, so the password's one slow KDF opens both.
 */
export const KEYSTORE_FORMAT = 'status-stack-keystore';
export const KEYSTORE_VERSION = 1;
export const KEYSTORE_DEFAULT_KDF: Readonly<KeystoreKdfParams> = { N: 2 ** 15, r: 8, p: 1 };

const SALT_LENGTH = 32;
const NONCE_LENGTH = 12;
const DK_LENGTH = 64;
const TAG_LENGTH = 16;
const MAX_N = 2 ** 20;
const MAX_FILE_BYTES = 1 << 20;
const STORAGE_KEY_INFO = utf8ToBytes('status-stack storage key v1');

export interface KeystoreFile {
  format: typeof KEYSTORE_FORMAT;
  version: typeof KEYSTORE_VERSION;
  publicKey: string;
  kdf: { name: 'scrypt'; n: number; r: number; p: number; salt: string };
  check: string;
  cipher: { name: 'chacha20-poly1305'; nonce: string };
  ciphertext: string;
}

/** An opened key store: the account, and the key of its encrypted database (`SqliteStorageOptions.key`). */
export interface UnlockedKeystore {
  account: Account;
  /** 32 bytes derived from the password with the key store's scrypt; the same for every open of this file. */
  storageKey: Uint8Array;
}

/** A new key store's text, and the storage key that goes with it. */
export interface SealedKeystore {
  text: string;
  storageKey: Uint8Array;
}

/** What can be read from a key store without its password. */
export interface KeystoreInfo {
  publicKey: string;
  name: string;
  kdf: KeystoreKdfParams;
}

interface Plaintext {
  mnemonic: string;
  chatKey: { path: string; privateKey: string };
  walletKeys: { path: string; index: number; privateKey: string }[];
}

function passwordBytes(password: string | Uint8Array): Uint8Array {
  return typeof password === 'string' ? utf8ToBytes(password.normalize('NFKC')) : password;
}

function checkKdf(params: KeystoreKdfParams, code: typeof KEYSTORE_ERROR.INVALID_PARAMS | typeof KEYSTORE_ERROR.CORRUPT_KEYSTORE): void {
  const { N, r, p } = params;
  const ok =
    Number.isInteger(N) && N >= 2 && N <= MAX_N && (N & (N - 1)) === 0 &&
    Number.isInteger(r) && r >= 1 && r <= 32 &&
    Number.isInteger(p) && p >= 1 && p <= 16;
  if (!ok) throw new KeystoreError(code, `scrypt parameters out of range (N power of two 2…2^20, r 1…32, p 1…16): N=${N} r=${r} p=${p}`);
}

function associatedData(publicKey: string, kdf: KeystoreFile['kdf'], nonce: string): Uint8Array {
  return utf8ToBytes(JSON.stringify([KEYSTORE_FORMAT, KEYSTORE_VERSION, publicKey, kdf.n, kdf.r, kdf.p, kdf.salt, nonce]));
}

async function deriveKeys(
  password: string | Uint8Array,
  salt: Uint8Array,
  kdf: KeystoreKdfParams,
): Promise<{ key: Uint8Array; check: Uint8Array; storageKey: Uint8Array }> {
  const dk = await scryptAsync(passwordBytes(password), salt, { N: kdf.N, r: kdf.r, p: kdf.p, dkLen: DK_LENGTH });
  return { key: dk.subarray(0, 32), check: keccak256(dk.subarray(32, 64)), storageKey: hkdfSha256(dk, undefined, STORAGE_KEY_INFO, 32) };
}

/** Serialises an account into an encrypted key store (the file's text, ending in a newline). */
export async function encryptKeystore(account: Account, password: string | Uint8Array, options: KeystoreOptions = {}): Promise<string> {
  return (await sealKeystore(account, password, options)).text;
}

/** Like `encryptKeystore`, and also returns the storage key of the new key store (one scrypt for both). */
export async function sealKeystore(account: Account, password: string | Uint8Array, options: KeystoreOptions = {}): Promise<SealedKeystore> {
  const kdf: KeystoreKdfParams = { ...KEYSTORE_DEFAULT_KDF, ...options.kdf };
  checkKdf(kdf, KEYSTORE_ERROR.INVALID_PARAMS);
  const salt = options.salt ?? randomBytes(SALT_LENGTH);
  const nonce = options.nonce ?? randomBytes(NONCE_LENGTH);
  if (salt.length !== SALT_LENGTH) throw new KeystoreError(KEYSTORE_ERROR.INVALID_PARAMS, `salt must be ${SALT_LENGTH} bytes, got ${salt.length}`);
  if (nonce.length !== NONCE_LENGTH) throw new KeystoreError(KEYSTORE_ERROR.INVALID_PARAMS, `nonce must be ${NONCE_LENGTH} bytes, got ${nonce.length}`);

  const plaintext: Plaintext = {
    mnemonic: account.mnemonic,
    chatKey: { path: account.chatKey.path, privateKey: bytesToHex(account.chatKey.privateKey) },
    walletKeys: account.walletKeys.map((k) => ({ path: k.path, index: k.index, privateKey: bytesToHex(k.privateKey) })),
  };
  const { key, check, storageKey } = await deriveKeys(password, salt, kdf);
  const kdfField: KeystoreFile['kdf'] = { name: 'scrypt', n: kdf.N, r: kdf.r, p: kdf.p, salt: bytesToHex(salt) };
  const nonceHex = bytesToHex(nonce);
  const publicKey = publicKeyToHex(account.chatKey.publicKey);
  const sealed = new ChaCha20Poly1305(key).seal(nonce, utf8ToBytes(JSON.stringify(plaintext)), associatedData(publicKey, kdfField, nonceHex));
  const file: KeystoreFile = {
    format: KEYSTORE_FORMAT,
    version: KEYSTORE_VERSION,
    publicKey,
    kdf: kdfField,
    check: bytesToHex(check),
    cipher: { name: 'chacha20-poly1305', nonce: nonceHex },
    ciphertext: bytesToHex(sealed),
  };
  return { text: `${JSON.stringify(file, null, 2)}\n`, storageKey };
}

function corrupt(what: string): KeystoreError {
  return new KeystoreError(KEYSTORE_ERROR.CORRUPT_KEYSTORE, `corrupt key store: ${what}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hexField(v: unknown, what: string, length?: number): Uint8Array {
  if (typeof v !== 'string' || v.length % 2 !== 0 || !/^[0-9a-f]*$/.test(v)) throw corrupt(`${what} is not lower-case hex`);
  if (length !== undefined && v.length !== 2 * length) throw corrupt(`${what} must be ${length} bytes, got ${v.length / 2}`);
  const out = new Uint8Array(v.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(v.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Parses and validates a key store's structure (no password needed). */
export function parseKeystore(text: string): KeystoreFile {
  if (text.length > MAX_FILE_BYTES) throw corrupt(`file too large (${text.length} characters)`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw corrupt('not JSON');
  }
  if (!isRecord(raw)) throw corrupt('not a JSON object');
  if (raw.format !== KEYSTORE_FORMAT) throw corrupt(`format is ${JSON.stringify(raw.format)}, expected "${KEYSTORE_FORMAT}"`);
  if (raw.version !== KEYSTORE_VERSION) {
    throw new KeystoreError(KEYSTORE_ERROR.UNSUPPORTED_VERSION, `key store version ${JSON.stringify(raw.version)} is not supported (this code reads ${KEYSTORE_VERSION})`);
  }
  const { publicKey, kdf, check, cipher, ciphertext } = raw;
  if (typeof publicKey !== 'string' || !/^0x04[0-9a-f]{128}$/.test(publicKey)) throw corrupt('publicKey is not 0x04… hex of 65 bytes');
  if (!isRecord(kdf) || kdf.name !== 'scrypt') throw corrupt('kdf is not scrypt');
  const { n, r, p, salt } = kdf;
  if (typeof n !== 'number' || typeof r !== 'number' || typeof p !== 'number') throw corrupt('kdf n/r/p are not numbers');
  checkKdf({ N: n, r, p }, KEYSTORE_ERROR.CORRUPT_KEYSTORE);
  hexField(salt, 'kdf.salt', SALT_LENGTH);
  hexField(check, 'check', 32);
  if (!isRecord(cipher) || cipher.name !== 'chacha20-poly1305') throw corrupt('cipher is not chacha20-poly1305');
  hexField(cipher.nonce, 'cipher.nonce', NONCE_LENGTH);
  const ct = hexField(ciphertext, 'ciphertext');
  if (ct.length < TAG_LENGTH) throw corrupt(`ciphertext shorter than its tag (${ct.length} bytes)`);
  return {
    format: KEYSTORE_FORMAT,
    version: KEYSTORE_VERSION,
    publicKey,
    kdf: { name: 'scrypt', n, r, p, salt: salt as string },
    check: check as string,
    cipher: { name: 'chacha20-poly1305', nonce: cipher.nonce as string },
    ciphertext: ciphertext as string,
  };
}

/** The public part of a key store: its account's public key and name, and its KDF cost. */
export function keystoreInfo(text: string): KeystoreInfo {
  const file = parseKeystore(text);
  return { publicKey: file.publicKey, name: threeWordName(file.publicKey), kdf: { N: file.kdf.n, r: file.kdf.r, p: file.kdf.p } };
}

function parsePlaintext(bytes: Uint8Array): Plaintext {
  let raw: unknown;
  try {
    raw = JSON.parse(bytesToUtf8(bytes));
  } catch {
    throw corrupt('decrypted content is not JSON');
  }
  if (!isRecord(raw) || typeof raw.mnemonic !== 'string' || !isRecord(raw.chatKey) || !Array.isArray(raw.walletKeys)) {
    throw corrupt('decrypted content lacks mnemonic, chatKey or walletKeys');
  }
  const { path, privateKey } = raw.chatKey;
  if (typeof path !== 'string' || typeof privateKey !== 'string') throw corrupt('chatKey lacks path or privateKey');
  const walletKeys: Plaintext['walletKeys'] = [];
  for (const k of raw.walletKeys as unknown[]) {
    if (!isRecord(k) || typeof k.path !== 'string' || typeof k.privateKey !== 'string' || typeof k.index !== 'number') {
      throw corrupt('a wallet key lacks path, index or privateKey');
    }
    walletKeys.push({ path: k.path, index: k.index, privateKey: k.privateKey });
  }
  return { mnemonic: raw.mnemonic, chatKey: { path, privateKey }, walletKeys };
}

function keyFromHex(path: string, hex: string): DerivedKey {
  const privateKey = hexField(hex, `private key at ${path}`, 32);
  if (!isValidPrivateKey(privateKey)) throw corrupt(`invalid private key at ${path}`);
  return { path, privateKey, publicKey: getPublicKey(privateKey, false) };
}

/** Opens a key store. Throws WRONG_PASSWORD, CORRUPT_KEYSTORE or UNSUPPORTED_VERSION. */
export async function decryptKeystore(text: string, password: string | Uint8Array): Promise<Account> {
  return (await unlockKeystore(text, password)).account;
}

/** Opens a key store and derives its storage key, with one scrypt. Throws as `decryptKeystore`. */
export async function unlockKeystore(text: string, password: string | Uint8Array): Promise<UnlockedKeystore> {
  const file = parseKeystore(text);
  const salt = hexField(file.kdf.salt, 'kdf.salt', SALT_LENGTH);
  const nonce = hexField(file.cipher.nonce, 'cipher.nonce', NONCE_LENGTH);
  const { key, check, storageKey } = await deriveKeys(password, salt, { N: file.kdf.n, r: file.kdf.r, p: file.kdf.p });
  if (!equalBytes(check, hexField(file.check, 'check', 32))) {
    throw new KeystoreError(KEYSTORE_ERROR.WRONG_PASSWORD, `wrong password for key store of ${file.publicKey.slice(0, 18)}…`);
  }
  const opened = new ChaCha20Poly1305(key).open(nonce, hexField(file.ciphertext, 'ciphertext'), associatedData(file.publicKey, file.kdf, file.cipher.nonce));
  if (!opened) throw corrupt('authentication failed (the password is right, so the file was altered)');
  const plain = parsePlaintext(opened);
  let mnemonic: string;
  try {
    mnemonic = normalizeMnemonic(plain.mnemonic);
  } catch {
    throw corrupt('stored mnemonic is not valid');
  }
  const chatKey = keyFromHex(plain.chatKey.path, plain.chatKey.privateKey);
  const publicKeyHex = publicKeyToHex(chatKey.publicKey);
  if (publicKeyHex !== file.publicKey) throw corrupt('stored chat key does not match publicKey');
  const walletKeys: WalletKey[] = plain.walletKeys.map((k) => {
    const key = keyFromHex(k.path, k.privateKey);
    return { ...key, index: k.index, address: ethereumAddress(key.publicKey) };
  });
  return { account: { mnemonic, chatKey, publicKeyHex, name: threeWordName(chatKey.publicKey), walletKeys }, storageKey };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary files of `path` left by writers that died before their rename. */
async function removeStaleTemps(dir: string, base: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const prefix = `.${base}.`;
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid)) {
      await unlink(join(dir, name)).catch(() => undefined);
    }
  }
}

/**
 * Writes `text` to `path` atomically: a temporary file in the same folder (created with `mode`,
 * 0600 by default, exactly, whatever the umask), flushed to disk, then renamed over `path` (rename
 * is atomic on POSIX file systems), then the folder flushed.
 */
export async function writeFileAtomic(path: string, text: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${bytesToHex(randomBytes(6))}.tmp`);
  await removeStaleTemps(dir, basename(path));
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      // The umask may have taken bits off `mode`: set it exactly, before any byte is written.
      await fh.chmod(mode);
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new KeystoreError(KEYSTORE_ERROR.IO, `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself has happened.
  }
}

/** Encrypts `account` and writes it to `path` atomically (mode 0600); returns the new key store's storage key. */
export async function writeKeystore(path: string, account: Account, password: string | Uint8Array, options: KeystoreOptions = {}): Promise<Uint8Array> {
  const { text, storageKey } = await sealKeystore(account, password, options);
  await writeFileAtomic(path, text);
  return storageKey;
}

/** Reads and opens the key store at `path`. */
export async function readKeystore(path: string, password: string | Uint8Array): Promise<Account> {
  return (await unlockKeystoreFile(path, password)).account;
}

/** Reads and opens the key store at `path`, and derives its storage key (one scrypt). */
export async function unlockKeystoreFile(path: string, password: string | Uint8Array): Promise<UnlockedKeystore> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new KeystoreError(KEYSTORE_ERROR.IO, `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return unlockKeystore(text, password);
}
