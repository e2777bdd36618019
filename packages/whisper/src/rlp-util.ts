import { RLP, type NestedUint8Array } from '@ethereumjs/rlp';
import { bytesToHex } from '@status-stack/crypto';
import { WhisperError, WHISPER_ERROR } from './errors.js';

export type RlpItem = Uint8Array | NestedUint8Array;

/** RLP.decode that throws a typed error for any malformed input. */
export function rlpDecode(bytes: Uint8Array, what: string): RlpItem {
  try {
    return RLP.decode(bytes);
  } catch (e) {
    throw new WhisperError(WHISPER_ERROR.INVALID_RLP, `${what}: malformed RLP (${(e as Error).message}) in ${preview(bytes)}`, { cause: e });
  }
}

export function rlpEncode(item: Parameters<typeof RLP.encode>[0]): Uint8Array {
  return RLP.encode(item);
}

export function preview(bytes: Uint8Array): string {
  const hex = bytesToHex(bytes.subarray(0, 48));
  return `0x${hex}${bytes.length > 48 ? `…(${bytes.length} bytes)` : ''}`;
}

export function expectList(item: RlpItem, what: string): RlpItem[] {
  if (item instanceof Uint8Array) throw new WhisperError(WHISPER_ERROR.INVALID_RLP, `${what}: expected an RLP list, got a ${item.length}-byte string`);
  return item;
}

export function expectBytes(item: RlpItem | undefined, what: string): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new WhisperError(WHISPER_ERROR.INVALID_RLP, `${what}: expected an RLP string, got ${item === undefined ? 'nothing' : 'a list'}`);
  return item;
}

/** A canonical RLP unsigned integer of at most `maxBytes` bytes, as go's rlp decoder demands (no leading zeros). */
export function decodeUint(item: RlpItem | undefined, maxBytes: number, what: string): bigint {
  const b = expectBytes(item, what);
  if (b.length > maxBytes) throw new WhisperError(WHISPER_ERROR.INVALID_RLP, `${what}: integer of ${b.length} bytes exceeds ${maxBytes} (${preview(b)})`);
  if (b.length > 0 && b[0] === 0) throw new WhisperError(WHISPER_ERROR.INVALID_RLP, `${what}: non-canonical integer with leading zero (${preview(b)})`);
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

export function decodeUintNumber(item: RlpItem | undefined, maxBytes: 1 | 2 | 3 | 4 | 5 | 6, what: string): number {
  return Number(decodeUint(item, maxBytes, what));
}

/** RLP booleans as go encodes them: 0x80 false, 0x01 true. */
export function decodeBool(item: RlpItem | undefined, what: string): boolean {
  const v = decodeUint(item, 1, what);
  if (v > 1n) throw new WhisperError(WHISPER_ERROR.INVALID_RLP, `${what}: boolean must be 0 or 1, got ${v}`);
  return v === 1n;
}
