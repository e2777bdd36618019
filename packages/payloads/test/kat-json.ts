// JSON form of decoded messages in our known-answer file: bigint as "<digits>n", bytes as "hex:<hex>".
import { bytesToHex, hexToBytes } from '@status-stack/crypto';

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

export function toJson(value: unknown): Json {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `hex:${bytesToHex(value)}`;
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v);
    return out;
  }
  return value as Json;
}

export function fromJson(value: Json): unknown {
  if (typeof value === 'string') {
    if (/^\d+n$/.test(value)) return BigInt(value.slice(0, -1));
    if (value.startsWith('hex:')) return hexToBytes(value.slice(4));
    return value;
  }
  if (Array.isArray(value)) return value.map(fromJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromJson(v);
    return out;
  }
  return value;
}
