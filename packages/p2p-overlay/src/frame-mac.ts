import { RLP } from '@ethereumjs/rlp';
import { concatBytes, createAesCtrStream, createRlpxMac, keccak256, type AesCtrStream, type RlpxMac } from '@status-stack/crypto';
import type { Devp2pAes, Devp2pMac, Devp2pPeer, Devp2pSession } from './devp2p.js';
import { OverlayError, OVERLAY_ERROR } from './errors.js';
import { snappyCompressInto, snappyMaxLength } from './snappy.js';

/** Frame sizes are a 24-bit field (rlpx.md, "Framing"). */
const MAX_FRAME_SIZE = 0xffffff;
/** header-data = rlp([capability-id, context-id]) = rlp([0, 0]), as every client sends it. */
const HEADER_DATA = Uint8Array.of(0xc2, 0x80, 0x80);
const BLOCK = 16;

/**
 * The RLPx frame MAC (devp2p rlpx.md, "MAC") as devp2p's sessions hold it: `createRlpxMac` from
 * the crypto package does the work (on the fast backend, one wasm call per header and per body).
 * Our codec paths use `headerTag`/`bodyTag`, which return the tag at once; devp2p's shape
 * (`updateHeader`, then `digest`) is kept for its own callers and gets the same tag without a
 * second digest.
 */
export class FrameMac implements Devp2pMac {
  private readonly mac: RlpxMac;
  /** The tag of the last header or body step, until anything else is absorbed. */
  private lastTag: Uint8Array | null = null;

  constructor(secret: Uint8Array) {
    this.mac = createRlpxMac(secret);
  }

  update(data: Uint8Array): void {
    this.lastTag = null;
    this.mac.update(data);
  }

  /** Folds a header ciphertext in; returns its tag (written into `out` when given). */
  headerTag(headerCiphertext: Uint8Array, out?: Uint8Array): Uint8Array {
    this.lastTag = null;
    return this.mac.updateHeader(headerCiphertext, out);
  }

  /** Folds a body ciphertext in; returns its tag (written into `out` when given). */
  bodyTag(bodyCiphertext: Uint8Array, out?: Uint8Array): Uint8Array {
    this.lastTag = null;
    return this.mac.updateBody(bodyCiphertext, out);
  }

  updateHeader(headerCiphertext: Uint8Array): void {
    this.lastTag = this.mac.updateHeader(headerCiphertext);
  }

  updateBody(bodyCiphertext: Uint8Array): void {
    this.lastTag = this.mac.updateBody(bodyCiphertext);
  }

  /** The 16-byte tag: keccak256.digest(mac)[:16]. */
  digest(): Uint8Array {
    return this.lastTag ? this.lastTag.slice() : this.mac.digest().subarray(0, BLOCK);
  }

  /** The full 32-byte digest of the running state (what the EIP-8 vector records). */
  keccakDigest(): Uint8Array {
    return this.mac.digest();
  }
}

/** Where received tags are computed before the comparison (used synchronously, then free). */
const tagScratch = new Uint8Array(BLOCK);

/** A header step on any session MAC: ours in one call, devp2p's through update-then-digest. */
function headerTag(mac: Devp2pMac, ciphertext: Uint8Array, out?: Uint8Array): Uint8Array {
  if (mac instanceof FrameMac) return mac.headerTag(ciphertext, out);
  mac.updateHeader(ciphertext);
  return copyTag(mac.digest(), out);
}

/** A body step on any session MAC, as `headerTag`. */
function bodyTag(mac: Devp2pMac, ciphertext: Uint8Array, out?: Uint8Array): Uint8Array {
  if (mac instanceof FrameMac) return mac.bodyTag(ciphertext, out);
  mac.updateBody(ciphertext);
  return copyTag(mac.digest(), out);
}

function copyTag(tag: Uint8Array, out: Uint8Array | undefined): Uint8Array {
  if (!out) return tag;
  out.set(tag.subarray(0, BLOCK));
  return out;
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

/**
 * The secrets of rlpx.md "Secrets", from the session's handshake fields. `incoming` is devp2p's
 * flag: true on the recipient, whose nonce comes first in keccak256(recipient-nonce ‖ initiator-nonce).
 */
export function deriveFrameSecrets(
  ephemeralSharedSecret: Uint8Array,
  nonce: Uint8Array,
  remoteNonce: Uint8Array,
  incoming: boolean,
): { aesSecret: Uint8Array; macSecret: Uint8Array } {
  const hNonce = keccak256(incoming ? concatBytes(nonce, remoteNonce) : concatBytes(remoteNonce, nonce));
  const sharedSecret = keccak256(concatBytes(ephemeralSharedSecret, hNonce));
  const aesSecret = keccak256(concatBytes(ephemeralSharedSecret, sharedSecret));
  return { aesSecret, macSecret: keccak256(concatBytes(ephemeralSharedSecret, aesSecret)) };
}

/** The mac-secret alone (what the EIP-8 vector records). */
export function deriveMacSecret(ephemeralSharedSecret: Uint8Array, nonce: Uint8Array, remoteNonce: Uint8Array, incoming: boolean): Uint8Array {
  return deriveFrameSecrets(ephemeralSharedSecret, nonce, remoteNonce, incoming).macSecret;
}

/**
 * A session's AES-256-CTR keystream as our codec holds it: the crypto package's buffered stream,
 * which XORs in place (devp2p's own deciphers still work through `ctr`, with a copy).
 */
export class FrameCipher implements Devp2pAes {
  constructor(private readonly stream: AesCtrStream) {}
  update(data: Uint8Array): Uint8Array {
    return this.stream.update(data);
  }
  /** Encrypts or decrypts `data` into itself. */
  inPlace(data: Uint8Array): void {
    this.stream.update(data, data);
  }
}

/** `data` through the keystream, in place. */
function ctrInPlace(aes: Devp2pAes, data: Uint8Array): void {
  if (aes instanceof FrameCipher) aes.inPlace(data);
  else data.set(aes.update(data));
}

const ZERO_IV = new Uint8Array(16);

function sameTag(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/**
 * Puts our frame codec under a devp2p session before its handshake completes: after devp2p's own
 * `_setupFrame` derives the secrets and AES keystreams, its MACs (pure-JS keccak, a new ECB
 * cipher per update) are replaced by `FrameMac`s seeded as rlpx.md says, and the four frame
 * methods by ones that skip devp2p's copies.
 */
export function installFrameCodec(session: Devp2pSession): void {
  const setupFrame = session._setupFrame.bind(session);
  session._setupFrame = (remoteData, incoming) => {
    setupFrame(remoteData, incoming);
    const { _ephemeralSharedSecret: ess, _remoteNonce: remoteNonce, _nonce: nonce, _initMsg: initMsg } = session;
    if (!ess || !remoteNonce || !session._ingressMac) return;
    const { aesSecret, macSecret: secret } = deriveFrameSecrets(ess, nonce, remoteNonce, incoming);
    // Both directions start the same keystream (IV zero); each side's egress is the other's ingress.
    session._ingressAes = new FrameCipher(createAesCtrStream(aesSecret, ZERO_IV));
    session._egressAes = new FrameCipher(createAesCtrStream(aesSecret, ZERO_IV));
    const ingress = new FrameMac(secret);
    // ingress-mac = keccak256.init((mac-secret ^ our-nonce) ‖ the remote side's auth/ack as received)
    ingress.update(concatBytes(xor(secret, nonce), remoteData));
    session._ingressMac = ingress;
    if (!session._egressMac || !initMsg) return;
    const egress = new FrameMac(secret);
    egress.update(concatBytes(xor(secret, remoteNonce), initMsg));
    session._egressMac = egress;
  };

  session.createBlockHeader = (size) => {
    const aes = session._egressAes;
    const mac = session._egressMac;
    if (!aes || !mac) return undefined;
    const out = new Uint8Array(2 * BLOCK);
    writeHeaderPlain(out, size);
    ctrInPlace(aes, out.subarray(0, BLOCK));
    headerTag(mac, out.subarray(0, BLOCK), out.subarray(BLOCK));
    return out;
  };

  session.parseHeader = (data) => {
    const mac = session._ingressMac;
    const aes = session._ingressAes;
    if (!mac || !aes) return undefined;
    const header = data.subarray(0, BLOCK);
    if (!sameTag(headerTag(mac, header, tagScratch), data.subarray(BLOCK, 2 * BLOCK))) throw new OverlayError(OVERLAY_ERROR.INVALID_MAC, 'Invalid MAC in frame header');
    const plain = header.slice();
    ctrInPlace(aes, plain);
    const size = (plain[0] << 16) | (plain[1] << 8) | plain[2];
    session._bodySize = size;
    return size;
  };

  session.createBody = (data) => {
    const aes = session._egressAes;
    const mac = session._egressMac;
    if (!aes || !mac) return undefined;
    const padded = Math.ceil(data.length / BLOCK) * BLOCK;
    const out = new Uint8Array(padded + BLOCK);
    out.set(data);
    const body = out.subarray(0, padded);
    ctrInPlace(aes, body);
    bodyTag(mac, body, out.subarray(padded));
    return out;
  };

  session.parseBody = (data) => {
    const size = session._bodySize;
    if (size === null) throw new OverlayError(OVERLAY_ERROR.MALFORMED_MESSAGE, 'frame body before its header');
    const mac = session._ingressMac;
    const aes = session._ingressAes;
    if (!mac || !aes) return undefined;
    const body = data.subarray(0, data.length - BLOCK);
    if (!sameTag(bodyTag(mac, body, tagScratch), data.subarray(data.length - BLOCK))) throw new OverlayError(OVERLAY_ERROR.INVALID_MAC, 'Invalid MAC in frame body');
    session._bodySize = null;
    // A copy of our own (aligned, unlike a slice of the socket's buffer), decrypted in place.
    const plain = body.slice();
    ctrInPlace(aes, plain);
    return plain.subarray(0, size);
  };
}

/** Sends one message as one frame: `rlp(code) ‖ payload`, the payload snappy-compressed on request. */
export type FrameSender = (code: number, payload: Uint8Array, compress: boolean) => boolean | undefined;

/**
 * Replaces devp2p's `_sendMessage` (two buffers, two writes per frame): the frame is built in one
 * buffer (snappy compresses straight into it, `snappy.ts`), encrypted in place, and written once; the socket is corked until the next tick, so the frames sent in one
 * tick leave in one writev.
 */
export function installFrameWriter(peer: Devp2pPeer): FrameSender {
  const session = peer._eciesSession;
  let corked = false;
  const uncork = () => {
    corked = false;
    peer._socket.uncork();
  };
  const send: FrameSender = (code, payload, compress) => {
    if (peer._closed) return false;
    const socket = peer._socket;
    const aes = session._egressAes;
    const mac = session._egressMac;
    if (socket.destroyed || !aes || !mac) return undefined;
    // The message id is RLP-encoded: a single byte below 0x80 (0 as 0x80), a string above.
    const id = code === 0 ? ZERO_ID : code < 0x80 ? Uint8Array.of(code) : RLP.encode(code);
    const start = 2 * BLOCK + id.length;
    let frame: Uint8Array;
    let size: number;
    if (compress) {
      frame = new Uint8Array(2 * BLOCK + roundUp(id.length + snappyMaxLength(payload.length)) + BLOCK);
      size = id.length + snappyCompressInto(payload, frame.subarray(start));
    } else {
      size = id.length + payload.length;
      frame = new Uint8Array(2 * BLOCK + roundUp(size) + BLOCK);
      frame.set(payload, start);
    }
    if (size > MAX_FRAME_SIZE) throw new OverlayError(OVERLAY_ERROR.FRAME_TOO_LARGE, `message of ${size} bytes does not fit one frame (max ${MAX_FRAME_SIZE})`);
    frame.set(id, 2 * BLOCK);
    const padded = roundUp(size);
    // Header then body through the keystream, each in place.
    writeHeaderPlain(frame.subarray(0, BLOCK), size);
    ctrInPlace(aes, frame.subarray(0, BLOCK));
    ctrInPlace(aes, frame.subarray(2 * BLOCK, 2 * BLOCK + padded));
    headerTag(mac, frame.subarray(0, BLOCK), frame.subarray(BLOCK, 2 * BLOCK));
    bodyTag(mac, frame.subarray(2 * BLOCK, 2 * BLOCK + padded), frame.subarray(2 * BLOCK + padded));
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    socket.write(frame.subarray(0, 2 * BLOCK + padded + BLOCK));
    return true;
  };
  peer._sendMessage = (code, data) => send(code, data, false);
  return send;
}

const ZERO_ID = Uint8Array.of(0x80);

function roundUp(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

/** header = frame-size (3 bytes BE) ‖ header-data, zero-padded to 16 (rlpx.md, "Framing"). */
function writeHeaderPlain(out: Uint8Array, size: number): void {
  out[0] = size >>> 16;
  out[1] = (size >>> 8) & 0xff;
  out[2] = size & 0xff;
  out.set(HEADER_DATA, 3);
}
