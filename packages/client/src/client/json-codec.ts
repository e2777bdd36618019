import { bytesToHex, bytesToUtf8, hexToBytes, utf8ToBytes } from '@status-stack/crypto';
import { CLIENT_ERROR, ClientError } from './errors.js';

// Records of the layers below are kept in the storage's key/value space as JSON, with bytes as
// {"$b": hex} and bigints as {"$n": decimal}: readable in a database browser, exact on the way back.

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { $b: bytesToHex(value) };
  if (typeof value === 'bigint') return { $n: value.toString() };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    if (typeof o.$b === 'string') return hexToBytes(o.$b);
    if (typeof o.$n === 'string') return BigInt(o.$n);
  }
  return value;
}

export function encodeRecord(value: unknown): Uint8Array {
  return utf8ToBytes(JSON.stringify(value, replacer));
}

export function decodeRecord<T>(bytes: Uint8Array, what: string): T {
  try {
    return JSON.parse(bytesToUtf8(bytes), reviver) as T;
  } catch (e) {
    throw new ClientError(CLIENT_ERROR.STORAGE_FAILED, `stored ${what} is not valid JSON (${bytes.length} bytes): ${(e as Error).message}`, { cause: e });
  }
}
