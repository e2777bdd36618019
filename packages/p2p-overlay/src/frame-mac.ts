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
 * stream, the one the session's `RlpxFrameCipher` consumes.
 */
export class FrameCipher implements Devp2pAes {
  constructor(private readonly stream: AesCtrStream) {}
  update(data: Uint8Array): Uint8Array {
    return this.stream.update(data);
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

/**
 * Sends one message as one frame: `rlp(code) ‖ payload`, the payload snappy-compressed on request.
 * `flush` writes the frames queued in this tick at once (before the socket is ended).
 */
export interface FrameSender {
  (code: number, payload: Uint8Array, compress: boolean): boolean | undefined;
  flush(): void;
}

/** Frames are built in buffers of this size and written a tick's worth at a time. */
const WRITE_BUFFER = 64 * 1024;

/**
 * Replaces devp2p's `_sendMessage` (two buffers, two writes per frame): each frame is built in
 * place in a shared write buffer (snappy compresses straight into it, `snappy.ts`), encrypted
 * in place, and the frames of one tick leave in one socket write.
 */
export function installFrameWriter(peer: Devp2pPeer): FrameSender {
  const session = peer._eciesSession;
  let buf = new Uint8Array(0);
  /** buf[written..used) holds frames not handed to the socket yet. */
  let used = 0;
  let written = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (used === written) return;
    const chunk = buf.subarray(written, used);
    written = used;
    if (!peer._socket.destroyed) peer._socket.write(chunk);
  };
  /** Room for `n` bytes at `used`: a fresh (zeroed) buffer when the current one is full. */
  const reserve = (n: number) => {
    if (buf.length - used >= n) return;
    flush();
    buf = new Uint8Array(Math.max(WRITE_BUFFER, n));
    used = 0;
    written = 0;
  };
  const send = ((code: number, payload: Uint8Array, compress: boolean) => {
    if (peer._closed) return false;
    const egress = framings.get(session)?.egress;
    if (peer._socket.destroyed || !egress) return undefined;
    // The message id is RLP-encoded: a single byte below 0x80 (0 as 0x80), a string above.
    const idLength = code < 0x80 ? 1 : RLP.encode(code).length;
    const maxBody = idLength + (compress ? snappyMaxLength(payload.length) : payload.length);
    reserve(2 * BLOCK + roundUp(maxBody) + BLOCK);
    const frame = buf.subarray(used);
    const start = 2 * BLOCK + idLength;
    let size: number;
    if (compress) {
      size = idLength + snappyCompressInto(payload, frame.subarray(start));
    } else {
      size = idLength + payload.length;
      frame.set(payload, start);
    }
    if (size > MAX_FRAME_SIZE) {
      // Nothing is committed: the reserved bytes are zeroed again for the next frame.
      frame.fill(0, 0, start + maxBody);
      throw new OverlayError(OVERLAY_ERROR.FRAME_TOO_LARGE, `message of ${size} bytes does not fit one frame (max ${MAX_FRAME_SIZE})`);
    }
    if (code === 0) frame[2 * BLOCK] = 0x80;
    else if (code < 0x80) frame[2 * BLOCK] = code;
    else frame.set(RLP.encode(code), 2 * BLOCK);
    const padded = roundUp(size);
    // Bytes past the message up to `padded` are still zero (the frame padding) unless compression
    // wrote beyond its result: clear them.
    frame.fill(0, 2 * BLOCK + size, 2 * BLOCK + padded);
    // Header, then body, each encrypted in place with its MAC written after it.
    writeHeaderPlain(frame.subarray(0, BLOCK), size);
    egress.sealHeader(frame.subarray(0, 2 * BLOCK));
    egress.sealBody(frame.subarray(2 * BLOCK, 3 * BLOCK + padded));
    used += 3 * BLOCK + padded;
    if (!scheduled) {
      scheduled = true;
      process.nextTick(flush);
    }
    return true;
  }) as FrameSender;
  send.flush = flush;
  peer._sendMessage = (code, data) => send(code, data, false);
  return send;
}

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
