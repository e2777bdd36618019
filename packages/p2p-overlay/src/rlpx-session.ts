import { bytesToHex, type PrivateKey } from '@status-stack/crypto';
import { OverlayError, OVERLAY_ERROR } from './errors.js';
import {
  decodeDisconnect,
  decodeHello,
  EMPTY_LIST,
  encodeDisconnect,
  encodeHello,
  P2P_MESSAGE,
  P2P_PROTOCOL_LENGTH,
  type Hello,
} from './hello.js';
import { matchCapabilities, capabilityOffsets } from './capabilities.js';
import {
  ByteQueue,
  createFrameCiphers,
  createFrameWriter,
  FRAME_HEADER_SIZE,
  MAX_FRAME_SIZE,
  openFrameBody,
  openFrameHeader,
  readMessageId,
  roundUp16,
  type FrameWriter,
} from './rlpx-frame.js';
import {
  HandshakeInitiator,
  HandshakeRecipient,
  handshakeMessageSize,
  LEGACY_ACK_SIZE,
  LEGACY_AUTH_SIZE,
  type FrameSecrets,
  type HandshakeRandomness,
  type NodeId,
} from './rlpx-handshake.js';
import { snappyCompress, snappyUncompress } from './snappy.js';
import { DISCONNECT_REASON, type Capability } from './types.js';
import type { RlpxFrameCipher } from '@status-stack/crypto';

/*
 * One RLPx connection after TCP connect: handshake (auth/ack), Hello exchange, then frames.
 * Every call of `receive` either consumes bytes, waits for more, or throws: there is no state in
 * which buffered input is left unread, and nothing is parsed before its cipher exists. The size in
 * a frame header is checked before its body is buffered.
 */

/** A protocol failure of the remote: the overlay drops it with `reason`. */
export class SessionFailure extends OverlayError {
  constructor(
    err: OverlayError,
    readonly reason: number,
  ) {
    super(err.code, err.message);
  }
}

export interface SessionOptions {
  privateKey: PrivateKey;
  /** Our 64-byte node id. */
  nodeId: NodeId;
  /** The dialled node's id; null for an inbound connection. */
  remoteId: NodeId | null;
  clientId: string;
  listenPort: number;
  capabilities: readonly Capability[];
  maxFrameSize?: number;
  maxMessageSize?: number;
  /** Fixed handshake randomness, for known-answer tests only. */
  randomness?: HandshakeRandomness;
  /** Every message in and out, after decompression (the bytes as the peer's decoder sees them). */
  tap?: (direction: 'in' | 'out', code: number, payload: Uint8Array) => void;
}

export interface SessionHandlers {
  /** Raw bytes for the socket. */
  write(chunk: Uint8Array): void;
  /** Both Hellos exchanged; `shared` are the matched capabilities with their message-id offsets. */
  onReady(hello: Hello, shared: ReadonlyArray<{ capability: Capability; offset: number }>): void;
  /** A capability message (capability-relative code, decompressed payload). Throwing costs the peer SUBPROTOCOL_ERROR. */
  onMessage(capability: Capability, code: number, payload: Uint8Array): void;
  onDisconnect(reason: number | undefined): void;
  onPong(): void;
}

type State = 'auth' | 'ack' | 'hello' | 'ready' | 'closed';

function protocolError(code: (typeof OVERLAY_ERROR)[keyof typeof OVERLAY_ERROR], message: string, reason: number = DISCONNECT_REASON.PROTOCOL_ERROR): SessionFailure {
  return new SessionFailure(new OverlayError(code, message), reason);
}

export class RlpxSession {
  private state: State;
  /** The remote broke the protocol: input is ignored. */
  private failed = false;
  private readonly input = new ByteQueue();
  private readonly initiator: HandshakeInitiator | undefined;
  private readonly recipient: HandshakeRecipient | undefined;
  private ingress: RlpxFrameCipher | undefined;
  private writer: FrameWriter | undefined;
  /** Size of the frame whose header was read and whose body is awaited. */
  private bodySize: number | undefined;
  private readonly maxFrameSize: number;
  private readonly maxMessageSize: number;
  private shared: Array<{ capability: Capability; offset: number }> = [];
  /** The remote's Hello, once received. */
  remoteHello: Hello | undefined;
  /** The remote's static key as proven by the handshake (hex, 64 bytes). */
  provenId: string | undefined;
  /** Both Hellos say p2p version >= 5: messages after Hello are snappy-compressed (EIP-706). */
  compress = false;

  constructor(
    private readonly opts: SessionOptions,
    private readonly handlers: SessionHandlers,
  ) {
    this.maxFrameSize = Math.min(opts.maxFrameSize ?? MAX_FRAME_SIZE, MAX_FRAME_SIZE);
    this.maxMessageSize = opts.maxMessageSize ?? 16 * 1024 * 1024;
    if (opts.remoteId) {
      this.state = 'ack';
      this.initiator = new HandshakeInitiator(opts.privateKey, opts.remoteId, opts.randomness);
      handlers.write(this.initiator.auth);
    } else {
      this.state = 'auth';
      this.recipient = new HandshakeRecipient(opts.privateKey, opts.randomness);
    }
  }

  /** The capabilities both sides speak, with their message-id offsets (after Hello). */
  get sharedCapabilities(): ReadonlyArray<{ capability: Capability; offset: number }> {
    return this.shared;
  }

  get handshaken(): boolean {
    return this.writer !== undefined;
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  /**
   * Feeds bytes from the socket. Throws `SessionFailure` when the remote broke the protocol; from
   * then on input is ignored, and only `disconnect` remains to be called.
   */
  receive(chunk: Uint8Array): void {
    if (this.state === 'closed' || this.failed) return;
    this.input.push(chunk);
    try {
      while (this.step()) {
        // each step consumed input
      }
    } catch (e) {
      this.failed = true;
      this.input.clear();
      if (e instanceof SessionFailure) throw e;
      if (e instanceof OverlayError) throw new SessionFailure(e, DISCONNECT_REASON.PROTOCOL_ERROR);
      throw protocolError(OVERLAY_ERROR.MALFORMED_MESSAGE, (e as Error).message);
    }
  }

  /** One unit of progress; false when more input is needed (or the session ended). */
  private step(): boolean {
    const q = this.input;
    switch (this.state) {
      case 'auth':
      case 'ack': {
        if (q.length < 2) return false;
        const size = handshakeMessageSize(q.peek(2), this.state === 'auth' ? LEGACY_AUTH_SIZE : LEGACY_ACK_SIZE);
        if (size === undefined || q.length < size) return false;
        const msg = q.take(size);
        let secrets: FrameSecrets;
        if (this.recipient) {
          const r = this.recipient.readAuth(msg);
          this.handlers.write(r.ack);
          secrets = r.secrets;
        } else {
          secrets = this.initiator!.readAck(msg);
        }
        this.startFraming(secrets);
        return true;
      }
      case 'hello':
      case 'ready': {
        if (this.bodySize === undefined) {
          if (q.length < FRAME_HEADER_SIZE) return false;
          const size = openFrameHeader(this.ingress!, q.take(FRAME_HEADER_SIZE));
          if (size > this.maxFrameSize) {
            throw protocolError(OVERLAY_ERROR.FRAME_TOO_LARGE, `frame of ${size} bytes exceeds ${this.maxFrameSize}`);
          }
          this.bodySize = size;
          return true;
        }
        const need = roundUp16(this.bodySize) + 16;
        if (q.length < need) return false;
        const body = openFrameBody(this.ingress!, q.take(need), this.bodySize);
        this.bodySize = undefined;
        this.onFrame(body);
        return (this.state as State) !== 'closed' && !this.failed;
      }
      default:
        return false;
    }
  }

  private startFraming(secrets: FrameSecrets): void {
    this.provenId = bytesToHex(secrets.remoteId);
    if (this.opts.remoteId && this.provenId !== bytesToHex(this.opts.remoteId)) {
      throw protocolError(OVERLAY_ERROR.HANDSHAKE_FAILED, 'ack from an unexpected key', DISCONNECT_REASON.UNEXPECTED_IDENTITY);
    }
    const { egress, ingress } = createFrameCiphers(secrets);
    this.ingress = ingress;
    this.writer = createFrameWriter(egress, (chunk) => this.handlers.write(chunk));
    this.state = 'hello';
    const hello = encodeHello({
      clientId: this.opts.clientId,
      capabilities: this.opts.capabilities,
      listenPort: this.opts.listenPort,
      nodeId: this.opts.nodeId,
    });
    this.opts.tap?.('out', P2P_MESSAGE.HELLO, hello);
    // The Hello itself is never compressed.
    this.writer.send(P2P_MESSAGE.HELLO, hello, false);
  }

  private onFrame(body: Uint8Array): void {
    let code: number;
    let start: number;
    try {
      [code, start] = readMessageId(body);
    } catch (e) {
      throw new SessionFailure(e as OverlayError, DISCONNECT_REASON.PROTOCOL_ERROR);
    }
    const raw = body.subarray(start);
    if (this.state === 'hello') {
      if (code === P2P_MESSAGE.DISCONNECT) return this.remoteDisconnect(raw);
      if (code !== P2P_MESSAGE.HELLO) throw protocolError(OVERLAY_ERROR.HANDSHAKE_FAILED, `message 0x${code.toString(16)} before Hello`);
      return this.onHello(raw);
    }
    if (code === P2P_MESSAGE.HELLO) throw protocolError(OVERLAY_ERROR.MALFORMED_MESSAGE, 'second Hello');
    if (code === P2P_MESSAGE.DISCONNECT) return this.remoteDisconnect(raw);
    if (code < P2P_PROTOCOL_LENGTH) {
      if (code === P2P_MESSAGE.PING || code === P2P_MESSAGE.PONG) {
        this.opts.tap?.('in', code, this.decompress(raw, code));
        if (code === P2P_MESSAGE.PING) this.sendP2p(P2P_MESSAGE.PONG, EMPTY_LIST);
        else this.handlers.onPong();
      }
      // Other p2p ids are reserved: ignored, as go-ethereum does.
      return;
    }
    const cap = this.shared.find((s) => code >= s.offset && code < s.offset + s.capability.length);
    if (!cap) throw protocolError(OVERLAY_ERROR.INVALID_CODE, `unknown message id 0x${code.toString(16)}`);
    const payload = this.decompress(raw, code);
    this.opts.tap?.('in', code, payload);
    try {
      this.handlers.onMessage(cap.capability, code - cap.offset, payload);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const wrapped = err instanceof OverlayError ? err : new OverlayError(OVERLAY_ERROR.MALFORMED_MESSAGE, err.message);
      throw new SessionFailure(wrapped, DISCONNECT_REASON.SUBPROTOCOL_ERROR);
    }
  }

  private decompress(raw: Uint8Array, code: number): Uint8Array {
    if (!this.compress) {
      if (raw.length > this.maxMessageSize) throw protocolError(OVERLAY_ERROR.MESSAGE_TOO_LARGE, `message of ${raw.length} bytes exceeds ${this.maxMessageSize}`);
      return raw;
    }
    const len = snappyLength(raw);
    if (len === undefined) throw protocolError(OVERLAY_ERROR.MALFORMED_MESSAGE, `bad snappy length in message 0x${code.toString(16)}`);
    if (len > this.maxMessageSize) throw protocolError(OVERLAY_ERROR.MESSAGE_TOO_LARGE, `message of ${len} bytes exceeds ${this.maxMessageSize}`);
    try {
      return snappyUncompress(raw, this.maxMessageSize);
    } catch (e) {
      throw protocolError(OVERLAY_ERROR.MALFORMED_MESSAGE, `bad snappy data in message 0x${code.toString(16)}: ${(e as Error).message}`);
    }
  }

  private onHello(payload: Uint8Array): void {
    let hello: Hello;
    try {
      hello = decodeHello(payload);
    } catch (e) {
      throw new SessionFailure(e as OverlayError, DISCONNECT_REASON.PROTOCOL_ERROR);
    }
    this.opts.tap?.('in', P2P_MESSAGE.HELLO, payload);
    // The id that counts is the key proven in the handshake (go-ethereum: DiscUnexpectedIdentity).
    if (hello.nodeId !== this.provenId) {
      throw protocolError(OVERLAY_ERROR.HANDSHAKE_FAILED, `Hello id ${hello.nodeId.slice(0, 16)}… is not the handshake key`, DISCONNECT_REASON.UNEXPECTED_IDENTITY);
    }
    this.remoteHello = hello;
    this.compress = hello.protocolVersion >= 5;
    const theirs = hello.capabilities.map((c) => ({ ...c, length: 0 }));
    const matched = matchCapabilities(this.opts.capabilities, theirs);
    const offsets = capabilityOffsets(matched);
    this.shared = matched.map((capability, i) => ({ capability, offset: offsets[i] }));
    this.state = 'ready';
    if (matched.length === 0) {
      throw protocolError(OVERLAY_ERROR.HANDSHAKE_FAILED, `no shared capability (peer has ${hello.capabilities.map((c) => `${c.name}/${c.version}`).join(', ') || 'none'})`, DISCONNECT_REASON.USELESS_PEER);
    }
    this.handlers.onReady(hello, this.shared);
  }

  private remoteDisconnect(raw: Uint8Array): void {
    // After a v5 Hello the reason is snappy-compressed; some clients (devp2p) send it plain.
    let payload = raw;
    if (this.compress) {
      try {
        payload = snappyUncompress(raw, 64);
      } catch {
        payload = raw;
      }
    }
    let reason = decodeDisconnect(payload);
    if (reason === undefined && payload !== raw) {
      payload = raw;
      reason = decodeDisconnect(raw);
    }
    this.opts.tap?.('in', P2P_MESSAGE.DISCONNECT, payload);
    this.state = 'closed';
    this.input.clear();
    this.handlers.onDisconnect(reason);
  }

  /** Sends a capability message (absolute id, uncompressed payload). */
  send(code: number, payload: Uint8Array): void {
    if (this.state !== 'ready' || !this.writer) throw new OverlayError(OVERLAY_ERROR.PEER_CLOSED, 'session is not ready');
    this.opts.tap?.('out', code, payload);
    this.writer.send(code, payload, this.compress);
  }

  ping(): void {
    if (this.state === 'ready') this.sendP2p(P2P_MESSAGE.PING, EMPTY_LIST);
  }

  private sendP2p(code: number, payload: Uint8Array): void {
    this.opts.tap?.('out', code, payload);
    this.writer!.send(code, this.compress ? snappyCompress(payload) : payload, false);
  }

  /** Sends a Disconnect (when framing is up) and writes out what is queued; the session then ignores input. */
  disconnect(reason: number): void {
    if (this.state === 'closed') return;
    const wasFraming = this.writer !== undefined;
    this.state = 'closed';
    this.input.clear();
    if (!wasFraming) return;
    this.sendP2p(P2P_MESSAGE.DISCONNECT, encodeDisconnect(reason));
    this.writer!.flush();
  }

  /** Bytes of frames not yet handed to the socket. */
  get pendingBytes(): number {
    return this.writer?.pending ?? 0;
  }

  /** Writes out the frames queued in this tick now. */
  flush(): void {
    this.writer?.flush();
  }
}

/** Reads the snappy preamble (varint uncompressed length); undefined when it is malformed. */
function snappyLength(data: Uint8Array): number | undefined {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < data.length && i < 5; i++) {
    result += (data[i] & 0x7f) * 2 ** shift;
    if ((data[i] & 0x80) === 0) return result;
    shift += 7;
  }
  return undefined;
}
