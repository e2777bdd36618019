import { keccak_256 } from '@noble/hashes/sha3.js';
import { getBackend } from './backend.js';
import { keccakWasm, type KeccakWasmEngine } from './keccak-wasm.js';

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

/** Each hasher owns a slot of our wasm module (`keccak-wasm.ts`); a digest pads a copy, never the state. */
class FastKeccak256 implements Keccak256Hasher {
  private readonly slot: number;

  constructor(
    private readonly engine: KeccakWasmEngine,
    from?: number,
  ) {
    this.slot = engine.alloc(this);
    if (from !== undefined) engine.copySlot(from, this.slot);
  }

  update(data: Uint8Array): this {
    this.engine.absorb(this.slot, data);
    return this;
  }

  digest(): Uint8Array {
    this.engine.fns.digest(this.slot);
    return this.engine.digestOut().slice();
  }

  clone(): Keccak256Hasher {
    return new FastKeccak256(this.engine, this.slot);
  }
}

/** An incremental Keccak-256 on the active backend (our wasm module for `fast`, noble for `portable`). */
export function createKeccak256(): Keccak256Hasher {
  if (getBackend().name === 'fast' && keccakWasm) return new FastKeccak256(keccakWasm);
  return new PortableKeccak256();
}
