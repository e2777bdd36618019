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

/** devp2p's running frame MAC (rlpx.md, "MAC"). */
export interface Devp2pMac {
  update(data: Uint8Array): void;
  updateHeader(headerCiphertext: Uint8Array): void;
  updateBody(bodyCiphertext: Uint8Array): void;
  /** The first 16 bytes of the running keccak state's digest. */
  digest(): Uint8Array;
}

/** A running AES-CTR keystream: devp2p's node:crypto decipher, or ours (`frame-mac.ts`). */
export interface Devp2pAes {
  update(data: Uint8Array): Uint8Array;
}

/** The ECIES session of one connection: handshake, then frame codec. */
export interface Devp2pSession {
  _nonce: Uint8Array;
  _remoteNonce: Uint8Array | null;
  _ephemeralSharedSecret: Uint8Array | null;
  /** Our Auth or Ack as sent (EIP-8: with its 2-byte size prefix). */
  _initMsg: Uint8Array | null | undefined;
  /** AES-256-CTR keystreams (devp2p builds them as deciphers; ours are `FrameCipher`s). */
  _ingressAes: Devp2pAes | null;
  _egressAes: Devp2pAes | null;
  _ingressMac: Devp2pMac | null;
  _egressMac: Devp2pMac | null;
  _bodySize: number | null;
  _remotePublicKey: Uint8Array | null;
  _setupFrame(remoteData: Uint8Array, incoming: boolean): void;
  createBlockHeader(size: number): Uint8Array | undefined;
  createBody(data: Uint8Array): Uint8Array | undefined;
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
  _socket: Socket;
}

interface Devp2pModule {
  Peer: new (options: Devp2pPeerOptions) => Devp2pPeer;
  ECIES: new (privateKey: Uint8Array, id: Uint8Array, remoteId: Uint8Array | null) => unknown;
  MAC: new (secret: Uint8Array) => Devp2pMac;
}

const devp2p = devp2pModule as unknown as Devp2pModule;

export const Peer = devp2p.Peer;
/** devp2p's handshake/frame codec on its own (tests check it against the EIP-8 vectors). */
export const ECIES = devp2p.ECIES;
/** devp2p's own frame MAC (tests compare ours against it). */
export const MAC = devp2p.MAC;
