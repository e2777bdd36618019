import { encodeModule, FunctionBody, I32, I64, OP } from './wasm-module.js';

/*
 * Our own WebAssembly module for running Keccak-256 states and the RLPx frame MAC, generated
 * here at load (no build step, no binary in the repo). Running MACs call "digest" without
 * finalising dozens of times per message; doing the state copy, the padding, the permutation,
 * the AES-256 block of the MAC seed and the re-absorb in one call keeps JavaScript out of the
 * inner loop.
 *
 * Keccak-f[1600] follows FIPS 202 §3 (θ, ρ, π, χ, ι; rate 136 bytes for 256-bit output) with
 * the original Keccak padding 0x01…0x80 that Ethereum uses. AES-256 follows FIPS 197 with the
 * usual four 1 KiB round tables, stored for little-endian column words.
 */

// Memory layout (bytes).
const RC = 0; // 24 round constants, i64
const SBOX = 256; // 256 bytes
const TE = 512; // four tables of 256 u32
const DIGEST = 4608; // scratch state for digests; the digest is its first 32 bytes
const SEED = 4864; // 16-byte MAC seed
/** Where callers put short inputs (a frame header). */
export const HEADER_IN = 4896;
/** Where callers put longer inputs (and frames), at most INPUT_WINDOW bytes per call. */
export const INPUT = 8192;
export const INPUT_WINDOW = 32 * 1024;
/** Where callers put the AES-CTR keystream for the frame in INPUT. */
export const KEYSTREAM = INPUT + INPUT_WINDOW;
/**
 * Slots hold a state: 200 bytes of lanes, the absorb position at +200, a flag at +204 saying
 * that the 32 bytes at +448 are the digest of the state as it is, AES-256 round keys at +208.
 */
export const SLOT_BASE = KEYSTREAM + INPUT_WINDOW;
export const SLOT_SIZE = 512;
const POS = 200;
const CACHED = 204;
const ROUND_KEYS = 208;
const CACHE = 448;
const RATE = 136;
const PAGE = 64 * 1024;

/** ρ rotation offsets and ι round constants, derived as FIPS 202 §3.2.2 and §3.2.5 define them. */
function keccakConstants(): { rotations: number[]; roundConstants: bigint[] } {
  const rotations = new Array<number>(25).fill(0);
  let x = 1;
  let y = 0;
  for (let t = 0; t < 24; t++) {
    rotations[x + 5 * y] = (((t + 1) * (t + 2)) / 2) % 64;
    [x, y] = [y, (2 * x + 3 * y) % 5];
  }
  let r = 1;
  const rcBit = () => {
    const bit = r & 1;
    r = r & 0x80 ? ((r << 1) ^ 0x71) & 0xff : (r << 1) & 0xff;
    return bit;
  };
  const roundConstants: bigint[] = [];
  for (let round = 0; round < 24; round++) {
    let rc = 0n;
    for (let j = 0; j < 7; j++) if (rcBit()) rc |= 1n << BigInt((1 << j) - 1);
    roundConstants.push(rc);
  }
  return { rotations, roundConstants };
}

/** The AES S-box and the first round table for little-endian column words (the others are its rotations). */
function aesTables(): { sbox: Uint8Array; te0: Uint32Array } {
  const sbox = new Uint8Array(256);
  const rotl8 = (v: number, s: number) => ((v << s) | (v >>> (8 - s))) & 0xff;
  let p = 1;
  let q = 1;
  do {
    p = (p ^ (p << 1) ^ (p & 0x80 ? 0x1b : 0)) & 0xff; // p * 3
    q ^= q << 1; // q / 3
    q ^= q << 2;
    q ^= q << 4;
    q &= 0xff;
    if (q & 0x80) q ^= 0x09;
    sbox[p] = q ^ rotl8(q, 1) ^ rotl8(q, 2) ^ rotl8(q, 3) ^ rotl8(q, 4) ^ 0x63;
  } while (p !== 1);
  sbox[0] = 0x63;
  const te0 = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const s = sbox[i];
    const s2 = ((s << 1) ^ (s & 0x80 ? 0x1b : 0)) & 0xff;
    te0[i] = (s2 | (s << 8) | (s << 16) | ((s2 ^ s) << 24)) >>> 0;
  }
  return { sbox, te0 };
}

/** AES-256 key expansion (FIPS 197 §5.2) as 240 bytes: round r's key is bytes 16r..16r+15. */
export function expandAes256Key(key: Uint8Array, sbox: Uint8Array): Uint8Array {
  const w = new Uint8Array(240);
  w.set(key.subarray(0, 32));
  let rcon = 1;
  for (let i = 8; i < 60; i++) {
    let t0 = w[4 * i - 4];
    let t1 = w[4 * i - 3];
    let t2 = w[4 * i - 2];
    let t3 = w[4 * i - 1];
    if (i % 8 === 0) {
      [t0, t1, t2, t3] = [sbox[t1] ^ rcon, sbox[t2], sbox[t3], sbox[t0]];
      rcon = ((rcon << 1) ^ (rcon & 0x80 ? 0x1b : 0)) & 0xff;
    } else if (i % 8 === 4) {
      [t0, t1, t2, t3] = [sbox[t0], sbox[t1], sbox[t2], sbox[t3]];
    }
    w[4 * i] = w[4 * i - 32] ^ t0;
    w[4 * i + 1] = w[4 * i - 31] ^ t1;
    w[4 * i + 2] = w[4 * i - 30] ^ t2;
    w[4 * i + 3] = w[4 * i - 29] ^ t3;
  }
  return w;
}

// Function indices, in the order they are emitted.
const F_PERMUTE = 0;
const F_ABSORB = 1;
const F_DIGEST = 2;
const F_AES = 3;
const F_MAC_HEADER = 4;
const F_MAC_BODY = 5;
const F_XOR = 6;
const F_SEAL_HEADER = 7;
const F_SEAL_BODY = 8;
const F_OPEN_HEADER = 9;
const F_OPEN_BODY = 10;

// Type indices.
const T_1 = 0; // (i32)
const T_3 = 1; // (i32, i32, i32)
const T_2 = 2; // (i32, i32)
const T_1_R = 3; // (i32) -> i32
const T_2_R = 4; // (i32, i32) -> i32

function permuteFn(rotations: number[]): FunctionBody {
  const f = new FunctionBody([I32], T_1);
  const p = 0;
  const a = f.local(I64, 25);
  const b = f.local(I64, 25);
  const c = f.local(I64, 5);
  const d = f.local(I64, 5);
  const round = f.local(I32);
  for (let i = 0; i < 25; i++) f.get(p).mem(OP.i64Load, 8 * i, 3).set(a + i);
  f.i32(0).set(round);
  // One loop over the 24 rounds: a fully unrolled body runs slower (register pressure).
  f.loop();
  // θ
  for (let x = 0; x < 5; x++) {
    f.get(a + x);
    for (let y = 1; y < 5; y++) f.get(a + x + 5 * y).op(OP.i64Xor);
    f.set(c + x);
  }
  for (let x = 0; x < 5; x++) {
    f.get(c + ((x + 4) % 5)).get(c + ((x + 1) % 5)).i64(1n).op(OP.i64Rotl).op(OP.i64Xor).set(d + x);
  }
  // θ applied, then ρ and π: B[y, 2x+3y] = rot(A[x, y] ^ D[x], r[x, y])
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 5; x++) {
      const i = x + 5 * y;
      f.get(a + i).get(d + x).op(OP.i64Xor);
      if (rotations[i] !== 0) f.i64(BigInt(rotations[i])).op(OP.i64Rotl);
      f.set(b + y + 5 * ((2 * x + 3 * y) % 5));
    }
  }
  // χ
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 5; x++) {
      f.get(b + x + 5 * y)
        .get(b + ((x + 1) % 5) + 5 * y)
        .i64(-1n)
        .op(OP.i64Xor)
        .get(b + ((x + 2) % 5) + 5 * y)
        .op(OP.i64And)
        .op(OP.i64Xor)
        .set(a + x + 5 * y);
    }
  }
  // ι
  f.get(a).get(round).mem(OP.i64Load, RC, 3).op(OP.i64Xor).set(a);
  f.get(round).i32(8).op(OP.i32Add).tee(round).i32(8 * 24).op(OP.i32LtU).brIf(0);
  f.end();
  for (let i = 0; i < 25; i++) f.get(p).get(a + i).mem(OP.i64Store, 8 * i, 3);
  return f;
}

/** absorb(slot, ptr, len): XORs the input into the rate at the slot's position, permuting at each full block. */
function absorbFn(): FunctionBody {
  const f = new FunctionBody([I32, I32, I32], T_3);
  const [s, p, n] = [0, 1, 2];
  const pos = f.local(I32);
  const k = f.local(I32);
  const i = f.local(I32);
  const q = f.local(I32);
  // Anything absorbed makes the cached digest stale.
  f.get(s).i32(0).mem(OP.i32Store, CACHED, 2);
  f.get(s).mem(OP.i32Load, POS, 2).set(pos);
  f.block().loop();
  f.get(n).op(OP.i32Eqz).brIf(1);
  // k = min(RATE - pos, n)
  f.i32(RATE).get(pos).op(OP.i32Sub).set(k);
  f.get(k).get(n).get(k).get(n).op(OP.i32LtU).op(OP.select).set(k);
  f.get(s).get(pos).op(OP.i32Add).set(q);
  f.i32(0).set(i);
  // eight bytes at a time (unaligned loads and stores are fine in wasm)
  f.block().loop();
  f.get(i).i32(8).op(OP.i32Add).get(k).op(OP.i32GtU).brIf(1);
  f.get(q).get(i).op(OP.i32Add);
  f.get(q).get(i).op(OP.i32Add).mem(OP.i64Load);
  f.get(p).get(i).op(OP.i32Add).mem(OP.i64Load);
  f.op(OP.i64Xor).mem(OP.i64Store);
  f.get(i).i32(8).op(OP.i32Add).set(i);
  f.br(0).end().end();
  // then the rest byte by byte
  f.block().loop();
  f.get(i).get(k).op(OP.i32GeU).brIf(1);
  f.get(q).get(i).op(OP.i32Add);
  f.get(q).get(i).op(OP.i32Add).mem(OP.i32Load8U);
  f.get(p).get(i).op(OP.i32Add).mem(OP.i32Load8U);
  f.op(OP.i32Xor).mem(OP.i32Store8);
  f.get(i).i32(1).op(OP.i32Add).set(i);
  f.br(0).end().end();
  f.get(pos).get(k).op(OP.i32Add).set(pos);
  f.get(p).get(k).op(OP.i32Add).set(p);
  f.get(n).get(k).op(OP.i32Sub).set(n);
  f.get(pos).i32(RATE).op(OP.i32Eq).if();
  f.get(s).call(F_PERMUTE).i32(0).set(pos);
  f.end();
  f.br(0).end().end();
  f.get(s).get(pos).mem(OP.i32Store, POS, 2);
  return f;
}

/**
 * digest(slot): keccak256 of the slot's state into DIGEST[0..32), the slot left as it was. A
 * digest of an unchanged state comes from the slot's cache (a frame's header step starts with the
 * digest the previous body step ended with).
 */
function digestFn(): FunctionBody {
  const f = new FunctionBody([I32], T_1);
  const s = 0;
  const at = f.local(I32);
  f.get(s).mem(OP.i32Load, CACHED, 2).if();
  for (let i = 0; i < 4; i++) f.i32(0).get(s).mem(OP.i64Load, CACHE + 8 * i, 3).mem(OP.i64Store, DIGEST + 8 * i, 3);
  f.op(OP.return).end();
  for (let i = 0; i < 25; i++) f.i32(0).get(s).mem(OP.i64Load, 8 * i, 3).mem(OP.i64Store, DIGEST + 8 * i, 3);
  // pad10*1 with Keccak's domain byte 0x01 at the position, 0x80 at the rate's last byte
  f.get(s).mem(OP.i32Load, POS, 2).i32(DIGEST).op(OP.i32Add).tee(at);
  f.get(at).mem(OP.i32Load8U).i32(0x01).op(OP.i32Xor).mem(OP.i32Store8);
  f.i32(0).i32(0).mem(OP.i32Load8U, DIGEST + RATE - 1).i32(0x80).op(OP.i32Xor).mem(OP.i32Store8, DIGEST + RATE - 1);
  f.i32(DIGEST).call(F_PERMUTE);
  for (let i = 0; i < 4; i++) f.get(s).i32(0).mem(OP.i64Load, DIGEST + 8 * i, 3).mem(OP.i64Store, CACHE + 8 * i, 3);
  f.get(s).i32(1).mem(OP.i32Store, CACHED, 2);
  return f;
}

/** aes(roundKeys, in, out): one AES-256 block; in and out may be the same. */
function aesFn(): FunctionBody {
  const f = new FunctionBody([I32, I32, I32], T_3);
  const [rk, input, out] = [0, 1, 2];
  const s = f.local(I32, 4);
  const t = f.local(I32, 4);
  const r = f.local(I32);
  for (let j = 0; j < 4; j++) f.get(input).mem(OP.i32Load, 4 * j).get(rk).mem(OP.i32Load, 4 * j).op(OP.i32Xor).set(s + j);
  f.get(rk).i32(16).op(OP.i32Add).set(r);
  // column j of the next state takes row k from column j+k (ShiftRows), each through table k
  const byte = (col: number, row: number) => {
    f.get(s + (col % 4));
    if (row > 0) f.i32(8 * row).op(OP.i32ShrU);
    if (row < 3) f.i32(0xff).op(OP.i32And);
  };
  f.loop();
  for (let j = 0; j < 4; j++) {
    for (let k = 0; k < 4; k++) {
      byte(j + k, k);
      f.i32(2).op(OP.i32Shl).mem(OP.i32Load, TE + 1024 * k, 2);
      if (k > 0) f.op(OP.i32Xor);
    }
    f.get(r).mem(OP.i32Load, 4 * j).op(OP.i32Xor).set(t + j);
  }
  for (let j = 0; j < 4; j++) f.get(t + j).set(s + j);
  f.get(r).i32(16).op(OP.i32Add).tee(r).get(rk).i32(224).op(OP.i32Add).op(OP.i32LtU).brIf(0);
  f.end();
  for (let j = 0; j < 4; j++) {
    f.get(out);
    for (let k = 0; k < 4; k++) {
      byte(j + k, k);
      f.mem(OP.i32Load8U, SBOX);
      if (k > 0) f.i32(8 * k).op(OP.i32Shl).op(OP.i32Or);
    }
    f.get(r).mem(OP.i32Load, 4 * j).op(OP.i32Xor).mem(OP.i32Store, 4 * j);
  }
  return f;
}

/** SEED[0..16) ^= the 16 bytes at `local`'s address (or at DIGEST when local is null). */
function xorIntoSeed(f: FunctionBody, local: number | null): void {
  for (const o of [0, 8]) {
    f.i32(0).i32(0).mem(OP.i64Load, SEED + o);
    if (local === null) f.i32(0).mem(OP.i64Load, DIGEST + o);
    else f.get(local).mem(OP.i64Load, o);
    f.op(OP.i64Xor).mem(OP.i64Store, SEED + o);
  }
}

/** macHeader(slot, header): header-mac-seed = aes(digest[:16]) ^ header, absorbed; the tag is DIGEST[0..16). */
function macHeaderFn(): FunctionBody {
  const f = new FunctionBody([I32, I32], T_2);
  const [s, header] = [0, 1];
  f.get(s).call(F_DIGEST);
  f.get(s).i32(ROUND_KEYS).op(OP.i32Add).i32(DIGEST).i32(SEED).call(F_AES);
  xorIntoSeed(f, header);
  f.get(s).i32(SEED).i32(16).call(F_ABSORB);
  f.get(s).call(F_DIGEST);
  return f;
}

/** macBody(slot, ptr, len): absorbs the body, then frame-mac-seed = aes(digest[:16]) ^ digest[:16]; the tag is DIGEST[0..16). */
function macBodyFn(): FunctionBody {
  const f = new FunctionBody([I32, I32, I32], T_3);
  const [s, p, n] = [0, 1, 2];
  f.get(s).get(p).get(n).call(F_ABSORB);
  f.get(s).call(F_DIGEST);
  f.get(s).i32(ROUND_KEYS).op(OP.i32Add).i32(DIGEST).i32(SEED).call(F_AES);
  xorIntoSeed(f, null);
  f.get(s).i32(SEED).i32(16).call(F_ABSORB);
  f.get(s).call(F_DIGEST);
  return f;
}

/** xor(ptr, ks, len): ptr[0..len) ^= ks[0..len), len a multiple of 8. */
function xorFn(): FunctionBody {
  const f = new FunctionBody([I32, I32, I32], T_3);
  const [p, k, n] = [0, 1, 2];
  const i = f.local(I32);
  f.block().loop();
  f.get(i).get(n).op(OP.i32GeU).brIf(1);
  f.get(p).get(i).op(OP.i32Add);
  f.get(p).get(i).op(OP.i32Add).mem(OP.i64Load);
  f.get(k).get(i).op(OP.i32Add).mem(OP.i64Load);
  f.op(OP.i64Xor).mem(OP.i64Store);
  f.get(i).i32(8).op(OP.i32Add).set(i);
  f.br(0).end().end();
  return f;
}

/** Copies DIGEST[0..16) (the tag) to the address in local `at` plus `offset`. */
function storeTag(f: FunctionBody, at: number | null, offset: number): void {
  for (const o of [0, 8]) {
    if (at === null) f.i32(0);
    else f.get(at);
    f.i32(0).mem(OP.i64Load, DIGEST + o).mem(OP.i64Store, offset + o);
  }
}

/** Pushes whether DIGEST[0..16) equals the 16 bytes at local `at` plus `offset`. */
function tagMatches(f: FunctionBody, at: number | null, offset: number): void {
  for (const o of [0, 8]) {
    f.i32(0).mem(OP.i64Load, DIGEST + o);
    if (at === null) f.i32(0);
    else f.get(at);
    f.mem(OP.i64Load, offset + o).op(OP.i64Xor);
  }
  f.op(OP.i64Or).op(OP.i64Eqz);
}

/** sealHeader(slot): INPUT[0..16) header plaintext → ciphertext (keystream at KEYSTREAM), its tag to INPUT[16..32). */
function sealHeaderFn(): FunctionBody {
  const f = new FunctionBody([I32], T_1);
  f.i32(INPUT).i32(KEYSTREAM).i32(16).call(F_XOR);
  f.get(0).i32(INPUT).call(F_MAC_HEADER);
  storeTag(f, null, INPUT + 16);
  return f;
}

/** sealBody(slot, len): INPUT[0..len) body plaintext → ciphertext, its tag to INPUT[len..len+16). */
function sealBodyFn(): FunctionBody {
  const f = new FunctionBody([I32, I32], T_2);
  const [s, n] = [0, 1];
  f.i32(INPUT).i32(KEYSTREAM).get(n).call(F_XOR);
  f.get(s).i32(INPUT).get(n).call(F_MAC_BODY);
  storeTag(f, n, INPUT);
  return f;
}

/** openHeader(slot) → 1 and INPUT[0..16) decrypted when INPUT[16..32) is the header's tag, else 0. */
function openHeaderFn(): FunctionBody {
  const f = new FunctionBody([I32], T_1_R);
  const ok = f.local(I32);
  f.get(0).i32(INPUT).call(F_MAC_HEADER);
  tagMatches(f, null, INPUT + 16);
  f.tee(ok).if();
  f.i32(INPUT).i32(KEYSTREAM).i32(16).call(F_XOR);
  f.end();
  f.get(ok);
  return f;
}

/** openBody(slot, len) → 1 and INPUT[0..len) decrypted when INPUT[len..len+16) is the body's tag, else 0. */
function openBodyFn(): FunctionBody {
  const f = new FunctionBody([I32, I32], T_2_R);
  const [s, n] = [0, 1];
  const ok = f.local(I32);
  f.get(s).i32(INPUT).get(n).call(F_MAC_BODY);
  tagMatches(f, n, INPUT);
  f.tee(ok).if();
  f.i32(INPUT).i32(KEYSTREAM).get(n).call(F_XOR);
  f.end();
  f.get(ok);
  return f;
}

export interface KeccakWasmExports {
  absorb(slot: number, ptr: number, len: number): void;
  digest(slot: number): void;
  aes(roundKeys: number, input: number, output: number): void;
  macHeader(slot: number, header: number): void;
  macBody(slot: number, ptr: number, len: number): void;
  sealHeader(slot: number): void;
  sealBody(slot: number, len: number): void;
  openHeader(slot: number): number;
  openBody(slot: number, len: number): number;
}

/** The WebAssembly global, typed for what this file uses (the repo's TS lib has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

/** The module's bytes and the tables it expects in memory. */
export function buildKeccakModule(): { bytes: Uint8Array; init(mem: Uint8Array): void; sbox: Uint8Array } {
  const { rotations, roundConstants } = keccakConstants();
  const { sbox, te0 } = aesTables();
  const none: number[] = [];
  const types = [
    { params: [I32], results: none },
    { params: [I32, I32, I32], results: none },
    { params: [I32, I32], results: none },
    { params: [I32], results: [I32] },
    { params: [I32, I32], results: [I32] },
  ];
  const functions = [
    permuteFn(rotations),
    absorbFn(),
    digestFn(),
    aesFn(),
    macHeaderFn(),
    macBodyFn(),
    xorFn(),
    sealHeaderFn(),
    sealBodyFn(),
    openHeaderFn(),
    openBodyFn(),
  ];
  const exported = {
    absorb: F_ABSORB,
    digest: F_DIGEST,
    aes: F_AES,
    macHeader: F_MAC_HEADER,
    macBody: F_MAC_BODY,
    sealHeader: F_SEAL_HEADER,
    sealBody: F_SEAL_BODY,
    openHeader: F_OPEN_HEADER,
    openBody: F_OPEN_BODY,
  };
  const bytes = encodeModule(types, functions, exported, Math.ceil((SLOT_BASE + 64 * SLOT_SIZE) / PAGE));
  const init = (mem: Uint8Array) => {
    const view = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
    roundConstants.forEach((rc, i) => view.setBigUint64(RC + 8 * i, rc, true));
    mem.set(sbox, SBOX);
    for (let k = 0; k < 4; k++) {
      for (let i = 0; i < 256; i++) {
        const v = te0[i];
        view.setUint32(TE + 1024 * k + 4 * i, k === 0 ? v : ((v << (8 * k)) | (v >>> (32 - 8 * k))) >>> 0, true);
      }
    }
  };
  return { bytes, init, sbox };
}

/** Hands a slot back once the object that owned it is garbage. */
const slotOwners = new FinalizationRegistry<{ engine: KeccakWasmEngine; slot: number }>(({ engine, slot }) => engine.free(slot));

/**
 * One instance of the module with a slot allocator. Slots are handed back by `free` (callers tie
 * that to garbage collection); the memory grows by whole pages when slots run out.
 */
export class KeccakWasmEngine {
  readonly fns: KeccakWasmExports;
  private u8: Uint8Array;
  private readonly freeSlots: number[] = [];
  private nextSlot = SLOT_BASE;

  constructor(
    private readonly memory: WasmMemory,
    fns: KeccakWasmExports,
    readonly sbox: Uint8Array,
  ) {
    this.fns = fns;
    this.u8 = new Uint8Array(memory.buffer);
  }

  /** The memory as bytes (refreshed after growth, which replaces the buffer). */
  bytes(): Uint8Array {
    if (this.u8.buffer !== this.memory.buffer) this.u8 = new Uint8Array(this.memory.buffer);
    return this.u8;
  }

  /** A slot, handed back by `free`, or by garbage collection once `owner` (when given) is unreachable. */
  alloc(owner?: object): number {
    const slot = this.take();
    if (owner) slotOwners.register(owner, { engine: this, slot });
    return slot;
  }

  private take(): number {
    const reused = this.freeSlots.pop();
    const slot = reused ?? this.nextSlot;
    if (reused === undefined) {
      this.nextSlot += SLOT_SIZE;
      const need = this.nextSlot - this.memory.buffer.byteLength;
      if (need > 0) this.memory.grow(Math.ceil(need / PAGE));
    }
    this.bytes().fill(0, slot, slot + SLOT_SIZE);
    return slot;
  }

  free(slot: number): void {
    this.freeSlots.push(slot);
  }

  copySlot(from: number, to: number): void {
    const m = this.bytes();
    m.copyWithin(to, from, from + SLOT_SIZE);
  }

  /** Absorbs any length through the input window. */
  absorb(slot: number, data: Uint8Array): void {
    for (let off = 0; off < data.length; off += INPUT_WINDOW) {
      const chunk = data.subarray(off, off + INPUT_WINDOW);
      this.bytes().set(chunk, INPUT);
      this.fns.absorb(slot, INPUT, chunk.length);
    }
  }

  /** The 32-byte digest left by `digest`, `macHeader` or `macBody`. */
  digestOut(length = 32): Uint8Array {
    return this.bytes().subarray(DIGEST, DIGEST + length);
  }

  setRoundKeys(slot: number, key: Uint8Array): void {
    this.bytes().set(expandAes256Key(key, this.sbox), slot + ROUND_KEYS);
  }
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** keccak256 of '' and 'abc', a two-block input, and the FIPS 197 AES-256 example. */
function selfTest(engine: KeccakWasmEngine): boolean {
  const slot = engine.alloc();
  try {
    engine.fns.digest(slot);
    if (hex(engine.digestOut()) !== 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470') return false;
    engine.absorb(slot, Uint8Array.of(0x61, 0x62, 0x63));
    engine.fns.digest(slot);
    if (hex(engine.digestOut()) !== '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45') return false;
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    engine.setRoundKeys(slot, key);
    const m = engine.bytes();
    m.set(Uint8Array.from({ length: 16 }, (_, i) => i * 0x11), HEADER_IN);
    engine.fns.aes(slot + ROUND_KEYS, HEADER_IN, HEADER_IN);
    return hex(engine.bytes().subarray(HEADER_IN, HEADER_IN + 16)) === '8ea2b7ca516745bfeafc49904b496089';
  } finally {
    engine.free(slot);
  }
}

/** Compiles and instantiates the module synchronously; null where WebAssembly is missing or the self-test fails. */
function load(): KeccakWasmEngine | null {
  const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!WA) return null;
  try {
    const { bytes, init, sbox } = buildKeccakModule();
    const instance = new WA.Instance(new WA.Module(bytes), {});
    const e = instance.exports;
    const memory = e.memory as WasmMemory;
    init(new Uint8Array(memory.buffer));
    const names = ['absorb', 'digest', 'aes', 'macHeader', 'macBody', 'sealHeader', 'sealBody', 'openHeader', 'openBody'] as const;
    if (!names.every((n) => typeof e[n] === 'function')) return null;
    const fns = Object.fromEntries(names.map((n) => [n, e[n]])) as unknown as KeccakWasmExports;
    const engine = new KeccakWasmEngine(memory, fns, sbox);
    return selfTest(engine) ? engine : null;
  } catch {
    return null;
  }
}

/** The shared engine, or null (the portable code paths are used then). */
export const keccakWasm: KeccakWasmEngine | null = load();
