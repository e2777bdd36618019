import { RLP } from '@ethereumjs/rlp';
import { createRlpxFrameCipher, type RlpxFrameCipher } from '@status-stack/crypto';
import { OverlayError, OVERLAY_ERROR } from './errors.js';
import type { FrameSecrets } from './rlpx-handshake.js';
import { snappyCompressInto, snappyMaxLength } from './snappy.js';

/*
 * RLPx framing (devp2p rlpx.md, "Framing"): every message is one frame,
 *   header-ciphertext (16) ‖ header-mac (16) ‖ body-ciphertext (padded to 16) ‖ frame-mac (16),
 * with header = frame-size (3 bytes BE) ‖ rlp([0, 0]) zero-padded to 16, and
 * frame body = rlp(message id) ‖ payload. Both directions use AES-256-CTR (IV zero) and their own
 * running keccak MAC, seeded from the handshake.
 */

/** Frame sizes are a 24-bit field. */
export const MAX_FRAME_SIZE = 0xffffff;
/** header-data = rlp([capability-id, context-id]) = rlp([0, 0]), as every client sends it. */
const HEADER_DATA = Uint8Array.of(0xc2, 0x80, 0x80);
const BLOCK = 16;
/** Header ciphertext and its MAC. */
export const FRAME_HEADER_SIZE = 2 * BLOCK;

/**
 * The largest frame a peer needs to send a message of `maxMessageSize` bytes: the RLP message id
 * (at most 5 bytes) and the snappy block's worst case. A node whose protocols cap their messages
 * (Whisper/Waku: 1 MiB) sets `maxFrameSize` to this, so that a partial frame buffered for one peer
 * costs at most that much.
 */
export function frameSizeFor(maxMessageSize: number): number {
  return 5 + snappyMaxLength(maxMessageSize);
}

export function roundUp16(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

/** The two directions of a session's framing, each seeded as rlpx.md says. */
export function createFrameCiphers(s: FrameSecrets): { egress: RlpxFrameCipher; ingress: RlpxFrameCipher } {
  const egress = createRlpxFrameCipher(s.aesSecret, s.macSecret);
  const ingress = createRlpxFrameCipher(s.aesSecret, s.macSecret);
  egress.mac.update(s.egressMacSeed);
  ingress.mac.update(s.ingressMacSeed);
  return { egress, ingress };
}

/** header = frame-size (3 bytes BE) ‖ header-data, zero-padded to 16. */
function writeHeaderPlain(out: Uint8Array, size: number): void {
  out[0] = size >>> 16;
  out[1] = (size >>> 8) & 0xff;
  out[2] = size & 0xff;
  out.set(HEADER_DATA, 3);
}

/** Opens a frame header (32 bytes): the body size, after checking the header MAC. */
export function openFrameHeader(ingress: RlpxFrameCipher, block: Uint8Array): number {
  const plain = ingress.openHeader(block);
  if (!plain) throw new OverlayError(OVERLAY_ERROR.INVALID_MAC, 'invalid MAC in frame header');
  return (plain[0] << 16) | (plain[1] << 8) | plain[2];
}

/** Opens a frame body (`roundUp16(size) + 16` bytes): the `size` bytes of plaintext, after checking the frame MAC. */
export function openFrameBody(ingress: RlpxFrameCipher, block: Uint8Array, size: number): Uint8Array {
  if (block.length !== roundUp16(size) + BLOCK) {
    throw new OverlayError(OVERLAY_ERROR.MALFORMED_MESSAGE, `frame body of ${block.length} bytes for a ${size}-byte frame`);
  }
  const plain = ingress.openBody(block);
  if (!plain) throw new OverlayError(OVERLAY_ERROR.INVALID_MAC, 'invalid MAC in frame body');
  return plain.subarray(0, size);
}

/**
 * Reads the message id at the start of a frame body: a single byte below 0x80, 0x80 for 0, or a
 * canonical RLP string of up to 4 bytes. Returns the id and where the payload starts.
 */
export function readMessageId(body: Uint8Array): [code: number, start: number] {
  if (body.length === 0) throw new OverlayError(OVERLAY_ERROR.MALFORMED_MESSAGE, 'empty frame');
  const b0 = body[0];
  if (b0 < 0x80) return [b0, 1];
  if (b0 === 0x80) return [0, 1];
  const n = b0 - 0x80;
  if (n <= 4 && body.length > n && body[1] !== 0) {
    let code = 0;
    for (let i = 1; i <= n; i++) code = code * 256 + body[i];
    if (code >= 0x80) return [code, 1 + n];
  }
  throw new OverlayError(OVERLAY_ERROR.MALFORMED_MESSAGE, `bad message id prefix 0x${b0.toString(16)}`);
}

/**
 * Sends one message as one frame: `rlp(code) ‖ payload`, the payload snappy-compressed on request.
 * `flush` writes the frames queued in this tick at once (before the socket is ended).
 */
export interface FrameWriter {
  send(code: number, payload: Uint8Array, compress: boolean): void;
  flush(): void;
  /** Bytes of frames built and not yet handed to the socket. */
  readonly pending: number;
}

/** Frames are built in buffers of this size and written a tick's worth at a time. */
const WRITE_BUFFER = 64 * 1024;

/**
 * Each frame is built in place in a shared write buffer (snappy compresses straight into it),
 * encrypted in place, and the frames of one tick leave in one socket write.
 */
export function createFrameWriter(egress: RlpxFrameCipher, write: (chunk: Uint8Array) => void): FrameWriter {
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
    write(chunk);
  };
  /** Room for `n` bytes at `used`: a fresh (zeroed) buffer when the current one is full. */
  const reserve = (n: number) => {
    if (buf.length - used >= n) return;
    flush();
    buf = new Uint8Array(Math.max(WRITE_BUFFER, n));
    used = 0;
    written = 0;
  };
  const send = (code: number, payload: Uint8Array, compress: boolean) => {
    // The message id is RLP-encoded: a single byte below 0x80 (0 as 0x80), a string above.
    const idLength = code < 0x80 ? 1 : RLP.encode(code).length;
    const maxBody = idLength + (compress ? snappyMaxLength(payload.length) : payload.length);
    reserve(FRAME_HEADER_SIZE + roundUp16(maxBody) + BLOCK);
    const frame = buf.subarray(used);
    const start = FRAME_HEADER_SIZE + idLength;
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
    if (code === 0) frame[FRAME_HEADER_SIZE] = 0x80;
    else if (code < 0x80) frame[FRAME_HEADER_SIZE] = code;
    else frame.set(RLP.encode(code), FRAME_HEADER_SIZE);
    const padded = roundUp16(size);
    // Bytes past the message up to `padded` are the frame padding: zero them (compression may
    // have written past its result).
    frame.fill(0, FRAME_HEADER_SIZE + size, FRAME_HEADER_SIZE + padded);
    writeHeaderPlain(frame.subarray(0, BLOCK), size);
    egress.sealHeader(frame.subarray(0, FRAME_HEADER_SIZE));
    egress.sealBody(frame.subarray(FRAME_HEADER_SIZE, FRAME_HEADER_SIZE + padded + BLOCK));
    used += FRAME_HEADER_SIZE + padded + BLOCK;
    if (!scheduled) {
      scheduled = true;
      process.nextTick(flush);
    }
  };
  return {
    send,
    flush,
    get pending() {
      return used - written;
    },
  };
}

/**
 * The bytes received on a connection, kept as the chunks the socket gave: `take(n)` returns the
 * next n bytes (a view when they lie in one chunk, one copy otherwise), so a frame that arrives
 * in many pieces is copied once, not once per piece.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private head = 0;
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The first `n` bytes without consuming them (n <= length). */
  peek(n: number): Uint8Array {
    const first = this.chunks[0];
    if (first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    return this.copy(n, false);
  }

  take(n: number): Uint8Array {
    const first = this.chunks[0];
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      this.length -= n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      return out;
    }
    return this.copy(n, true);
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.length = 0;
  }

  private copy(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let off = 0;
    let i = 0;
    let head = this.head;
    while (off < n) {
      const c = this.chunks[i];
      const k = Math.min(c.length - head, n - off);
      out.set(c.subarray(head, head + k), off);
      off += k;
      head += k;
      if (head === c.length) {
        i++;
        head = 0;
      }
    }
    if (consume) {
      this.chunks.splice(0, i);
      this.head = head;
      this.length -= n;
    }
    return out;
  }
}
