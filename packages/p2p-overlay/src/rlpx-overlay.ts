import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import debugFactory from 'debug';
import {
  bytesToHex,
  generatePrivateKey,
  getPublicKey,
  hexToBytes,
  isValidPrivateKey,
  isValidPublicKey,
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
import { RlpxSession, SessionFailure } from './rlpx-session.js';
import { MAX_FRAME_SIZE } from './rlpx-frame.js';
import type { Hello } from './hello.js';

const log = debugFactory('status:p2p-overlay:rlpx');

/** EIP-706: a message whose uncompressed size exceeds 16 MiB is a protocol error. */
const MAX_MESSAGE_SIZE = 16 * 1024 * 1024;
const EMPTY_CHUNK = new Uint8Array(0);
/** How long a closing socket may take to flush our Disconnect before it is destroyed. */
const CLOSE_GRACE_MS = 500;

/** One TCP connection, from accept/dial to close. */
interface Conn {
  readonly socket: net.Socket;
  readonly inbound: boolean;
  session: RlpxSession;
  id: string | undefined;
  info: PeerInfo | undefined;
  links: RlpxLink[];
  /** Each matched capability's link, by name. */
  linkByCap: Map<string, RlpxLink>;
  handshakeTimer: NodeJS.Timeout | undefined;
  authTimer: NodeJS.Timeout | undefined;
  pingTimer: NodeJS.Timeout | undefined;
  pongTimer: NodeJS.Timeout | undefined;
  closing: boolean;
  /** The reason we (or the peer) gave, once known. */
  reason: number | undefined;
  /** Why we dropped it, for the log and the pending dial. */
  why: string | undefined;
  readonly done: Promise<void>;
  onAdded?: (info: PeerInfo) => void;
  onFailed?: (err: Error) => void;
}

class RlpxLink extends QueuedLink {
  constructor(
    peerId: string,
    capability: Capability,
    remoteAddress: string | undefined,
    /** Frames `code` (relative to the capability) with the payload. */
    private readonly sendFrame: (code: number, payload: Uint8Array) => void,
    private readonly conn: Conn,
    closePeer: (reason: DisconnectReason) => void,
    onHandlerError: (e: Error) => void,
  ) {
    super(peerId, capability, remoteAddress, closePeer, onHandlerError);
  }

  override get bufferedBytes(): number {
    return this.conn.socket.writableLength + this.conn.session.pendingBytes;
  }

  override onDrain(cb: () => void): void {
    const socket = this.conn.socket;
    // Frames of this tick go to the socket now, so that the wait below covers them.
    this.conn.session.flush();
    if (this.isClosed || socket.destroyed || socket.writableLength === 0) {
      setImmediate(cb);
      return;
    }
    let done = false;
    const fire = () => {
      if (done) return;
      done = true;
      socket.off('close', fire);
      socket.off('drain', fire);
      cb();
    };
    socket.once('close', fire);
    // 'drain' comes only after a write that returned false; below the socket's high-water mark the
    // callback of an empty write tells when what was queued before it has reached the kernel.
    if (socket.writableNeedDrain) socket.once('drain', fire);
    else socket.write(EMPTY_CHUNK, fire);
  }

  protected transmit(code: number, payload: Uint8Array): void {
    this.sendFrame(code, payload);
  }
}

interface Registration {
  capability: Capability;
  onPeer: (link: PeerLink) => void;
}

function wrapSocketBuffer(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * devp2p RLPx v5 over TCP: EIP-8 handshake, Hello (p2p version 5), snappy after Hello (EIP-706),
 * several capabilities per connection with message ids from 0x10 in name order. Each connection
 * is an `RlpxSession` (`rlpx-session.ts`: handshake, Hello, frames, ping, disconnect); this class
 * owns the sockets, links and timers, so it can admit handshakes per IP, time them out, bound
 * frame sizes, cap peers and keep a bad peer from ever reaching the process.
 */
export class RlpxOverlay extends EventEmitter implements Overlay {
  readonly nodeId: string;
  private readonly privateKey: Uint8Array;
  private readonly idBytes: Uint8Array;
  private readonly opts: Required<Omit<RlpxOverlayOptions, 'privateKey' | 'announceHost' | 'tap' | 'localAddress'>> & {
    announceHost: string | undefined;
    localAddress: string | undefined;
    tap: RlpxOverlayOptions['tap'];
  };
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
      localAddress: opts.localAddress,
      clientId: opts.clientId ?? 'status-stack/v0.1.0/nodejs',
      maxPeers: opts.maxPeers ?? 25,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 10_000,
      authTimeoutMs: Math.min(opts.authTimeoutMs ?? 3_000, opts.handshakeTimeoutMs ?? 10_000),
      maxPendingHandshakes: opts.maxPendingHandshakes ?? 2 * (opts.maxPeers ?? 25),
      maxPendingPerIp: opts.maxPendingPerIp ?? 8,
      pingIntervalMs: opts.pingIntervalMs ?? 15_000,
      pingTimeoutMs: opts.pingTimeoutMs ?? 10_000,
      maxFrameSize: Math.min(opts.maxFrameSize ?? MAX_FRAME_SIZE, MAX_FRAME_SIZE),
      maxMessageSize: opts.maxMessageSize ?? MAX_MESSAGE_SIZE,
      tap: opts.tap,
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
      socket.connect({ port, host, localAddress: this.opts.localAddress }, () => {
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
    // Handshakes in progress are capped in total and per IP, so that one address holding sockets
    // open cannot keep others out; each is also cut at the auth deadline if it sent nothing valid.
    let pending = 0;
    let fromIp = 0;
    for (const c of this.conns) {
      if (!c.inbound || c.info || c.closing) continue;
      pending++;
      if (c.socket.remoteAddress === socket.remoteAddress) fromIp++;
    }
    if (pending >= this.opts.maxPendingHandshakes || fromIp >= this.opts.maxPendingPerIp) {
      const why = fromIp >= this.opts.maxPendingPerIp ? `${fromIp} handshakes pending from this address` : `${pending} handshakes pending`;
      log('refusing %s:%d: %s', socket.remoteAddress, socket.remotePort, why);
      if (this.listenerCount('peer:error') > 0) {
        this.emit('peer:error', new OverlayError(OVERLAY_ERROR.CONNECTION_REFUSED, `refused ${socket.remoteAddress}:${socket.remotePort}: ${why}`), undefined);
      }
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
      session: undefined as unknown as RlpxSession,
      id: undefined,
      info: undefined,
      links: [],
      linkByCap: new Map(),
      handshakeTimer: undefined,
      authTimer: undefined,
      pingTimer: undefined,
      pongTimer: undefined,
      closing: false,
      reason: undefined,
      why: undefined,
      done: new Promise<void>((r) => (resolveDone = r)),
    };
    this.conns.add(conn);
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
    conn.authTimer = setTimeout(() => {
      if (conn.closing || conn.session.handshaken) return;
      const err = new OverlayError(OVERLAY_ERROR.HANDSHAKE_TIMEOUT, `no valid ${inbound ? 'auth' : 'ack'} from ${this.remote(conn)} within ${this.opts.authTimeoutMs} ms`);
      this.report(conn, err);
      this.drop(conn, DISCONNECT_REASON.TIMEOUT, err.message);
    }, this.opts.authTimeoutMs);
    conn.session = new RlpxSession(
      {
        privateKey: this.privateKey,
        nodeId: this.idBytes,
        remoteId,
        clientId: this.opts.clientId,
        listenPort: this.listenPort ?? 0,
        capabilities: this.registrations.map((r) => r.capability),
        maxFrameSize: this.opts.maxFrameSize,
        maxMessageSize: this.opts.maxMessageSize,
        tap: this.opts.tap,
      },
      {
        write: (chunk) => {
          if (!socket.destroyed) socket.write(chunk);
        },
        onReady: (hello) => this.onHandshake(conn, hello),
        onMessage: (cap, code, payload) => {
          const link = conn.linkByCap.get(cap.name);
          link?.receive(code, wrapSocketBuffer(payload));
        },
        onDisconnect: (reason) => {
          conn.reason ??= reason ?? DISCONNECT_REASON.DISCONNECT_REQUESTED;
          conn.why ??= `remote disconnected: ${reasonText(conn.reason)}`;
          this.close(conn);
        },
        onPong: () => {
          clearTimeout(conn.pongTimer);
          conn.pongTimer = undefined;
        },
      },
    );
    socket.on('data', (chunk: Buffer) => {
      if (conn.closing) return;
      try {
        conn.session.receive(wrapSocketBuffer(chunk));
        if (conn.authTimer && conn.session.handshaken) {
          clearTimeout(conn.authTimer);
          conn.authTimer = undefined;
        }
      } catch (e) {
        this.onSessionFailure(conn, e);
      }
    });
    return conn;
  }

  private onSessionFailure(conn: Conn, e: unknown): void {
    const reason = e instanceof SessionFailure ? e.reason : DISCONNECT_REASON.PROTOCOL_ERROR;
    const base = e instanceof OverlayError ? e : new OverlayError(OVERLAY_ERROR.MALFORMED_MESSAGE, String(e));
    const err = new OverlayError(base.code, `${this.remote(conn)}: ${base.message}`);
    log('peer %s error: %s', this.remote(conn), err.message);
    this.report(conn, err);
    this.drop(conn, reason, err.message);
  }

  private onHandshake(conn: Conn, hello: Hello): void {
    clearTimeout(conn.handshakeTimer);
    if (conn.closing) return;
    const id = hello.nodeId;
    conn.id = id;
    if (id === this.nodeId) return this.drop(conn, DISCONNECT_REASON.SAME_IDENTITY, 'connected to self');
    if (this.peerMap.has(id)) return this.drop(conn, DISCONNECT_REASON.ALREADY_CONNECTED, 'already connected');
    if (this.peerMap.size >= this.opts.maxPeers) return this.drop(conn, DISCONNECT_REASON.TOO_MANY_PEERS, 'too many peers');
    const closePeer = (reason: DisconnectReason) => this.drop(conn, reason, 'closed by link');
    const reportError = (e: Error) => this.report(conn, e);
    for (const { capability, offset } of conn.session.sharedCapabilities) {
      const link = new RlpxLink(
        id,
        capability,
        conn.socket.remoteAddress,
        (code, payload) => {
          if (conn.closing) throw new OverlayError(OVERLAY_ERROR.PEER_CLOSED, `${capability.name}/${capability.version} to ${id.slice(0, 16)} is closing`);
          conn.session.send(offset + code, payload);
        },
        conn,
        closePeer,
        reportError,
      );
      conn.links.push(link);
      conn.linkByCap.set(capability.name, link);
    }
    const info: PeerInfo = {
      id,
      remoteAddress: conn.socket.remoteAddress,
      remotePort: conn.socket.remotePort,
      clientId: hello.clientId,
      inbound: conn.inbound,
      capabilities: conn.links.map((l) => l.capability),
    };
    conn.info = info;
    this.peerMap.set(id, conn);
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
    conn.session.ping();
    conn.pongTimer ??= setTimeout(() => {
      const err = new OverlayError(OVERLAY_ERROR.PING_TIMEOUT, `no pong from ${this.remote(conn)} within ${this.opts.pingTimeoutMs} ms`);
      this.report(conn, err);
      this.drop(conn, DISCONNECT_REASON.TIMEOUT, err.message);
    }, this.opts.pingTimeoutMs);
  }

  /**
   * Closes a connection: a Disconnect frame when the session is up (snappy-compressed `[reason]`
   * like go-ethereum once Hello said v5), then end, then destroy if the peer does not close.
   */
  private drop(conn: Conn, reason: number, why: string): void {
    if (conn.closing) return;
    conn.reason ??= reason;
    conn.why ??= why;
    log('dropping %s: %s (%s)', this.remote(conn), reasonText(reason), why);
    if (!conn.socket.destroyed) {
      try {
        conn.session.disconnect(reason);
      } catch (e) {
        log('could not send Disconnect to %s: %s', this.remote(conn), (e as Error).message);
      }
    }
    this.close(conn);
  }

  /** Ends the socket (after what is queued) and destroys it if the peer does not close. */
  private close(conn: Conn): void {
    if (conn.closing) return;
    conn.closing = true;
    clearTimeout(conn.handshakeTimer);
    clearTimeout(conn.authTimer);
    clearInterval(conn.pingTimer);
    clearTimeout(conn.pongTimer);
    conn.session.flush();
    const socket = conn.socket;
    if (socket.destroyed) return;
    socket.end();
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private onClose(conn: Conn): void {
    clearTimeout(conn.handshakeTimer);
    clearTimeout(conn.authTimer);
    clearInterval(conn.pingTimer);
    clearTimeout(conn.pongTimer);
    conn.closing = true;
    this.conns.delete(conn);
    // A Disconnect from the remote sets the reason; a bare TCP close is a network error.
    const reason = conn.reason ?? DISCONNECT_REASON.NETWORK_ERROR;
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
