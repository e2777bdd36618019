import { createCipheriv, type Cipher } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { getBackend } from './backend.js';
import { CRYPTO_ERROR, CryptoError } from './errors.js';
import { HEADER_IN, INPUT, INPUT_WINDOW, keccakWasm, type KeccakWasmEngine } from './keccak-wasm.js';

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

/** Hands a MAC's wasm slot back once the MAC is garbage. */
const slots = new FinalizationRegistry<{ engine: KeccakWasmEngine; slot: number }>(({ engine, slot }) => engine.free(slot));

/**
 * The state, the AES-256 round keys and every step (digest, AES block, seed, re-absorb, tag)
 * stay in our wasm module (`keccak-wasm.ts`): one call per header and one per body.
 */
class WasmRlpxMac implements RlpxMac {
  private readonly slot: number;

  constructor(
    private readonly engine: KeccakWasmEngine,
    secret: Uint8Array,
  ) {
    this.slot = engine.alloc();
    engine.setRoundKeys(this.slot, secret);
    slots.register(this, { engine, slot: this.slot });
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
