// status-chat's data dir and account: one account per data dir (0700), its encrypted key store, its
// SQLite database (encrypted with a key from the key store's scrypt) and its node key, all 0600;
// passwords and mnemonics from a file, the environment or a terminal prompt (hidden input).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { bytesToHex, generatePrivateKey, hexToBytes, isValidPrivateKey } from '@status-stack/crypto';
import { createAccount, recoverAccount } from '../account/account.js';
import { keystoreInfo, unlockKeystoreFile, writeFileAtomic, writeKeystore, type KeystoreInfo } from '../account/keystore.js';
import { mkdirPrivate } from '../storage/private-files.js';
import { SqliteStorage } from '../storage/sqlite-storage.js';
import type { Account, KeystoreKdfParams } from '../types.js';
import { CHAT_CLI_ERROR, ChatCliError } from './chat-errors.js';

/** Environment variables status-chat reads. */
export const CHAT_ENV = {
  DATA_DIR: 'STATUS_CHAT_DATA_DIR',
  PASSWORD: 'STATUS_CHAT_PASSWORD',
  MNEMONIC: 'STATUS_CHAT_MNEMONIC',
  /** scrypt N of new key stores (a power of two); lower it only for tests. */
  SCRYPT_N: 'STATUS_CHAT_SCRYPT_N',
} as const;

export const DEFAULT_DATA_DIR = '~/.status-stack';

export interface DataPaths {
  dir: string;
  keystore: string;
  database: string;
  nodeKey: string;
}

/** `--data-dir`, else $STATUS_CHAT_DATA_DIR, else ~/.status-stack; a leading ~ is the home folder. */
export function resolveDataDir(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const raw = option ?? env[CHAT_ENV.DATA_DIR] ?? DEFAULT_DATA_DIR;
  const expanded = raw === '~' ? homedir() : raw.startsWith('~/') ? join(homedir(), raw.slice(2)) : raw;
  return resolve(expanded);
}

export function dataPaths(dir: string): DataPaths {
  return { dir, keystore: join(dir, 'account.json'), database: join(dir, 'chat.sqlite'), nodeKey: join(dir, 'node.key') };
}

/** scrypt parameters for new key stores: `--scrypt-n`, else $STATUS_CHAT_SCRYPT_N, else the key store's default. */
export function kdfParams(option: number | undefined, env: NodeJS.ProcessEnv = process.env): Partial<KeystoreKdfParams> {
  const raw = option ?? (env[CHAT_ENV.SCRYPT_N] !== undefined ? Number(env[CHAT_ENV.SCRYPT_N]) : undefined);
  if (raw === undefined) return {};
  if (!Number.isInteger(raw) || raw < 2 || raw > 2 ** 20 || (raw & (raw - 1)) !== 0) {
    throw new ChatCliError(CHAT_CLI_ERROR.USAGE, `scrypt N must be a power of two 2…2^20, got ${raw}`);
  }
  return { N: raw };
}

export function hasAccount(paths: DataPaths): boolean {
  return existsSync(paths.keystore);
}

/** The public part of the data dir's account (no password needed). */
export function accountInfo(paths: DataPaths): KeystoreInfo {
  if (!hasAccount(paths)) throw new ChatCliError(CHAT_CLI_ERROR.NO_ACCOUNT, `no account in ${paths.dir} (create one: status-chat account new)`);
  return keystoreInfo(readFileSync(paths.keystore, 'utf8'));
}

/** Creates the data dir's account (a new one, or recovered from `mnemonic`) and writes its key store. */
export async function createAccountIn(paths: DataPaths, password: string, options: { mnemonic?: string; kdf?: Partial<KeystoreKdfParams> } = {}): Promise<Account> {
  if (hasAccount(paths)) throw new ChatCliError(CHAT_CLI_ERROR.ACCOUNT_EXISTS, `${paths.keystore} already holds an account`);
  if (password === '') throw new ChatCliError(CHAT_CLI_ERROR.NO_PASSWORD, 'an empty password protects nothing');
  const account = options.mnemonic === undefined ? createAccount() : recoverAccount(options.mnemonic);
  mkdirPrivate(paths.dir);
  storageKeys.set(account, await writeKeystore(paths.keystore, account, password, { kdf: options.kdf }));
  return account;
}

export async function openAccount(paths: DataPaths, password: string): Promise<Account> {
  if (!hasAccount(paths)) throw new ChatCliError(CHAT_CLI_ERROR.NO_ACCOUNT, `no account in ${paths.dir} (create one: status-chat account new, or recover: status-chat account recover)`);
  const { account, storageKey } = await unlockKeystoreFile(paths.keystore, password);
  storageKeys.set(account, storageKey);
  return account;
}

/** Storage keys of the accounts this process opened or created (derived with their key store's scrypt). */
const storageKeys = new WeakMap<Account, Uint8Array>();

/** The key of the data dir's database, for an account from `openAccount` or `createAccountIn`. */
export function accountStorageKey(account: Account): Uint8Array {
  const key = storageKeys.get(account);
  if (!key) throw new Error('this account was not opened from its key store (openAccount / createAccountIn): no storage key');
  return key;
}

/**
 * Opens the data dir's database (0600), encrypted with the account's storage key; a database
 * written unencrypted by an older version is encrypted in place on this first open. A key that
 * does not open it fails with StorageError WRONG_KEY.
 */
export function openAccountStorage(paths: DataPaths, account: Account): SqliteStorage {
  return SqliteStorage.open(paths.database, { key: accountStorageKey(account) });
}

/** The node key kept in the data dir, so our enode stays the same across runs. */
export async function loadOrCreateNodeKey(paths: DataPaths): Promise<Uint8Array> {
  if (existsSync(paths.nodeKey)) {
    const text = readFileSync(paths.nodeKey, 'utf8').trim();
    const key = /^(0x)?[0-9a-fA-F]{64}$/.test(text) ? hexToBytes(text) : undefined;
    if (key && isValidPrivateKey(key)) return key;
    throw new ChatCliError(CHAT_CLI_ERROR.USAGE, `${paths.nodeKey} is not a 32-byte hex private key`);
  }
  const key = generatePrivateKey();
  mkdirPrivate(paths.dir);
  await writeFileAtomic(paths.nodeKey, `${bytesToHex(key)}\n`);
  return key;
}

// ------------------------------------------------------------------ secrets from the user

export interface SecretSources {
  /** A file whose first line is the secret. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  input?: NodeJS.ReadStream;
  output?: NodeJS.WriteStream;
}

function firstLine(path: string): string {
  try {
    return readFileSync(path, 'utf8').split(/\r?\n/, 1)[0];
  } catch (e) {
    throw new ChatCliError(CHAT_CLI_ERROR.USAGE, `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Reads a line from the terminal without echoing it (raw mode; Backspace edits, Ctrl-C / Ctrl-D
 * abort). The stream is paused again afterwards so a readline interface can take it over.
 */
export function promptHidden(question: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    // Raw (no echo) before the question shows: what is typed after seeing it is never echoed.
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    output.write(question);
    input.setEncoding('utf8');
    input.resume();
    let value = '';
    const done = (err?: Error): void => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolvePromise(value);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new ChatCliError(CHAT_CLI_ERROR.NO_PASSWORD, 'cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}

/** Reads one visible line from the terminal. */
export function promptLine(question: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    output.write(question);
    input.setEncoding('utf8');
    input.resume();
    let value = '';
    const onData = (chunk: string): void => {
      const nl = chunk.search(/[\r\n]/);
      if (nl < 0) {
        value += chunk;
        return;
      }
      value += chunk.slice(0, nl);
      input.off('data', onData);
      input.off('end', onEnd);
      input.pause();
      resolvePromise(value);
    };
    const onEnd = (): void => {
      input.off('data', onData);
      reject(new ChatCliError(CHAT_CLI_ERROR.USAGE, 'input ended'));
    };
    input.on('data', onData);
    input.once('end', onEnd);
  });
}

/** The password: `--password-file`, else $STATUS_CHAT_PASSWORD, else asked on the terminal (twice when `confirm`). */
export async function obtainPassword(src: SecretSources, confirm: boolean): Promise<string> {
  const env = src.env ?? process.env;
  if (src.file !== undefined) return firstLine(src.file);
  const fromEnv = env[CHAT_ENV.PASSWORD];
  if (fromEnv !== undefined) return fromEnv;
  const input = src.input ?? process.stdin;
  const output = src.output ?? process.stderr;
  if (!input.isTTY) throw new ChatCliError(CHAT_CLI_ERROR.NO_PASSWORD, `a password is needed: give --password-file or set ${CHAT_ENV.PASSWORD} (no terminal to ask on)`);
  for (;;) {
    const pw = await promptHidden('Password: ', input, output);
    if (!confirm) return pw;
    if (pw.length < 1) {
      output.write('The password must not be empty.\n');
      continue;
    }
    if ((await promptHidden('Repeat the password: ', input, output)) === pw) return pw;
    output.write('The passwords differ; again.\n');
  }
}

/** The mnemonic to recover: `--mnemonic-file`, else $STATUS_CHAT_MNEMONIC, else the terminal (hidden) or stdin's first line. */
export async function obtainMnemonic(src: SecretSources): Promise<string> {
  const env = src.env ?? process.env;
  if (src.file !== undefined) return firstLine(src.file);
  const fromEnv = env[CHAT_ENV.MNEMONIC];
  if (fromEnv !== undefined) return fromEnv;
  const input = src.input ?? process.stdin;
  const output = src.output ?? process.stderr;
  if (input.isTTY) return promptHidden('Mnemonic (12 words): ', input, output);
  return promptLine('', input, output);
}
