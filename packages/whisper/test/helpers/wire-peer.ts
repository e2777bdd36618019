// A hand-driven RLPx peer for attack tests: our own RlpxSession over a raw socket, so that it can
// connect from any loopback address (`localAddress: '127.0.0.2'` …: per-IP limits see a different
// host) and read its socket in whichever way the test wants: decoding every packet, swallowing the
// bytes unread (a greedy peer that takes everything and answers nothing), or not at all (paused:
// the node's writes back up in its send buffer).
import { connect, type Socket } from 'node:net';
import { generatePrivateKey, getPublicKey, hexToBytes } from '@status-stack/crypto';
import { RlpxSession, type Capability } from '@status-stack/p2p-overlay';
import { WAKU } from '../../src/waku/constants.js';

export const WAKU1_CAPABILITY: Capability = { name: WAKU.PROTOCOL_NAME, version: WAKU.PROTOCOL_VERSION, length: WAKU.CODE_COUNT };

export interface WirePeer {
  readonly socket: Socket;
  /** Our node id (hex). */
  readonly nodeId: string;
  /** Sends a capability-relative packet (uncompressed payload; the session compresses and frames it). */
  send(code: number, payload: Uint8Array): void;
  /** Packets received while decoding: capability-relative code and payload. */
  readonly received: Array<[number, Uint8Array]>;
  /** Bytes taken from the socket (in any mode). */
  bytesRead(): number;
  /** Stop decoding: bytes are read and thrown away (no pongs any more). */
  swallow(): void;
  /** Stop reading the socket at all. */
  stopReading(): void;
  /** Resolves with the disconnect reason the node gave (undefined when it only closed TCP). */
  readonly closed: Promise<number | undefined>;
  destroy(): void;
}

export interface WirePeerOptions {
  capability?: Capability;
  localAddress?: string;
  privateKey?: Uint8Array;
}

/** Connects to a node on 127.0.0.1:`port`, completes RLPx and Hello, and resolves once ready. */
export async function wirePeer(port: number, remoteNodeId: string, opts: WirePeerOptions = {}): Promise<WirePeer> {
  const capability = opts.capability ?? WAKU1_CAPABILITY;
  const key = opts.privateKey ?? generatePrivateKey();
  const socket = connect({ port, host: '127.0.0.1', localAddress: opts.localAddress });
  socket.on('error', () => {});
  const received: Array<[number, Uint8Array]> = [];
  let offset = 0x10;
  let reason: number | undefined;
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const closed = new Promise<number | undefined>((resolve) => socket.once('close', () => resolve(reason)));
  const session = new RlpxSession(
    { privateKey: key, nodeId: getPublicKey(key).subarray(1), remoteId: hexToBytes(remoteNodeId), clientId: 'wire-peer', listenPort: 0, capabilities: [capability] },
    {
      write: (c) => void (socket.destroyed ? undefined : socket.write(c)),
      onReady: (_hello, shared) => {
        offset = shared.find((s) => s.capability.name === capability.name)?.offset ?? 0x10;
        ready();
      },
      // The session hands over capability-relative codes (whatever its doc comment says).
      onMessage: (_cap, code, payload) => received.push([code, payload]),
      onDisconnect: (r) => (reason = r),
      onPong: () => {},
    },
  );
  let mode: 'decode' | 'swallow' = 'decode';
  socket.on('data', (d: Buffer) => {
    if (mode === 'swallow') return;
    try {
      session.receive(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    } catch {
      socket.destroy();
    }
  });
  await Promise.race([
    isReady,
    closed.then(() => {
      throw new Error(`closed during the handshake (reason ${String(reason)})`);
    }),
  ]);
  return {
    socket,
    nodeId: Buffer.from(getPublicKey(key).subarray(1)).toString('hex'),
    send: (code, payload) => {
      if (!socket.destroyed) {
        session.send(offset + code, payload);
        session.flush();
      }
    },
    received,
    bytesRead: () => socket.bytesRead,
    swallow: () => void (mode = 'swallow'),
    stopReading: () => void socket.pause(),
    closed,
    destroy: () => void socket.destroy(),
  };
}
