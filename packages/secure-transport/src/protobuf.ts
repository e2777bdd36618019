import { SECURE_TRANSPORT_ERROR, SecureTransportError } from './errors.js';

/** Protobuf wire types (protobuf encoding guide, "Message Structure"). */
export const WIRE_TYPE = {
  VARINT: 0,
  I64: 1,
  LEN: 2,
  I32: 5,
} as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

function malformed(what: string): SecureTransportError {
  return new SecureTransportError(SECURE_TRANSPORT_ERROR.MALFORMED_MESSAGE, what);
}

/** Minimal protobuf writer: fields are appended in the order the caller writes them. */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private length = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  private varint(value: bigint): void {
    const out: number[] = [];
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  /** uint32 / int64 / uint64 / bool as a varint; proto3 skips zero. */
  uint(field: number, value: number | bigint): this {
    if (value === 0 || value === 0n) return this;
    this.tag(field, WIRE_TYPE.VARINT);
    this.varint(BigInt(value));
    return this;
  }

  /** bytes; proto3 skips empty. */
  bytes(field: number, value: Uint8Array | undefined): this {
    if (!value || value.length === 0) return this;
    return this.lengthDelimited(field, value);
  }

  string(field: number, value: string | undefined): this {
    if (!value) return this;
    return this.lengthDelimited(field, utf8Encoder.encode(value));
  }

  /** An embedded message: written even when empty, as Go writes a set sub-message. */
  message(field: number, value: Uint8Array): this {
    return this.lengthDelimited(field, value);
  }

  private lengthDelimited(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_TYPE.LEN);
    this.varint(BigInt(value.length));
    this.push(value);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

/** One field as read from the wire. */
export type ProtoField =
  | { field: number; wireType: typeof WIRE_TYPE.VARINT; value: bigint }
  | { field: number; wireType: typeof WIRE_TYPE.LEN; value: Uint8Array }
  | { field: number; wireType: typeof WIRE_TYPE.I64 | typeof WIRE_TYPE.I32; value: Uint8Array };

/** Reads every field of one message; throws MALFORMED_MESSAGE on truncation or an unsupported wire type. */
export function readFields(buf: Uint8Array, what: string): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw malformed(`${what}: truncated varint at offset ${pos}`);
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw malformed(`${what}: varint longer than 10 bytes at offset ${pos}`);
  };
  while (pos < buf.length) {
    const key = readVarint();
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (field === 0 || field > 536870911) throw malformed(`${what}: invalid field number ${field}`);
    switch (wireType) {
      case WIRE_TYPE.VARINT:
        fields.push({ field, wireType, value: readVarint() });
        break;
      case WIRE_TYPE.LEN: {
        const len = readVarint();
        if (len > BigInt(buf.length - pos)) {
          throw malformed(`${what}: field ${field} length ${len} exceeds the ${buf.length - pos} bytes left`);
        }
        const n = Number(len);
        fields.push({ field, wireType, value: buf.subarray(pos, pos + n) });
        pos += n;
        break;
      }
      case WIRE_TYPE.I64:
      case WIRE_TYPE.I32: {
        const n = wireType === WIRE_TYPE.I64 ? 8 : 4;
        if (pos + n > buf.length) throw malformed(`${what}: truncated fixed field ${field}`);
        fields.push({ field, wireType, value: buf.subarray(pos, pos + n) });
        pos += n;
        break;
      }
      default:
        throw malformed(`${what}: unsupported wire type ${wireType} for field ${field}`);
    }
  }
  return fields;
}

/** The value of a length-delimited field, checking its wire type. */
export function lenValue(f: ProtoField, what: string): Uint8Array {
  if (f.wireType !== WIRE_TYPE.LEN) throw malformed(`${what}: field ${f.field} has wire type ${f.wireType}, expected 2`);
  return f.value;
}

/** The value of a varint field, checking its wire type. */
export function varintValue(f: ProtoField, what: string): bigint {
  if (f.wireType !== WIRE_TYPE.VARINT) throw malformed(`${what}: field ${f.field} has wire type ${f.wireType}, expected 0`);
  return f.value;
}

/** A proto3 string: must be valid UTF-8 (Go's protobuf rejects invalid strings). */
export function stringValue(f: ProtoField, what: string): string {
  const b = lenValue(f, what);
  try {
    return utf8.decode(b);
  } catch {
    throw malformed(`${what}: field ${f.field} is not valid UTF-8`);
  }
}

/** uint32 fields truncate a wider varint to 32 bits, as Go's decoder does. */
export function uint32Value(f: ProtoField, what: string): number {
  return Number(BigInt.asUintN(32, varintValue(f, what)));
}
