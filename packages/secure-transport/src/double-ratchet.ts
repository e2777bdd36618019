import {
  aesCtr,
  concatBytes,
  ecdh,
  equalBytes,
  generatePrivateKey,
  getPublicKey,
  hmacSha256,
  utf8ToBytes,
} from '@status-stack/crypto';
import { CHAIN_KDF_INPUT, KDF_INFO, PROTOCOL } from './constants.js';
import { SECURE_TRANSPORT_ERROR, SecureTransportError } from './errors.js';
import { hkdfSha256 as hkdf } from '@status-stack/crypto';

/**
 * Double Ratchet state of one session, as status-im/doubleratchet keeps it (State: RootCh, SendCh,
 * RecvCh, DHs, DHr, PN, KeysCount). Keys are 32 bytes; ratchet public keys are 33-byte compressed.
 */
export interface RatchetState {
  rootKey: Uint8Array;
  /** Our current ratchet key pair. */
  dhsPrivate: Uint8Array;
  dhsPublic: Uint8Array;
  /** Their current ratchet key; empty until a responder has received its first message. */
  dhr: Uint8Array;
  sendChainKey: Uint8Array;
  sendN: number;
  recvChainKey: Uint8Array;
  recvN: number;
  /** Length of our previous sending chain. */
  pn: number;
  /** Message keys generated for receiving so far: the sequence number of skipped keys. */
  keysCount: number;
}

/** A message key kept for a message that has not arrived yet. */
export interface SkippedMessageKey {
  /** The ratchet public key of the chain it belongs to. */
  dh: Uint8Array;
  n: number;
  mk: Uint8Array;
  /** Creation order, for FIFO pruning (status-go keys.seq_num). */
  seq: number;
}

export interface RatchetHeader {
  /** Sender's ratchet public key. */
  key: Uint8Array;
  n: number;
  pn: number;
}

export interface RatchetLimits {
  maxSkip: number;
}

const ROOT_INFO = utf8ToBytes(KDF_INFO.ROOT);
const MESSAGE_INFO = utf8ToBytes(KDF_INFO.MESSAGE);
const ZERO_SALT = new Uint8Array(32);
const CK_INPUT = Uint8Array.of(CHAIN_KDF_INPUT.CHAIN_KEY);
const MK_INPUT = Uint8Array.of(CHAIN_KDF_INPUT.MESSAGE_KEY);
const IV_LENGTH = 16;
const MAC_LENGTH = 32;

/** KDF_RK: HKDF-SHA256(ikm = dh_out, salt = rk, info = ROOT) → root ‖ chain ‖ header key. */
export function kdfRootKey(rootKey: Uint8Array, dhOut: Uint8Array): { rootKey: Uint8Array; chainKey: Uint8Array; headerKey: Uint8Array } {
  const out = hkdf(dhOut, rootKey, ROOT_INFO, 96);
  return { rootKey: out.slice(0, 32), chainKey: out.slice(32, 64), headerKey: out.slice(64, 96) };
}

/** KDF_CK: next chain key = HMAC(ck, 0x0f), message key = HMAC(ck, 0x10). */
export function kdfChainKey(chainKey: Uint8Array): { chainKey: Uint8Array; messageKey: Uint8Array } {
  return { chainKey: hmacSha256(chainKey, CK_INPUT), messageKey: hmacSha256(chainKey, MK_INPUT) };
}

/** Expands a message key: HKDF-SHA256(ikm = mk, salt = 32 zero bytes, info = MESSAGE) → enc ‖ auth ‖ iv. */
export function deriveMessageKeys(messageKey: Uint8Array): { encKey: Uint8Array; authKey: Uint8Array; iv: Uint8Array } {
  const out = hkdf(messageKey, ZERO_SALT, MESSAGE_INFO, 80);
  return { encKey: out.slice(0, 32), authKey: out.slice(32, 64), iv: out.slice(64, 80) };
}

/** Associated data status-go authenticates: N (LE32) ‖ PN (LE32) ‖ ratchet key (the caller's ad is nil). */
export function encodeAssociatedData(header: RatchetHeader): Uint8Array {
  const ad = new Uint8Array(8 + header.key.length);
  const view = new DataView(ad.buffer);
  view.setUint32(0, header.n >>> 0, true);
  view.setUint32(4, header.pn >>> 0, true);
  ad.set(header.key, 8);
  return ad;
}

/** iv ‖ AES-256-CTR(encKey, iv, plaintext) ‖ HMAC-SHA256(authKey, ad ‖ iv ‖ ciphertext). */
export function encryptWithMessageKey(messageKey: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
  const { encKey, authKey, iv } = deriveMessageKeys(messageKey);
  const body = concatBytes(iv, aesCtr(encKey, iv, plaintext));
  return concatBytes(body, hmacSha256(authKey, concatBytes(ad, body)));
}

/** Opens iv ‖ ciphertext ‖ mac; a wrong MAC is DECRYPTION_FAILED, a short input TRUNCATED_PAYLOAD. */
export function decryptWithMessageKey(messageKey: Uint8Array, data: Uint8Array, ad: Uint8Array): Uint8Array {
  if (data.length < IV_LENGTH + MAC_LENGTH) {
    throw new SecureTransportError(
      SECURE_TRANSPORT_ERROR.TRUNCATED_PAYLOAD,
      `ratchet payload of ${data.length} bytes is shorter than IV and MAC (${IV_LENGTH + MAC_LENGTH})`,
    );
  }
  const { encKey, authKey } = deriveMessageKeys(messageKey);
  const body = data.subarray(0, data.length - MAC_LENGTH);
  const mac = data.subarray(data.length - MAC_LENGTH);
  if (!equalBytes(hmacSha256(authKey, concatBytes(ad, body)), mac)) {
    throw new SecureTransportError(SECURE_TRANSPORT_ERROR.DECRYPTION_FAILED, 'ratchet payload MAC does not verify');
  }
  return aesCtr(encKey, body.subarray(0, IV_LENGTH), body.subarray(IV_LENGTH));
}

function cloneState(s: RatchetState): RatchetState {
  return { ...s };
}

/**
 * The initiator's state (doubleratchet NewWithRemoteKey): a fresh ratchet pair, their signed prekey as
 * their ratchet key, a sending chain from the first root step; the receiving chain starts at SK, as
 * status-im/doubleratchet seeds both chains with the shared key.
 */
export function initiatorState(sharedKey: Uint8Array, theirRatchetKey: Uint8Array, ourRatchetPrivateKey?: Uint8Array): RatchetState {
  const dhsPrivate = ourRatchetPrivateKey ?? generatePrivateKey();
  const step = kdfRootKey(sharedKey, ecdh(dhsPrivate, theirRatchetKey));
  return {
    rootKey: step.rootKey,
    dhsPrivate,
    dhsPublic: getPublicKey(dhsPrivate, true),
    dhr: theirRatchetKey.slice(),
    sendChainKey: step.chainKey,
    sendN: 0,
    recvChainKey: sharedKey.slice(),
    recvN: 0,
    pn: 0,
    keysCount: 0,
  };
}

/** The responder's state (doubleratchet New): our signed prekey pair is the ratchet pair; both chains start at SK. */
export function responderState(sharedKey: Uint8Array, ourSignedPreKeyPrivate: Uint8Array): RatchetState {
  return {
    rootKey: sharedKey.slice(),
    dhsPrivate: ourSignedPreKeyPrivate.slice(),
    dhsPublic: getPublicKey(ourSignedPreKeyPrivate, true),
    dhr: new Uint8Array(0),
    sendChainKey: sharedKey.slice(),
    sendN: 0,
    recvChainKey: sharedKey.slice(),
    recvN: 0,
    pn: 0,
    keysCount: 0,
  };
}

/** One symmetric step of the sending chain; returns the new state, the header and iv ‖ ct ‖ mac. */
export function ratchetEncrypt(state: RatchetState, plaintext: Uint8Array): { state: RatchetState; header: RatchetHeader; ciphertext: Uint8Array } {
  const header: RatchetHeader = { key: state.dhsPublic, n: state.sendN, pn: state.pn };
  const { chainKey, messageKey } = kdfChainKey(state.sendChainKey);
  const next = cloneState(state);
  next.sendChainKey = chainKey;
  next.sendN = state.sendN + 1;
  return { state: next, header, ciphertext: encryptWithMessageKey(messageKey, plaintext, encodeAssociatedData(header)) };
}

function skipMessageKeys(s: RatchetState, until: number, limits: RatchetLimits, out: SkippedMessageKey[]): void {
  if (until < s.recvN) {
    throw new SecureTransportError(
      SECURE_TRANSPORT_ERROR.DUPLICATE_MESSAGE,
      `message ${until} of this chain was already received or its key deleted (next expected ${s.recvN})`,
    );
  }
  if (until - s.recvN > limits.maxSkip) {
    throw new SecureTransportError(
      SECURE_TRANSPORT_ERROR.TOO_MANY_SKIPPED,
      `header asks to skip ${until - s.recvN} message keys, more than ${limits.maxSkip}`,
    );
  }
  while (s.recvN < until) {
    const { chainKey, messageKey } = kdfChainKey(s.recvChainKey);
    out.push({ dh: s.dhr, n: s.recvN, mk: messageKey, seq: s.keysCount });
    s.recvChainKey = chainKey;
    s.recvN++;
    s.keysCount++;
  }
}

/**
 * Decrypts a message that is not one of the stored skipped keys (the caller tries those first).
 * Pure: returns the new state and the keys skipped on the way; the input state is untouched, so a
 * failure (bad MAC, skipped-key bomb, replay) leaves nothing to roll back.
 */
export function ratchetDecrypt(
  state: RatchetState,
  header: RatchetHeader,
  ciphertext: Uint8Array,
  limits: RatchetLimits = { maxSkip: PROTOCOL.MAX_SKIP },
): { state: RatchetState; plaintext: Uint8Array; skipped: SkippedMessageKey[] } {
  const s = cloneState(state);
  const skipped: SkippedMessageKey[] = [];
  if (!equalBytes(header.key, s.dhr)) {
    skipMessageKeys(s, header.pn, limits, skipped);
    // DH ratchet step (Signal DR §3.5, as status-im/doubleratchet dhRatchet).
    s.pn = s.sendN;
    s.dhr = header.key.slice();
    const recv = kdfRootKey(s.rootKey, ecdh(s.dhsPrivate, s.dhr));
    s.rootKey = recv.rootKey;
    s.recvChainKey = recv.chainKey;
    s.recvN = 0;
    s.dhsPrivate = generatePrivateKey();
    s.dhsPublic = getPublicKey(s.dhsPrivate, true);
    const send = kdfRootKey(s.rootKey, ecdh(s.dhsPrivate, s.dhr));
    s.rootKey = send.rootKey;
    s.sendChainKey = send.chainKey;
    s.sendN = 0;
  }
  skipMessageKeys(s, header.n, limits, skipped);
  const { chainKey, messageKey } = kdfChainKey(s.recvChainKey);
  const plaintext = decryptWithMessageKey(messageKey, ciphertext, encodeAssociatedData(header));
  s.recvChainKey = chainKey;
  s.recvN++;
  s.keysCount++;
  return { state: s, plaintext, skipped };
}

/** Decrypts with a stored skipped message key. */
export function decryptSkipped(messageKey: Uint8Array, header: RatchetHeader, ciphertext: Uint8Array): Uint8Array {
  return decryptWithMessageKey(messageKey, ciphertext, encodeAssociatedData(header));
}
