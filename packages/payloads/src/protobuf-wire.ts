// A small, exact proto3 wire codec driven by field tables.
//
// Why not generated code: the tables below are the `.proto` files in `proto/` transcribed field by
// field, and keeping the codec in our hands gives three properties we need and that generated code
// does not give for free: uint64 as `bigint`, typed errors for every malformed input, and
// byte-identical re-encoding of what status-go sent (fields in number order, zero values omitted,
// unknown fields kept and written back last, as protobuf-go does).
import { PAYLOAD_ERROR, PayloadError } from './errors.js';

export const WIRE_TYPE = {
  VARINT: 0,
  FIXED64: 1,
  LENGTH_DELIMITED: 2,
  START_GROUP: 3,
  END_GROUP: 4,
  FIXED32: 5,
} as const;

/** Scalar field kinds used by the Status schemas. */
export type ScalarKind = 'uint64' | 'uint32' | 'int32' | 'enum' | 'bool' | 'string' | 'bytes';

export interface FieldSpec {
  readonly no: number;
  /** Property name in our API (camelCase of the proto field name). */
  readonly name: string;
  readonly kind: ScalarKind | 'message';
  readonly repeated?: boolean;
  /** For `kind: 'message'`: the nested message's table (a thunk, so tables may refer to each other). */
  readonly message?: () => MessageSpec;
  /** Name of the `oneof` this field belongs to: set members are written even when zero. */
  readonly oneof?: string;
}

export interface MessageSpec {
  readonly name: string;
  /** In field-number order. */
  readonly fields: readonly FieldSpec[];
}

/** Every decoded message may carry fields this version does not model, kept as raw wire bytes. */
export interface WithUnknownFields {
  unknownFields?: Uint8Array;
}

const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

function malformed(spec: string, why: string): PayloadError {
  return new PayloadError(PAYLOAD_ERROR.INVALID_PROTOBUF, `malformed ${spec}: ${why}`);
}

// ---------------------------------------------------------------------------------------------
// Writer

/** UTF-8 length of a string as TextEncoder writes it (lone surrogates become U+FFFD, 3 bytes). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

class Writer {
  private buf = new Uint8Array(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  varint(value: number): void {
    // Fast path for values that fit a JS number exactly (field tags, lengths, enums >= 0, uint32).
    this.ensure(10);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  varintBig(value: bigint): void {
    this.ensure(10);
    let v = value;
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  tag(no: number, wireType: number): void {
    this.varint(no * 8 + wireType);
  }

  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.raw(data);
  }

  string(value: string): void {
    const length = utf8Length(value);
    this.varint(length);
    this.ensure(length);
    if (length === value.length) {
      // ASCII: one byte per code unit, no encoder call.
      for (let i = 0; i < length; i++) this.buf[this.pos + i] = value.charCodeAt(i);
    } else {
      utf8Encoder.encodeInto(value, this.buf.subarray(this.pos, this.pos + length));
    }
    this.pos += length;
  }

  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }

  get capacity(): number {
    return this.buf.length;
  }
}

// One writer reused by top-level encodes (allocation dominates small messages); a nested or
// re-entrant encode finds it taken and uses its own.
let spareWriter: Writer | null = new Writer();

// ---------------------------------------------------------------------------------------------
// Reader

class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly specName: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** A varint as bigint; values below 2^49 take a number-only path. */
  varintBig(): bigint {
    const start = this.pos;
    let small = 0;
    let mul = 1;
    for (let i = 0; i < 7 && this.pos < this.buf.length; i++) {
      const b = this.buf[this.pos++];
      small += (b & 0x7f) * mul;
      if (b < 0x80) return BigInt(small);
      mul *= 0x80;
    }
    this.pos = start;
    return this.varintSlow();
  }

  private varintSlow(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw malformed(this.specName, `truncated varint at offset ${this.pos}`);
      const b = this.buf[this.pos++];
      if (i === 9 && b > 1) throw malformed(this.specName, `varint overflows 64 bits at offset ${this.pos - 1}`);
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
    }
    throw malformed(this.specName, `varint longer than 10 bytes at offset ${this.pos}`);
  }

  /** A varint that must fit 32 bits unsigned (tags, lengths); larger values are malformed input. */
  varint32(what: string): number {
    const start = this.pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.buf.length) throw malformed(this.specName, `truncated ${what} at offset ${start}`);
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (result > 0xffffffff) break;
        return result;
      }
      mul *= 0x80;
    }
    throw malformed(this.specName, `${what} does not fit 32 bits at offset ${start}`);
  }

  lengthDelimited(): Uint8Array {
    const len = this.varint32('length');
    if (len > this.buf.length - this.pos) {
      throw malformed(this.specName, `length ${len} at offset ${this.pos} runs past the end (${this.buf.length} bytes)`);
    }
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wireType: number, no: number, depth = 0): void {
    switch (wireType) {
      case WIRE_TYPE.VARINT:
        this.varintBig();
        return;
      case WIRE_TYPE.FIXED64:
        this.advance(8);
        return;
      case WIRE_TYPE.LENGTH_DELIMITED:
        this.lengthDelimited();
        return;
      case WIRE_TYPE.FIXED32:
        this.advance(4);
        return;
      case WIRE_TYPE.START_GROUP: {
        if (depth > 32) throw malformed(this.specName, 'groups nested too deeply');
        for (;;) {
          const key = this.key();
          const innerNo = Math.floor(key / 8);
          const innerType = key % 8;
          if (innerType === WIRE_TYPE.END_GROUP) {
            if (innerNo !== no) throw malformed(this.specName, `group ${no} closed by end-group ${innerNo}`);
            return;
          }
          this.skip(innerType, innerNo, depth + 1);
        }
      }
      default:
        throw malformed(this.specName, `unexpected wire type ${wireType} for field ${no}`);
    }
  }

  advance(n: number): void {
    if (n > this.buf.length - this.pos) throw malformed(this.specName, `truncated fixed-width field at offset ${this.pos}`);
    this.pos += n;
  }

  /** Reads a field key (field number * 8 + wire type), rejecting field 0 and wire types 6 and 7. */
  key(): number {
    const key = this.varint32('field tag');
    if (key < 8) throw malformed(this.specName, `field number 0 at offset ${this.pos}`);
    if (key % 8 > 5) throw malformed(this.specName, `invalid wire type ${key % 8} for field ${Math.floor(key / 8)}`);
    return key;
  }
}

// ---------------------------------------------------------------------------------------------
// Schema-driven encode/decode

function wireTypeOf(kind: FieldSpec['kind']): number {
  return kind === 'string' || kind === 'bytes' || kind === 'message' ? WIRE_TYPE.LENGTH_DELIMITED : WIRE_TYPE.VARINT;
}

function isDefault(kind: FieldSpec['kind'], value: unknown): boolean {
  switch (kind) {
    case 'uint64':
      return value === 0n;
    case 'uint32':
    case 'int32':
    case 'enum':
      return value === 0;
    case 'bool':
      return value === false;
    case 'string':
      return value === '';
    case 'bytes':
      return (value as Uint8Array).length === 0;
    case 'message':
      return false;
  }
}

function defaultOf(kind: ScalarKind): unknown {
  switch (kind) {
    case 'uint64':
      return 0n;
    case 'uint32':
    case 'int32':
    case 'enum':
      return 0;
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return new Uint8Array(0);
  }
}

function badArgument(spec: string, field: string, why: string): PayloadError {
  return new PayloadError(PAYLOAD_ERROR.INVALID_ARGUMENT, `cannot encode ${spec}.${field}: ${why}`);
}

function writeScalar(w: Writer, spec: MessageSpec, f: FieldSpec, value: unknown): void {
  switch (f.kind) {
    case 'uint64': {
      if (typeof value !== 'bigint' || value < 0n || value > MAX_UINT64) {
        throw badArgument(spec.name, f.name, `expected a bigint in [0, 2^64), got ${String(value)}`);
      }
      if (value <= MAX_SAFE) w.varint(Number(value));
      else w.varintBig(value);
      return;
    }
    case 'uint32': {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
        throw badArgument(spec.name, f.name, `expected an integer in [0, 2^32), got ${String(value)}`);
      }
      w.varint(value);
      return;
    }
    case 'int32':
    case 'enum': {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
        throw badArgument(spec.name, f.name, `expected a 32-bit signed integer, got ${String(value)}`);
      }
      // Negative int32/enum values are sign-extended to 64 bits on the wire (10-byte varint).
      if (value < 0) w.varintBig(BigInt.asUintN(64, BigInt(value)));
      else w.varint(value);
      return;
    }
    case 'bool':
      if (typeof value !== 'boolean') throw badArgument(spec.name, f.name, `expected a boolean, got ${String(value)}`);
      w.varint(value ? 1 : 0);
      return;
    case 'string':
      if (typeof value !== 'string') throw badArgument(spec.name, f.name, `expected a string, got ${typeof value}`);
      w.string(value);
      return;
    case 'bytes':
      if (!(value instanceof Uint8Array)) throw badArgument(spec.name, f.name, `expected a Uint8Array, got ${typeof value}`);
      w.bytes(value);
      return;
    case 'message':
      w.bytes(encodeMessage(f.message!(), value as object));
      return;
  }
}

/** Encodes `value` as the message `spec` describes (proto3, deterministic field order). */
export function encodeMessage<T extends object>(spec: MessageSpec, value: T): Uint8Array {
  const w = spareWriter ?? new Writer();
  const borrowed = w === spareWriter;
  if (borrowed) spareWriter = null;
  try {
    w.reset();
    writeFields(w, spec, value as Record<string, unknown>);
    return w.finish();
  } finally {
    // Do not keep a large buffer alive after encoding, say, an image.
    if (borrowed) spareWriter = w.capacity <= 65_536 ? w : new Writer();
  }
}

function writeFields(w: Writer, spec: MessageSpec, obj: Record<string, unknown>): void {
  for (const f of spec.fields) {
    const value = obj[f.name];
    if (value === undefined || value === null) continue;
    if (f.repeated) {
      if (!Array.isArray(value)) throw badArgument(spec.name, f.name, 'expected an array');
      if (value.length === 0) continue;
      if (wireTypeOf(f.kind) === WIRE_TYPE.VARINT) {
        // proto3 packs repeated scalar numbers.
        const inner = new Writer();
        for (const item of value) writeScalar(inner, spec, f, item);
        w.tag(f.no, WIRE_TYPE.LENGTH_DELIMITED);
        w.bytes(inner.finish());
      } else {
        for (const item of value) {
          w.tag(f.no, wireTypeOf(f.kind));
          writeScalar(w, spec, f, item);
        }
      }
      continue;
    }
    if (f.oneof === undefined && isDefault(f.kind, value)) continue;
    w.tag(f.no, wireTypeOf(f.kind));
    writeScalar(w, spec, f, value);
  }
  const unknown = obj.unknownFields;
  if (unknown instanceof Uint8Array && unknown.length > 0) w.raw(unknown);
}

function readScalar(r: Reader, spec: MessageSpec, f: FieldSpec): unknown {
  switch (f.kind) {
    case 'uint64':
      return r.varintBig();
    case 'uint32':
      return Number(BigInt.asUintN(32, r.varintBig()));
    case 'int32':
    case 'enum': {
      const v = r.varintBig();
      return v < 0x80000000n ? Number(v) : Number(BigInt.asIntN(32, v));
    }
    case 'bool':
      return r.varintBig() !== 0n;
    case 'string': {
      const raw = r.lengthDelimited();
      if (raw.length <= 256) {
        // Short ASCII strings (chat ids, names, most texts) skip the decoder call.
        let ascii = true;
        for (let i = 0; i < raw.length; i++) {
          if (raw[i] >= 0x80) {
            ascii = false;
            break;
          }
        }
        if (ascii) return String.fromCharCode.apply(null, raw as unknown as number[]);
      }
      try {
        return utf8Decoder.decode(raw);
      } catch {
        throw malformed(spec.name, `field ${f.name} (${f.no}) is not valid UTF-8`);
      }
    }
    case 'bytes':
      return r.lengthDelimited().slice();
    case 'message':
      return decodeMessage(f.message!(), r.lengthDelimited());
  }
}

const fieldIndex = new WeakMap<MessageSpec, (FieldSpec | undefined)[]>();

function fieldByNumber(spec: MessageSpec, no: number): FieldSpec | undefined {
  let index = fieldIndex.get(spec);
  if (index === undefined) {
    index = [];
    for (const f of spec.fields) index[f.no] = f;
    fieldIndex.set(spec, index);
  }
  return no < index.length ? index[no] : undefined;
}

/** Decodes bytes as the message `spec` describes; every malformation throws INVALID_PROTOBUF. */
export function decodeMessage<T>(spec: MessageSpec, bytes: Uint8Array): T {
  if (!(bytes instanceof Uint8Array)) {
    throw new PayloadError(PAYLOAD_ERROR.INVALID_ARGUMENT, `${spec.name}: expected Uint8Array input, got ${typeof bytes}`);
  }
  const obj: Record<string, unknown> = {};
  for (const f of spec.fields) {
    if (f.repeated) obj[f.name] = [];
    else if (f.kind !== 'message' && f.oneof === undefined) obj[f.name] = defaultOf(f.kind);
  }
  const r = new Reader(bytes, spec.name);
  const unknownParts: Uint8Array[] = [];
  while (!r.done) {
    const fieldStart = r.pos;
    const key = r.key();
    const no = Math.floor(key / 8);
    const wireType = key % 8;
    const f = fieldByNumber(spec, no);
    const expected = f === undefined ? -1 : wireTypeOf(f.kind);
    if (f !== undefined && f.repeated && expected === WIRE_TYPE.VARINT && wireType === WIRE_TYPE.LENGTH_DELIMITED) {
      const packed = new Reader(r.lengthDelimited(), spec.name);
      const list = obj[f.name] as unknown[];
      while (!packed.done) list.push(readScalar(packed, spec, f));
      continue;
    }
    if (f === undefined || wireType !== expected) {
      // Unknown field, or a known field with another wire type: protobuf-go keeps both as unknown.
      r.skip(wireType, no);
      unknownParts.push(bytes.subarray(fieldStart, r.pos));
      continue;
    }
    const value = readScalar(r, spec, f);
    if (f.repeated) {
      (obj[f.name] as unknown[]).push(value);
    } else {
      if (f.oneof !== undefined) {
        for (const other of spec.fields) if (other.oneof === f.oneof) delete obj[other.name];
      }
      obj[f.name] = value;
    }
  }
  if (unknownParts.length > 0) {
    const total = unknownParts.reduce((n, p) => n + p.length, 0);
    const all = new Uint8Array(total);
    let off = 0;
    for (const p of unknownParts) {
      all.set(p, off);
      off += p.length;
    }
    obj.unknownFields = all;
  }
  return obj as T;
}
