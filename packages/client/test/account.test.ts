import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mnemonicToSeedSync } from '@scure/bip39';
import { bytesToHex, getPublicKey, sign, recoverPublicKey, keccak256, equalBytes, utf8ToBytes } from '@status-stack/crypto';
import {
  ACCOUNT_ERROR,
  AccountError,
  DERIVATION_PATH,
  MemoryStorage,
  createAccount,
  deriveWalletKey,
  ethereumAddress,
  generateMnemonic,
  isInstallationId,
  loadOrCreateInstallationId,
  masterKeyFromMnemonic,
  newInstallationId,
  normalizeMnemonic,
  recoverAccount,
  threeWordName,
} from '../src/index.js';

interface Published {
  bip39_trezor: { mnemonic: string; passphrase: string; seed: string; bip32_xprv: string }[];
  bip39_no_passphrase: { mnemonic: string; seed: string; wallet_address_m_44_60_0_0_0: string };
  status_chat_key: { mnemonic: string; passphrase: string; master_public_key: string; chat_path: string; chat_public_key: string };
}
const published = JSON.parse(readFileSync(new URL('../../../vectors/client/bip39-bip32-published.json', import.meta.url), 'utf8')) as Published;

describe('accounts: BIP39 / BIP32 known answers', () => {
  it('derives the BIP39 reference seed and BIP32 root (passphrase TREZOR)', () => {
    for (const v of published.bip39_trezor) {
      expect(bytesToHex(mnemonicToSeedSync(normalizeMnemonic(v.mnemonic), v.passphrase))).toBe(v.seed);
      expect(masterKeyFromMnemonic(v.mnemonic, v.passphrase).privateExtendedKey).toBe(v.bip32_xprv);
    }
  });

  it('derives the published wallet address at m/44\'/60\'/0\'/0/0', () => {
    const v = published.bip39_no_passphrase;
    expect(bytesToHex(mnemonicToSeedSync(v.mnemonic, ''))).toBe(v.seed);
    const account = recoverAccount(v.mnemonic);
    expect(account.walletKeys).toHaveLength(1);
    expect(account.walletKeys[0].path).toBe("m/44'/60'/0'/0/0");
    expect(account.walletKeys[0].address).toBe(v.wallet_address_m_44_60_0_0_0);
  });

  it("derives the Status chat key at m/43'/60'/1581'/0'/0 as the Keycard does", () => {
    const v = published.status_chat_key;
    expect(v.chat_path).toBe(DERIVATION_PATH.CHAT);
    const root = masterKeyFromMnemonic(v.mnemonic, v.passphrase);
    expect(bytesToHex(getPublicKey(root.privateKey as Uint8Array, false))).toBe(v.master_public_key);
    const account = recoverAccount(v.mnemonic, { passphrase: v.passphrase });
    expect(account.chatKey.path).toBe(DERIVATION_PATH.CHAT);
    expect(account.publicKeyHex).toBe(`0x${v.chat_public_key}`);
    expect(account.name).toBe(threeWordName(account.chatKey.publicKey));
  });
});

describe('accounts: create and recover', () => {
  it('creates 12-word English mnemonics and recovers the same account from them', () => {
    const a = createAccount({ walletKeys: 3 });
    expect(a.mnemonic.split(' ')).toHaveLength(12);
    expect(a.walletKeys.map((k) => k.index)).toEqual([0, 1, 2]);
    expect(new Set(a.walletKeys.map((k) => k.address)).size).toBe(3);
    const b = recoverAccount(`  ${a.mnemonic.toUpperCase().replace(/ /g, '   ')}\n`, { walletKeys: 3 });
    expect(b.mnemonic).toBe(a.mnemonic);
    expect(b.publicKeyHex).toBe(a.publicKeyHex);
    expect(equalBytes(b.chatKey.privateKey, a.chatKey.privateKey)).toBe(true);
    expect(b.walletKeys.map((k) => k.address)).toEqual(a.walletKeys.map((k) => k.address));
    expect(generateMnemonic()).not.toBe(generateMnemonic());
  });

  it('gives a chat key whose signatures recover to the account public key', () => {
    const a = createAccount();
    expect(a.chatKey.publicKey).toHaveLength(65);
    expect(a.publicKeyHex).toMatch(/^0x04[0-9a-f]{128}$/);
    const digest = keccak256(utf8ToBytes('hello'));
    expect(equalBytes(recoverPublicKey(digest, sign(digest, a.chatKey.privateKey)), a.chatKey.publicKey)).toBe(true);
    expect(a.chatKey.publicKey).not.toEqual(a.walletKeys[0].publicKey);
  });

  it('rejects bad mnemonics and indices with typed errors', () => {
    const valid = generateMnemonic().split(' ');
    const cases = [
      'not a mnemonic at all',
      [...valid.slice(0, 11), valid[0] === 'zoo' ? 'abandon' : 'zoo'].join(' '), // checksum (almost surely) broken
      valid.slice(0, 11).join(' '),
      '',
    ];
    let rejected = 0;
    for (const m of cases) {
      try {
        recoverAccount(m);
      } catch (err) {
        expect(err).toBeInstanceOf(AccountError);
        expect((err as AccountError).code).toBe(ACCOUNT_ERROR.INVALID_MNEMONIC);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThanOrEqual(3);
    const root = masterKeyFromMnemonic(valid.join(' '));
    for (const index of [-1, 1.5, 2 ** 31]) {
      expect(() => deriveWalletKey(root, index)).toThrow(AccountError);
    }
    expect(() => ethereumAddress(new Uint8Array(33))).toThrow(AccountError);
  });

  it('computes EIP-55 checksummed addresses (EIP-55 examples from keys are in the vectors above)', () => {
    const a = createAccount();
    const addr = a.walletKeys[0].address;
    expect(addr).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(addr.slice(2).toLowerCase()).toBe(bytesToHex(keccak256(a.walletKeys[0].publicKey.subarray(1)).subarray(12)));
  });
});

describe('installation id', () => {
  it('is a UUID v4, generated once per storage and then stable', async () => {
    const id = newInstallationId();
    expect(isInstallationId(id)).toBe(true);
    expect(isInstallationId('not-a-uuid')).toBe(false);
    const storage = new MemoryStorage();
    const first = await loadOrCreateInstallationId(storage);
    expect(isInstallationId(first)).toBe(true);
    expect(await loadOrCreateInstallationId(storage)).toBe(first);
    const other = await loadOrCreateInstallationId(new MemoryStorage());
    expect(other).not.toBe(first);
    await storage.close();
  });
});
