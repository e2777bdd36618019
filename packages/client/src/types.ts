// The client package's public shapes: accounts, the key store, and the storage port.

/** 32-byte secp256k1 private key. */
export type PrivateKeyBytes = Uint8Array;
/** 65-byte uncompressed secp256k1 public key (0x04 ‖ X ‖ Y). */
export type PublicKeyBytes = Uint8Array;

/** One key derived from the account's BIP32 root. */
export interface DerivedKey {
  /** BIP32 path it was derived at, e.g. `m/44'/60'/0'/0/0`. */
  readonly path: string;
  readonly privateKey: PrivateKeyBytes;
  /** 65-byte uncompressed. */
  readonly publicKey: PublicKeyBytes;
}

/** A wallet key (`m/44'/60'/0'/0/i`) with its Ethereum address. */
export interface WalletKey extends DerivedKey {
  readonly index: number;
  /** EIP-55 checksummed `0x…` address. */
  readonly address: string;
}

/** Everything that identifies a user, derived from the mnemonic. Holds secrets: never log it. */
export interface Account {
  /** 12 English BIP39 words, single spaces. */
  readonly mnemonic: string;
  /** The identity ("chat") key at `m/43'/60'/1581'/0'/0`: signs messages, X3DH identity. */
  readonly chatKey: DerivedKey;
  /** `0x04…` hex of the chat public key: the user's id on the network. */
  readonly publicKeyHex: string;
  /** "Adjective Adjective Animal", as status-go computes it from the chat public key. */
  readonly name: string;
  /** Wallet keys derived so far, by index. */
  readonly walletKeys: readonly WalletKey[];
}

/** scrypt cost parameters of a key store. */
export interface KeystoreKdfParams {
  /** CPU/memory cost, a power of two (default 2^15). */
  N: number;
  /** Block size (default 8). */
  r: number;
  /** Parallelism (default 1). */
  p: number;
}

export interface KeystoreOptions {
  /** scrypt parameters; lower them only in tests. */
  kdf?: Partial<KeystoreKdfParams>;
  /** Fixed 32-byte salt: for known-answer vectors only. */
  salt?: Uint8Array;
  /** Fixed 12-byte nonce: for known-answer vectors only. */
  nonce?: Uint8Array;
}

// ---------------------------------------------------------------------------
// Storage

export type ChatType = 'public' | 'one-to-one' | 'private-group';

export interface ChatRecord {
  /** Chat id as status-go forms it: the name of a public chat, the peer's `0x04…` key, a group id. */
  id: string;
  type: ChatType;
  name: string;
  joined: boolean;
  /** Highest Lamport clock seen or sent in this chat. */
  lastClock: bigint;
  /** JSON of the group's membership state (members, admins, events); null for other chats. */
  members: string | null;
  /** Unix milliseconds. */
  createdAt: number;
  /** Unix milliseconds. */
  updatedAt: number;
}

/** Delivery state of a message, as the UI shows it. */
export type DeliveryState = 'pending' | 'sent' | 'delivered' | 'received' | 'failed';

export interface MessageRecord {
  /** `0x…` Status message id (keccak256 of signer key ‖ ApplicationMetadataMessage). */
  id: string;
  chatId: string;
  /** Lamport clock of the message (ChatMessage.clock). */
  clock: bigint;
  /** Sender's wall-clock time, Unix milliseconds (ChatMessage.timestamp). */
  timestamp: number;
  /** Author's `0x04…` public key. */
  from: string;
  text: string;
  /** ChatMessage.content_type. */
  contentType: number;
  /** Id of the message this one replies to, or null. */
  responseTo: string | null;
  /** Further content fields as JSON (sticker, image, ENS name…), or null. */
  content: string | null;
  outgoing: boolean;
  deliveryState: DeliveryState;
  /** The raw bytes the message arrived or left in (for re-sending and re-verification), or null. */
  payload: Uint8Array | null;
  /** When we stored it, Unix milliseconds. */
  receivedAt: number;
}

/** Position in a chat's (clock, id) order. */
export interface MessageCursor {
  clock: bigint;
  id: string;
}

export interface MessagePageOptions {
  /** At most this many messages (1…10,000). */
  limit: number;
  /** 'forward' (default): the oldest first, after `cursor`; 'backward': the newest before `cursor`. */
  direction?: 'forward' | 'backward';
  /** Exclusive bound; absent means from the start ('forward') or the end ('backward'). */
  cursor?: MessageCursor;
}

export interface MessagePage {
  /** Always in ascending (clock, id) order. */
  messages: MessageRecord[];
  /** Pass back to continue in the same direction; absent when nothing is left. */
  next?: MessageCursor;
}

export interface ContactRecord {
  /** `0x04…` public key. */
  publicKey: string;
  /** Display / ENS name the contact gave, or null. */
  name: string | null;
  added: boolean;
  blocked: boolean;
  /** Clock of the last ContactUpdate applied. */
  lastUpdated: bigint;
}

export interface InstallationRecord {
  /** `0x04…` identity (ours or a contact's). */
  identity: string;
  installationId: string;
  enabled: boolean;
  /** Unix milliseconds. */
  lastSeen: number;
  /** JSON: name, device type… or null. */
  metadata: string | null;
}

export interface AccountRecord {
  /** `0x04…` chat public key. */
  publicKey: string;
  name: string;
  /** Unix milliseconds. */
  createdAt: number;
}

export interface KvEntry {
  key: string;
  value: Uint8Array;
}

/**
 * Everything the client keeps, behind one async port. Implementations: `SqliteStorage`
 * (one file per account) and `MemoryStorage`.
 */
export interface ClientStorage {
  // accounts / settings
  putAccount(account: AccountRecord): Promise<void>;
  getAccount(publicKey: string): Promise<AccountRecord | undefined>;
  listAccounts(): Promise<AccountRecord[]>;
  getSetting(key: string): Promise<string | undefined>;
  putSetting(key: string, value: string): Promise<void>;
  deleteSetting(key: string): Promise<boolean>;

  // chats
  putChat(chat: ChatRecord): Promise<void>;
  getChat(id: string): Promise<ChatRecord | undefined>;
  listChats(): Promise<ChatRecord[]>;
  deleteChat(id: string): Promise<boolean>;

  // messages
  /** Inserts unless a message with this id exists; true when inserted. */
  insertMessage(message: MessageRecord): Promise<boolean>;
  /** Inserts each message unless its id exists, all in one transaction; returns how many were new. */
  insertMessages(messages: readonly MessageRecord[]): Promise<number>;
  getMessage(id: string): Promise<MessageRecord | undefined>;
  listMessages(chatId: string, options: MessagePageOptions): Promise<MessagePage>;
  countMessages(chatId: string): Promise<number>;
  /** true when the message exists. */
  updateDeliveryState(id: string, state: DeliveryState): Promise<boolean>;
  deleteMessage(id: string): Promise<boolean>;

  // contacts
  putContact(contact: ContactRecord): Promise<void>;
  getContact(publicKey: string): Promise<ContactRecord | undefined>;
  listContacts(): Promise<ContactRecord[]>;
  deleteContact(publicKey: string): Promise<boolean>;

  // installations
  putInstallation(installation: InstallationRecord): Promise<void>;
  getInstallation(identity: string, installationId: string): Promise<InstallationRecord | undefined>;
  /** Installations of one identity, ordered by installation id. */
  listInstallations(identity: string): Promise<InstallationRecord[]>;
  deleteInstallation(identity: string, installationId: string): Promise<boolean>;

  // namespaced bytes (ratchet sessions, prekeys, bundles, MVDS state, mailserver cursors, peer cache)
  kvGet(ns: string, key: string): Promise<Uint8Array | undefined>;
  kvPut(ns: string, key: string, value: Uint8Array): Promise<void>;
  kvDelete(ns: string, key: string): Promise<boolean>;
  /** Entries of `ns` whose key starts with `prefix`, ordered by key (UTF-8 byte order). */
  kvList(ns: string, prefix?: string): Promise<KvEntry[]>;
  /** How many keys of `ns` start with `prefix`. */
  kvCount(ns: string, prefix?: string): Promise<number>;
  /** Deletes every key of `ns` that starts with `prefix` (all of `ns` for ''); returns how many. */
  kvDeletePrefix(ns: string, prefix: string): Promise<number>;

  /**
   * Runs `fn` so that all its writes land together or not at all. Other callers wait until it
   * ends; use the `tx` handle inside (calling the outer storage from `fn` would wait for itself).
   * Nested calls on `tx` are savepoints.
   */
  transaction<T>(fn: (tx: ClientStorage) => Promise<T>): Promise<T>;

  close(): Promise<void>;
  readonly closed: boolean;
}

export interface SqliteStorageOptions {
  /** Wait this long for a lock held by another connection before failing with BUSY (default 5000 ms). */
  busyTimeoutMs?: number;
  /** 'normal' (default) survives a process crash; 'full' also survives power loss, at a cost per commit. */
  synchronous?: 'normal' | 'full';
  /** Take the file's lock for this connection's lifetime so a second process cannot open the account (default true). */
  exclusive?: boolean;
  /** Upper bound on the database size in pages (PRAGMA max_page_count): a quota, and a way to test DISK_FULL. */
  maxPageCount?: number;
  /** Open read-only. */
  readonly?: boolean;
  /**
   * 32 raw bytes that encrypt the whole file, its WAL and its journals (SQLCipher 4 page format
   * through SQLite3 Multiple Ciphers; see docs/client.md "Encrypted storage"). An app with a key
   * store gets it from `unlockKeystore` / `writeKeystore`, derived from the password with the key
   * store's own scrypt. A plain SQLite file met with a key is encrypted in place on this first
   * open. Without a key the file is plain SQLite (tests, tools); an encrypted one then reports CORRUPT.
   */
  key?: Uint8Array;
}
