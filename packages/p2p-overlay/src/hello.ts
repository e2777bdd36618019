import { RLP } from '@ethereumjs/rlp';
import { bytesToHex, bytesToUtf8, utf8ToBytes } from '@status-stack/crypto';
import { OverlayError, OVERLAY_ERROR } from './errors.js';
import type { Capability } from './types.js';

/*
 * The p2p capability's own messages (devp2p rlpx.md, "p2p Capability"): Hello, Disconnect,
 * Ping, Pong. Encoded canonically, as go-ethereum's strict decoder requires: integers are minimal
 * big-endian, so a capability version 0 is the empty string 0x80 (never the byte 0x00).
 */

/** p2p message ids. */
export const P2P_MESSAGE = { HELLO: 0x00, DISCONNECT: 0x01, PING: 0x02, PONG: 0x03 } as const;
/** Ids 0x00..0x0f belong to the p2p protocol; capabilities start at 0x10. */
export const P2P_PROTOCOL_LENGTH = 0x10;
/** The p2p version we announce: 5, so that both sides snappy-compress after Hello (EIP-706). */
export const P2P_VERSION = 5;
/** go-ethereum refuses a Hello larger than this (baseProtocolMaxMsgSize). */
export const MAX_HELLO_SIZE = 2 * 1024;

export interface Hello {
  readonly protocolVersion: number;
  readonly clientId: string;
  /** name/version pairs, as the peer announced them. */
  readonly capabilities: ReadonlyArray<{ readonly name: string; readonly version: number }>;
  readonly listenPort: number;
  /** 64-byte node id, hex. */
  readonly nodeId: string;
}

function helloError(message: string): OverlayError {
  return new OverlayError(OVERLAY_ERROR.HANDSHAKE_FAILED, `bad Hello: ${message}`);
}

/** Capabilities in the order go-ethereum announces and matches them: by name, then version. */
export function sortCapabilities<C extends { name: string; version: number }>(caps: readonly C[]): C[] {
  return [...caps].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version - b.version));
}

/**
 * Hello = `[protocolVersion, clientId, [[capName, capVersion], ...], listenPort, nodeId]`, each
 * integer canonical. Capabilities are sorted by name then version; one name/version once.
 */
export function encodeHello(hello: {
  protocolVersion?: number;
  clientId: string;
  capabilities: ReadonlyArray<Pick<Capability, 'name' | 'version'>>;
  listenPort: number;
  nodeId: Uint8Array;
}): Uint8Array {
  if (hello.nodeId.length !== 64) throw new OverlayError(OVERLAY_ERROR.HANDSHAKE_FAILED, `node id must be 64 bytes, got ${hello.nodeId.length}`);
  const seen = new Set<string>();
  const caps = sortCapabilities(hello.capabilities).filter((c) => {
    const k = `${c.name}/${c.version}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return RLP.encode([
    hello.protocolVersion ?? P2P_VERSION,
    utf8ToBytes(hello.clientId),
    caps.map((c) => [utf8ToBytes(c.name), c.version]),
    hello.listenPort,
    hello.nodeId,
  ]);
}

function uint(v: unknown, max: number, what: string): number {
  if (!(v instanceof Uint8Array) || v.length > 4) throw helloError(`${what} is not an integer`);
  let n = 0;
  for (const b of v) n = n * 256 + b;
  if (n > max) throw helloError(`${what} ${n} is out of range`);
  return n;
}

/**
 * Decodes a peer's Hello. Liberal where go-ethereum is not only in one way: an integer with a
 * leading zero byte (as some clients write a version 0) is read for its value. Extra trailing
 * list elements are allowed (EIP-8).
 */
export function decodeHello(payload: Uint8Array): Hello {
  if (payload.length > MAX_HELLO_SIZE) throw helloError(`${payload.length} bytes (max ${MAX_HELLO_SIZE})`);
  let h: unknown;
  try {
    h = RLP.decode(payload);
  } catch (e) {
    throw helloError((e as Error).message);
  }
  if (!Array.isArray(h) || h.length < 5) throw helloError('not a list of at least 5 items');
  const [version, clientId, caps, port, id] = h as unknown[];
  if (!(clientId instanceof Uint8Array) || clientId.length > 1024) throw helloError('client id must be a string of at most 1024 bytes');
  if (!(id instanceof Uint8Array) || id.length !== 64) throw helloError('node id must be 64 bytes');
  if (!Array.isArray(caps)) throw helloError('capabilities must be a list');
  const capabilities = (caps as unknown[]).map((c, i) => {
    if (!Array.isArray(c) || c.length < 2 || !(c[0] instanceof Uint8Array) || c[0].length > 32) throw helloError(`bad capability entry ${i}`);
    return { name: bytesToUtf8(c[0]), version: uint(c[1], 0xffffffff, `capability ${i} version`) };
  });
  return {
    protocolVersion: uint(version, 0xffffffff, 'protocol version'),
    clientId: bytesToUtf8(clientId),
    capabilities,
    listenPort: uint(port, 0xffffffff, 'listen port'),
    nodeId: bytesToHex(id),
  };
}

/** Disconnect = `[reason]`. */
export function encodeDisconnect(reason: number): Uint8Array {
  return RLP.encode([reason]);
}

/**
 * Reads a Disconnect's reason: `[reason]`, or a bare reason as some clients send it; an empty
 * or unreadable payload reads as undefined (the peer is gone either way).
 */
export function decodeDisconnect(payload: Uint8Array): number | undefined {
  try {
    const d = RLP.decode(payload) as unknown;
    const r = Array.isArray(d) ? d[0] : d;
    if (!(r instanceof Uint8Array) || r.length > 1) return undefined;
    return r.length === 0 ? 0 : r[0];
  } catch {
    return undefined;
  }
}

/** Ping and Pong carry an empty list. */
export const EMPTY_LIST = Uint8Array.of(0xc0);
