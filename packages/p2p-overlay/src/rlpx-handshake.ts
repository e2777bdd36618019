import { RLP } from '@ethereumjs/rlp';
import {
  concatBytes,
  ecdh,
  eciesDecrypt,
  eciesEncrypt,
  ECIES_OVERHEAD,
  generatePrivateKey,
  getPublicKey,
  keccak256,
  randomBytes,
  recoverPublicKey,
  sign,
  type PrivateKey,
} from '@status-stack/crypto';
import { OverlayError, OVERLAY_ERROR } from './errors.js';

/*
 * The RLPx handshake (devp2p rlpx.md, "Initial Handshake", with EIP-8): the initiator sends
 * auth, the recipient answers ack, and both derive the frame secrets from the ephemeral ECDH
 * and the two nonces. We send the EIP-8 form; we read it and the older fixed-size form, and
 * answer each in the form it came in, as go-ethereum does.
 */

/** Auth/ack version we announce (rlpx.md: auth-vsn = 4). */
const HANDSHAKE_VERSION = 4;
/** Pre-EIP-8 sizes: auth-body 194 and ack-body 97 bytes, plus the ECIES overhead. */
export const LEGACY_AUTH_SIZE = 194 + ECIES_OVERHEAD;
export const LEGACY_ACK_SIZE = 97 + ECIES_OVERHEAD;
/** An EIP-8 message is prefixed by its size as 2 bytes, big-endian. */
export const SIZE_PREFIX = 2;
/**
 * The largest EIP-8 handshake message we read, prefix included. Below 0x0400 the prefix's first
 * byte is never 0x04, which is how a legacy message (an ECIES point, 0x04…) is told apart;
 * every client pads auth/ack to a few hundred bytes (go-ethereum 100–300, devp2p 100–250).
 */
export const MAX_HANDSHAKE_SIZE = 0x0400 - 1 + SIZE_PREFIX;

/** 64-byte node id (uncompressed public key without the 0x04 prefix). */
export type NodeId = Uint8Array;

export interface FrameSecrets {
  readonly aesSecret: Uint8Array;
  readonly macSecret: Uint8Array;
  /** Seed of our egress MAC: (mac-secret ⊕ remote-nonce) ‖ the init message we sent. */
  readonly egressMacSeed: Uint8Array;
  /** Seed of our ingress MAC: (mac-secret ⊕ our nonce) ‖ the init message we received. */
  readonly ingressMacSeed: Uint8Array;
  /** The remote's static public key as proven in the handshake (64 bytes). */
  readonly remoteId: NodeId;
}

function handshakeError(message: string): OverlayError {
  return new OverlayError(OVERLAY_ERROR.HANDSHAKE_FAILED, message);
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

function toPublicKey(id: NodeId): Uint8Array {
  return concatBytes(Uint8Array.of(4), id);
}

/** The frame secrets of rlpx.md "Secrets". `initiator`: we sent auth. */
export function deriveFrameSecrets(
  ephemeralShared: Uint8Array,
  nonce: Uint8Array,
  remoteNonce: Uint8Array,
  initiator: boolean,
): { aesSecret: Uint8Array; macSecret: Uint8Array } {
  // shared-secret = keccak256(ephemeral-key ‖ keccak256(recipient-nonce ‖ initiator-nonce))
  const hNonce = keccak256(initiator ? concatBytes(remoteNonce, nonce) : concatBytes(nonce, remoteNonce));
  const sharedSecret = keccak256(concatBytes(ephemeralShared, hNonce));
  const aesSecret = keccak256(concatBytes(ephemeralShared, sharedSecret));
  return { aesSecret, macSecret: keccak256(concatBytes(ephemeralShared, aesSecret)) };
}

function secrets(
  ephemeralShared: Uint8Array,
  nonce: Uint8Array,
  remoteNonce: Uint8Array,
  initiator: boolean,
  sent: Uint8Array,
  received: Uint8Array,
  remoteId: NodeId,
): FrameSecrets {
  const { aesSecret, macSecret } = deriveFrameSecrets(ephemeralShared, nonce, remoteNonce, initiator);
  return {
    aesSecret,
    macSecret,
    egressMacSeed: concatBytes(xor(macSecret, remoteNonce), sent),
    ingressMacSeed: concatBytes(xor(macSecret, nonce), received),
    remoteId,
  };
}

/** Fixed randomness, for known-answer tests only. */
export interface HandshakeRandomness {
  ephemeralKey?: PrivateKey;
  nonce?: Uint8Array;
  /** EIP-8 padding appended to the RLP body (default: 100–250 random bytes). */
  padding?: Uint8Array;
  eciesEphemeralKey?: PrivateKey;
  eciesIv?: Uint8Array;
}

function sealEip8(body: unknown[], remote: NodeId, rnd: HandshakeRandomness): Uint8Array {
  const padding = rnd.padding ?? randomBytes(100 + Math.floor(Math.random() * 151));
  const plain = concatBytes(RLP.encode(body as Parameters<typeof RLP.encode>[0]), padding);
  const size = plain.length + ECIES_OVERHEAD;
  const prefix = Uint8Array.of(size >>> 8, size & 0xff);
  const sealed = eciesEncrypt(toPublicKey(remote), plain, {
    sharedMacData: prefix,
    ephemeralPrivateKey: rnd.eciesEphemeralKey,
    iv: rnd.eciesIv,
  });
  return concatBytes(prefix, sealed);
}

function sealLegacy(plain: Uint8Array, remote: NodeId): Uint8Array {
  return eciesEncrypt(toPublicKey(remote), plain);
}

/**
 * How many bytes the handshake message at the start of `data` takes, once enough has arrived to
 * tell: the EIP-8 size prefix, or the fixed legacy size (a legacy message starts with the 0x04 of
 * its ECIES point; an EIP-8 size below 0x0400 never does). undefined: wait for more bytes.
 */
export function handshakeMessageSize(data: Uint8Array, legacySize: number): number | undefined {
  if (data.length < SIZE_PREFIX) return undefined;
  if (data[0] === 0x04) return legacySize;
  const size = SIZE_PREFIX + ((data[0] << 8) | data[1]);
  if (size - SIZE_PREFIX < ECIES_OVERHEAD || size > MAX_HANDSHAKE_SIZE) {
    throw handshakeError(`handshake message size ${size - SIZE_PREFIX} is out of range`);
  }
  return size;
}

function open(privateKey: PrivateKey, msg: Uint8Array): { plain: Uint8Array; eip8: boolean } {
  const eip8 = msg[0] !== 0x04;
  try {
    const plain = eip8
      ? eciesDecrypt(privateKey, msg.subarray(SIZE_PREFIX), { sharedMacData: msg.subarray(0, SIZE_PREFIX) })
      : eciesDecrypt(privateKey, msg);
    return { plain, eip8 };
  } catch (e) {
    throw handshakeError(`cannot decrypt handshake message: ${(e as Error).message}`);
  }
}

function bytesField(v: unknown, length: number, what: string): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== length) throw handshakeError(`handshake ${what} must be ${length} bytes`);
  return v;
}

/** Decodes an EIP-8 body: an RLP list followed by padding; extra list elements are allowed (EIP-8). */
function decodeEip8Body(plain: Uint8Array, what: string): unknown[] {
  let decoded: unknown;
  try {
    decoded = RLP.decode(plain, true).data;
  } catch (e) {
    throw handshakeError(`bad ${what} RLP: ${(e as Error).message}`);
  }
  if (!Array.isArray(decoded)) throw handshakeError(`${what} is not an RLP list`);
  return decoded;
}

/** The dialling side: sends auth, reads ack. */
export class HandshakeInitiator {
  private readonly ephemeralKey: PrivateKey;
  private readonly nonce: Uint8Array;
  /** The auth message as sent (with its size prefix). */
  readonly auth: Uint8Array;

  constructor(
    private readonly privateKey: PrivateKey,
    private readonly remoteId: NodeId,
    rnd: HandshakeRandomness = {},
  ) {
    this.ephemeralKey = rnd.ephemeralKey ?? generatePrivateKey();
    this.nonce = rnd.nonce ?? randomBytes(32);
    // auth-body = [sig, initiator-pubk, initiator-nonce, auth-vsn]; sig signs static-shared-secret ⊕ nonce with the ephemeral key.
    const staticShared = ecdh(privateKey, toPublicKey(remoteId));
    const sig = sign(xor(staticShared, this.nonce), this.ephemeralKey);
    const ourId = getPublicKey(privateKey).subarray(1);
    this.auth = sealEip8([sig, ourId, this.nonce, HANDSHAKE_VERSION], remoteId, rnd);
  }

  /** Reads the recipient's ack (EIP-8 or legacy) and derives the session secrets. */
  readAck(ack: Uint8Array): FrameSecrets {
    const { plain, eip8 } = open(this.privateKey, ack);
    let remoteEphemeral: Uint8Array;
    let remoteNonce: Uint8Array;
    if (eip8) {
      const body = decodeEip8Body(plain, 'ack');
      remoteEphemeral = bytesField(body[0], 64, 'ack ephemeral key');
      remoteNonce = bytesField(body[1], 32, 'ack nonce');
    } else {
      if (plain.length !== 97) throw handshakeError(`legacy ack body is ${plain.length} bytes, want 97`);
      remoteEphemeral = plain.subarray(0, 64);
      remoteNonce = plain.subarray(64, 96);
    }
    let shared: Uint8Array;
    try {
      shared = ecdh(this.ephemeralKey, toPublicKey(remoteEphemeral));
    } catch (e) {
      throw handshakeError(`ack ephemeral key is not a curve point: ${(e as Error).message}`);
    }
    return secrets(shared, this.nonce, remoteNonce, true, this.auth, ack, this.remoteId);
  }
}

/** The listening side: reads auth, answers ack in the form the auth came in. */
export class HandshakeRecipient {
  private readonly ephemeralKey: PrivateKey;
  private readonly nonce: Uint8Array;

  constructor(
    private readonly privateKey: PrivateKey,
    private readonly rnd: HandshakeRandomness = {},
  ) {
    this.ephemeralKey = rnd.ephemeralKey ?? generatePrivateKey();
    this.nonce = rnd.nonce ?? randomBytes(32);
  }

  /** Reads the initiator's auth; returns the ack to send and the session secrets. */
  readAuth(auth: Uint8Array): { ack: Uint8Array; secrets: FrameSecrets } {
    const { plain, eip8 } = open(this.privateKey, auth);
    let sig: Uint8Array;
    let remoteId: Uint8Array;
    let remoteNonce: Uint8Array;
    if (eip8) {
      const body = decodeEip8Body(plain, 'auth');
      sig = bytesField(body[0], 65, 'auth signature');
      remoteId = bytesField(body[1], 64, 'auth public key');
      remoteNonce = bytesField(body[2], 32, 'auth nonce');
    } else {
      // sig (65) ‖ keccak256(ephemeral-pubk) (32) ‖ pubk (64) ‖ nonce (32) ‖ 0x00
      if (plain.length !== 194) throw handshakeError(`legacy auth body is ${plain.length} bytes, want 194`);
      sig = plain.subarray(0, 65);
      remoteId = plain.subarray(97, 161);
      remoteNonce = plain.subarray(161, 193);
    }
    let remoteEphemeral: Uint8Array;
    let shared: Uint8Array;
    try {
      const staticShared = ecdh(this.privateKey, toPublicKey(remoteId));
      remoteEphemeral = recoverPublicKey(xor(staticShared, remoteNonce), sig);
      shared = ecdh(this.ephemeralKey, remoteEphemeral);
    } catch (e) {
      throw handshakeError(`bad auth key or signature: ${(e as Error).message}`);
    }
    const ephemeralId = getPublicKey(this.ephemeralKey).subarray(1);
    const ack = eip8
      ? sealEip8([ephemeralId, this.nonce, HANDSHAKE_VERSION], remoteId, this.rnd)
      : sealLegacy(concatBytes(ephemeralId, this.nonce, Uint8Array.of(0)), remoteId);
    return { ack, secrets: secrets(shared, this.nonce, remoteNonce, false, ack, auth, remoteId.slice()) };
  }
}
