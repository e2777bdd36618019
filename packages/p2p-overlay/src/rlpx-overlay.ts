import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import debugFactory from 'debug';
import { RLP } from '@ethereumjs/rlp';
import {
  bytesToHex,
  generatePrivateKey,
  getPublicKey,
  hexToBytes,
  isValidPrivateKey,
  isValidPublicKey,
  utf8ToBytes,
} from '@status-stack/crypto';
import {
  DISCONNECT_REASON,
  type Capability,
  type DisconnectReason,
  type Overlay,
  type OverlayEvents,
  type PeerInfo,
  type PeerLink,
  type RlpxOverlayOptions,
} from './types.js';
import { QueuedLink } from './link.js';
import { OverlayError, OVERLAY_ERROR } from './errors.js';
import { formatEnode, parseEnode } from './enode.js';
import { reasonText } from './memory-overlay.js';
import { installFrameCodec, installFrameWriter, type FrameSender } from './frame-mac.js';
import { snappyCompress, snappyUncompress } from './snappy.js';
import { Peer, type Devp2pCapability, type Devp2pPeer, type Devp2pPeerOptions } from './devp2p.js';

const log = debugFactory('status:p2p-overlay:rlpx');

/** devp2p p2p-protocol message ids (rlpx.md, "p2p Capability"). */
const P2P_MESSAGE = { HELLO: 0x00, DISCONNECT: 0x01, PING: 0x02, PONG: 0x03 } as const;
/** Frame sizes are a 24-bit field (rlpx.md, "Framing"). */
const MAX_FRAME_SIZE = 0xffffff;
/** EIP-706: a message whose uncompressed size exceeds 16 MiB is a protocol error. */
const MAX_MESSAGE_SIZE = 16 * 1024 * 1024;
/** How long a closing socket may take to flush our Disconnect before it is destroyed. */
const CLOSE_GRACE_MS = 500;
/** Ids 0x00..0x0f belong to the p2p protocol itself. */
const P2P_PROTOCOL_LENGTH = 0x10;
/**
 * What devp2p is handed instead of a capability message it would misroute: id 0x04, an unused
 * p2p id its dispatcher ignores, with an empty RLP list (snappy-compressed after a v5 Hello).
 */
const NOOP_BODY = Uint8Array.of(0x04, 0xc0);
const EMPTY_LIST = Uint8Array.of(0xc0);
const EMPTY_LIST_SNAPPY = snappyCompress(EMPTY_LIST);
const NOOP_BODY_SNAPPY = Uint8Array.of(0x04, ...EMPTY_LIST_SNAPPY);

type PeerInternals = Devp2pPeer;

/** One TCP connection, from accept/dial to close. */
interface Conn {
  readonly socket: net.Socket;
  readonly inbound: boolean;
  peer: PeerInternals;
  id: string | undefined;
  info: PeerInfo | undefined;
  links: RlpxLink[];
  handshakeTimer: NodeJS.Timeout | undefined;
  pingTimer: NodeJS.Timeout | undefined;
  pongTimer: NodeJS.Timeout | undefined;
  closing: boolean;
  /** The reason we (or the peer) gave, once known. */
  reason: number | undefined;
  /** Why we dropped it, for the log and the pending dial. */
  why: string | undefined;
  readonly done: Promise<void>;
  /** Our frame writer (`frame-mac.ts`), installed with the connection's devp2p Peer. */
  send: FrameSender;
  onAdded?: (info: PeerInfo) => void;
  onFailed?: (err: Error) => void;
}

/** A capability as one connection sees it; devp2p instantiates it with `(version, peer, send)`. */
interface CapabilityProtocol {
  readonly link: RlpxLink;
  _handleMessage(code: number, payload: Uint8Array): void;
}
type ProtocolCtor = new (version: number, peer: unknown, send: (code: number, data: Uint8Array) => void) => CapabilityProtocol;

/** An error thrown by the layer above while handling a message: the peer gets SUBPROTOCOL_ERROR. */
class SubprotocolFailure extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

class RlpxLink extends QueuedLink {
  constructor(
    peerId: string,
    capability: Capability,
    remoteAddress: string | undefined,
    /** Frames `code` (relative to the capability) with the payload, snappy-compressing it on request. */
    private readonly sendFrame: (code: number, payload: Uint8Array, compress: boolean) => void,
    private readonly compress: () => boolean,
    closePeer: (reason: DisconnectReason) => void,
    onHandlerError: (e: Error) => void,
  ) {
    super(peerId, capability, remoteAddress, closePeer, onHandlerError);
  }

  protected transmit(code: number, payload: Uint8Array): void {
    // EIP-706: once both Hellos say version >= 5, every message after Hello is snappy-compressed;
    // devp2p decompresses inbound but leaves outbound compression to the subprotocol.
    this.sendFrame(code, payload, this.compress());
  }
}

interface Registration {
  capability: Capability;
  onPeer: (link: PeerLink) => void;
}

function wrapSocketBuffer(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Reads the snappy preamble (varint uncompressed length); undefined when it is malformed. */
function snappyLength(data: Uint8Array, start: number): number | undefined {
  let result = 0;
  let shift = 0;
  for (let i = start; i < data.length && i < start + 5; i++) {
    result += (data[i] & 0x7f) * 2 ** shift;
    if ((data[i] & 0x80) === 0) return result;
    shift += 7;
  }
  return undefined;
}

/**
 * Checks a Hello's shape before devp2p reads it without checks:
 * `[version, clientId, [[name, version], ...], port, id(64), ...]` (extra elements allowed, EIP-8).
 */
function checkHello(rlp: Uint8Array): void {
  const h = RLP.decode(rlp) as unknown;
  const isBytes = (x: unknown, max: number) => x instanceof Uint8Array && x.length <= max;
  if (!Array.isArray(h) || h.length < 5) throw new Error('not a list of at least 5 items');
  if (!isBytes(h[0], 4) || !isBytes(h[1], 1024) || !isBytes(h[3], 4)) throw new Error('bad version, client id or port');
  if (!(h[4] instanceof Uint8Array) || h[4].length !== 64) throw new Error('node id must be 64 bytes');
  if (!Array.isArray(h[2])) throw new Error('capabilities must be a list');
  for (const c of h[2] as unknown[]) {
    if (!Array.isArray(c) || c.length < 2 || !isBytes(c[0], 32) || !isBytes(c[1], 4)) throw new Error('bad capability entry');
  }
}

/**
 * devp2p RLPx v5 over TCP: EIP-8 handshake, Hello (p2p version 5), snappy after Hello (EIP-706),
 * several capabilities per connection with message ids from 0x10 in name order. The handshake
 * and p2p messages are `@ethereumjs/devp2p`'s `Peer`, with our frame codec and writer under it
 * (`frame-mac.ts`, `snappy.ts`); this class owns the sockets, so it can time out handshakes,
 * bound frame sizes, cap peers and keep a bad peer from ever reaching the process.
 */
export class RlpxOverlay extends EventEmitter implements Overlay {
  readonly nodeId: string;
  private readonly privateKey: Uint8Array;
  private readonly idBytes: Uint8Array;
  private readonly opts: Required<Omit<RlpxOverlayOptions, 'privateKey' | 'announceHost'>> & { announceHost: string | undefined };
  private readonly registrations: Registration[] = [];
  private readonly conns = new Set<Conn>();
  private readonly peerMap = new Map<string, Conn>();
  private readonly dials = new Map<string, Promise<PeerInfo>>();
  private server: net.Server | undefined;
  private listenPort: number | undefined;
  private running = false;

  constructor(opts: RlpxOverlayOptions = {}) {
    super();
    const key = opts.privateKey ?? generatePrivateKey();
    if (!isValidPrivateKey(key)) throw new OverlayError(OVERLAY_ERROR.DIAL_FAILED, 'invalid node key');
    this.privateKey = key;
    this.idBytes = getPublicKey(key).subarray(1);
    this.nodeId = bytesToHex(this.idBytes);
    this.opts = {
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 0,
      announceHost: opts.announceHost,
      clientId: opts.clientId ?? 'status-stack/v0.1.0/nodejs',
      maxPeers: opts.maxPeers ?? 25,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 10_000,
      pingIntervalMs: opts.pingIntervalMs ?? 15_000,
      pingTimeoutMs: opts.pingTimeoutMs ?? 10_000,
      maxFrameSize: Math.min(opts.maxFrameSize ?? MAX_FRAME_SIZE, MAX_FRAME_SIZE),
      maxMessageSize: opts.maxMessageSize ?? MAX_MESSAGE_SIZE,
    };
  }

  override on<E extends keyof OverlayEvents>(event: E, listener: OverlayEvents[E]): this {
    return super.on(event, listener);
  }
  override off<E extends keyof OverlayEvents>(event: E, listener: OverlayEvents[E]): this {
    return super.off(event, listener);
  }

  /** The TCP port we listen on (after `start`). */
  get port(): number {
    if (this.listenPort === undefined) throw new OverlayError(OVERLAY_ERROR.NOT_STARTED, 'overlay not listening');
    return this.listenPort;
  }

  get enode(): string {
    const host = this.opts.announceHost ?? (this.opts.host === '0.0.0.0' || this.opts.host === '::' ? '127.0.0.1' : this.opts.host);
    return formatEnode({ id: this.nodeId, host, port: this.port });
  }

  register(capability: Capability, onPeer: (link: PeerLink) => void): void {
    if (!/^[a-z0-9]{1,8}$/i.test(capability.name) || !Number.isInteger(capability.version) || capability.version < 0) {
      throw new OverlayError(OVERLAY_ERROR.INVALID_CODE, `bad capability ${capability.name}/${capability.version}`);
    }
    if (!Number.isInteger(capability.length) || capability.length < 1) {
      throw new OverlayError(OVERLAY_ERROR.INVALID_CODE, `bad capability length ${capability.length}`);
    }
    this.registrations.push({ capability, onPeer });
  }

  capabilities(): Capability[] {
    return this.registrations.map((r) => r.capability);
  }

  peers(): PeerInfo[] {
    return [...this.peerMap.values()].map((c) => c.info!);
  }

  async start(): Promise<void> {
    if (this.running) return;
    const server = net.createServer((socket) => this.onInbound(socket));
    server.on('error', (err) => this.emitError(err));
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) =>
        reject(new OverlayError(OVERLAY_ERROR.NOT_STARTED, `cannot listen on ${this.opts.host}:${this.opts.port}: ${err.message}`));
      server.once('error', onError);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    this.server = server;
    this.listenPort = (server.address() as net.AddressInfo).port;
    this.running = true;
    log('listening on %s', this.enode);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
    const all = [...this.conns];
    for (const c of all) this.drop(c, DISCONNECT_REASON.CLIENT_QUITTING, 'stopping');
    await Promise.all(all.map((c) => c.done));
    await closed;
    this.listenPort = undefined;
  }

  async connect(enodeUrl: string): Promise<PeerInfo> {
    const target = parseEnode(enodeUrl);
    if (!isValidPublicKey(hexToBytes(`04${target.id}`))) {
      throw new OverlayError(OVERLAY_ERROR.INVALID_ENODE, `node id is not a secp256k1 public key: ${target.id}`);
    }
    if (!this.running) throw new OverlayError(OVERLAY_ERROR.NOT_STARTED, 'overlay not started');
    if (target.id === this.nodeId) throw new OverlayError(OVERLAY_ERROR.DIAL_FAILED, 'cannot connect to self');
    const existing = this.peerMap.get(target.id);
    if (existing?.info) return existing.info;
    const pending = this.dials.get(target.id);
    if (pending) return pending;
    if (this.peerMap.size >= this.opts.maxPeers) {
      throw new OverlayError(OVERLAY_ERROR.DIAL_FAILED, `too many peers (${this.peerMap.size}) to dial ${enodeUrl}`);
    }
    const p = this.dial(target.id, target.host, target.port).finally(() => this.dials.delete(target.id));
    this.dials.set(target.id, p);
    return p;
  }

  disconnect(peerId: string, reason: DisconnectReason = DISCONNECT_REASON.DISCONNECT_REQUESTED): void {
    const c = this.peerMap.get(peerId);
    if (c) this.drop(c, reason, 'disconnect requested');
  }

  private async dial(id: string, host: string, port: number): Promise<PeerInfo> {
    const socket = new net.Socket();
    const fail = (msg: string) => new OverlayError(OVERLAY_ERROR.DIAL_FAILED, `dial enode://${id.slice(0, 16)}…@${host}:${port}: ${msg}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(fail('TCP connect timeout'));
      }, this.opts.handshakeTimeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        socket.destroy();
        reject(fail(err.message));
      });
      socket.connect(port, host, () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve();
      });
    });
    if (!this.running) {
      socket.destroy();
      throw fail('overlay stopped');
    }
    return new Promise<PeerInfo>((resolve, reject) => {
      try {
        const conn = this.attach(socket, hexToBytes(id), false);
        conn.onAdded = resolve;
        conn.onFailed = (err) => reject(fail(err.message));
      } catch (e) {
        socket.destroy();
        reject(fail((e as Error).message));
      }
    });
  }

  private onInbound(socket: net.Socket): void {
    if (!this.running) {
      socket.destroy();
      return;
    }
    // Pending handshakes count against the limit too, so a flood of silent sockets is bounded.
    if (this.conns.size >= this.opts.maxPeers * 2) {
      log('refusing %s:%d: too many connections', socket.remoteAddress, socket.remotePort);
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    socket.on('error', (err) => log('inbound socket error: %s', err.message));
    try {
      this.attach(socket, null, true);
    } catch (e) {
      log('cannot serve %s: %s', socket.remoteAddress, (e as Error).message);
      socket.destroy();
    }
  }

  private attach(socket: net.Socket, remoteId: Uint8Array | null, inbound: boolean): Conn {
    socket.setNoDelay(true);
    let resolveDone!: () => void;
    const conn: Conn = {
      socket,
      inbound,
      peer: undefined as unknown as PeerInternals,
      id: undefined,
      info: undefined,
      links: [],
      handshakeTimer: undefined,
      pingTimer: undefined,
      pongTimer: undefined,
      closing: false,
      reason: undefined,
      why: undefined,
      done: new Promise<void>((r) => (resolveDone = r)),
      send: Object.assign(() => undefined, { flush: () => {} }),
    };
    const peerOptions: Devp2pPeerOptions = {
      socket,
      remoteId,
      privateKey: this.privateKey,
      id: this.idBytes,
      timeout: this.opts.pingTimeoutMs,
      clientId: utf8ToBytes(this.opts.clientId),
      capabilities: this.devp2pCapabilities(conn),
      common: undefined,
      port: this.listenPort ?? 0,
    };
    const peer = new Peer(peerOptions);
    conn.peer = peer;
    installFrameCodec(peer._eciesSession);
    conn.send = installFrameWriter(peer);
    this.conns.add(conn);
    this.guard(conn);
    peer.events.on('error', (err: Error) => this.onPeerError(conn, err));
    peer.events.once('connect', () => this.onHandshake(conn));
    socket.once('close', () => {
      this.onClose(conn);
      resolveDone();
    });
    conn.handshakeTimer = setTimeout(() => {
      if (conn.info || conn.closing) return;
      const err = new OverlayError(OVERLAY_ERROR.HANDSHAKE_TIMEOUT, `no handshake from ${this.remote(conn)} within ${this.opts.handshakeTimeoutMs} ms`);
      this.report(conn, err);
      this.drop(conn, DISCONNECT_REASON.TIMEOUT, err.message);
    }, this.opts.handshakeTimeoutMs);
    return conn;
  }

  /** Bounds what devp2p will buffer and decompress, and routes its disconnects through `drop`. */
  private guard(conn: Conn): void {
    const peer = conn.peer;
    const session = peer._eciesSession;
    const parseHeader = session.parseHeader.bind(session);
    const parseBody = session.parseBody.bind(session);
    let override: number | undefined;
    session.parseHeader = (data) => {
      let size: number | undefined;
      try {
        size = parseHeader(data);
      } catch (e) {
        override = DISCONNECT_REASON.PROTOCOL_ERROR;
        throw e;
      }
      if (size !== undefined && size > this.opts.maxFrameSize) {
        override = DISCONNECT_REASON.PROTOCOL_ERROR;
        throw new OverlayError(OVERLAY_ERROR.FRAME_TOO_LARGE, `frame of ${size} bytes from ${this.remote(conn)} exceeds ${this.opts.maxFrameSize}`);
      }
      return size;
    };
    session.parseBody = (data) => {
      let body: Uint8Array | undefined;
      try {
        body = parseBody(data);
      } catch (e) {
        override = DISCONNECT_REASON.PROTOCOL_ERROR;
        throw e;
      }
      const hello = peer.getHelloMessage();
      if (body && hello === null && body[0] === 0x80) {
        try {
          checkHello(body.subarray(1));
        } catch (e) {
          override = DISCONNECT_REASON.PROTOCOL_ERROR;
          throw new OverlayError(OVERLAY_ERROR.HANDSHAKE_FAILED, `bad Hello from ${this.remote(conn)}: ${(e as Error).message}`);
        }
      }
      if (!body || hello === null) return body;
      try {
        return this.dispatch(conn, body, hello.protocolVersion >= 5);
      } catch (e) {
        override = e instanceof SubprotocolFailure ? DISCONNECT_REASON.SUBPROTOCOL_ERROR : DISCONNECT_REASON.PROTOCOL_ERROR;
        throw e instanceof SubprotocolFailure ? e.cause : e;
      }
    };
    peer.disconnect = (reason: number = DISCONNECT_REASON.DISCONNECT_REQUESTED) => {
      const r = override ?? reason;
      override = undefined;
      this.drop(conn, r, `devp2p: ${reasonText(r)}`);
    };
  }

  /**
   * Routes one decrypted frame body (`rlp(code) ‖ payload`). devp2p reads the message id as the
   * body's first byte, which breaks for ids >= 0x80 (e.g. `waku/1` after `shh/6`, at 0x90): so
   * capability messages are delivered here, and devp2p is handed a no-op p2p message in their
   * place. p2p messages (ids < 0x10) go back to devp2p unchanged.
   */
  private dispatch(conn: Conn, body: Uint8Array, compressed: boolean): Uint8Array {
    // devp2p keeps parsing frames already buffered after we dropped the peer: ignore them.
    if (conn.closing) return compressed ? NOOP_BODY_SNAPPY : NOOP_BODY;
    const peerDesc = this.remote(conn);
    if (body.length === 0) throw new OverlayError(OVERLAY_ERROR.MALFORMED_MESSAGE, `empty frame from ${peerDesc}`);
    const b0 = body[0];
    let code: number;
    let start: number;
    if (b0 < 0x80) {
      code = b0;
      start = 1;
    } else if (b0 === 0x80) {
      code = 0;
      start = 1;
    } else if (b0 <= 0x84 && body.length >= 1 + (b0 - 0x80) && body[1] !== 0) {
      start = 1 + (b0 - 0x80);
      code = 0;
      for (let i = 1; i < start; i++) code = code * 256 + body[i];
      if (code < 0x80) throw new OverlayError(OVERLAY_ERROR.MALFORMED_MESSAGE, `non-canonical message id 0x${bytesToHex(body.subarray(0, start))} from ${peerDesc}`);
    } else {
      throw new OverlayError(OVERLAY_ERROR.MALFORMED_MESSAGE, `bad message id prefix 0x${b0.toString(16)} from ${peerDesc}`);
    }
    let payload = body.subarray(start);
    if (compressed) {
      const len = snappyLength(payload, 0);
      if (len === undefined) throw new OverlayError(OVERLAY_ERROR.MALFORMED_MESSAGE, `bad snappy length in message 0x${code.toString(16)} from ${peerDesc}`);
      if (len > this.opts.maxMessageSize) {
        throw new OverlayError(OVERLAY_ERROR.MESSAGE_TOO_LARGE, `message of ${len} bytes from ${peerDesc} exceeds ${this.opts.maxMessageSize}`);
      }
    }
    if (code === P2P_MESSAGE.PONG) {
      clearTimeout(conn.pongTimer);
      conn.pongTimer = undefined;
    }
    if (code < P2P_PROTOCOL_LENGTH) return body;
    const desc = conn.peer._protocols.find((d) => code >= d.offset && code < d.offset + (d.length ?? 0));
    if (!desc) throw new OverlayError(OVERLAY_ERROR.INVALID_CODE, `unknown message id 0x${code.toString(16)} from ${peerDesc}`);
    if (compressed) {
      try {
        payload = snappyUncompress(payload, this.opts.maxMessageSize);
      } catch (e) {
        throw new OverlayError(OVERLAY_ERROR.MALFORMED_MESSAGE, `bad snappy data in message 0x${code.toString(16)} from ${peerDesc}: ${(e as Error).message}`);
      }
    }
    const link = (desc.protocol as CapabilityProtocol).link;
    try {
      link.receive(code - desc.offset, wrapSocketBuffer(payload));
    } catch (e) {
      throw new SubprotocolFailure(e instanceof Error ? e : new Error(String(e)));
    }
    return compressed ? NOOP_BODY_SNAPPY : NOOP_BODY;
  }

  private devp2pCapabilities(conn: Conn): Devp2pCapability[] {
    const closePeer = (reason: DisconnectReason) => this.drop(conn, reason, 'closed by link');
    const reportError = (e: Error) => this.report(conn, e);
    return this.registrations.map((reg) => {
      const cap = reg.capability;
      const Protocol: ProtocolCtor = class implements CapabilityProtocol {
        readonly link: RlpxLink;
        constructor(_version: number, peer: unknown) {
          const p = peer as PeerInternals;
          const id = bytesToHex(p.getId() ?? new Uint8Array(0));
          // devp2p assigns the message-id offsets once every capability is constructed.
          let offset: number | undefined;
          const sendFrame = (code: number, payload: Uint8Array, compress: boolean) => {
            offset ??= p._protocols.find((d) => d.protocol === this)?.offset;
            if (offset === undefined) throw new OverlayError(OVERLAY_ERROR.PEER_CLOSED, `${cap.name}/${cap.version} is not active on this connection`);
            conn.send(offset + code, payload, compress);
          };
          this.link = new RlpxLink(
            id,
            cap,
            conn.socket.remoteAddress,
            sendFrame,
            () => (p.getHelloMessage()?.protocolVersion ?? 0) >= 5,
            closePeer,
            (e) => reportError(e),
          );
          conn.links.push(this.link);
        }
        _handleMessage(): void {
          // Never reached: `dispatch` delivers capability messages before devp2p sees them.
        }
      };
      Object.defineProperty(Protocol, 'name', { value: `${cap.name}${cap.version}` });
      const devCap: Devp2pCapability = { name: cap.name, version: cap.version, length: cap.length, constructor: Protocol };
      return devCap;
    });
  }

  private onHandshake(conn: Conn): void {
    clearTimeout(conn.handshakeTimer);
    if (conn.closing) return;
    const id = bytesToHex(conn.peer.getId() ?? new Uint8Array(0));
    conn.id = id;
    // devp2p takes an inbound peer's id from its Hello; the id that counts is the key it proved
    // in the handshake (go-ethereum: DiscUnexpectedIdentity when they differ).
    const proven = conn.peer._eciesSession._remotePublicKey;
    if (!proven || bytesToHex(proven.subarray(proven.length - 64)) !== id) {
      const err = new OverlayError(OVERLAY_ERROR.HANDSHAKE_FAILED, `Hello id ${id.slice(0, 16)}… from ${this.remote(conn)} is not the handshake key`);
      this.report(conn, err);
      return this.drop(conn, DISCONNECT_REASON.UNEXPECTED_IDENTITY, err.message);
    }
    if (id === this.nodeId) return this.drop(conn, DISCONNECT_REASON.SAME_IDENTITY, 'connected to self');
    if (this.peerMap.has(id)) return this.drop(conn, DISCONNECT_REASON.ALREADY_CONNECTED, 'already connected');
    if (this.peerMap.size >= this.opts.maxPeers) return this.drop(conn, DISCONNECT_REASON.TOO_MANY_PEERS, 'too many peers');
    const hello = conn.peer.getHelloMessage();
    const info: PeerInfo = {
      id,
      remoteAddress: conn.socket.remoteAddress,
      remotePort: conn.socket.remotePort,
      clientId: hello?.clientId ?? '',
      inbound: conn.inbound,
      capabilities: conn.links.map((l) => l.capability),
    };
    conn.info = info;
    this.peerMap.set(id, conn);
    // Our own keepalive replaces devp2p's fixed 15 s one, so its interval and timeout are options.
    if (conn.peer._pingIntervalId) clearInterval(conn.peer._pingIntervalId);
    conn.pingTimer = setInterval(() => this.ping(conn), this.opts.pingIntervalMs);
    conn.pingTimer.unref();
    log('peer added %s… %s (%s)', id.slice(0, 16), info.clientId, info.capabilities.map((c) => `${c.name}/${c.version}`).join(','));
    this.emit('peer:added', info);
    for (const link of conn.links) {
      for (const r of this.registrations) {
        if (r.capability.name !== link.capability.name || r.capability.version !== link.capability.version) continue;
        try {
          r.onPeer(link);
        } catch (e) {
          this.emitError(e as Error);
        }
      }
    }
    conn.onAdded?.(info);
  }

  private ping(conn: Conn): void {
    if (conn.closing) return;
    const compressed = (conn.peer.getHelloMessage()?.protocolVersion ?? 0) >= 5;
    conn.peer._sendMessage(P2P_MESSAGE.PING, compressed ? EMPTY_LIST_SNAPPY : EMPTY_LIST);
    conn.pongTimer ??= setTimeout(() => {
      const err = new OverlayError(OVERLAY_ERROR.PING_TIMEOUT, `no pong from ${this.remote(conn)} within ${this.opts.pingTimeoutMs} ms`);
      this.report(conn, err);
      this.drop(conn, DISCONNECT_REASON.TIMEOUT, err.message);
    }, this.opts.pingTimeoutMs);
  }

  private onPeerError(conn: Conn, err: Error): void {
    // devp2p has already asked to disconnect (through `guard`) when the error came from parsing.
    log('peer %s error: %s', this.remote(conn), err.message);
    const wrapped = err instanceof OverlayError ? err : new OverlayError(conn.info ? OVERLAY_ERROR.MALFORMED_MESSAGE : OVERLAY_ERROR.HANDSHAKE_FAILED, `${this.remote(conn)}: ${err.message}`);
    this.report(conn, wrapped);
    if (!conn.closing && !conn.info) this.drop(conn, DISCONNECT_REASON.PROTOCOL_ERROR, wrapped.message);
  }

  /**
   * Closes a connection: a Disconnect frame when the session is up (snappy-compressed `[reason]`
   * like go-ethereum once Hello said v5), then end, then destroy if the peer does not close.
   */
  private drop(conn: Conn, reason: number, why: string): void {
    if (conn.closing) return;
    conn.closing = true;
    conn.reason ??= reason;
    conn.why = why;
    clearTimeout(conn.handshakeTimer);
    clearInterval(conn.pingTimer);
    clearTimeout(conn.pongTimer);
    log('dropping %s: %s (%s)', this.remote(conn), reasonText(reason), why);
    const peer = conn.peer;
    const socket = conn.socket;
    if (peer._eciesSession._egressAes && !peer._closed && !socket.destroyed) {
      try {
        let data: Uint8Array = RLP.encode([reason]);
        if ((peer.getHelloMessage()?.protocolVersion ?? 0) >= 5) data = snappyCompress(data);
        peer._sendMessage(P2P_MESSAGE.DISCONNECT, data);
        // Frames leave a tick at a time; this tick's (the Disconnect last) must go before the end.
        conn.send.flush();
        peer._disconnectReason = reason;
        peer._disconnectWe = true;
      } catch (e) {
        log('could not send Disconnect to %s: %s', this.remote(conn), (e as Error).message);
      }
    }
    peer._closed = true;
    if (socket.destroyed) return;
    socket.end();
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private onClose(conn: Conn): void {
    clearTimeout(conn.handshakeTimer);
    clearInterval(conn.pingTimer);
    clearTimeout(conn.pongTimer);
    this.conns.delete(conn);
    const peer = conn.peer;
    // A Disconnect from the remote sets devp2p's reason; a bare TCP close is a network error.
    const reason = conn.reason ?? peer._disconnectReason ?? DISCONNECT_REASON.NETWORK_ERROR;
    if (conn.info && conn.id !== undefined && this.peerMap.get(conn.id) === conn) {
      this.peerMap.delete(conn.id);
      for (const l of conn.links) l.markClosed(reason);
      log('peer removed %s…: %s%s', conn.id.slice(0, 16), reasonText(reason), conn.why ? ` (${conn.why})` : '');
      this.emit('peer:removed', conn.info, reason, reasonText(reason));
      return;
    }
    for (const l of conn.links) l.markClosed(reason);
    if (!conn.info) {
      const why = conn.why ?? `connection closed during handshake (${reasonText(reason)})`;
      log('handshake with %s failed: %s', this.remote(conn), why);
      conn.onFailed?.(new OverlayError(OVERLAY_ERROR.HANDSHAKE_FAILED, `${why}; reason ${reasonText(reason)}`));
    }
  }

  private remote(conn: Conn): string {
    const id = conn.id ? `${conn.id.slice(0, 12)}…@` : '';
    return `${id}${conn.socket.remoteAddress ?? '?'}:${conn.socket.remotePort ?? '?'}`;
  }

  private report(conn: Conn, err: Error): void {
    if (this.listenerCount('peer:error') > 0) this.emit('peer:error', err, conn.id);
  }

  private emitError(err: Error): void {
    log('error: %s', err.message);
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}
