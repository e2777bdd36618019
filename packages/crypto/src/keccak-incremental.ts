import { keccak_256 } from '@noble/hashes/sha3.js';
import { createKeccak } from 'hash-wasm';
import { getBackend } from './backend.js';

/**
 * A running Keccak-256 state. `digest` does not finalise it: absorbing may continue afterwards,
 * which is what running MACs such as the RLPx frame MAC need (devp2p rlpx.md, "MAC").
 */
export interface Keccak256Hasher {
  update(data: Uint8Array): this;
  /** keccak256 of everything absorbed so far; the state is left as it was. */
  digest(): Uint8Array;
  /** An independent copy of the state. */
  clone(): Keccak256Hasher;
}

type NobleKeccak = ReturnType<typeof keccak_256.create>;

class PortableKeccak256 implements Keccak256Hasher {
  constructor(private readonly h: NobleKeccak = keccak_256.create()) {}
  update(data: Uint8Array): this {
    this.h.update(data);
    return this;
  }
  digest(): Uint8Array {
    return this.h.clone().digest();
  }
  clone(): Keccak256Hasher {
    return new PortableKeccak256(this.h.clone());
  }
}

/** The WebAssembly global, typed for what this file uses (the repo's TS lib has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmGlobal {
  readonly value: unknown;
}
interface WasmApi {
  instantiate: (...args: unknown[]) => Promise<unknown>;
  Memory: abstract new (...args: never[]) => WasmMemory;
  Global: abstract new (...args: never[]) => WasmGlobal;
  Instance: abstract new (...args: never[]) => { readonly exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The exports of hash-wasm's keccak module (its `WASMInterface` drives the same functions). */
interface KeccakWasm {
  memory: WasmMemory;
  Hash_GetBuffer(): number;
  Hash_Init(bits: number): void;
  Hash_Update(length: number): void;
  Hash_Final(padding: number): void;
  Hash_GetState(): number;
  STATE_SIZE: WasmGlobal;
}

const KECCAK_PADDING = 0x01;
/** hash-wasm's input window in the wasm memory. */
const CHUNK = 16 * 1024;

function isKeccakWasm(x: unknown): x is KeccakWasm {
  const e = x as Partial<KeccakWasm> | null;
  return (
    !!e &&
    e.memory instanceof WA.Memory &&
    e.STATE_SIZE instanceof WA.Global &&
    [e.Hash_GetBuffer, e.Hash_Init, e.Hash_Update, e.Hash_Final, e.Hash_GetState].every((f) => typeof f === 'function')
  );
}

/**
 * One keccak-256 wasm instance, driven directly: the state is copied in and out of its memory
 * without hash-wasm's `save`/`load` (which allocate, re-read the state size and check a prefix
 * on every call: most of the cost of a running MAC's many short digests).
 */
class KeccakEngine {
  readonly stateSize: number;
  private readonly buffer: number;
  private readonly stateOffset: number;
  private mem: Uint8Array;

  constructor(private readonly wasm: KeccakWasm) {
    this.buffer = wasm.Hash_GetBuffer();
    this.stateOffset = wasm.Hash_GetState();
    this.mem = new Uint8Array(wasm.memory.buffer);
    this.stateSize = new DataView(wasm.memory.buffer).getUint32(Number(wasm.STATE_SIZE.value), true);
  }

  private view(): Uint8Array {
    // A grown memory detaches the old ArrayBuffer.
    if (this.mem.byteLength === 0) this.mem = new Uint8Array(this.wasm.memory.buffer);
    return this.mem;
  }

  init(): void {
    this.wasm.Hash_Init(256);
  }

  update(data: Uint8Array): void {
    for (let off = 0; off < data.length; off += CHUNK) {
      const chunk = data.subarray(off, off + CHUNK);
      this.view().set(chunk, this.buffer);
      this.wasm.Hash_Update(chunk.length);
    }
  }

  /** Pads and squeezes: the wasm state is spent afterwards. */
  final(): Uint8Array {
    this.wasm.Hash_Final(KECCAK_PADDING);
    return this.view().slice(this.buffer, this.buffer + 32);
  }

  save(into: Uint8Array): void {
    into.set(this.view().subarray(this.stateOffset, this.stateOffset + this.stateSize));
  }

  load(from: Uint8Array): void {
    this.view().set(from, this.stateOffset);
  }
}

/**
 * hash-wasm keeps its wasm instance private and its factory is async, so at load one keccak
 * instance is created and its exports are taken from `WebAssembly.instantiate` while it runs;
 * the engine is kept only if it reproduces known digests (else the portable hasher is used).
 */
async function loadEngine(): Promise<KeccakEngine | null> {
  const seen: unknown[] = [];
  const original = WA.instantiate;
  const spy = async (...args: unknown[]): Promise<unknown> => {
    const result = await original.apply(WA, args);
    seen.push(result instanceof WA.Instance ? result.exports : (result as { instance?: { exports: unknown } }).instance?.exports);
    return result;
  };
  try {
    WA.instantiate = spy;
    await createKeccak(256);
  } catch {
    return null;
  } finally {
    WA.instantiate = original;
  }
  for (const exports of seen) {
    if (!isKeccakWasm(exports)) continue;
    try {
      const engine = new KeccakEngine(exports);
      if (selfTest(engine)) return engine;
    } catch {
      // not the keccak module after all
    }
  }
  return null;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** keccak256('') and keccak256('abc'), the second through a save/load round trip. */
function selfTest(engine: KeccakEngine): boolean {
  engine.init();
  if (hex(engine.final()) !== 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470') return false;
  const state = new Uint8Array(engine.stateSize);
  engine.init();
  engine.update(Uint8Array.of(0x61));
  engine.save(state);
  engine.init();
  engine.load(state);
  engine.update(Uint8Array.of(0x62, 0x63));
  return hex(engine.final()) === '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45';
}

const engine = await loadEngine();
/** The instance whose state is live in the engine's memory. */
const shared: { owner: FastKeccak256 | null } = { owner: null };

/**
 * Every instance shares the one engine and keeps its state bytes. The `owner` works without
 * reloading them, and copies them out only when another instance needs the engine or before a
 * digest (the wasm digest pads the state in place).
 */
class FastKeccak256 implements Keccak256Hasher {
  private readonly state: Uint8Array;
  /** The live state in the engine is ahead of `state` (only while `owner`). */
  private dirty = false;

  constructor(
    private readonly engine: KeccakEngine,
    state?: Uint8Array,
  ) {
    if (state) {
      this.state = state;
    } else {
      this.state = new Uint8Array(engine.stateSize);
      if (shared.owner) shared.owner.release();
      engine.init();
      engine.save(this.state);
      shared.owner = this;
    }
  }

  private take(): void {
    if (shared.owner === this) return;
    if (shared.owner) shared.owner.release();
    this.engine.load(this.state);
    shared.owner = this;
  }

  private release(): void {
    if (this.dirty) {
      this.engine.save(this.state);
      this.dirty = false;
    }
    shared.owner = null;
  }

  update(data: Uint8Array): this {
    this.take();
    this.engine.update(data);
    this.dirty = true;
    return this;
  }

  digest(): Uint8Array {
    this.take();
    this.release();
    return this.engine.final();
  }

  clone(): Keccak256Hasher {
    if (shared.owner === this && this.dirty) {
      this.engine.save(this.state);
      this.dirty = false;
    }
    return new FastKeccak256(this.engine, this.state.slice());
  }
}

/** An incremental Keccak-256 on the active backend (hash-wasm for `fast`, noble for `portable`). */
export function createKeccak256(): Keccak256Hasher {
  if (getBackend().name === 'fast' && engine) return new FastKeccak256(engine);
  return new PortableKeccak256();
}
