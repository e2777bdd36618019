import { RLP } from '@ethereumjs/rlp';
import { concatBytes, createRlpxFrameCipher, createRlpxMac, keccak256, type AesCtrStream, type RlpxFrameCipher, type RlpxMac } from '@status-stack/crypto';
import type { Devp2pAes, Devp2pMac, Devp2pPeer, Devp2pSession } from './devp2p.js';
import { OverlayError, OVERLAY_ERROR } from './errors.js';
import { snappyCompressInto, snappyMaxLength } from './snappy.js';

/** Frame sizes are a 24-bit field (rlpx.md, "Framing"). */
const MAX_FRAME_SIZE = 0xffffff;
/** header-data = rlp([capability-id, context-id]) = rlp([0, 0]), as every client sends it. */
const HEADER_DATA = Uint8Array.of(0xc2, 0x80, 0x80);
const BLOCK = 16;

/**
 * The RLPx frame MAC (devp2p rlpx.md, "MAC") in the shape devp2p's sessions hold it, over the
 * crypto package's `RlpxMac` (the same running state the session's `RlpxFrameCipher` uses).
 * devp2p's shape (`updateHeader`, then `digest`) gets the step's tag without a second digest.
 */
export class FrameMac implements Devp2pMac {
  /** The tag of the last header or body step, until anything else is absorbed. */
  private lastTag: Uint8Array | null = null;

  constructor(private readonly mac: RlpxMac) {}

  static fromSecret(secret: Uint8Array): FrameMac {
    return new FrameMac(createRlpxMac(secret));
  }

  update(data: Uint8Array): void {
    this.lastTag = null;
    this.mac.update(data);
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
 * A session's AES-256-CTR keystream in the shape devp2p holds it: the crypto package's buffered
 * stream (the one its `RlpxFrameCipher` consumes), which also works in place.
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

/** Each session's two directions of framing, once our `_setupFrame` has run. */
const framings = new WeakMap<Devp2pSession, { egress: RlpxFrameCipher; ingress: RlpxFrameCipher }>();

function invalidMac(message: string): OverlayError {
  return new OverlayError(OVERLAY_ERROR.INVALID_MAC, message);
}

/**
 * Puts our frame codec under a devp2p session before its handshake completes: after devp2p's own
 * `_setupFrame` has run, the secrets are derived again as rlpx.md says and each direction gets
 * an `RlpxFrameCipher` (keystream and MAC together; on the fast backend one wasm call per header
 * and per body), seeded as rlpx.md says; devp2p's four frame methods are replaced by ones on
 * those ciphers, and its session fields by views of the same states.
 */
export function installFrameCodec(session: Devp2pSession): void {
  const setupFrame = session._setupFrame.bind(session);
  session._setupFrame = (remoteData, incoming) => {
    setupFrame(remoteData, incoming);
    const { _ephemeralSharedSecret: ess, _remoteNonce: remoteNonce, _nonce: nonce, _initMsg: initMsg } = session;
    if (!ess || !remoteNonce || !session._ingressMac || !session._egressMac || !initMsg) return;
    const { aesSecret, macSecret } = deriveFrameSecrets(ess, nonce, remoteNonce, incoming);
    // Both directions start the same keystream (IV zero); each side's egress is the other's ingress.
    const ingress = createRlpxFrameCipher(aesSecret, macSecret);
    const egress = createRlpxFrameCipher(aesSecret, macSecret);
    // ingress-mac = keccak256.init((mac-secret ^ our-nonce) ‖ the remote side's auth/ack as received)
    ingress.mac.update(concatBytes(xor(macSecret, nonce), remoteData));
    egress.mac.update(concatBytes(xor(macSecret, remoteNonce), initMsg));
    framings.set(session, { egress, ingress });
    // devp2p's session fields become views of the same states.
    session._ingressAes = new FrameCipher(ingress.keystream);
    session._egressAes = new FrameCipher(egress.keystream);
    session._ingressMac = new FrameMac(ingress.mac);
    session._egressMac = new FrameMac(egress.mac);
  };

  session.createBlockHeader = (size) => {
    const f = framings.get(session);
    if (!f) return undefined;
    const out = new Uint8Array(2 * BLOCK);
    writeHeaderPlain(out, size);
    f.egress.sealHeader(out);
    return out;
  };

  session.parseHeader = (data) => {
    const f = framings.get(session);
    if (!f) return undefined;
    const plain = f.ingress.openHeader(data.subarray(0, 2 * BLOCK));
    if (!plain) throw invalidMac('Invalid MAC in frame header');
    const size = (plain[0] << 16) | (plain[1] << 8) | plain[2];
    session._bodySize = size;
    return size;
  };

  session.createBody = (data) => {
    const f = framings.get(session);
    if (!f) return undefined;
    const out = new Uint8Array(roundUp(data.length) + BLOCK);
    out.set(data);
    f.egress.sealBody(out);
    return out;
  };

  session.parseBody = (data) => {
    const size = session._bodySize;
    if (size === null) throw new OverlayError(OVERLAY_ERROR.MALFORMED_MESSAGE, 'frame body before its header');
    const f = framings.get(session);
    if (!f) return undefined;
    if (data.length < BLOCK || (data.length - BLOCK) % BLOCK !== 0 || data.length - BLOCK < size) {
      throw new OverlayError(OVERLAY_ERROR.MALFORMED_MESSAGE, `frame body of ${data.length} bytes for a ${size}-byte frame`);
    }
    const plain = f.ingress.openBody(data);
    if (!plain) throw invalidMac('Invalid MAC in frame body');
    session._bodySize = null;
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
    const egress = framings.get(session)?.egress;
    if (socket.destroyed || !egress) return undefined;
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
    // Header, then body, each encrypted in place with its MAC written after it.
    writeHeaderPlain(frame.subarray(0, BLOCK), size);
    egress.sealHeader(frame.subarray(0, 2 * BLOCK));
    egress.sealBody(frame.subarray(2 * BLOCK, 3 * BLOCK + padded));
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
