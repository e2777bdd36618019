import * as net from 'node:net';
import { ECIES, Peer, type Devp2pPeerOptions } from '../oracle/devp2p.js';

import { generatePrivateKey, getPublicKey, hexToBytes, utf8ToBytes } from '@status-stack/crypto';

/**
 * A hand-driven devp2p peer for bad-input tests: it completes a real RLPx handshake (devp2p's own
 * `Peer`), then lets the test write whatever frames or bytes it likes.
 */
export interface EvilPeer {
  socket: net.Socket;
  /** Sends one framed message with an absolute message id and raw (already compressed or not) data. */
  sendFrame(code: number, data: Uint8Array): void;
  /** Sends only the header of a frame of `size` bytes. */
  sendHeaderOnly(size: number): void;
  /** Resolves with the disconnect reason the remote gave (undefined if it just closed). */
  closed: Promise<number | undefined>;
  /** Every decrypted frame body received, `rlp(message id) ‖ payload`, as on the wire. */
  bodies: Uint8Array[];
  /** Stops reading (and so answering pings), keeping the socket open. */
  silence(): void;
}

class Inert {
  constructor(_v: number, _p: unknown, _s: unknown) {}
  _handleMessage(): void {}
}

export function connectSocket(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

export async function evilPeer(
  port: number,
  nodeId: string,
  caps: Array<{ name: string; version: number; length: number }>,
  behaviour: { hello?: (ourId: Uint8Array) => Uint8Array } = {},
): Promise<EvilPeer> {
  const socket = await connectSocket(port);
  const key = generatePrivateKey();
  const opts: Devp2pPeerOptions = {
    socket,
    remoteId: hexToBytes(nodeId),
    privateKey: key,
    id: getPublicKey(key).subarray(1),
    timeout: 10_000,
    clientId: utf8ToBytes('evil/1.0'),
    capabilities: caps.map((c) => ({ ...c, constructor: Inert })),
    common: undefined,
    port: 0,
  };
  const peer = new Peer(opts);
  if (behaviour.hello) {
    // Replace the Hello devp2p builds with the test's own bytes.
    const send = peer._sendMessage.bind(peer);
    const ourId = getPublicKey(key).subarray(1);
    const hello = behaviour.hello;
    peer._sendMessage = (code, data) => send(code, code === 0 ? hello(ourId) : data);
  }
  const bodies: Uint8Array[] = [];
  const session = peer._eciesSession;
  const parseBody = session.parseBody.bind(session);
  session.parseBody = (d) => {
    const body = parseBody(d);
    if (body) bodies.push(body.slice());
    return body;
  };
  peer.events.on('error', () => {});
  socket.on('error', () => {});
  const closed = new Promise<number | undefined>((resolve) => socket.once('close', () => resolve(peer._disconnectReason)));
  await new Promise<void>((resolve, reject) => {
    peer.events.once('connect', () => resolve());
    socket.once('close', () => reject(new Error('closed during handshake')));
  });
  return {
    socket,
    sendFrame: (code, data) => void peer._sendMessage(code, data),
    sendHeaderOnly: (size) => void socket.write(session.createBlockHeader(size)!),
    closed,
    bodies,
    silence: () => {
      peer._closed = true;
      if (peer._pingIntervalId) clearInterval(peer._pingIntervalId);
    },
  };
}

/** An EIP-8 auth message from a fresh key to `nodeId`, as the first bytes a dialer sends. */
export function authMessage(nodeId: string): Uint8Array {
  const key = generatePrivateKey();
  const ecies = new ECIES(key, getPublicKey(key).subarray(1), hexToBytes(nodeId)) as { createAuthEIP8(): Uint8Array | undefined };
  const auth = ecies.createAuthEIP8();
  if (!auth) throw new Error('devp2p produced no auth message');
  return auth;
}
