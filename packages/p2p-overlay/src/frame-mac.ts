import { createCipheriv, type Cipher } from 'node:crypto';
import { RLP } from '@ethereumjs/rlp';
import { concatBytes, createKeccak256, keccak256, type Keccak256Hasher } from '@status-stack/crypto';
import type { Devp2pMac, Devp2pPeer, Devp2pSession } from './devp2p.js';
import { OverlayError, OVERLAY_ERROR } from './errors.js';
import { snappyCompressInto, snappyMaxLength } from './snappy.js';

/** Frame sizes are a 24-bit field (rlpx.md, "Framing"). */
const MAX_FRAME_SIZE = 0xffffff;
/** header-data = rlp([capability-id, context-id]) = rlp([0, 0]), as every client sends it. */
const HEADER_DATA = Uint8Array.of(0xc2, 0x80, 0x80);
const BLOCK = 16;

/**
 * The RLPx frame MAC (devp2p rlpx.md, "MAC"): a running keccak256 state, seeded at the handshake,
 * into which every header and body is folded through AES-256-ECB(mac-secret) of its own digest.
 * One ECB cipher is kept per MAC (no padding: only whole 16-byte blocks go through it).
 */
export class FrameMac implements Devp2pMac {
  private readonly hash: Keccak256Hasher = createKeccak256();
  private readonly aes: Cipher;
  private readonly seed = new Uint8Array(BLOCK);

  constructor(secret: Uint8Array) {
    this.aes = createCipheriv('aes-256-ecb', secret, null).setAutoPadding(false);
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  /** header-mac-seed = aes(mac-secret, keccak256.digest(mac)[:16]) ^ header-ciphertext */
  updateHeader(headerCiphertext: Uint8Array): void {
    const enc = this.aes.update(this.digest());
    const seed = this.seed;
    for (let i = 0; i < BLOCK; i++) seed[i] = enc[i] ^ headerCiphertext[i];
    this.hash.update(seed);
  }

  /** frame-mac-seed = aes(mac-secret, keccak256.digest(mac)[:16]) ^ keccak256.digest(mac)[:16], after the ciphertext. */
  updateBody(bodyCiphertext: Uint8Array): void {
    this.hash.update(bodyCiphertext);
    const prev = this.digest();
    const enc = this.aes.update(prev);
    const seed = this.seed;
    for (let i = 0; i < BLOCK; i++) seed[i] = enc[i] ^ prev[i];
    this.hash.update(seed);
  }

  /** The 16-byte tag: keccak256.digest(mac)[:16]. */
  digest(): Uint8Array {
    return this.hash.digest().subarray(0, BLOCK);
  }

  /** The full 32-byte digest of the running state (what the EIP-8 vector records). */
  keccakDigest(): Uint8Array {
    return this.hash.digest();
  }
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
export function deriveMacSecret(ephemeralSharedSecret: Uint8Array, nonce: Uint8Array, remoteNonce: Uint8Array, incoming: boolean): Uint8Array {
  const hNonce = keccak256(incoming ? concatBytes(nonce, remoteNonce) : concatBytes(remoteNonce, nonce));
  const sharedSecret = keccak256(concatBytes(ephemeralSharedSecret, hNonce));
  const aesSecret = keccak256(concatBytes(ephemeralSharedSecret, sharedSecret));
  return keccak256(concatBytes(ephemeralSharedSecret, aesSecret));
}

function sameTag(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

function u8(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
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
    const secret = deriveMacSecret(ess, nonce, remoteNonce, incoming);
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
    out.set(aes.update(out.subarray(0, BLOCK)));
    mac.updateHeader(out.subarray(0, BLOCK));
    out.set(mac.digest(), BLOCK);
    return out;
  };

  session.parseHeader = (data) => {
    const mac = session._ingressMac;
    const aes = session._ingressAes;
    if (!mac || !aes) return undefined;
    const header = data.subarray(0, BLOCK);
    mac.updateHeader(header);
    if (!sameTag(mac.digest(), data.subarray(BLOCK, 2 * BLOCK))) throw new OverlayError(OVERLAY_ERROR.INVALID_MAC, 'Invalid MAC in frame header');
    const plain = aes.update(header);
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
    body.set(aes.update(body));
    mac.updateBody(body);
    out.set(mac.digest(), padded);
    return out;
  };

  session.parseBody = (data) => {
    const size = session._bodySize;
    if (size === null) throw new OverlayError(OVERLAY_ERROR.MALFORMED_MESSAGE, 'frame body before its header');
    const mac = session._ingressMac;
    const aes = session._ingressAes;
    if (!mac || !aes) return undefined;
    const body = data.subarray(0, data.length - BLOCK);
    mac.updateBody(body);
    if (!sameTag(mac.digest(), data.subarray(data.length - BLOCK))) throw new OverlayError(OVERLAY_ERROR.INVALID_MAC, 'Invalid MAC in frame body');
    session._bodySize = null;
    return u8(aes.update(body)).subarray(0, size);
  };
}

/** Sends one message as one frame: `rlp(code) ‖ payload`, the payload snappy-compressed on request. */
export type FrameSender = (code: number, payload: Uint8Array, compress: boolean) => boolean | undefined;

/**
 * Replaces devp2p's `_sendMessage` (two buffers, two writes per frame): the frame is built in one
 * buffer (snappy compresses straight into it, `snappy.ts`), encrypted with one AES-CTR call for header and
 * body, and written once; the socket is corked until the next tick, so the frames sent in one
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
    // The header's plaintext goes where its MAC will be, right before the body, so one CTR call
    // encrypts both (the keystream runs header then body); the ciphertext header then moves to 0.
    writeHeaderPlain(frame.subarray(BLOCK, 2 * BLOCK), size);
    const ct = aes.update(frame.subarray(BLOCK, 2 * BLOCK + padded));
    frame.set(ct.subarray(0, BLOCK), 0);
    frame.set(ct.subarray(BLOCK), 2 * BLOCK);
    mac.updateHeader(frame.subarray(0, BLOCK));
    frame.set(mac.digest(), BLOCK);
    const body = frame.subarray(2 * BLOCK, 2 * BLOCK + padded);
    mac.updateBody(body);
    frame.set(mac.digest(), 2 * BLOCK + padded);
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
