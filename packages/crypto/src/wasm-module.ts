/*
 * A small WebAssembly binary writer: just what `keccak-wasm.ts` needs to emit its module
 * (WebAssembly Core Specification 1.0, "Binary Format"). Functions take i32s and return nothing
 * or one i32, so nothing 64-bit crosses into JavaScript.
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
const BLOCK_EMPTY = 0x40;

/** Instruction opcodes used by the generator (spec §5.4). */
export const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  call: 0x10,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i64Load: 0x29,
  i32Load8U: 0x2d,
  i32Store: 0x36,
  i64Store: 0x37,
  i32Store8: 0x3a,
  i32Const: 0x41,
  return: 0x0f,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  i64Eqz: 0x50,
  i64And: 0x83,
  i64Or: 0x84,
  i64Xor: 0x85,
  i64Rotl: 0x89,
} as const;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(v: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    const signBit = (b & 0x40) !== 0;
    if ((v === 0n && !signBit) || (v === -1n && signBit)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** One function body under construction: typed helpers append instructions. */
export class FunctionBody {
  readonly code: number[] = [];
  private readonly locals: { count: number; type: number }[] = [];
  private nextLocal: number;

  constructor(
    readonly params: number[],
    readonly typeIndex: number,
  ) {
    this.nextLocal = params.length;
  }

  /** Declares `count` locals of `type`; returns the index of the first. */
  local(type: number, count = 1): number {
    const first = this.nextLocal;
    this.locals.push({ count, type });
    this.nextLocal += count;
    return first;
  }

  op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }
  get(i: number): this {
    return this.op(OP.localGet, ...uleb(i));
  }
  set(i: number): this {
    return this.op(OP.localSet, ...uleb(i));
  }
  tee(i: number): this {
    return this.op(OP.localTee, ...uleb(i));
  }
  i32(v: number): this {
    return this.op(OP.i32Const, ...sleb(BigInt(v | 0)));
  }
  i64(v: bigint): this {
    return this.op(OP.i64Const, ...sleb(BigInt.asIntN(64, v)));
  }
  /** A memory access: `align` is log2 of the assumed alignment (a hint), `offset` a constant added to the address. */
  mem(opcode: number, offset = 0, align = 0): this {
    return this.op(opcode, ...uleb(align), ...uleb(offset));
  }
  block(): this {
    return this.op(OP.block, BLOCK_EMPTY);
  }
  loop(): this {
    return this.op(OP.loop, BLOCK_EMPTY);
  }
  if(): this {
    return this.op(OP.if, BLOCK_EMPTY);
  }
  end(): this {
    return this.op(OP.end);
  }
  br(depth: number): this {
    return this.op(OP.br, ...uleb(depth));
  }
  brIf(depth: number): this {
    return this.op(OP.brIf, ...uleb(depth));
  }
  call(fn: number): this {
    return this.op(OP.call, ...uleb(fn));
  }

  encode(): number[] {
    const decl = [...uleb(this.locals.length)];
    for (const l of this.locals) decl.push(...uleb(l.count), l.type);
    const body = [...decl, ...this.code, OP.end];
    return [...uleb(body.length), ...body];
  }
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(s: string): number[] {
  const b = Array.from(new TextEncoder().encode(s));
  return [...uleb(b.length), ...b];
}

/** A function type: its parameters and its results (none or one). */
export interface FunctionType {
  params: number[];
  results: number[];
}

/** A module of i32-only functions, one exported memory of `pages` 64 KiB pages, and the named exports. */
export function encodeModule(types: FunctionType[], functions: FunctionBody[], exports: Record<string, number>, pages: number): Uint8Array {
  const typeSection = vec(types.map((t) => [0x60, ...uleb(t.params.length), ...t.params, ...uleb(t.results.length), ...t.results]));
  const funcSection = vec(functions.map((f) => uleb(f.typeIndex)));
  const memSection = vec([[0x00, ...uleb(pages)]]);
  const exportSection = vec([
    [...name('memory'), 0x02, 0],
    ...Object.entries(exports).map(([n, index]) => [...name(n), 0x00, ...uleb(index)]),
  ]);
  const codeSection = vec(functions.map((f) => f.encode()));
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, typeSection),
    ...section(3, funcSection),
    ...section(5, memSection),
    ...section(7, exportSection),
    ...section(10, codeSection),
  ]);
}
