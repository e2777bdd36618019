// status-inspect's logic: opens a Whisper v6 / Waku v1 envelope layer by layer, the way
// status-go v0.62.18 does on receive (waku message → ProtocolMessage → secure transport →
// MVDS → ApplicationMetadataMessage → payload), and reports every layer as JSON. A layer that
// cannot be opened carries an `error` ({code, message}); the layers below it are still reported.
// Pure: no I/O, and the clock only feeds the informational `expired` field.
import { RLP } from '@ethereumjs/rlp';
import {
  decompressPublicKey,
  getPublicKey,
  isValidPrivateKey,
  normalizePublicKey,
  toHex0x,
  utf8ToBytes,
  equalBytes,
  type PrivateKey,
  type PublicKey,
} from '@status-stack/crypto';
import {
  computePow,
  contactCodeTopic,
  decodeEnvelope,
  decodeMessagesPacket,
  decodeMessagesRequestPayload,
  decodePlaintext,
  decryptAsymmetric,
  decryptSymmetric,
  discoveryTopic,
  encodeEnvelope,
  envelopeBloom,
  envelopeHash,
  envelopeSize,
  negotiatedSecret,
  partitionedTopic,
  personalDiscoveryTopic,
  publicChatKey,
  publicChatTopic,
  symKeyFromPassword,
  type Envelope,
} from '@status-stack/whisper';
import {
  SECURE_TRANSPORT_ERROR,
  decodeProtocolMessage,
  decryptWithDh,
  verifyBundle,
  type Bundle,
  type DirectMessageProtocol,
  type ProtocolMessage,
} from '@status-stack/secure-transport';
import { decodePayload, isDatasyncPayload, messageId as mvdsMessageId, type MvdsPayload } from '@status-stack/mvds';
import {
  APPLICATION_MESSAGE_TYPE,
  CONTENT_TYPE,
  MESSAGE_TYPE,
  decodeApplicationPayload,
  enumName,
  openApplicationMessage,
  validateReceivedChatMessage,
} from '@status-stack/payloads';

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

type SymKind = 'public-chat' | 'sym-key' | 'negotiated-secret' | 'mailserver-password';

interface SymCandidate {
  readonly kind: SymKind;
  /** How the key is named in the output (status-go's decoder labels). */
  readonly label: string;
  readonly key: Uint8Array;
  /** The topic this key is expected on, when known. */
  readonly topic?: Uint8Array;
}

interface AsymCandidate {
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

// ---------------------------------------------------------------------------------------------
// Keys

function layerError(e: unknown): LayerError {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : e.name, message: e.message };
  }
  return { code: 'UNKNOWN', message: String(e) };
}

function labelKey(key: Uint8Array): string {
  return toHex0x(key);
}

/** Validates the keys and derives the chat, negotiated and password keys once. Throws InspectError(INVALID_KEY). */
export function prepareKeys(keys: InspectKeys | KeyRing): KeyRing {
  if ('kind' in keys && keys.kind === 'keyring') return keys;
  const k = keys as InspectKeys;
  const symmetric: SymCandidate[] = [];
  for (const name of k.chats ?? []) {
    if (name.length === 0) throw new InspectError(INSPECT_ERROR.INVALID_KEY, 'public chat name is empty');
    symmetric.push({ kind: 'public-chat', label: `public-chat:${name}`, key: publicChatKey(name), topic: publicChatTopic(name) });
  }
  for (const key of k.symKeys ?? []) {
    if (key.length !== 32) throw new InspectError(INSPECT_ERROR.INVALID_KEY, `symmetric key must be 32 bytes, got ${key.length}: ${toHex0x(key)}`);
    symmetric.push({ kind: 'sym-key', label: `sym-key:${labelKey(key)}`, key });
  }
  let asymmetric: AsymCandidate | undefined;
  if (k.privateKey !== undefined) {
    if (k.privateKey.length !== 32 || !isValidPrivateKey(k.privateKey)) {
      throw new InspectError(INSPECT_ERROR.INVALID_KEY, `private key is not a secp256k1 private key (${k.privateKey.length} bytes)`);
    }
    const publicKey = getPublicKey(k.privateKey);
    asymmetric = {
      label: `asymmetric:${toHex0x(publicKey)}`,
      privateKey: k.privateKey,
      publicKey,
      topics: [partitionedTopic(publicKey), discoveryTopic(), personalDiscoveryTopic(publicKey), contactCodeTopic(publicKey)],
    };
  }
  for (const peer of k.peers ?? []) {
    let full: PublicKey;
    try {
      full = normalizePublicKey(peer);
    } catch (e) {
      throw new InspectError(INSPECT_ERROR.INVALID_KEY, `peer key is not a secp256k1 public key: ${toHex0x(peer)}`, { cause: e });
    }
    if (asymmetric === undefined) {
      throw new InspectError(INSPECT_ERROR.INVALID_KEY, `--peer ${toHex0x(full)} needs --private-key: the negotiated key is ECDH(our private key, peer key)`);
    }
    const secret = negotiatedSecret(asymmetric.privateKey, full);
    symmetric.push({ kind: 'negotiated-secret', label: `negotiated-secret:${toHex0x(full)}`, key: secret.symKey, topic: secret.topic });
  }
  for (const pw of k.mailserverPasswords ?? []) {
    symmetric.push({ kind: 'mailserver-password', label: 'mailserver-password', key: symKeyFromPassword(utf8ToBytes(pw)) });
  }
  return { kind: 'keyring', symmetric, asymmetric };
}

// ---------------------------------------------------------------------------------------------
// Input

const HEX_RE = /^(0x)?([0-9a-fA-F]{2})*$/;

/** Strict hex (0x optional). Throws InspectError(INVALID_INPUT). */
export function parseHex(text: string, what = 'input'): Uint8Array {
  const t = text.trim();
  if (t.length === 0 || t === '0x' || !HEX_RE.test(t)) {
    const shown = t.length > 80 ? `${t.slice(0, 80)}…` : t;
    throw new InspectError(INSPECT_ERROR.INVALID_INPUT, `${what} is not hex: ${JSON.stringify(shown)}`);
  }
  const h = t.startsWith('0x') ? t.slice(2) : t;
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** One input per non-empty line; `#` starts a comment line. Returns [line number, text]. */
export function splitInputLines(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const t = raw.trim();
    if (t.length > 0 && !t.startsWith('#')) out.push({ line: i + 1, text: t });
  });
  return out;
}

export interface ParsedInput {
  /** `envelope`: one envelope's RLP; `messages`: an RLP list of envelopes (messages / P2P messages packet). */
  kind: 'envelope' | 'messages';
  envelopes: Envelope[];
}

/** Decides whether the bytes are one envelope or a messages packet, and decodes them. Throws InspectError(INVALID_INPUT). */
export function parseEnvelopes(bytes: Uint8Array): ParsedInput {
  let item: Uint8Array | unknown[];
  try {
    item = RLP.decode(bytes) as Uint8Array | unknown[];
  } catch (e) {
    throw new InspectError(INSPECT_ERROR.INVALID_INPUT, `not RLP (${bytes.length} bytes): ${(e as Error).message}`, { cause: e });
  }
  if (item instanceof Uint8Array) {
    throw new InspectError(INSPECT_ERROR.INVALID_INPUT, `an RLP byte string of ${item.length} bytes, not an envelope or a list of envelopes`);
  }
  try {
    // An envelope starts with its expiry (a byte string); a messages packet with an envelope (a list).
    if (item.length > 0 && item[0] instanceof Uint8Array) return { kind: 'envelope', envelopes: [decodeEnvelope(bytes)] };
    return { kind: 'messages', envelopes: decodeMessagesPacket(bytes) };
  } catch (e) {
    const err = layerError(e);
    throw new InspectError(INSPECT_ERROR.INVALID_INPUT, `not an envelope: ${err.code}: ${err.message}`, { cause: e });
  }
}

// ---------------------------------------------------------------------------------------------
// Layers

function envelopeLayer(env: Envelope, now: number): EnvelopeLayer {
  return {
    hash: toHex0x(envelopeHash(env)),
    expiry: env.expiry,
    ttl: env.ttl,
    sent: env.expiry - env.ttl,
    expired: env.expiry < now,
    topic: toHex0x(env.topic),
    nonce: env.nonce.toString(10),
    pow: computePow(env),
    bloom: toHex0x(envelopeBloom(env)),
    size: envelopeSize(env),
    rlpLength: encodeEnvelope(env).length,
    data: toHex0x(env.data),
  };
}

interface Opened {
  ok: true;
  layer: WhisperLayer;
  payload: Uint8Array;
  signer?: PublicKey;
  kind: SymKind | 'asymmetric';
}

function describePlaintext(plaintext: Uint8Array): WhisperLayer {
  const flags = plaintext[0];
  const out: WhisperLayer = { plaintext: toHex0x(plaintext), flags, signed: (flags & 4) !== 0, payloadSizeLength: flags & 3 };
  return out;
}

/** Tries the keys, those expected on the envelope's topic first. */
function openWhisper(env: Envelope, ring: KeyRing): Opened | { ok: false; layer: WhisperLayer } {
  type Try = { label: string; kind: SymKind | 'asymmetric'; topicMatch: boolean | undefined; open: () => Uint8Array };
  const tries: Try[] = [];
  for (const c of ring.symmetric) {
    tries.push({ label: c.label, kind: c.kind, topicMatch: c.topic === undefined ? undefined : equalBytes(c.topic, env.topic), open: () => decryptSymmetric(c.key, env.data) });
  }
  const a = ring.asymmetric;
  if (a !== undefined) {
    tries.push({ label: a.label, kind: 'asymmetric', topicMatch: a.topics.some((t) => equalBytes(t, env.topic)), open: () => decryptAsymmetric(a.privateKey, env.data) });
  }
  tries.sort((x, y) => Number(y.topicMatch === true) - Number(x.topicMatch === true));
  const attempts: KeyAttempt[] = [];
  for (const t of tries) {
    let plaintext: Uint8Array;
    try {
      plaintext = t.open();
    } catch (e) {
      attempts.push({ key: t.label, ...layerError(e) });
      continue;
    }
    const encryption = t.kind === 'asymmetric' ? 'asymmetric' : 'symmetric';
    const layer: WhisperLayer = { openedWith: t.label, encryption, ...describePlaintext(plaintext) };
    // A key that opens an envelope on a topic other than the one derived for it points at a
    // topic derivation bug on the sender's side (or a private key used off its usual topics).
    if (t.topicMatch !== undefined) layer.topicMatchesKey = t.topicMatch;
    if (encryption === 'symmetric') layer.salt = toHex0x(env.data.subarray(env.data.length - 12));
    try {
      const d = decodePlaintext(plaintext);
      layer.payload = toHex0x(d.payload);
      layer.padding = toHex0x(d.padding);
      if (d.signature) layer.signature = toHex0x(d.signature);
      if (d.signer) layer.signer = toHex0x(d.signer);
      return { ok: true, layer, payload: d.payload, signer: d.signer, kind: t.kind };
    } catch (e) {
      // The key is right (the MAC verified) but the plaintext is malformed: stop here.
      layer.error = layerError(e);
      return { ok: false, layer };
    }
  }
  const tried = attempts.length === 0 ? 'no keys were given' : `tried ${attempts.map((x) => x.key).join(', ')}`;
  return {
    ok: false,
    layer: { attempts, error: { code: INSPECT_ERROR.NO_MATCHING_KEY, message: `no key opens the envelope data (topic ${toHex0x(env.topic)}): ${tried}` } },
  };
}

function mailserverRequestLayer(payload: Uint8Array, requestId: string): MailserverRequestLayer {
  try {
    const r = decodeMessagesRequestPayload(payload);
    return {
      requestId,
      lower: r.lower,
      upper: r.upper,
      bloom: toHex0x(r.bloom),
      topics: r.topics.map(toHex0x),
      limit: r.limit,
      cursor: toHex0x(r.cursor),
      batch: r.batch,
    };
  } catch (e) {
    return { requestId, error: layerError(e) };
  }
}

function bundleJson(b: Bundle, signer: PublicKey | undefined): BundleJson {
  const signedPreKeys: BundleJson['signedPreKeys'] = {};
  for (const [id, k] of b.signedPreKeys) {
    signedPreKeys[id] = { signedPreKey: toHex0x(k.signedPreKey), version: k.version, protocolVersion: k.protocolVersion };
  }
  const out: BundleJson = { identity: toHex0x(b.identity), signedPreKeys, signature: toHex0x(b.signature), timestamp: b.timestamp.toString(10), verified: false };
  try {
    const identity = decompressPublicKey(verifyBundle(b));
    out.verified = true;
    out.recoveredIdentity = toHex0x(identity);
    if (signer !== undefined) out.matchesSigner = equalBytes(identity, signer);
  } catch (e) {
    out.error = layerError(e);
  }
  return out;
}

function directMessageJson(installationId: string, m: DirectMessageProtocol): DirectMessageJson {
  const out: DirectMessageJson = { installationId, payload: toHex0x(m.payload), opened: false };
  if (m.x3dhHeader) out.x3dhHeader = { key: toHex0x(m.x3dhHeader.key), id: toHex0x(m.x3dhHeader.id) };
  if (m.drHeader) out.drHeader = { key: toHex0x(m.drHeader.key), n: m.drHeader.n, pn: m.drHeader.pn, id: toHex0x(m.drHeader.id) };
  if (m.dhHeader) out.dhHeader = { key: toHex0x(m.dhHeader.key) };
  return out;
}

function protocolMessageLayer(pm: ProtocolMessage, signer: PublicKey | undefined): ProtocolMessageLayer {
  const out: ProtocolMessageLayer = {
    installationId: pm.installationId,
    bundles: pm.bundles.map((b) => bundleJson(b, signer)),
    directMessages: [...pm.directMessage].map(([id, m]) => directMessageJson(id, m)),
  };
  if (pm.publicMessage !== undefined) out.publicMessage = toHex0x(pm.publicMessage);
  return out;
}

/**
 * The secure-transport layer as far as a stateless tool can go: public messages, and direct
 * messages with a DH header (first contact without a bundle: opened with our identity key).
 * X3DH / Double Ratchet messages need the recipient's session database.
 */
function openDirectMessages(pm: ProtocolMessage, layer: ProtocolMessageLayer, ring: KeyRing): { source: string; payload: Uint8Array } | LayerError {
  const reasons: string[] = [];
  let firstCode: string | undefined;
  for (const [id, m] of pm.directMessage) {
    const json = layer.directMessages!.find((d) => d.installationId === id)!;
    if (m.dhHeader !== undefined) {
      if (ring.asymmetric === undefined) {
        json.error = { code: INSPECT_ERROR.NO_PRIVATE_KEY, message: 'a DH-header message opens with the recipient identity key: give --private-key' };
      } else {
        try {
          const payload = decryptWithDh(ring.asymmetric.privateKey, m.dhHeader.key, m.payload);
          json.opened = true;
          json.openedWith = `dh-header:${toHex0x(ring.asymmetric.publicKey)}`;
          return { source: `direct_message:${id}`, payload };
        } catch (e) {
          json.error = layerError(e);
        }
      }
    } else if (m.x3dhHeader !== undefined || m.drHeader !== undefined) {
      json.error = {
        code: INSPECT_ERROR.SESSION_REQUIRED,
        message: `${m.x3dhHeader ? 'X3DH' : 'Double Ratchet'} message: opening it needs the recipient's signed prekey / ratchet session state, which only its database holds`,
      };
    } else {
      json.error = { code: SECURE_TRANSPORT_ERROR.NO_HEADER, message: 'direct message without X3DH, DR or DH header' };
    }
    firstCode ??= json.error.code;
    reasons.push(`${JSON.stringify(id)}: ${json.error.code}`);
  }
  return { code: firstCode ?? INSPECT_ERROR.NO_PAYLOAD, message: `no direct message could be opened (${reasons.join('; ')})` };
}

function mvdsLayer(p: MvdsPayload): MvdsLayer {
  return {
    acks: p.acks.map(toHex0x),
    offers: p.offers.map(toHex0x),
    requests: p.requests.map(toHex0x),
    messages: p.messages.map((m) => {
      const out: MvdsMessageJson = { id: toHex0x(mvdsMessageId(m)), groupId: toHex0x(m.groupId), timestamp: m.timestamp.toString(10), body: toHex0x(m.body) };
      if (m.metadata) out.metadata = { parents: m.metadata.parents.map(toHex0x), ephemeral: m.metadata.ephemeral };
      return out;
    }),
  };
}

/** Generic JSON of a decoded protobuf value: bytes as hex, 64-bit integers as decimal strings, maps as objects. */
export function toJsonValue(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return toHex0x(v);
  if (typeof v === 'bigint') return v.toString(10);
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Map) {
    const o: { [key: string]: JsonValue } = {};
    for (const [k, x] of v) o[String(k)] = toJsonValue(x);
    return o;
  }
  if (v instanceof Set) return [...v].map(toJsonValue);
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (typeof v === 'object') {
    const o: { [key: string]: JsonValue } = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = toJsonValue(x);
    return o;
  }
  return String(v);
}

function applicationMessage(source: string, body: Uint8Array, transportSigner: PublicKey | undefined, sentSeconds: number): ApplicationMessageJson {
  const out: ApplicationMessageJson = { source, raw: toHex0x(body) };
  let opened: ReturnType<typeof openApplicationMessage>;
  try {
    opened = openApplicationMessage(body, transportSigner ? { transportAuthor: transportSigner } : {});
  } catch (e) {
    out.error = layerError(e);
    return out;
  }
  out.type = opened.type;
  out.typeName = enumName(APPLICATION_MESSAGE_TYPE, opened.type);
  out.signature = toHex0x(opened.signature);
  out.signer = opened.authorHex;
  out.messageId = opened.id;
  out.deniable = opened.deniable;
  if (transportSigner !== undefined) out.matchesTransportSigner = equalBytes(opened.author, transportSigner);
  out.payload = toHex0x(opened.payload);
  try {
    const decoded = decodeApplicationPayload(opened.type, opened.payload);
    if (decoded.kind === 'unknown') {
      out.decoded = { kind: 'unknown', raw: toHex0x(decoded.raw) };
    } else {
      const value = toJsonValue(decoded.value) as { [key: string]: JsonValue };
      if (decoded.kind === 'chatMessage') {
        value.messageType = enumName(MESSAGE_TYPE, decoded.value.messageType);
        value.contentType = enumName(CONTENT_TYPE, decoded.value.contentType);
        try {
          validateReceivedChatMessage(decoded.value, BigInt(sentSeconds) * 1000n);
          out.validation = 'ok';
        } catch (e) {
          out.validation = layerError(e);
        }
      }
      out.decoded = { kind: decoded.kind, ...value };
    }
  } catch (e) {
    out.decoded = { error: layerError(e) as unknown as JsonValue };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Entry points

/** Opens one decoded envelope layer by layer. */
export function inspectDecodedEnvelope(env: Envelope, keys: InspectKeys | KeyRing, opts: InspectOptions = {}): InspectResult {
  const ring = prepareKeys(keys);
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const result: InspectResult = { envelope: envelopeLayer(env, now), whisper: {} };
  const opened = openWhisper(env, ring);
  if (!opened.ok) {
    result.whisper = opened.layer;
    return result;
  }
  result.whisper = opened.layer;
  if (opened.kind === 'mailserver-password') {
    result.mailserverRequest = mailserverRequestLayer(opened.payload, result.envelope.hash);
    return result;
  }
  if (opened.signer === undefined) {
    // As StatusClient's handleEnvelope: a Status payload always comes signed.
    result.ignored = { reason: 'UNSIGNED', message: 'unsigned envelope: status requires a signature (status-go drops it before the secure transport)' };
  }

  // Secure transport. As in status-go, a payload that is not a ProtocolMessage goes on to the
  // layers above unchanged (older clients, plain Whisper messages).
  let decrypted: { source: string; payload: Uint8Array } | undefined;
  let pm: ProtocolMessage | undefined;
  try {
    pm = decodeProtocolMessage(opened.payload);
  } catch (e) {
    result.protocolMessage = { error: layerError(e) };
  }
  if (pm !== undefined) {
    const layer = protocolMessageLayer(pm, opened.signer);
    result.protocolMessage = layer;
    if (pm.publicMessage !== undefined) {
      decrypted = { source: 'public_message', payload: pm.publicMessage };
    } else if (pm.directMessage.size > 0) {
      const r = openDirectMessages(pm, layer, ring);
      if ('payload' in r) decrypted = r;
      else {
        result.encryption = { error: r };
        return result;
      }
    } else {
      layer.error = { code: INSPECT_ERROR.NO_PAYLOAD, message: 'ProtocolMessage carries neither public_message nor direct_message: using the transport payload as is' };
    }
  }
  decrypted ??= { source: 'transport-payload', payload: opened.payload };
  result.encryption = { source: decrypted.source, decryptedPayload: toHex0x(decrypted.payload) };

  // MVDS: a payload without any MVDS record is not datasync (status-go: Payload.IsValid).
  let bodies: Array<{ source: string; body: Uint8Array }>;
  let mvds: MvdsPayload | undefined;
  try {
    const p = decodePayload(decrypted.payload.slice());
    if (isDatasyncPayload(p)) mvds = p;
  } catch {
    mvds = undefined;
  }
  if (mvds !== undefined) {
    result.mvds = mvdsLayer(mvds);
    bodies = mvds.messages.map((m, i) => ({ source: `mvds.messages[${i}]`, body: m.body }));
  } else {
    result.mvds = null;
    bodies = [{ source: decrypted.source === 'public_message' ? 'public_message' : 'payload', body: decrypted.payload }];
  }
  const sent = env.expiry - env.ttl;
  result.applicationMessages = bodies.map((b) => applicationMessage(b.source, b.body, opened.signer, sent));
  return result;
}

/** Opens one envelope (its RLP) layer by layer. Throws InspectError(INVALID_INPUT) when the bytes are not an envelope. */
export function inspectEnvelope(bytes: Uint8Array, keys: InspectKeys | KeyRing, opts: InspectOptions = {}): InspectResult {
  let env: Envelope;
  try {
    env = decodeEnvelope(bytes);
  } catch (e) {
    const err = layerError(e);
    throw new InspectError(INSPECT_ERROR.INVALID_INPUT, `not an envelope: ${err.code}: ${err.message}`, { cause: e });
  }
  return inspectDecodedEnvelope(env, keys, opts);
}

/** Opens an envelope or every envelope of a messages packet. Throws InspectError(INVALID_INPUT). */
export function inspectInput(bytes: Uint8Array, keys: InspectKeys | KeyRing, opts: InspectOptions = {}): InspectResult[] {
  const ring = prepareKeys(keys);
  return parseEnvelopes(bytes).envelopes.map((env) => inspectDecodedEnvelope(env, ring, opts));
}
