import { generateMnemonic as bip39Generate, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import { HDKey } from '@scure/bip32';
import { bytesToHex, getPublicKey, keccak256, utf8ToBytes } from '@status-stack/crypto';
import { ACCOUNT_ERROR, AccountError } from '../errors.js';
import type { Account, DerivedKey, WalletKey } from '../types.js';
import { threeWordName } from './three-word-name.js';

/** BIP32 paths status-go v0.62 derives (account/generator, multiaccounts). */
export const DERIVATION_PATH = {
  /** The identity key that signs chat messages and anchors X3DH (EIP-1581 root, first key). */
  CHAT: "m/43'/60'/1581'/0'/0",
  /** Wallet keys are `WALLET_ROOT/i` (BIP44, Ethereum). */
  WALLET_ROOT: "m/44'/60'/0'/0",
} as const;

/** status-go creates 12-word (128-bit) English mnemonics. */
export const MNEMONIC_STRENGTH_BITS = 128;
const MAX_WALLET_INDEX = 0x7fffffff;

export interface AccountOptions {
  /** How many wallet keys to derive (indices 0…n-1); default 1. */
  walletKeys?: number;
  /** BIP39 passphrase; status-go uses none (''), the default. */
  passphrase?: string;
}

/** A new random 12-word English mnemonic. */
export function generateMnemonic(): string {
  return bip39Generate(english, MNEMONIC_STRENGTH_BITS);
}

/** Lower-cases and collapses whitespace; throws INVALID_MNEMONIC unless it is a valid English BIP39 phrase. */
export function normalizeMnemonic(mnemonic: string): string {
  const normalized = mnemonic.normalize('NFKD').trim().toLowerCase().split(/\s+/).join(' ');
  const words = normalized.split(' ');
  if (!validateMnemonic(normalized, english)) {
    const unknown = words.filter((w) => !english.includes(w));
    const why = unknown.length > 0 ? `unknown words: ${unknown.slice(0, 3).join(', ')}` : `bad checksum or length (${words.length} words)`;
    throw new AccountError(ACCOUNT_ERROR.INVALID_MNEMONIC, `not a valid English BIP39 mnemonic: ${why}`);
  }
  return normalized;
}

/** The BIP32 root of a mnemonic. */
export function masterKeyFromMnemonic(mnemonic: string, passphrase = ''): HDKey {
  return HDKey.fromMasterSeed(mnemonicToSeedSync(normalizeMnemonic(mnemonic), passphrase));
}

function derive(root: HDKey, path: string): DerivedKey {
  let node: HDKey;
  try {
    node = root.derive(path);
  } catch (err) {
    throw new AccountError(ACCOUNT_ERROR.DERIVATION_FAILED, `cannot derive ${path}`, { cause: err });
  }
  const privateKey = node.privateKey;
  if (!privateKey) throw new AccountError(ACCOUNT_ERROR.DERIVATION_FAILED, `no private key at ${path}`);
  return { path, privateKey: Uint8Array.from(privateKey), publicKey: getPublicKey(privateKey, false) };
}

/** The chat (identity) key of a BIP32 root. */
export function deriveChatKey(root: HDKey): DerivedKey {
  return derive(root, DERIVATION_PATH.CHAT);
}

/** The wallet key `m/44'/60'/0'/0/index` of a BIP32 root. */
export function deriveWalletKey(root: HDKey, index: number): WalletKey {
  if (!Number.isInteger(index) || index < 0 || index > MAX_WALLET_INDEX) {
    throw new AccountError(ACCOUNT_ERROR.INVALID_INDEX, `wallet key index must be an integer in 0…2^31-1: ${index}`);
  }
  const key = derive(root, `${DERIVATION_PATH.WALLET_ROOT}/${index}`);
  return { ...key, index, address: ethereumAddress(key.publicKey) };
}

/** EIP-55 checksummed address of a 65-byte uncompressed public key. */
export function ethereumAddress(publicKey: Uint8Array): string {
  if (publicKey.length !== 65 || publicKey[0] !== 4) {
    throw new AccountError(ACCOUNT_ERROR.INVALID_PUBLIC_KEY, `expected a 65-byte uncompressed key, got ${publicKey.length} bytes`);
  }
  const lower = bytesToHex(keccak256(publicKey.subarray(1)).subarray(12));
  const hash = bytesToHex(keccak256(utf8ToBytes(lower)));
  let out = '0x';
  for (let i = 0; i < lower.length; i++) {
    out += parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i];
  }
  return out;
}

/** `0x04…` lower-case hex of a public key, the form status-go uses for ids. */
export function publicKeyToHex(publicKey: Uint8Array): string {
  return `0x${bytesToHex(publicKey)}`;
}

/** Recovers an account (chat key, name, wallet keys) from its mnemonic. */
export function recoverAccount(mnemonic: string, options: AccountOptions = {}): Account {
  const walletCount = options.walletKeys ?? 1;
  if (!Number.isInteger(walletCount) || walletCount < 0 || walletCount > 1000) {
    throw new AccountError(ACCOUNT_ERROR.INVALID_INDEX, `walletKeys must be an integer in 0…1000: ${walletCount}`);
  }
  const normalized = normalizeMnemonic(mnemonic);
  const root = HDKey.fromMasterSeed(mnemonicToSeedSync(normalized, options.passphrase ?? ''));
  const chatKey = deriveChatKey(root);
  const walletKeys: WalletKey[] = [];
  for (let i = 0; i < walletCount; i++) walletKeys.push(deriveWalletKey(root, i));
  return {
    mnemonic: normalized,
    chatKey,
    publicKeyHex: publicKeyToHex(chatKey.publicKey),
    name: threeWordName(chatKey.publicKey),
    walletKeys,
  };
}

/** Creates an account from a new random 12-word mnemonic. */
export function createAccount(options: AccountOptions = {}): Account {
  return recoverAccount(generateMnemonic(), options);
}
