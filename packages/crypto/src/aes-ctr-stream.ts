import { createCipheriv, type Cipher } from 'node:crypto';
import { CRYPTO_ERROR, CryptoError } from './errors.js';

/** Keystream produced per `node:crypto` call: one call then serves about fifteen 1 KB frames. */
const KEYSTREAM_CHUNK = 16 * 1024;
const ZEROS = new Uint8Array(KEYSTREAM_CHUNK);

/** A running AES-CTR stream: successive `update` calls continue the same keystream. */
export interface AesCtrStream {
  /**
   * XORs `data` with the next `data.length` keystream bytes into `out` (a new array when absent;
   * `out` may be `data` itself, to work in place) and returns `out`.
   */
  update(data: Uint8Array, out?: Uint8Array): Uint8Array;
  /** Writes the next `out.length` keystream bytes into `out` (for XORing elsewhere, such as in wasm memory). */
  keystream(out: Uint8Array): void;
}

/**
 * AES-CTR with the keystream made ahead in chunks (the encryption of zeros) and XORed in here: a
 * `node:crypto` call costs more than the AES-NI work for a short message, and a stream of frames
 * makes many short calls (two per received RLPx frame). Whole aligned words are XORed 32 bits at
 * a time.
 */
class BufferedAesCtr implements AesCtrStream {
  private readonly cipher: Cipher;
  private ks = new Uint8Array(0);
  private ks32 = new Int32Array(0);
  private pos = 0;

  constructor(key: Uint8Array, iv: Uint8Array) {
    const alg = key.length === 16 ? 'aes-128-ctr' : key.length === 32 ? 'aes-256-ctr' : null;
    if (!alg) throw new CryptoError(CRYPTO_ERROR.INVALID_LENGTH, `AES-CTR key must be 16 or 32 bytes, got ${key.length}`);
    if (iv.length !== 16) throw new CryptoError(CRYPTO_ERROR.INVALID_LENGTH, `AES-CTR IV must be 16 bytes, got ${iv.length}`);
    this.cipher = createCipheriv(alg, key, iv);
  }

  private refill(): void {
    const b = this.cipher.update(ZEROS);
    // An owned, aligned copy when node hands back a buffer at an odd offset.
    this.ks = b.byteOffset % 4 === 0 ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : Uint8Array.from(b);
    this.ks32 = new Int32Array(this.ks.buffer, this.ks.byteOffset, this.ks.byteLength >>> 2);
    this.pos = 0;
  }

  update(data: Uint8Array, out: Uint8Array = new Uint8Array(data.length)): Uint8Array {
    if (out.length < data.length) throw new CryptoError(CRYPTO_ERROR.INVALID_LENGTH, `AES-CTR output of ${out.length} bytes for ${data.length} bytes of input`);
    let i = 0;
    const n = data.length;
    while (i < n) {
      if (this.pos === this.ks.length) this.refill();
      const take = Math.min(n - i, this.ks.length - this.pos);
      this.xor(data, i, out, take);
      i += take;
      this.pos += take;
    }
    return out;
  }

  keystream(out: Uint8Array): void {
    let i = 0;
    while (i < out.length) {
      if (this.pos === this.ks.length) this.refill();
      const take = Math.min(out.length - i, this.ks.length - this.pos);
      out.set(this.ks.subarray(this.pos, this.pos + take), i);
      i += take;
      this.pos += take;
    }
  }

  /** out[at..at+len) = data[at..at+len) ^ keystream[pos..pos+len). */
  private xor(data: Uint8Array, at: number, out: Uint8Array, len: number): void {
    const ks = this.ks;
    const pos = this.pos;
    const words = len >>> 2;
    const aligned = words >= 8 && (data.byteOffset + at) % 4 === 0 && (out.byteOffset + at) % 4 === 0 && pos % 4 === 0;
    let done = 0;
    if (aligned) {
      const d32 = new Int32Array(data.buffer, data.byteOffset + at, words);
      const o32 = out === data ? d32 : new Int32Array(out.buffer, out.byteOffset + at, words);
      const k32 = this.ks32;
      const k0 = pos >>> 2;
      for (let w = 0; w < words; w++) o32[w] = d32[w] ^ k32[k0 + w];
      done = words << 2;
    }
    for (let b = done; b < len; b++) out[at + b] = data[at + b] ^ ks[pos + b];
  }
}

/** An AES-128-CTR or AES-256-CTR stream (by key length) from a 16-byte initial counter block. */
export function createAesCtrStream(key: Uint8Array, iv: Uint8Array): AesCtrStream {
  return new BufferedAesCtr(key, iv);
}
