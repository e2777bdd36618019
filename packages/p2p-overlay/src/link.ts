import { DISCONNECT_REASON, type Capability, type DisconnectReason, type PeerLink } from './types.js';
import { OverlayError, OVERLAY_ERROR } from './errors.js';

/**
 * What every overlay's `PeerLink` shares: code checks, queueing until a handler is set, the
 * rule that a handler which throws costs the peer (SUBPROTOCOL_ERROR), and the `closed` promise.
 * An overlay supplies how bytes leave (`transmit`) and how the whole peer is closed.
 */
export abstract class QueuedLink implements PeerLink {
  readonly closed: Promise<number>;
  isClosed = false;
  private handler: ((code: number, payload: Uint8Array) => void) | undefined;
  private readonly queue: Array<[number, Uint8Array]> = [];
  private resolveClosed!: (reason: number) => void;

  constructor(
    readonly peerId: string,
    readonly capability: Capability,
    readonly remoteAddress: string | undefined,
    protected readonly closePeer: (reason: DisconnectReason) => void,
    private readonly onHandlerError: (e: Error) => void,
  ) {
    this.closed = new Promise((r) => (this.resolveClosed = r));
  }

  /** Sends one checked message (capability-relative code, uncompressed payload). */
  protected abstract transmit(code: number, payload: Uint8Array): void;

  send(code: number, payload: Uint8Array): void {
    if (this.isClosed) throw new OverlayError(OVERLAY_ERROR.PEER_CLOSED, `link to ${this.peerId.slice(0, 16)} is closed`);
    if (!Number.isInteger(code) || code < 0 || code >= this.capability.length) {
      throw new OverlayError(
        OVERLAY_ERROR.INVALID_CODE,
        `code ${code} outside ${this.capability.name}/${this.capability.version} (length ${this.capability.length})`,
      );
    }
    this.transmit(code, payload);
  }

  /** Delivers an incoming message, or queues it until a handler is set. A throwing handler throws here. */
  receive(code: number, payload: Uint8Array): void {
    if (this.isClosed) return;
    if (code >= this.capability.length) {
      throw new OverlayError(OVERLAY_ERROR.INVALID_CODE, `peer sent code ${code} outside ${this.capability.name}/${this.capability.version}`);
    }
    if (this.handler) this.handler(code, payload);
    else this.queue.push([code, payload]);
  }

  /** `receive` for callers with no one above them to catch: a failure closes the peer. */
  protected receiveOrClose(code: number, payload: Uint8Array): void {
    try {
      this.receive(code, payload);
    } catch (e) {
      this.failed(e);
    }
  }

  onMessage(handler: (code: number, payload: Uint8Array) => void): void {
    this.handler = handler;
    while (this.queue.length > 0 && !this.isClosed) {
      const [c, p] = this.queue.shift()!;
      try {
        handler(c, p);
      } catch (e) {
        this.failed(e);
      }
    }
  }

  private failed(e: unknown): void {
    this.onHandlerError(e instanceof Error ? e : new Error(String(e)));
    this.closePeer(DISCONNECT_REASON.SUBPROTOCOL_ERROR);
  }

  /** In-process links buffer nothing; socket links override this. */
  get bufferedBytes(): number {
    return 0;
  }

  onDrain(cb: () => void): void {
    setImmediate(cb);
  }

  close(reason: DisconnectReason = DISCONNECT_REASON.DISCONNECT_REQUESTED): void {
    this.closePeer(reason);
  }

  markClosed(reason: number): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.queue.length = 0;
    this.resolveClosed(reason);
  }
}
