import { bytesToHex } from '@status-stack/crypto';

/*
 * RLP decoding with go-ethereum's rules (rlp/decode.go), which every status-go peer applies to
 * what we send, and which drop the peer on any deviation:
 *  - a single byte below 0x80 is never wrapped as a one-byte string (`0x81 0x05` is refused);
 *  - length prefixes are minimal: a payload under 56 bytes uses the short form, and a long-form
 *    length has no leading zero byte and is at least 56;
 *  - nothing may trail the value, and no item may claim more bytes than its container holds;
 *  - an integer is canonical: no leading zero bytes, so 0 is the empty string `0x80`, never `0x00`,
 *    and it fits its Go type (uint64 unless said otherwise);
 *  - a bool is `0x80` or `0x01`; fixed-size byte arrays have exactly their size.
 * Structure is checked by `decodeRlpStrict`; integers, bools and fixed sizes, which RLP itself
 * does not type, by `checkRlpSchema` against a schema that mirrors the Go struct.
 */

export type RlpValue = Uint8Array | RlpValue[];

/** Why strict decoding refused the input; `path` names the field (`[2][1]`, like go's `Caps[1].Version`). */
export class StrictRlpError extends Error {
  override readonly name = 'StrictRlpError';
  readonly code = 'NON_CANONICAL_RLP';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`rlp: ${reason}${path ? ` at ${path}` : ''}`);
  }
}

function fail(path: string, reason: string): never {
  throw new StrictRlpError(path, reason);
}

/** Reads one item at `pos`; returns it and the position after it. */
function readItem(data: Uint8Array, pos: number, end: number, path: string): [RlpValue, number] {
  if (pos >= end) fail(path, 'value size exceeds available input length');
  const b = data[pos];
  if (b < 0x80) return [data.subarray(pos, pos + 1), pos + 1];
  if (b <= 0xb7) {
    const len = b - 0x80;
    const start = pos + 1;
    if (start + len > end) fail(path, 'value size exceeds available input length');
    if (len === 1 && data[start] < 0x80) fail(path, `non-canonical size information (single byte 0x${data[start].toString(16).padStart(2, '0')} wrapped as a string)`);
    return [data.subarray(start, start + len), start + len];
  }
  if (b <= 0xbf) {
    const [len, start] = readLongLength(data, pos, b - 0xb7, end, path);
    if (start + len > end) fail(path, 'value size exceeds available input length');
    return [data.subarray(start, start + len), start + len];
  }
  let len: number;
  let start: number;
  if (b <= 0xf7) {
    len = b - 0xc0;
    start = pos + 1;
  } else {
    [len, start] = readLongLength(data, pos, b - 0xf7, end, path);
  }
  const listEnd = start + len;
  if (listEnd > end) fail(path, 'value size exceeds available input length');
  const items: RlpValue[] = [];
  let p = start;
  while (p < listEnd) {
    const [item, next] = readItem(data, p, listEnd, `${path}[${items.length}]`);
    items.push(item);
    p = next;
  }
  return [items, listEnd];
}

function readLongLength(data: Uint8Array, pos: number, lenOfLen: number, end: number, path: string): [number, number] {
  const start = pos + 1 + lenOfLen;
  if (start > end) fail(path, 'value size exceeds available input length');
  if (data[pos + 1] === 0) fail(path, 'non-canonical size information (leading zero in length)');
  let len = 0;
  for (let i = pos + 1; i < start; i++) len = len * 256 + data[i];
  if (len < 56) fail(path, 'non-canonical size information (long form for a size below 56)');
  return [len, start];
}

/** Decodes one RLP value with go-ethereum's structural rules; throws `StrictRlpError`. */
export function decodeRlpStrict(data: Uint8Array): RlpValue {
  const [value, end] = readItem(data, 0, data.length, '');
  if (end !== data.length) fail('', `input contains more than one value (${data.length - end} trailing bytes)`);
  return value;
}

/**
 * A schema mirroring a Go struct: `'uint'` (uint64), `{ uint: bits }`, `'bool'`, `'bytes'` (any
 * string), `{ bytes: n }` (exactly n bytes), `'any'` (any value), `{ listOf: s }` (a slice), or
 * `{ list: [...], tail?: true }` (a struct; `tail` accepts extra trailing elements, go's
 * `rlp:"tail"`, as devp2p's Hello allows for EIP-8).
 */
export type RlpSchema =
  | 'uint'
  | 'bool'
  | 'bytes'
  | 'any'
  | { readonly uint: number }
  | { readonly bytes: number }
  | { readonly listOf: RlpSchema }
  | { readonly list: readonly RlpSchema[]; readonly tail?: boolean; readonly optional?: number };

/** Checks a decoded value against a schema; returns the value. */
export function checkRlpValue(value: RlpValue, schema: RlpSchema, path = ''): RlpValue {
  if (schema === 'any') return value;
  if (schema === 'uint' || (typeof schema === 'object' && 'uint' in schema)) {
    const bits = schema === 'uint' ? 64 : schema.uint;
    if (!(value instanceof Uint8Array)) fail(path, 'expected input string or byte for uint, got list');
    if (value.length > 0 && value[0] === 0) fail(path, 'non-canonical integer (leading zero bytes) for uint');
    if (value.length * 8 > bits) fail(path, `uint overflow (${value.length} bytes for uint${bits})`);
    return value;
  }
  if (schema === 'bool') {
    if (!(value instanceof Uint8Array)) fail(path, 'expected input string or byte for bool, got list');
    if (value.length > 1 || (value.length === 1 && value[0] !== 1)) fail(path, `invalid boolean value 0x${bytesToHex(value)}`);
    return value;
  }
  if (schema === 'bytes') {
    if (!(value instanceof Uint8Array)) fail(path, 'expected input string or byte, got list');
    return value;
  }
  if ('bytes' in schema) {
    if (!(value instanceof Uint8Array)) fail(path, 'expected input string or byte, got list');
    if (value.length !== schema.bytes) fail(path, `input string ${value.length > schema.bytes ? 'too long' : 'too short'} for [${schema.bytes}]byte`);
    return value;
  }
  if (!Array.isArray(value)) fail(path, 'expected input list');
  if ('listOf' in schema) {
    value.forEach((v, i) => checkRlpValue(v, schema.listOf, `${path}[${i}]`));
    return value;
  }
  const required = schema.list.length - (schema.optional ?? 0);
  if (value.length < required) fail(path, `too few elements (${value.length}, want ${required})`);
  if (value.length > schema.list.length && !schema.tail) fail(path, `input list has too many elements (${value.length}, want ${schema.list.length})`);
  schema.list.forEach((s, i) => {
    if (i < value.length) checkRlpValue(value[i], s, `${path}[${i}]`);
  });
  return value;
}

/** `decodeRlpStrict` then `checkRlpValue`: decodes bytes as go-ethereum would into the struct `schema`. */
export function decodeRlpStrictAs(data: Uint8Array, schema: RlpSchema): RlpValue {
  return checkRlpValue(decodeRlpStrict(data), schema);
}

/** RLP schemas of the devp2p p2p messages, as go-ethereum's p2p package decodes them. */
export const P2P_SCHEMA = {
  /** protoHandshake: Version uint64, Name string, Caps []Cap{Name string, Version uint}, ListenPort uint64, ID [64]byte, Rest tail. */
  HELLO: { list: ['uint', 'bytes', { listOf: { list: ['bytes', 'uint'] } }, 'uint', { bytes: 64 }], tail: true },
  /** Disconnect: `[reason]` (go-ethereum also accepts a bare reason; we send the list). */
  DISCONNECT: { list: [{ uint: 8 }] },
  PING: { list: [] },
  PONG: { list: [] },
} as const satisfies Record<string, RlpSchema>;
