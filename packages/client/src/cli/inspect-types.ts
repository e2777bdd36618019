// status-inspect's report: its error codes, the keys it is given, and the JSON shape of every layer it reports.
import { type PrivateKey, type PublicKey } from '@status-stack/crypto';

/** Error codes of status-inspect's own checks (layer errors from the packages keep their codes). */
export const INSPECT_ERROR = {
  /** Input that is not hex, not RLP, or not an envelope / messages packet. */
  INVALID_INPUT: 'INVALID_INPUT',
  /** A key given on the command line is malformed. */
  INVALID_KEY: 'INVALID_KEY',
  /** No key given opens the envelope's data. */
  NO_MATCHING_KEY: 'NO_MATCHING_KEY',
  /** X3DH / Double Ratchet messages need session state that only the recipient's database holds. */
  SESSION_REQUIRED: 'SESSION_REQUIRED',
  /** A direct message with a DH header, but no private key was given. */
  NO_PRIVATE_KEY: 'NO_PRIVATE_KEY',
  /** A ProtocolMessage with neither public nor direct message (status-go then uses the raw payload). */
  NO_PAYLOAD: 'NO_PAYLOAD',
} as const;
export type InspectErrorCode = (typeof INSPECT_ERROR)[keyof typeof INSPECT_ERROR];

export class InspectError extends Error {
  readonly code: InspectErrorCode;
  constructor(code: InspectErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InspectError';
    this.code = code;
  }
}

/** The keys a user gives to open envelopes. */
export interface InspectKeys {
  /** Public chat names (topic and key derived from the name). */
  chats?: readonly string[];
  /** Raw 32-byte symmetric keys. */
  symKeys?: readonly Uint8Array[];
  /** Our private key: asymmetric envelopes, DH-header direct messages, negotiated topics. */
  privateKey?: Uint8Array;
  /** Peers' public keys (33/64/65 bytes): with `privateKey`, the negotiated topic keys. */
  peers?: readonly Uint8Array[];
  /** Mailserver passwords: the older, password-encrypted history request envelopes. */
  mailserverPasswords?: readonly string[];
}

export interface InspectOptions {
  /** Unix seconds; only decides the `expired` field (default: the current time). */
  now?: number;
}

export type SymKind = 'public-chat' | 'sym-key' | 'negotiated-secret' | 'mailserver-password';

export interface SymCandidate {
  readonly kind: SymKind;
  /** How the key is named in the output (status-go's decoder labels). */
  readonly label: string;
  readonly key: Uint8Array;
  /** The topic this key is expected on, when known. */
  readonly topic?: Uint8Array;
}

export interface AsymCandidate {
  readonly label: string;
  readonly privateKey: PrivateKey;
  readonly publicKey: PublicKey;
  readonly topics: readonly Uint8Array[];
}

/** Keys with the slow derivations (PBKDF2, 65356 iterations) done once. */
export interface KeyRing {
  readonly kind: 'keyring';
  readonly symmetric: readonly SymCandidate[];
  readonly asymmetric?: AsymCandidate;
}

// ---------------------------------------------------------------------------------------------
// JSON shapes (hex strings 0x-prefixed, 64-bit integers as decimal strings)

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface LayerError {
  code: string;
  message: string;
}

export interface EnvelopeLayer {
  hash: string;
  expiry: number;
  ttl: number;
  /** expiry - ttl: when the sender sealed it (Unix seconds). */
  sent: number;
  /** Relative to `--now` (or the current time); informational only. */
  expired: boolean;
  topic: string;
  nonce: string;
  pow: number;
  bloom: string;
  /** go-ethereum's size(): 20 + len(data), the PoW and size-limit figure. */
  size: number;
  rlpLength: number;
  data: string;
}

export interface KeyAttempt {
  key: string;
  code: string;
  message: string;
}

export interface WhisperLayer {
  /** The key that opened it: `public-chat:NAME`, `sym-key:0x…`, `asymmetric:0x04…` (ours), `negotiated-secret:0x04…` (peer), `mailserver-password`. */
  openedWith?: string;
  encryption?: 'symmetric' | 'asymmetric';
  /** Whether the envelope's topic is the one derived for the key that opened it (chat, negotiated, partitioned/discovery/contact-code). */
  topicMatchesKey?: boolean;
  /** Decrypted data field: flags ‖ size ‖ payload ‖ padding ‖ [signature]. */
  plaintext?: string;
  flags?: number;
  signed?: boolean;
  payloadSizeLength?: number;
  payload?: string;
  padding?: string;
  /** AES-GCM nonce (the last 12 bytes of data); absent for asymmetric. */
  salt?: string;
  signature?: string;
  /** Recovered 65-byte uncompressed key. */
  signer?: string;
  /** Keys tried and why each failed (only when none opened it). */
  attempts?: KeyAttempt[];
  error?: LayerError;
}

export interface BundleJson {
  identity: string;
  signedPreKeys: Record<string, { signedPreKey: string; version: number; protocolVersion: number }>;
  signature: string;
  timestamp: string;
  verified: boolean;
  /** The identity the signature recovers, uncompressed (when verified). */
  recoveredIdentity?: string;
  /** Whether the bundle identity is the Whisper signer. */
  matchesSigner?: boolean;
  error?: LayerError;
}

export interface DirectMessageJson {
  installationId: string;
  x3dhHeader?: { key: string; id: string };
  drHeader?: { key: string; n: number; pn: number; id: string };
  dhHeader?: { key: string };
  payload: string;
  opened: boolean;
  openedWith?: string;
  error?: LayerError;
}

export interface ProtocolMessageLayer {
  installationId?: string;
  bundles?: BundleJson[];
  directMessages?: DirectMessageJson[];
  publicMessage?: string;
  error?: LayerError;
}

export interface EncryptionLayer {
  /** `public_message`, `direct_message:<installation id>`, or `transport-payload` (not a ProtocolMessage: status-go carries on with the raw payload). */
  source?: string;
  decryptedPayload?: string;
  error?: LayerError;
}

export interface MvdsMessageJson {
  id: string;
  groupId: string;
  timestamp: string;
  body: string;
  metadata?: { parents: string[]; ephemeral: boolean };
}

export interface MvdsLayer {
  acks: string[];
  offers: string[];
  requests: string[];
  messages: MvdsMessageJson[];
}

export interface ApplicationMessageJson {
  /** `public_message`, `mvds.messages[i]` or `payload` (not MVDS). */
  source: string;
  raw: string;
  type?: number;
  typeName?: string;
  signature?: string;
  signer?: string;
  messageId?: string;
  /** Unsigned: the author is the transport signer (6/PAYLOADS: deniable). */
  deniable?: boolean;
  matchesTransportSigner?: boolean;
  payload?: string;
  decoded?: { [key: string]: JsonValue };
  /** status-go's receive-side checks of a ChatMessage, against the envelope's sent time. */
  validation?: 'ok' | LayerError;
  error?: LayerError;
}

export interface MailserverRequestLayer {
  /** The older request's id is its envelope hash (what request complete echoes). */
  requestId: string;
  lower?: number;
  upper?: number;
  bloom?: string;
  topics?: string[];
  limit?: number;
  cursor?: string;
  batch?: boolean;
  error?: LayerError;
}

/** Why status-go (and StatusClient, with the same reason code) would drop the envelope unread. */
export interface IgnoredJson {
  /** StatusClient's IGNORED_REASON code. */
  reason: 'UNSIGNED';
  message: string;
}

export interface InspectResult {
  envelope: EnvelopeLayer;
  whisper: WhisperLayer;
  /**
   * Set when a Status client would ignore the envelope although it opened: `UNSIGNED` (no signature flag:
   * status-go says "status requires a signature"). The layers above are still decoded, for inspection.
   */
  ignored?: IgnoredJson;
  /** Present when the whisper layer opened with a mailserver password. */
  mailserverRequest?: MailserverRequestLayer;
  protocolMessage?: ProtocolMessageLayer;
  encryption?: EncryptionLayer;
  /** null: the payload is not MVDS (public chats), status-go treats it as one application message. */
  mvds?: MvdsLayer | null;
  applicationMessages?: ApplicationMessageJson[];
}

/** An exception as a layer's `error`: its stable code (or its class name) and message. */
export function layerError(e: unknown): LayerError {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : e.name, message: e.message };
  }
  return { code: 'UNKNOWN', message: String(e) };
}
