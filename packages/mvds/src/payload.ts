import { MVDS_ERROR, MvdsError } from './errors.js';

/** Field numbers of `vac.mvds.Payload` (proto/mvds.proto). */
export const PAYLOAD_FIELD = {
  ACKS: 5001,
  OFFERS: 5002,
  REQUESTS: 5003,
  MESSAGES: 5004,
} as const;

/** Field numbers of `vac.mvds.Message` (proto/mvds.proto); 6004 is 4/MVDS-META. */
export const MESSAGE_FIELD = {
  GROUP_ID: 6001,
  TIMESTAMP: 6002,
  BODY: 6003,
  METADATA: 6004,
} as const;

/** Field numbers of `vac.mvds.Metadata` (4/MVDS-META). */
export const METADATA_FIELD = {
  PARENTS: 1,
  EPHEMERAL: 2,
} as const;

/** Length of message ids and (in status-go) group ids. */
export const MESSAGE_ID_LENGTH = 32;
export const GROUP_ID_LENGTH = 32;

const EMPTY = new Uint8Array(0);

const WIRE = { VARINT: 0, FIXED64: 1, LEN: 2, START_GROUP: 3, END_GROUP: 4, FIXED32: 5 } as const;

/** 4/MVDS-META metadata. */
export interface MvdsMetadata {
  parents: Uint8Array[];
  ephemeral: boolean;
}

/** One MVDS `Message`. `timestamp` is an int64 (Unix seconds in status-go). */
export interface MvdsMessage {
  groupId: Uint8Array;
  timestamp: bigint;
  body: Uint8Array;
  metadata?: MvdsMetadata;
}

/** One MVDS `Payload`: every record for one peer in one epoch. */
export interface MvdsPayload {
  acks: Uint8Array[];
  offers: Uint8Array[];
  requests: Uint8Array[];
  messages: MvdsMessage[];
}

export function emptyPayload(): MvdsPayload {
  return { acks: [], offers: [], requests: [], messages: [] };
}

/** status-go's `Payload.IsValid`: a payload with no record is not datasync (it may be another protobuf). */
export function isDatasyncPayload(p: MvdsPayload): boolean {
  return p.acks.length > 0 || p.offers.length > 0 || p.requests.length > 0 || p.messages.length > 0;
}

// ---- sizes ----

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function varint64Size(v: bigint): number {
  let u = BigInt.asUintN(64, v);
  let n = 1;
  while (u >= 0x80n) {
    u >>= 7n;
    n++;
  }
  return n;
}

function tagSize(field: number): number {
  return varintSize(field * 8);
}

function lenFieldSize(field: number, len: number): number {
  return tagSize(field) + varintSize(len) + len;
}

function metadataSize(m: MvdsMetadata): number {
  let s = 0;
  for (const p of m.parents) s += lenFieldSize(METADATA_FIELD.PARENTS, p.length);
  if (m.ephemeral) s += tagSize(METADATA_FIELD.EPHEMERAL) + 1;
  return s;
}

/** Encoded size of a `Message` (without its enclosing field header). */
export function encodedMessageSize(m: MvdsMessage): number {
  let s = 0;
  if (m.groupId.length > 0) s += lenFieldSize(MESSAGE_FIELD.GROUP_ID, m.groupId.length);
  if (m.timestamp !== 0n) s += tagSize(MESSAGE_FIELD.TIMESTAMP) + varint64Size(m.timestamp);
  if (m.body.length > 0) s += lenFieldSize(MESSAGE_FIELD.BODY, m.body.length);
  if (m.metadata !== undefined) s += lenFieldSize(MESSAGE_FIELD.METADATA, metadataSize(m.metadata));
  return s;
}

/** Bytes a message adds to a payload (field header included). */
export function payloadMessageCost(m: MvdsMessage): number {
  return lenFieldSize(PAYLOAD_FIELD.MESSAGES, encodedMessageSize(m));
}

/** Bytes one id adds to a payload in the acks/offers/requests fields. */
export const PAYLOAD_ID_COST = lenFieldSize(PAYLOAD_FIELD.ACKS, MESSAGE_ID_LENGTH);

export function encodedPayloadSize(p: MvdsPayload): number {
  let s = 0;
  for (const a of p.acks) s += lenFieldSize(PAYLOAD_FIELD.ACKS, a.length);
  for (const o of p.offers) s += lenFieldSize(PAYLOAD_FIELD.OFFERS, o.length);
  for (const r of p.requests) s += lenFieldSize(PAYLOAD_FIELD.REQUESTS, r.length);
  for (const m of p.messages) s += payloadMessageCost(m);
  return s;
}

// ---- writer ----

class Writer {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  varint(v: number): void {
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  varint64(v: bigint): void {
    // int64 on the wire is its two's complement as uint64: negatives take 10 bytes, as in Go.
    let u = BigInt.asUintN(64, v);
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  bytesField(field: number, b: Uint8Array): void {
    this.tag(field, WIRE.LEN);
    this.varint(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
}

function writeMessage(w: Writer, m: MvdsMessage): void {
  // Go's proto.Marshal writes fields in field-number order and omits proto3 defaults.
  if (m.groupId.length > 0) w.bytesField(MESSAGE_FIELD.GROUP_ID, m.groupId);
  if (m.timestamp !== 0n) {
    w.tag(MESSAGE_FIELD.TIMESTAMP, WIRE.VARINT);
    w.varint64(m.timestamp);
  }
  if (m.body.length > 0) w.bytesField(MESSAGE_FIELD.BODY, m.body);
  if (m.metadata !== undefined) {
    w.tag(MESSAGE_FIELD.METADATA, WIRE.LEN);
    w.varint(metadataSize(m.metadata));
    for (const p of m.metadata.parents) w.bytesField(METADATA_FIELD.PARENTS, p);
    if (m.metadata.ephemeral) {
      w.tag(METADATA_FIELD.EPHEMERAL, WIRE.VARINT);
      w.varint(1);
    }
  }
}

/** Encodes one `Message` as status-go's proto.Marshal does. */
export function encodeMessage(m: MvdsMessage): Uint8Array {
  const w = new Writer(new Uint8Array(encodedMessageSize(m)));
  writeMessage(w, m);
  return w.buf;
}

/** Encodes a `Payload` as status-go's proto.Marshal does (byte-identical). */
export function encodePayload(p: MvdsPayload): Uint8Array {
  const w = new Writer(new Uint8Array(encodedPayloadSize(p)));
  for (const a of p.acks) w.bytesField(PAYLOAD_FIELD.ACKS, a);
  for (const o of p.offers) w.bytesField(PAYLOAD_FIELD.OFFERS, o);
  for (const r of p.requests) w.bytesField(PAYLOAD_FIELD.REQUESTS, r);
  for (const m of p.messages) {
    w.tag(PAYLOAD_FIELD.MESSAGES, WIRE.LEN);
    w.varint(encodedMessageSize(m));
    writeMessage(w, m);
  }
  return w.buf;
}

// ---- reader ----

function malformed(what: string, offset: number): MvdsError {
  return new MvdsError(MVDS_ERROR.MALFORMED_PAYLOAD, `malformed MVDS protobuf: ${what} at offset ${offset}`);
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  /** A varint that must fit in 2^53 (tags, lengths). */
  varint(): number {
    const start = this.pos;
    const buf = this.buf;
    // Fast path: tags and lengths here are almost always under 2^28 (four bytes), done with 32-bit ops.
    if (this.end - start >= 4) {
      let b = buf[start];
      let r = b & 0x7f;
      if (b < 0x80) {
        this.pos = start + 1;
        return r;
      }
      b = buf[start + 1];
      r |= (b & 0x7f) << 7;
      if (b < 0x80) {
        this.pos = start + 2;
        return r;
      }
      b = buf[start + 2];
      r |= (b & 0x7f) << 14;
      if (b < 0x80) {
        this.pos = start + 3;
        return r;
      }
      b = buf[start + 3];
      r |= (b & 0x7f) << 21;
      if (b < 0x80) {
        this.pos = start + 4;
        return r;
      }
    }
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) throw malformed('truncated varint', start);
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw malformed('varint too long for a length or tag', start);
  }

  varint64(): bigint {
    const start = this.pos;
    // Up to 7 bytes (49 bits) are exact in a double: BigInt arithmetic only for longer varints.
    let low = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (this.pos >= this.end) throw malformed('truncated varint', start);
      const b = this.buf[this.pos++];
      low += (b & 0x7f) * mul;
      if (b < 0x80) return BigInt(low);
      mul *= 128;
    }
    let result = BigInt(low);
    let shift = 49n;
    for (let i = 7; i < 10; i++) {
      if (this.pos >= this.end) throw malformed('truncated varint', start);
      const b = this.buf[this.pos++];
      if (i === 9 && b > 1) throw malformed('varint overflows 64 bits', start);
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
    }
    throw malformed('varint longer than 10 bytes', start);
  }

  /** Returns [start, end) of a length-delimited field's content. */
  lenRange(): [number, number] {
    const at = this.pos;
    const len = this.varint();
    if (len > this.end - this.pos) throw malformed(`length ${len} beyond end of buffer`, at);
    const s = this.pos;
    this.pos += len;
    return [s, this.pos];
  }

  bytes(): Uint8Array {
    const [s, e] = this.lenRange();
    return this.buf.subarray(s, e);
  }

  skip(wire: number, at: number): void {
    switch (wire) {
      case WIRE.VARINT:
        this.varint64();
        return;
      case WIRE.FIXED64:
        if (this.end - this.pos < 8) throw malformed('truncated fixed64', at);
        this.pos += 8;
        return;
      case WIRE.LEN:
        this.lenRange();
        return;
      case WIRE.FIXED32:
        if (this.end - this.pos < 4) throw malformed('truncated fixed32', at);
        this.pos += 4;
        return;
      default:
        // Groups (3, 4) are proto2-only and never part of this schema; 6 and 7 do not exist.
        throw malformed(`unsupported wire type ${wire}`, at);
    }
  }

  /** Field number and wire type of the last tag read by `tag()`. */
  field = 0;
  wire = 0;

  /** Reads a tag into `field` and `wire`. */
  tag(): void {
    const at = this.pos;
    const t = this.varint();
    this.field = Math.floor(t / 8);
    this.wire = t % 8;
    if (this.field === 0) throw malformed('field number 0', at);
  }
}

function checkId(id: Uint8Array, field: string): Uint8Array {
  if (id.length !== MESSAGE_ID_LENGTH) {
    throw new MvdsError(
      MVDS_ERROR.INVALID_MESSAGE_ID,
      `${field} entry is ${id.length} bytes, expected ${MESSAGE_ID_LENGTH}`,
    );
  }
  return id;
}

function readMetadata(r: Reader, into: MvdsMetadata | undefined): MvdsMetadata {
  // A repeated embedded message field merges, as protobuf requires.
  const md: MvdsMetadata = into ?? { parents: [], ephemeral: false };
  while (r.pos < r.end) {
    const at = r.pos;
    r.tag();
    const { field, wire } = r;
    if (field === METADATA_FIELD.PARENTS && wire === WIRE.LEN) md.parents.push(checkId(r.bytes(), 'parents'));
    else if (field === METADATA_FIELD.EPHEMERAL && wire === WIRE.VARINT) md.ephemeral = r.varint64() !== 0n;
    else r.skip(wire, at);
  }
  return md;
}

function readMessage(r: Reader): MvdsMessage {
  // Zero-length arrays cannot be written to, so one shared instance is safe and saves two allocations.
  const m: MvdsMessage = { groupId: EMPTY, timestamp: 0n, body: EMPTY };
  while (r.pos < r.end) {
    const at = r.pos;
    r.tag();
    const { field, wire } = r;
    if (field === MESSAGE_FIELD.GROUP_ID && wire === WIRE.LEN) m.groupId = r.bytes();
    else if (field === MESSAGE_FIELD.TIMESTAMP && wire === WIRE.VARINT) m.timestamp = BigInt.asIntN(64, r.varint64());
    else if (field === MESSAGE_FIELD.BODY && wire === WIRE.LEN) m.body = r.bytes();
    else if (field === MESSAGE_FIELD.METADATA && wire === WIRE.LEN) {
      const [s, e] = r.lenRange();
      m.metadata = readMetadata(new Reader(r.buf, s, e), m.metadata);
    } else r.skip(wire, at);
  }
  return m;
}

/** Decodes one `Message` (byte fields are views into `bytes`). Throws MvdsError(MALFORMED_PAYLOAD | INVALID_MESSAGE_ID). */
export function decodeMessage(bytes: Uint8Array): MvdsMessage {
  return readMessage(new Reader(bytes, 0, bytes.length));
}

/**
 * Decodes a `Payload`. Unknown fields are skipped (proto3); ids must be 32 bytes.
 * Throws MvdsError(MALFORMED_PAYLOAD | INVALID_MESSAGE_ID); never anything else.
 * An empty result is not an error here: see `isDatasyncPayload`.
 * Byte fields of the result are views into `bytes` (no copies): copy `bytes` first if it may change.
 */
export function decodePayload(bytes: Uint8Array): MvdsPayload {
  const p = emptyPayload();
  const r = new Reader(bytes, 0, bytes.length);
  while (r.pos < r.end) {
    const at = r.pos;
    r.tag();
    const { field, wire } = r;
    if (wire !== WIRE.LEN) {
      r.skip(wire, at);
      continue;
    }
    switch (field) {
      case PAYLOAD_FIELD.ACKS:
        p.acks.push(checkId(r.bytes(), 'acks'));
        break;
      case PAYLOAD_FIELD.OFFERS:
        p.offers.push(checkId(r.bytes(), 'offers'));
        break;
      case PAYLOAD_FIELD.REQUESTS:
        p.requests.push(checkId(r.bytes(), 'requests'));
        break;
      case PAYLOAD_FIELD.MESSAGES: {
        const [s, e] = r.lenRange();
        p.messages.push(readMessage(new Reader(bytes, s, e)));
        break;
      }
      default:
        r.skip(wire, at);
    }
  }
  return p;
}
