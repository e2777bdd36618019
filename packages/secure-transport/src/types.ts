/**
 * The surface of the secure-transport layer: the storage port it needs, its options and results.
 * Pure protocol logic; no I/O of its own beyond the SessionStore.
 */
import type { RatchetState } from './double-ratchet.js';
import type { Bundle } from './protocol-message.js';

/** A value or a promise of it: the store may be synchronous (memory) or asynchronous (SQLite). */
export type Awaitable<T> = T | Promise<T>;

/** One Double Ratchet session with one device of one identity (status-go ratchet_info_v2 + sessions). */
export interface SessionRecord {
  /** Stable id: hex(bundleId) ‖ '/' ‖ installationId ‖ '/' ‖ hex(identity). */
  id: string;
  /** Their identity, 33-byte compressed. */
  identity: Uint8Array;
  installationId: string;
  /** The signed prekey the session was built on: theirs when we initiated, ours when they did. */
  bundleId: Uint8Array;
  /** X3DH shared key; the concurrent-session rule keeps the session whose key sorts first. */
  sharedKey: Uint8Array;
  /** Our X3DH ephemeral key while the responder has not answered (we repeat the X3DH header until then). */
  ephemeralKey: Uint8Array | null;
  /** Set when a newer bundle of theirs replaced the prekey this session was built on. */
  expired: boolean;
  /** Milliseconds (our clock) of creation. */
  createdAt: number;
  /** Milliseconds (our clock) of the last message sent or opened on it: pruning drops the least recently used. */
  lastUsed: number;
  state: RatchetState;
}

/** A stored skipped message key of one session. */
export interface SkippedKeyRecord {
  sessionId: string;
  /** hex of the ratchet public key of its chain. */
  dh: string;
  n: number;
  mk: Uint8Array;
  seq: number;
}

/** The newest signed prekey we know for one device of another identity (or of ours). */
export interface PublicPrekeyRecord {
  identity: Uint8Array;
  installationId: string;
  signedPreKey: Uint8Array;
  version: number;
  protocolVersion: number;
  /** Timestamp (ns) of the bundle it came in. */
  timestamp: bigint;
}

/** A device of an identity (status-go multidevice installations). */
export interface InstallationRecord {
  identity: Uint8Array;
  installationId: string;
  protocolVersion: number;
  /** Last activity, Unix milliseconds: bundle timestamp or last message from it. */
  lastSeen: number;
  /** Other identities' devices are enabled on sight; our own need an explicit enableInstallation. */
  enabled: boolean;
}

/** One of our signed prekeys with its private half. */
export interface OurPrekeyRecord {
  privateKey: Uint8Array;
  /** 33-byte compressed: the id an X3DH header names. */
  publicKey: Uint8Array;
  version: number;
  /** Unix milliseconds of creation. */
  createdAt: number;
  /** Set when rotated out: no longer advertised, still opens late first messages until retention ends. */
  rotatedAt: number | null;
}

/**
 * Every write one operation makes, applied atomically by the store (one SQLite transaction): a
 * decryption's state changes are saved together before its plaintext is returned.
 */
export interface StoreBatch {
  sessions?: SessionRecord[];
  deleteSessions?: string[];
  putSkippedKeys?: SkippedKeyRecord[];
  deleteSkippedKeys?: { sessionId: string; dh: string; n: number }[];
  /** Per session, after the puts: drop keys with seq <= `deleteUpToSeq`, then keep only the newest `maxKeys`. */
  pruneSkippedKeys?: { sessionId: string; deleteUpToSeq: number; maxKeys: number }[];
  publicPrekeys?: PublicPrekeyRecord[];
  installations?: InstallationRecord[];
  ourPrekeys?: OurPrekeyRecord[];
  deleteOurPrekeys?: string[];
}

/** The storage port of the secure transport; `MemorySessionStore` here, SQLite in the client. */
export interface SessionStore {
  getSession(id: string): Awaitable<SessionRecord | undefined>;
  /** All sessions (expired included) with one device of one identity (identity as hex, compressed). */
  getSessionsFor(identityHex: string, installationId: string): Awaitable<SessionRecord[]>;
  getSkippedKey(sessionId: string, dh: string, n: number): Awaitable<Uint8Array | undefined>;
  countSkippedKeys(sessionId: string): Awaitable<number>;
  getPublicPrekeys(identityHex: string): Awaitable<PublicPrekeyRecord[]>;
  getInstallations(identityHex: string): Awaitable<InstallationRecord[]>;
  /** Our prekeys, current and rotated-out ones still retained. */
  getOurPrekeys(): Awaitable<OurPrekeyRecord[]>;
  apply(batch: StoreBatch): Awaitable<void>;
}

export interface SecureTransportOptions {
  /** Our identity private key (32 bytes). */
  identityPrivateKey: Uint8Array;
  /** This device's installation id (status-go: a UUID). */
  installationId: string;
  store: SessionStore;
  /** Clock in Unix milliseconds; defaults to Date.now (tests inject their own). */
  now?: () => number;
  /** Devices per identity we encrypt to (default 3). */
  maxInstallations?: number;
  /** Message keys one header may skip in one chain (default 1000). */
  maxSkip?: number;
  /** Skipped keys kept, counted in generated keys (default 3000). */
  maxKeep?: number;
  /** Hard cap of stored skipped keys per session (default 2000). */
  maxMessageKeysPerSession?: number;
  /** Signed prekey rotation interval in ms (default 24 h). */
  bundleRefreshIntervalMs?: number;
  /** How long a rotated-out private prekey is kept (default 30 days). */
  prekeyRetentionMs?: number;
  /** Sessions kept per device; beyond it the least recently used non-active ones go (default 32). */
  maxSessionsPerDevice?: number;
  /** A session we no longer send on and unused for this long is deleted (default 30 days). */
  sessionRetentionMs?: number;
  /** Least time between two bundle advertisements (`reply`) to one identity (default 2 h, as status-go). */
  advertisementCooldownMs?: number;
}

/** What `decrypt` made of a ProtocolMessage. */
export type DecryptStatus =
  /** A direct message for this device, opened. */
  | 'decrypted'
  /** A public-chat message (not encrypted at this layer). */
  | 'public'
  /** A direct message with no entry for this device: `reply` is the bundle advertisement to send back. */
  | 'not-addressed'
  /** From our own identity but a device we are not paired with (status-go ErrNotPairedDevice). */
  | 'not-paired'
  /** Our own message coming back to this same device. */
  | 'own-message';

export interface DecryptResult {
  status: DecryptStatus;
  /** The plaintext, for 'decrypted' and 'public'; null otherwise. */
  plaintext: Uint8Array | null;
  /** The sender's installation id. */
  installationId: string;
  /** Bundles attached to the message that verified (in message order). */
  bundles: Bundle[];
  /** Devices we learned of or refreshed from those bundles. */
  installations: InstallationRecord[];
  /** For 'not-addressed': a ProtocolMessage (DH-encrypted empty payload + our bundle) to send to the sender; absent during the cooldown. */
  reply?: Uint8Array;
  /** How the entry was opened: 'x3dh' (first message of a session), 'ratchet', 'dh' (no bundle), or null. */
  method: 'x3dh' | 'ratchet' | 'dh' | null;
}

/** What `encrypt` produced. */
export interface EncryptResult {
  /** The ProtocolMessage bytes (the payload of the Whisper/Waku message). */
  message: Uint8Array;
  /** Installation ids (theirs and ours) given an entry; ['none'] for the DH path. */
  targets: string[];
  /** True when no device of the recipient was known and the DH_header path was used. */
  usedDh: boolean;
}
