import { CRYPTO_ERROR, CryptoError } from './errors.js';

/** Lowercase hex without a 0x prefix. */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Accepts hex with or without a 0x prefix; throws CryptoError(INVALID_HEX) on odd length or non-hex characters. */
export function hexToBytes(hex: string): Uint8Array {
  const h = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) {
    throw new CryptoError(CRYPTO_ERROR.INVALID_HEX, `invalid hex string: ${hex.slice(0, 80)}`);
  }
  return new Uint8Array(Buffer.from(h, 'hex'));
}

/** `0x`-prefixed lowercase hex. */
export function toHex0x(bytes: Uint8Array): string {
  return '0x' + bytesToHex(bytes);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Constant-time comparison for equal-length inputs. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Lexicographic byte order (-1, 0, 1). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });
export function utf8ToBytes(s: string): Uint8Array {
  return encoder.encode(s);
}
export function bytesToUtf8(b: Uint8Array): string {
  return decoder.decode(b);
}

/** Big-endian unsigned integer of `length` bytes. */
export function uintToBytesBE(value: number | bigint, length: number): Uint8Array {
  let v = BigInt(value);
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function bytesToBigIntBE(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** Copies a view into a fresh Uint8Array (never a Buffer) so callers own its memory. */
export function toUint8Array(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
