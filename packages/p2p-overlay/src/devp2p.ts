import type { Socket } from 'node:net';
import * as devp2pModule from '@ethereumjs/devp2p';

/*
 * `@ethereumjs/devp2p`, seen through only what we use. Its base protocol class is not exported
 * and the members we need (the ECIES session, `_sendMessage`, `_protocols`…) are `protected` in
 * its declarations, so the classes are re-typed here once instead of cast at every use.
 */

/** A capability as devp2p's Peer expects it: it instantiates `constructor(version, peer, send)`. */
export interface Devp2pCapability {
  name: string;
  version: number;
  length: number;
  constructor: new (version: number, peer: unknown, send: (code: number, data: Uint8Array) => void) => unknown;
}

export interface Devp2pPeerOptions {
  socket: Socket;
  /** The dialled node's id (64 bytes); null for an inbound connection. */
  remoteId: Uint8Array | null;
  privateKey: Uint8Array;
  id: Uint8Array;
  /** Ping timeout of devp2p's own keepalive (ms). */
  timeout: number;
  clientId: Uint8Array;
  capabilities: Devp2pCapability[];
  common: undefined;
  port: number;
}

export interface Devp2pEvents {
  on(event: 'error', listener: (err: Error) => void): unknown;
  once(event: 'connect', listener: () => void): unknown;
}

/** The ECIES session of one connection: handshake, then frame codec. */
export interface Devp2pSession {
  _egressAes: unknown;
  _remotePublicKey: Uint8Array | null;
  parseHeader(data: Uint8Array): number | undefined;
  parseBody(data: Uint8Array): Uint8Array | undefined;
}

/** devp2p's `Peer`, with the protected members we reach into. */
export interface Devp2pPeer {
  events: Devp2pEvents;
  getId(): Uint8Array | null;
  getHelloMessage(): { protocolVersion: number; clientId: string } | null;
  disconnect(reason?: number): void;
  _sendMessage(code: number, data: Uint8Array): boolean | undefined;
  _closed: boolean;
  _disconnectReason?: number;
  _disconnectWe: boolean | null;
  _pingIntervalId: NodeJS.Timeout | null;
  _protocols: Array<{ protocol: unknown; offset: number; length?: number }>;
  _eciesSession: Devp2pSession;
}

interface Devp2pModule {
  Peer: new (options: Devp2pPeerOptions) => Devp2pPeer;
  ECIES: new (privateKey: Uint8Array, id: Uint8Array, remoteId: Uint8Array | null) => unknown;
}

const devp2p = devp2pModule as unknown as Devp2pModule;

export const Peer = devp2p.Peer;
/** devp2p's handshake/frame codec on its own (tests check it against the EIP-8 vectors). */
export const ECIES = devp2p.ECIES;
