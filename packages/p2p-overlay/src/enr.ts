import { RLP } from '@ethereumjs/rlp';
import {
  bytesToHex,
  bytesToUtf8,
  compareBytes,
  compressPublicKey,
  decompressPublicKey,
  getPublicKey,
  isValidPublicKey,
  keccak256,
  sign,
  utf8ToBytes,
  verify,
  type PrivateKey,
} from '@status-stack/crypto';
import { OverlayError, OVERLAY_ERROR } from './errors.js';
import { formatEnode } from './enode.js';
import type { Capability } from './types.js';

/** EIP-778: a record is at most 300 bytes of RLP. */
export const ENR_MAX_SIZE = 300;

/**
 * Our ENR key for the devp2p capabilities a node speaks over RLPx: RLP list of `[name, version]`.
 * Not standard: go-ethereum advertises `eth` with a fork id, Status nodes of v0.62 advertise
 * nothing; it lets discv5 find peers for a given capability.
 */
export const ENR_CAPABILITIES_KEY = 'caps';

/** A decoded, signature-checked node record (EIP-778, identity scheme "v4"). */
export interface Enr {
  readonly seq: bigint;
  /** All key/value pairs, values as raw bytes, in key order. */
  readonly entries: ReadonlyMap<string, Uint8Array>;
  /** 64-byte r‖s. */
  readonly signature: Uint8Array;
  /** 33-byte compressed public key (`secp256k1` entry). */
  readonly publicKey: Uint8Array;
  /** keccak256 of the 64-byte public key: the discv5 node id, hex. */
  readonly nodeId: string;
  /** The devp2p (enode) id: 64-byte public key, hex. */
  readonly enodeId: string;
  readonly ip?: string;
  readonly tcp?: number;
  readonly udp?: number;
  readonly capabilities: readonly Capability[] | undefined;
  /** The record's RLP encoding. */
  readonly raw: Uint8Array;
  /** `enr:` text form. */
  readonly text: string;
}

export interface EnrFields {
  seq?: bigint | number;
  ip?: string;
  tcp?: number;
  udp?: number;
  /** Advertised capabilities (`caps` key); `length` is not part of the record. */
  capabilities?: ReadonlyArray<Pick<Capability, 'name' | 'version'>>;
  /** Further raw entries. */
  extra?: Record<string, Uint8Array>;
}

function fail(msg: string): never {
  throw new OverlayError(OVERLAY_ERROR.INVALID_ENR, msg);
}

function uintBytes(n: bigint | number): Uint8Array {
  let v = BigInt(n);
  if (v < 0n) fail(`negative integer ${n}`);
  const out: number[] = [];
  while (v > 0n) {
    out.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return Uint8Array.from(out);
}

function bytesToUint(b: Uint8Array, what: string, maxBytes: number): bigint {
  if (b.length > maxBytes) fail(`${what} of ${b.length} bytes is too long`);
  if (b.length > 0 && b[0] === 0) fail(`${what} 0x${bytesToHex(b)} has a leading zero`);
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

function ipv4ToBytes(ip: string): Uint8Array {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) fail(`not an IPv4 address: ${ip}`);
  return Uint8Array.from(parts.map(Number));
}

function portBytes(port: number, what: string): Uint8Array {
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`${what} port out of range: ${port}`);
  return uintBytes(port);
}

export function base64UrlEncode(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
}

export function base64UrlDecode(s: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) fail(`${what} is not URL-safe base64: ${s.slice(0, 40)}`);
  const buf = Buffer.from(s, 'base64url');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function contentList(seq: bigint, entries: ReadonlyMap<string, Uint8Array>): Uint8Array[] {
  const list: Uint8Array[] = [uintBytes(seq)];
  for (const [k, v] of entries) list.push(utf8ToBytes(k), v);
  return list;
}

/** Builds and signs a v4 record. */
export function createEnr(privateKey: PrivateKey, fields: EnrFields = {}): Enr {
  const entries = new Map<string, Uint8Array>();
  entries.set('id', utf8ToBytes('v4'));
  entries.set('secp256k1', getPublicKey(privateKey, true));
  if (fields.ip !== undefined) entries.set('ip', ipv4ToBytes(fields.ip));
  if (fields.tcp !== undefined) entries.set('tcp', portBytes(fields.tcp, 'tcp'));
  if (fields.udp !== undefined) entries.set('udp', portBytes(fields.udp, 'udp'));
  if (fields.capabilities !== undefined) {
    entries.set(
      ENR_CAPABILITIES_KEY,
      RLP.encode(fields.capabilities.map((c) => [utf8ToBytes(c.name), uintBytes(c.version)])),
    );
  }
  for (const [k, v] of Object.entries(fields.extra ?? {})) entries.set(k, v);
  const sorted = new Map([...entries].sort(([a], [b]) => compareBytes(utf8ToBytes(a), utf8ToBytes(b))));
  const seq = BigInt(fields.seq ?? 1);
  const digest = keccak256(RLP.encode(contentList(seq, sorted)));
  const signature = sign(digest, privateKey).subarray(0, 64);
  const raw = RLP.encode([signature, ...contentList(seq, sorted)]);
  if (raw.length > ENR_MAX_SIZE) fail(`record of ${raw.length} bytes exceeds ${ENR_MAX_SIZE}`);
  return decodeEnr(raw);
}

/** Decodes an `enr:` text or RLP bytes and verifies its v4 signature. */
export function decodeEnr(input: string | Uint8Array): Enr {
  let raw: Uint8Array;
  if (typeof input === 'string') {
    if (!input.startsWith('enr:')) fail(`missing "enr:" prefix: ${input.slice(0, 40)}`);
    raw = base64UrlDecode(input.slice(4), 'ENR');
  } else {
    raw = input;
  }
  if (raw.length > ENR_MAX_SIZE) fail(`record of ${raw.length} bytes exceeds ${ENR_MAX_SIZE}`);
  let decoded: unknown;
  try {
    decoded = RLP.decode(raw);
  } catch (e) {
    fail(`record is not RLP: ${(e as Error).message}`);
  }
  if (!Array.isArray(decoded) || decoded.length < 2 || decoded.length % 2 !== 0) fail('record must be a list [sig, seq, k, v, ...]');
  const items = decoded as unknown[];
  if (!items.every((x) => x instanceof Uint8Array)) fail('record items must be byte strings');
  const [signature, seqBytes, ...kv] = items as Uint8Array[];
  const seq = bytesToUint(seqBytes, 'seq', 8);
  const entries = new Map<string, Uint8Array>();
  let prev: Uint8Array | undefined;
  for (let i = 0; i < kv.length; i += 2) {
    if (prev && compareBytes(prev, kv[i]) >= 0) fail(`keys not sorted/unique at ${bytesToUtf8(kv[i])}`);
    prev = kv[i];
    entries.set(bytesToUtf8(kv[i]), kv[i + 1]);
  }
  const id = entries.get('id');
  if (!id || bytesToUtf8(id) !== 'v4') fail(`unsupported identity scheme ${id ? bytesToUtf8(id) : '(none)'}`);
  const publicKey = entries.get('secp256k1');
  if (!publicKey || publicKey.length !== 33 || !isValidPublicKey(publicKey)) fail('missing or invalid secp256k1 key');
  if (signature.length !== 64) fail(`signature must be 64 bytes, got ${signature.length}`);
  const digest = keccak256(RLP.encode(contentList(seq, entries)));
  if (!verify(digest, signature, publicKey)) fail('bad signature');
  const full = decompressPublicKey(publicKey).subarray(1);
  const result: {
    -readonly [K in keyof Enr]: Enr[K];
  } = {
    seq,
    entries,
    signature,
    publicKey,
    nodeId: bytesToHex(keccak256(full)),
    enodeId: bytesToHex(full),
    capabilities: undefined,
    raw,
    text: `enr:${base64UrlEncode(raw)}`,
  };
  const ip = entries.get('ip');
  if (ip !== undefined) {
    if (ip.length !== 4) fail(`ip must be 4 bytes, got ${ip.length}`);
    result.ip = [...ip].join('.');
  }
  const tcp = entries.get('tcp');
  if (tcp !== undefined) result.tcp = Number(bytesToUint(tcp, 'tcp', 2));
  const udp = entries.get('udp');
  if (udp !== undefined) result.udp = Number(bytesToUint(udp, 'udp', 2));
  const caps = entries.get(ENR_CAPABILITIES_KEY);
  if (caps !== undefined) result.capabilities = decodeCapabilities(caps);
  return result;
}

function decodeCapabilities(b: Uint8Array): Capability[] {
  let list: unknown;
  try {
    list = RLP.decode(b);
  } catch {
    fail(`bad ${ENR_CAPABILITIES_KEY} entry 0x${bytesToHex(b)}`);
  }
  if (!Array.isArray(list)) fail(`${ENR_CAPABILITIES_KEY} must be a list`);
  return (list as unknown[]).map((item) => {
    if (!Array.isArray(item) || item.length < 2 || !(item[0] instanceof Uint8Array) || !(item[1] instanceof Uint8Array)) {
      fail(`bad ${ENR_CAPABILITIES_KEY} item`);
    }
    return { name: bytesToUtf8(item[0]), version: Number(bytesToUint(item[1], 'version', 4)), length: 0 };
  });
}

/** The record's RLPx address as an enode URL; needs `ip` and `tcp`. */
export function enrToEnode(enr: Enr): string {
  if (enr.ip === undefined || enr.tcp === undefined) fail(`record of ${enr.enodeId.slice(0, 16)}… has no ip/tcp`);
  return formatEnode({ id: enr.enodeId, host: enr.ip, port: enr.tcp, discPort: enr.udp });
}

/** Whether a record advertises a capability (name and version). */
export function enrHasCapability(enr: Enr, cap: Pick<Capability, 'name' | 'version'>): boolean {
  return enr.capabilities?.some((c) => c.name === cap.name && c.version === cap.version) ?? false;
}

/** The compressed key from a 64-byte enode id, for code that wants the ENR form. */
export function enodeIdToCompressedKey(enodeId: string): Uint8Array {
  const pub = Uint8Array.from(Buffer.from(`04${enodeId}`, 'hex'));
  if (pub.length !== 65 || !isValidPublicKey(pub)) fail(`not a node id: ${enodeId}`);
  return compressPublicKey(pub);
}
