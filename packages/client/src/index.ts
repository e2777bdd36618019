export const PACKAGE = '@status-stack/client';

export {
  ACCOUNT_ERROR,
  AccountError,
  type AccountErrorCode,
  KEYSTORE_ERROR,
  KeystoreError,
  type KeystoreErrorCode,
  STORAGE_ERROR,
  StorageError,
  type StorageErrorCode,
} from './errors.js';
export type {
  Account,
  AccountRecord,
  ChatRecord,
  ChatType,
  ClientStorage,
  ContactRecord,
  DeliveryState,
  DerivedKey,
  InstallationRecord,
  KeystoreKdfParams,
  KeystoreOptions,
  KvEntry,
  MessageCursor,
  MessagePage,
  MessagePageOptions,
  MessageRecord,
  PrivateKeyBytes,
  PublicKeyBytes,
  SqliteStorageOptions,
  WalletKey,
} from './types.js';
export {
  DERIVATION_PATH,
  MNEMONIC_STRENGTH_BITS,
  type AccountOptions,
  createAccount,
  recoverAccount,
  generateMnemonic,
  normalizeMnemonic,
  masterKeyFromMnemonic,
  deriveChatKey,
  deriveWalletKey,
  ethereumAddress,
  publicKeyToHex,
} from './account/account.js';
export { THREE_WORD_NAME_WORDS, threeWordName, threeWordNameFromSeed, threeWordNameSeed } from './account/three-word-name.js';
export {
  INSTALLATION_ID_SETTING,
  newInstallationId,
  isInstallationId,
  loadOrCreateInstallationId,
} from './account/installation-id.js';
export {
  KEYSTORE_FORMAT,
  KEYSTORE_VERSION,
  KEYSTORE_DEFAULT_KDF,
  type KeystoreFile,
  type KeystoreInfo,
  type SealedKeystore,
  type UnlockedKeystore,
  encryptKeystore,
  sealKeystore,
  decryptKeystore,
  unlockKeystore,
  unlockKeystoreFile,
  parseKeystore,
  keystoreInfo,
  writeKeystore,
  readKeystore,
  writeFileAtomic,
} from './account/keystore.js';
export { MemoryStorage } from './storage/memory-storage.js';
export { SqliteStorage, STORAGE_CIPHER, STORAGE_KEY_LENGTH } from './storage/sqlite-storage.js';
export { SCHEMA_VERSION } from './storage/migrations.js';
export { inspectEnvelope, inspectDecodedEnvelope, inspectInput, prepareKeys, parseEnvelopes, parseHex, splitInputLines, toJsonValue, INSPECT_ERROR, InspectError, type InspectErrorCode, type InspectKeys, type InspectOptions, type InspectResult, type KeyRing } from './cli/inspect.js';
export * from './client/index.js';
