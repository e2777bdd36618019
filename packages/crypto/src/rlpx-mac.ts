import { createCipheriv, type Cipher } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { getBackend } from './backend.js';
import { CRYPTO_ERROR, CryptoError } from './errors.js';
import { createAesCtrStream, type AesCtrStream } from './aes-ctr-stream.js';
import { HEADER_IN, INPUT, INPUT_WINDOW, KEYSTREAM, keccakWasm, type KeccakWasmEngine } from './keccak-wasm.js';

const BLOCK = 16;

/**
 * The RLPx frame MAC (devp2p rlpx.md, "MAC"): a running keccak256 state, seeded at the handshake,
 * into which every frame header and body ciphertext is folded through AES-256-ECB(mac-secret) of
 * the state's own digest. Tags are the first 16 bytes of the digest.
 */
export interface RlpxMac {
  /** Absorbs raw bytes (the handshake seed: (mac-secret ^ nonce) ‖ auth or ack). */
  update(data: Uint8Array): void;
  /**
   * header-mac-seed = aes(mac-secret, digest[:16]) ^ header-ciphertext is absorbed; returns the
   * header's 16-byte tag, written into `tagOut` when given.
   */
  updateHeader(headerCiphertext: Uint8Array, tagOut?: Uint8Array): Uint8Array;
  /**
   * The body ciphertext is absorbed, then frame-mac-seed = aes(mac-secret, digest[:16]) ^
   * digest[:16]; returns the frame's 16-byte tag, written into `tagOut` when given.
   */
  updateBody(bodyCiphertext: Uint8Array, tagOut?: Uint8Array): Uint8Array;
  /** keccak256 digest of the running state (32 bytes); the state is left as it was. */
  digest(): Uint8Array;
}

function checkLengths(secret: Uint8Array): void {
  if (secret.length !== 32) throw new CryptoError(CRYPTO_ERROR.INVALID_LENGTH, `RLPx mac-secret must be 32 bytes, got ${secret.length}`);
}

function checkHeader(header: Uint8Array): void {
  if (header.length !== BLOCK) throw new CryptoError(CRYPTO_ERROR.INVALID_LENGTH, `RLPx frame header must be 16 bytes, got ${header.length}`);
}

function tag(from: Uint8Array, tagOut: Uint8Array | undefined): Uint8Array {
  const out = tagOut ?? new Uint8Array(BLOCK);
  out.set(from.subarray(0, BLOCK));
  return out;
}

/** noble's keccak (cloned for each digest) and one node:crypto ECB context. */
class PortableRlpxMac implements RlpxMac {
  private readonly hash = keccak_256.create();
  private readonly aes: Cipher;
  private readonly seed = new Uint8Array(BLOCK);

  constructor(secret: Uint8Array) {
    this.aes = createCipheriv('aes-256-ecb', secret, null).setAutoPadding(false);
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  updateHeader(headerCiphertext: Uint8Array, tagOut?: Uint8Array): Uint8Array {
    checkHeader(headerCiphertext);
    const enc = this.aes.update(this.digest().subarray(0, BLOCK));
    for (let i = 0; i < BLOCK; i++) this.seed[i] = enc[i] ^ headerCiphertext[i];
    this.hash.update(this.seed);
    return tag(this.digest(), tagOut);
  }

  updateBody(bodyCiphertext: Uint8Array, tagOut?: Uint8Array): Uint8Array {
    this.hash.update(bodyCiphertext);
    const prev = this.digest();
    const enc = this.aes.update(prev.subarray(0, BLOCK));
    for (let i = 0; i < BLOCK; i++) this.seed[i] = enc[i] ^ prev[i];
    this.hash.update(this.seed);
    return tag(this.digest(), tagOut);
  }

  digest(): Uint8Array {
    return this.hash.clone().digest();
  }
}

/**
 * The state, the AES-256 round keys and every step (digest, AES block, seed, re-absorb, tag)
 * stay in our wasm module (`keccak-wasm.ts`): one call per header and one per body.
 */
class WasmRlpxMac implements RlpxMac {
  readonly slot: number;

  constructor(
    readonly engine: KeccakWasmEngine,
    secret: Uint8Array,
  ) {
    this.slot = engine.alloc(this);
    engine.setRoundKeys(this.slot, secret);
  }

  update(data: Uint8Array): void {
    this.engine.absorb(this.slot, data);
  }

  updateHeader(headerCiphertext: Uint8Array, tagOut?: Uint8Array): Uint8Array {
    checkHeader(headerCiphertext);
    const e = this.engine;
    e.bytes().set(headerCiphertext, HEADER_IN);
    e.fns.macHeader(this.slot, HEADER_IN);
    return tag(e.digestOut(), tagOut);
  }

  updateBody(bodyCiphertext: Uint8Array, tagOut?: Uint8Array): Uint8Array {
    const e = this.engine;
    // All but the last window are absorbed first; the last goes with the seed step.
    let off = 0;
    while (bodyCiphertext.length - off > INPUT_WINDOW) {
      e.absorb(this.slot, bodyCiphertext.subarray(off, off + INPUT_WINDOW));
      off += INPUT_WINDOW;
    }
    const last = bodyCiphertext.subarray(off);
    e.bytes().set(last, INPUT);
    e.fns.macBody(this.slot, INPUT, last.length);
    return tag(e.digestOut(), tagOut);
  }

  digest(): Uint8Array {
    this.engine.fns.digest(this.slot);
    return this.engine.digestOut().slice();
  }
}

/** An RLPx frame MAC keyed with `macSecret`, on the active backend (our wasm for `fast`, noble for `portable`). */
export function createRlpxMac(macSecret: Uint8Array): RlpxMac {
  checkLengths(macSecret);
  if (getBackend().name === 'fast' && keccakWasm) return new WasmRlpxMac(keccakWasm, macSecret);
  return new PortableRlpxMac(macSecret);
}

/**
 * One direction of an RLPx frame stream (devp2p rlpx.md, "Framing"): the AES-256-CTR keystream and
 * the frame MAC together, so that a frame's header or body is encrypted (or checked and decrypted)
 * and MACed in one step.
 */
export interface RlpxFrameCipher {
  /** The running MAC (seed it with `update` after the handshake). */
  readonly mac: RlpxMac;
  /** The AES-CTR keystream the steps consume (shared, for callers that encrypt part of a stream themselves). */
  readonly keystream: AesCtrStream;
  /** `block` = header plaintext (16) ‖ room (16): encrypted in place, the header MAC written into the room. */
  sealHeader(block: Uint8Array): void;
  /** `block` = body plaintext (a multiple of 16) ‖ room (16): encrypted in place, the frame MAC written into the room. */
  sealBody(block: Uint8Array): void;
  /**
   * `block` = header ciphertext (16) ‖ header MAC (16): the decrypted header (a new array), or null
   * when the MAC is wrong. After a wrong MAC the stream is spent: the connection must be dropped.
   */
  openHeader(block: Uint8Array): Uint8Array | null;
  /** `block` = body ciphertext ‖ frame MAC (16): the decrypted body (a new array), or null when the MAC is wrong (as `openHeader`). */
  openBody(block: Uint8Array): Uint8Array | null;
}

function sameTag(a: Uint8Array, b: Uint8Array): boolean {
  let d = 0;
  for (let i = 0; i < BLOCK; i++) d |= a[i] ^ b[i];
  return d === 0;
}

function checkHeaderBlock(block: Uint8Array): void {
  if (block.length !== 2 * BLOCK) throw new CryptoError(CRYPTO_ERROR.INVALID_LENGTH, `RLPx frame header block must be 32 bytes (header and MAC), got ${block.length}`);
}

function checkBody(block: Uint8Array): number {
  const n = block.length - BLOCK;
  if (n < 0 || n % BLOCK !== 0) throw new CryptoError(CRYPTO_ERROR.INVALID_LENGTH, `RLPx frame body of ${n} bytes is not a whole number of 16-byte blocks`);
  return n;
}

/** The keystream and the MAC as two objects: the portable backend, and the fast one's path for frames beyond the wasm window. */
class ComposedFrameCipher implements RlpxFrameCipher {
  constructor(
    readonly keystream: AesCtrStream,
    readonly mac: RlpxMac,
  ) {}

  sealHeader(block: Uint8Array): void {
    checkHeaderBlock(block);
    const header = block.subarray(0, BLOCK);
    this.keystream.update(header, header);
    this.mac.updateHeader(header, block.subarray(BLOCK, 2 * BLOCK));
  }

  sealBody(block: Uint8Array): void {
    const n = checkBody(block);
    const body = block.subarray(0, n);
    this.keystream.update(body, body);
    this.mac.updateBody(body, block.subarray(n));
  }

  openHeader(block: Uint8Array): Uint8Array | null {
    checkHeaderBlock(block);
    const header = block.subarray(0, BLOCK);
    if (!sameTag(this.mac.updateHeader(header), block.subarray(BLOCK, 2 * BLOCK))) return null;
    return this.keystream.update(header);
  }

  openBody(block: Uint8Array): Uint8Array | null {
    const n = checkBody(block);
    const body = block.subarray(0, n);
    if (!sameTag(this.mac.updateBody(body), block.subarray(n))) return null;
    const out = body.slice();
    return this.keystream.update(out, out);
  }
}

/** Frames within the wasm window are copied in with their keystream and done in one call each. */
class WasmFrameCipher extends ComposedFrameCipher {
  private readonly engine: KeccakWasmEngine;
  private readonly slot: number;

  constructor(ctr: AesCtrStream, mac: WasmRlpxMac) {
    super(ctr, mac);
    this.engine = mac.engine;
    this.slot = mac.slot;
  }

  override sealHeader(block: Uint8Array): void {
    checkHeaderBlock(block);
    const m = this.engine.bytes();
    m.set(block.subarray(0, BLOCK), INPUT);
    this.keystream.keystream(m.subarray(KEYSTREAM, KEYSTREAM + BLOCK));
    this.engine.fns.sealHeader(this.slot);
    block.set(m.subarray(INPUT, INPUT + 2 * BLOCK));
  }

  override sealBody(block: Uint8Array): void {
    const n = checkBody(block);
    if (n + BLOCK > INPUT_WINDOW) return super.sealBody(block);
    const m = this.engine.bytes();
    m.set(block.subarray(0, n), INPUT);
    this.keystream.keystream(m.subarray(KEYSTREAM, KEYSTREAM + n));
    this.engine.fns.sealBody(this.slot, n);
    block.set(m.subarray(INPUT, INPUT + n + BLOCK));
  }

  override openHeader(block: Uint8Array): Uint8Array | null {
    checkHeaderBlock(block);
    const m = this.engine.bytes();
    m.set(block.subarray(0, 2 * BLOCK), INPUT);
    this.keystream.keystream(m.subarray(KEYSTREAM, KEYSTREAM + BLOCK));
    return this.engine.fns.openHeader(this.slot) === 1 ? m.slice(INPUT, INPUT + BLOCK) : null;
  }

  override openBody(block: Uint8Array): Uint8Array | null {
    const n = checkBody(block);
    if (n + BLOCK > INPUT_WINDOW) return super.openBody(block);
    const m = this.engine.bytes();
    m.set(block.subarray(0, n + BLOCK), INPUT);
    this.keystream.keystream(m.subarray(KEYSTREAM, KEYSTREAM + n));
    return this.engine.fns.openBody(this.slot, n) === 1 ? m.slice(INPUT, INPUT + n) : null;
  }
}

/**
 * One direction of RLPx framing keyed with the session's aes-secret and mac-secret (the keystream
 * starts from a zero IV, as rlpx.md has it), on the active backend.
 */
export function createRlpxFrameCipher(aesSecret: Uint8Array, macSecret: Uint8Array): RlpxFrameCipher {
  if (aesSecret.length !== 32) throw new CryptoError(CRYPTO_ERROR.INVALID_LENGTH, `RLPx aes-secret must be 32 bytes, got ${aesSecret.length}`);
  const ctr = createAesCtrStream(aesSecret, new Uint8Array(16));
  const mac = createRlpxMac(macSecret);
  return mac instanceof WasmRlpxMac ? new WasmFrameCipher(ctr, mac) : new ComposedFrameCipher(ctr, mac);
}
