// The bridge between pbjs static code (generated from proto/*.proto) and our API: plain objects,
// `bigint` for 64-bit integers, `Map` for map fields, fields this version does not know kept as
// `unknownFields`. The wire format itself is protobufjs'; what is here is what it does not do the
// way protobuf-go does, which status-go uses:
// - 64-bit varints become `bigint` (protobufjs gives `Long`) and a 10th byte above 1 is an overflow;
// - a skipped varint may not run past 10 bytes (protobufjs skips any run of continuation bytes);
// - malformed input is named precisely (truncated field, length past the end, group closed by another
//   field number, bad UTF-8), so that the package can throw its typed error with the reason;
// - encoding checks that each value fits its field (protobufjs truncates, or writes 0 for a bigint).
import protobuf from 'protobufjs/minimal.js';

/** Bytes that are not a well-formed encoding of the message: the package throws its own error with this reason. */
export class WireFormatError extends Error {
  override readonly name: string = 'WireFormatError';
}

/** A value its field cannot hold: the package throws its own error with this reason. */
export class WireValueError extends Error {
  override readonly name: string = 'WireValueError';
}

/** The static side of a pbjs-generated message class, as far as this bridge uses it. */
export interface GeneratedMessage {
  readonly name: string;
  readonly prototype: object;
  encode(message: never, writer?: never): unknown;
  decode(reader: never): object;
}

export interface WireOptions {
  /** Keep fields the schema does not know as `unknownFields` and write them back last, as protobuf-go does. */
  readonly keepUnknownFields: boolean;
  /** Copy bytes fields out of the input; otherwise they are views into it. */
  readonly copyBytes: boolean;
  /** Our property names where they differ from the generated camelCase ones (generated name → ours). */
  readonly renames?: Readonly<Record<string, string>>;
}

/** Every message decoded with `keepUnknownFields` may carry fields this version does not model, as raw wire bytes. */
export interface WithUnknownFields {
  unknownFields?: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Compile-time link between an API interface and the generated message it stands for.

type OneofKeys<W> = {
  [K in keyof W]-?: [NonNullable<W[K]>] extends [keyof W] ? ([NonNullable<W[K]>] extends [string] ? K : never) : never;
}[keyof W];
type Renamed<K, R> = K extends keyof R ? R[K] : K;
type WireFields<W, R> = Renamed<Exclude<keyof W, '$unknowns' | OneofKeys<W>>, R>;
type ApiFields<A> = Exclude<keyof A, 'unknownFields'>;

/**
 * `true` when the API interface `A` names exactly the fields of the generated properties type `W`
 * (after `R`'s renames); else an object naming the fields that differ. With `AssertTrue` it stops the
 * build when a field is added to or removed from a .proto without the API following.
 */
export type SameFields<A, W, R = object> = [ApiFields<A>] extends [WireFields<W, R>]
  ? [WireFields<W, R>] extends [ApiFields<A>]
    ? true
    : { missingFromApi: Exclude<WireFields<W, R>, ApiFields<A>> }
  : { notInProto: Exclude<ApiFields<A>, WireFields<W, R>> };

/** `type _Fields = AssertTrue<SameFields<ChatMessage, pb.ChatMessage.$Properties>>` compiles only if they match. */
export type AssertTrue<T extends true> = T;

// ---------------------------------------------------------------------------------------------
// Reading

const MAX_UINT64 = (1n << 64n) - 1n;
const MIN_INT64 = -(1n << 63n);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
// Unknown groups nest at most this deep (nesting of messages is protobufjs' recursionLimit, 100).
const MAX_GROUP_DEPTH = 32;
const EMPTY = new Uint8Array(0);

interface ReaderBase {
  buf: Uint8Array;
  pos: number;
  len: number;
  discardUnknown: boolean;
  tag(): number;
  size(): number;
  bytes(): Uint8Array;
  stringVerify(): string;
}
const ReaderBase = protobuf.Reader as unknown as new (buf: Uint8Array) => ReaderBase;

class WireReader extends ReaderBase {
  constructor(
    buf: Uint8Array,
    private readonly copyBytes: boolean,
    keepUnknownFields: boolean,
  ) {
    super(buf);
    this.discardUnknown = !keepUnknownFields;
  }

  /** A varint as an unsigned 64-bit bigint; up to 7 bytes (49 bits) take a number-only path. */
  uint64(): bigint {
    const { buf, len } = this;
    const start = this.pos;
    let pos = start;
    let low = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (pos >= len) throw new WireFormatError(`truncated varint at offset ${start}`);
      const b = buf[pos++];
      low += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = pos;
        return BigInt(low);
      }
      mul *= 0x80;
    }
    let value = BigInt(low);
    for (let shift = 49n; shift < 70n; shift += 7n) {
      if (pos >= len) throw new WireFormatError(`truncated varint at offset ${start}`);
      const b = buf[pos++];
      if (shift === 63n && b > 1) throw new WireFormatError(`varint overflows 64 bits at offset ${start}`);
      value |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return value;
      }
    }
    throw new WireFormatError(`varint longer than 10 bytes at offset ${start}`);
  }

  int64(): bigint {
    const v = this.uint64();
    return v < 0x8000000000000000n ? v : BigInt.asIntN(64, v);
  }

  override bytes(): Uint8Array {
    const b = super.bytes();
    return this.copyBytes ? b.slice() : b;
  }

  override stringVerify(): string {
    const at = this.pos;
    try {
      return super.stringVerify();
    } catch (e) {
      if (e instanceof TypeError) throw new WireFormatError(`string at offset ${at} is not valid UTF-8`);
      throw e;
    }
  }

  /** Skips one field's value (unknown field, or a known one with another wire type). */
  skipType(wireType: number, depth = 0, fieldNumber?: number): this {
    if (fieldNumber === 0) throw new WireFormatError(`field number 0 at offset ${this.pos}`);
    const at = this.pos;
    switch (wireType) {
      case 0:
        this.uint64();
        return this;
      case 1:
      case 5: {
        const n = wireType === 1 ? 8 : 4;
        if (n > this.len - this.pos) throw new WireFormatError(`truncated fixed-width field ${fieldNumber} at offset ${at}`);
        this.pos += n;
        return this;
      }
      case 2: {
        const n = this.size();
        if (n > this.len - this.pos) {
          throw new WireFormatError(`length ${n} of field ${fieldNumber} at offset ${at} runs past the end (${this.len} bytes)`);
        }
        this.pos += n;
        return this;
      }
      case 3:
        if (depth >= MAX_GROUP_DEPTH) throw new WireFormatError(`groups nested too deeply at offset ${at}`);
        for (;;) {
          if (this.pos >= this.len) throw new WireFormatError(`group ${fieldNumber} at offset ${at} is truncated (never closed)`);
          const tag = this.tag();
          const inner = tag >>> 3;
          if ((tag & 7) === 4) {
            if (inner !== fieldNumber) throw new WireFormatError(`group ${fieldNumber} closed by end-group ${inner}`);
            return this;
          }
          this.skipType(tag & 7, depth + 1, inner);
        }
      default:
        throw new WireFormatError(`invalid wire type ${wireType} for field ${fieldNumber} at offset ${at}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

type LongBits = { low: number; high: number; unsigned: boolean };
type Int64 = number | LongBits;

interface WriterBase {
  buf: Uint8Array;
  pos: number;
  states: number[] | null;
  uint32(value: number): this;
  int32(value: number): this;
  bool(value: boolean): this;
  string(value: string): this;
  bytes(value: Uint8Array): this;
  uint64(value: Int64): this;
  int64(value: Int64): this;
  sint64(value: Int64): this;
  fixed64(value: Int64): this;
  sfixed64(value: Int64): this;
  uint64s(values: Int64[]): this;
  int64s(values: Int64[]): this;
  sint64s(values: Int64[]): this;
  fixed64s(values: Int64[]): this;
  sfixed64s(values: Int64[]): this;
}
const WriterBase = protobuf.Writer as unknown as new () => WriterBase;

/** A checked 64-bit value in the form protobufjs writes: a number when exact, else its two 32-bit halves. */
function int64(value: unknown, signed: boolean): Int64 {
  // 0 (a number) is how toWire hands over a 0n field: the generated encoder compares with 0.
  if (value === 0) return 0;
  if (typeof value !== 'bigint') throw new WireValueError(`expected a bigint for a 64-bit field, got ${typeof value} ${String(value)}`);
  if (signed ? value < MIN_INT64 || value > -MIN_INT64 - 1n : value < 0n || value > MAX_UINT64) {
    throw new WireValueError(`${value} does not fit ${signed ? 'a signed' : 'an unsigned'} 64-bit field`);
  }
  if (value >= -MAX_SAFE && value <= MAX_SAFE) return Number(value);
  const u = BigInt.asUintN(64, value);
  return { low: Number(u & 0xffffffffn) | 0, high: Number(u >> 32n) | 0, unsigned: !signed };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const nativeIsWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;
const isWellFormed = (s: string): boolean => (nativeIsWellFormed !== undefined ? nativeIsWellFormed.call(s) : s.search(LONE_SURROGATE) < 0);

const int64s = (values: unknown, signed: boolean): Int64[] => (values as unknown[]).map((v) => int64(v, signed));

class WireWriter extends WriterBase {
  override uint32(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new WireValueError(`expected an integer in [0, 2^32), got ${String(value)}`);
    return super.uint32(value);
  }

  override int32(value: number): this {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
      throw new WireValueError(`expected a 32-bit signed integer, got ${String(value)}`);
    }
    return super.int32(value);
  }

  override bool(value: boolean): this {
    if (typeof value !== 'boolean') throw new WireValueError(`expected a boolean, got ${typeof value}`);
    return super.bool(value);
  }

  override string(value: string): this {
    if (typeof value !== 'string') throw new WireValueError(`expected a string, got ${typeof value}`);
    // protobufjs writes a lone surrogate as such (WTF-8), which Go rejects as invalid UTF-8; like
    // TextEncoder, we write U+FFFD instead.
    return super.string(isWellFormed(value) ? value : value.replace(LONE_SURROGATE, '\uFFFD'));
  }

  override bytes(value: Uint8Array): this {
    // protobufjs would take a string here as base64.
    if (!(value instanceof Uint8Array)) throw new WireValueError(`expected a Uint8Array, got ${typeof value}`);
    return super.bytes(value);
  }

  // protobufjs reads a bigint as 0: every 64-bit writer takes ours.
  override uint64(value: unknown): this {
    const v = int64(value, false);
    return typeof v === 'number' && v <= 0xffffffff ? super.uint32(v) : super.uint64(v);
  }
  override int64(value: unknown): this {
    return super.int64(int64(value, true));
  }
  override sint64(value: unknown): this {
    return super.sint64(int64(value, true));
  }
  override fixed64(value: unknown): this {
    return super.fixed64(int64(value, false));
  }
  override sfixed64(value: unknown): this {
    return super.sfixed64(int64(value, true));
  }
  override uint64s(values: unknown): this {
    return super.uint64s(int64s(values, false));
  }
  override int64s(values: unknown): this {
    return super.int64s(int64s(values, true));
  }
  override sint64s(values: unknown): this {
    return super.sint64s(int64s(values, true));
  }
  override fixed64s(values: unknown): this {
    return super.fixed64s(int64s(values, false));
  }
  override sfixed64s(values: unknown): this {
    return super.sfixed64s(int64s(values, true));
  }
}

// One writer reused by every encode (allocation dominates small messages); generated encoders do not
// call back into us, so an encode never finds it taken.
let spareWriter: WireWriter | null = null;

function withWriter<R>(fn: (w: WireWriter) => R): R {
  const w = spareWriter ?? new WireWriter();
  spareWriter = null;
  w.pos = 0;
  w.states = null;
  try {
    return fn(w);
  } finally {
    // Do not keep a large buffer alive after encoding, say, an image.
    if (w.buf.length <= 65_536) spareWriter = w;
  }
}

// ---------------------------------------------------------------------------------------------
// Generated objects <-> our plain objects

type Kind = 'scalar' | 'int64' | 'bytes' | 'message' | 'repeated' | 'map';
interface Field {
  readonly wire: string;
  readonly api: string;
  readonly kind: Kind;
}

const Long = protobuf.util.Long as unknown as { isLong(v: unknown): boolean };
const NO_RENAMES: Readonly<Record<string, string>> = Object.freeze({});
// By renames, then by generated prototype.
const plans = new WeakMap<object, WeakMap<object, readonly Field[]>>();

/**
 * A generated class puts every field's default on its prototype, in .proto order: the default says
 * what kind of field it is (null: message; shared empty array/object: repeated/map; Long: 64-bit).
 */
function plan(prototype: object, renames: Readonly<Record<string, string>> = NO_RENAMES): readonly Field[] {
  let byPrototype = plans.get(renames);
  if (byPrototype === undefined) plans.set(renames, (byPrototype = new WeakMap()));
  let fields = byPrototype.get(prototype);
  if (fields !== undefined) return fields;
  const defaults = prototype as Record<string, unknown>;
  fields = Object.keys(prototype).map((wire) => {
    const d = defaults[wire];
    const kind: Kind =
      d === null
        ? 'message'
        : d === protobuf.util.emptyArray
          ? 'repeated'
          : d === protobuf.util.emptyObject
            ? 'map'
            : Long.isLong(d)
              ? 'int64'
              : d instanceof Uint8Array
                ? 'bytes'
                : 'scalar';
    return { wire, api: renames[wire] ?? wire, kind };
  });
  byPrototype.set(prototype, fields);
  return fields;
}

function isLong(v: unknown): v is LongBits {
  return Long.isLong(v);
}

function longToBigInt(v: LongBits): bigint {
  const u = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return v.unsigned ? u : BigInt.asIntN(64, u);
}

function fromWireValue(v: unknown, o: WireOptions): unknown {
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return v;
  if (isLong(v)) return longToBigInt(v);
  return fromWire(v, o);
}

function fromWire(m: object, o: WireOptions): Record<string, unknown> {
  const source = m as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of plan(Object.getPrototypeOf(m) as object, o.renames)) {
    const v = source[f.wire];
    switch (f.kind) {
      case 'scalar':
        out[f.api] = v;
        break;
      case 'int64':
        out[f.api] = typeof v === 'bigint' ? v : longToBigInt(v as LongBits);
        break;
      case 'bytes':
        out[f.api] = (v as Uint8Array).length === 0 ? EMPTY : v;
        break;
      case 'message':
        if (v !== null) out[f.api] = fromWire(v as object, o);
        break;
      case 'repeated': {
        // The generated decoder fills a fresh array per message (absent: a shared frozen one).
        const list = v as unknown[];
        if (list.length === 0) out[f.api] = [];
        else {
          // Elements of a repeated field are all of one kind: only messages and Longs need converting.
          const first = list[0];
          if (typeof first === 'object' && !(first instanceof Uint8Array)) {
            for (let i = 0; i < list.length; i++) list[i] = fromWireValue(list[i], o);
          }
          out[f.api] = list;
        }
        break;
      }
      case 'map': {
        const map = new Map<string, unknown>();
        for (const key of Object.keys(v as object)) map.set(key, fromWireValue((v as Record<string, unknown>)[key], o));
        out[f.api] = map;
        break;
      }
    }
  }
  const unknowns = (m as { $unknowns?: Uint8Array[] }).$unknowns;
  if (o.keepUnknownFields && unknowns !== undefined && unknowns.length > 0) out.unknownFields = concat(unknowns);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0].slice();
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

// Our objects are handed to the generated encoder as they are, copied only where they must change.
function toWireValue(v: unknown, o: WireOptions, wireNames: Readonly<Record<string, string>>): unknown {
  // 0 rather than 0n: the generated encoder leaves out proto3 defaults by comparing with 0.
  if (typeof v === 'bigint') return v === 0n ? 0 : v;
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const w = toWireValue(v[i], o, wireNames);
      if (w !== v[i]) (out ??= v.slice())[i] = w;
    }
    return out ?? v;
  }
  if (v instanceof Map) {
    // Go writes map entries in random order; ours is fixed: keys sorted (protobufjs then puts keys that
    // are array indexes, "0", "1", …, first in numeric order).
    const entries = Object.create(null) as Record<string, unknown>;
    for (const key of [...(v.keys() as Iterable<unknown>)].sort()) {
      if (typeof key !== 'string') throw new WireValueError(`map keys must be strings, got ${typeof key}`);
      entries[key] = toWireValue(v.get(key), o, wireNames);
    }
    return entries;
  }
  return toWire(v as Record<string, unknown>, o, wireNames);
}

function toWire(value: Record<string, unknown>, o: WireOptions, wireNames: Readonly<Record<string, string>>): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (key === 'unknownFields') {
      if (v === undefined) continue;
      if (!(v instanceof Uint8Array)) throw new WireValueError(`unknownFields must be a Uint8Array, got ${typeof v}`);
      out ??= { ...value };
      delete out.unknownFields;
      if (o.keepUnknownFields && v.length > 0) out.$unknowns = [v];
      continue;
    }
    const w = toWireValue(v, o, wireNames);
    const name = wireNames[key] ?? key;
    if (w === v && name === key) continue;
    out ??= { ...value };
    if (name !== key) delete out[key];
    out[name] = w;
  }
  return out ?? value;
}

const wireNamesCache = new WeakMap<object, Readonly<Record<string, string>>>();

function wireNamesOf(o: WireOptions): Readonly<Record<string, string>> {
  if (o.renames === undefined) return NO_RENAMES;
  let names = wireNamesCache.get(o.renames);
  if (names === undefined) {
    names = Object.fromEntries(Object.entries(o.renames).map(([wire, api]) => [api, wire]));
    wireNamesCache.set(o.renames, names);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// Entry points

/** Decodes `bytes` as `type`; every malformation throws WireFormatError naming it. */
export function decodeMessage<T>(type: GeneratedMessage, bytes: Uint8Array, o: WireOptions): T {
  // A Buffer's subarray is a Buffer; our API hands out plain Uint8Arrays.
  const input = Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let decoded: object;
  try {
    decoded = (type.decode as unknown as (r: WireReader) => object)(new WireReader(input, o.copyBytes, o.keepUnknownFields));
  } catch (e) {
    if (e instanceof WireFormatError) throw e;
    // protobufjs' own checks: truncated tags, lengths and sub-messages, nesting depth, end groups.
    const why = e instanceof RangeError ? `truncated (${e.message})` : e instanceof Error ? e.message : String(e);
    throw new WireFormatError(why);
  }
  return fromWire(decoded, o) as T;
}

function write(type: GeneratedMessage, value: object, o: WireOptions, w: WireWriter): void {
  const wire = toWire(value as Record<string, unknown>, o, wireNamesOf(o));
  try {
    (type.encode as unknown as (m: object, w: WireWriter) => unknown)(wire, w);
  } catch (e) {
    if (e instanceof WireValueError) throw e;
    throw new WireValueError(e instanceof Error ? e.message : String(e));
  }
}

/** Encodes `value` as `type` (fields in number order, proto3 defaults left out); a value its field cannot hold throws WireValueError. */
export function encodeMessage(type: GeneratedMessage, value: object, o: WireOptions): Uint8Array {
  return withWriter((w) => {
    write(type, value, o, w);
    return w.buf.slice(0, w.pos);
  });
}

/** The length `encodeMessage` would return, without copying the bytes out. */
export function encodedLength(type: GeneratedMessage, value: object, o: WireOptions): number {
  return withWriter((w) => {
    write(type, value, o, w);
    return w.pos;
  });
}
