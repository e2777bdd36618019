// The mailserver client of a node (status-go v0.62.18 wire behaviour, NOTES.md "Mailserver packets"):
//   → 126 P2P request, chosen by the node's protocol:
//         Waku (waku/1, waku/0): RLP [id, from, to, limit, cursor, bloom, topics]
//         Whisper (shh/6):       RLP [id, from, to, limit, cursor, bloom], status-go's Whisper
//                                MessagesRequest: no topics (the bloom covers them); statusd drops a
//                                peer that sends the 7-field form on shh/6 (SubprotocolError)
//         or, on request (`envelopeForm`), the envelope form either protocol's server accepts
//   ← 127 P2P messages (a list of envelopes, or one), accepted only from trusted peers, even expired,
//         and delivered to the same filters as live traffic, marked `p2p`
//   ← 125 request complete: id ‖ last envelope hash ‖ cursor (empty cursor: done), or "ERROR=" ‖ id ‖ text
// `requestHistory` sends one request per page and follows the cursor until the server says done.
import createDebug from 'debug';
import { bytesToHex, randomBytes } from '@status-stack/crypto';
import { fullBloom, topicsToBloom, type Bloom } from '../bloom.js';
import { encodeEnvelope, envelopeHash, type Envelope } from '../envelope.js';
import { WHISPER, WHISPER_PACKET } from '../constants.js';
import { assertTopic, type Topic } from '../topic.js';
import type { EnvelopeNode } from '../node/envelope-node.js';
import type {
  EnvelopeRequestForm,
  Hash,
  HistoryClient,
  HistoryRequest,
  MailserverClientOptions,
  MailserverClientStats,
  MailserverHistoryRequest,
  MailserverHistoryResult,
  PeerHandle,
} from '../types.js';
import { ARCHIVE_LIMITS } from './archive.js';
import { symKeyFromPassword } from '../status-topics.js';
import { disconnectReasonText } from '../disconnect-reason.js';
import { wrapMessage } from '../wrap.js';
import { encodeMessagesRequest, encodeMessagesRequestPayload, encodeWhisperMessagesRequest } from './messages-request.js';
import { decodeP2PEnvelopes } from './p2p-messages.js';
import { decodeRequestComplete, type RequestCompleted } from './request-complete.js';
import { MailserverCodecError, MailserverError, MAILSERVER_ERROR } from './errors.js';

const log = createDebug('status:whisper:mailserver:client');

/** Whisper and Waku number the mailserver packets the same way. */
const CODE = {
  P2P_REQUEST_COMPLETE: WHISPER_PACKET.P2P_REQUEST_COMPLETE,
  P2P_REQUEST: WHISPER_PACKET.P2P_REQUEST,
  P2P_MESSAGE: WHISPER_PACKET.P2P_MESSAGE,
} as const;

interface PendingPage {
  id: string;
  peerId: string;
  limit: number;
  received: number;
  delivered: number;
  settle: (complete: RequestCompleted) => void;
  fail: (error: MailserverError) => void;
}

/**
 * Requests history from mailserver peers through a node (Whisper or Waku). One client per node: it
 * takes over the node's handling of codes 125 and 127.
 */
export class MailserverClient implements HistoryClient {
  readonly stats: MailserverClientStats = {
    requests: 0,
    pages: 0,
    envelopes: 0,
    untrusted: 0,
    unsolicited: 0,
    flooded: 0,
    invalidResponses: 0,
    failed: 0,
  };
  private readonly timeoutMs: number;
  private readonly maxPages: number;
  private readonly trustPeer: boolean;
  private readonly pages = new Map<string, PendingPage>();
  private readonly byPeer = new Map<string, PendingPage[]>();
  private readonly onPeerClosed = (peerId: string, reason?: number) =>
    this.failPeer(
      peerId,
      new MailserverError(
        MAILSERVER_ERROR.PEER_DISCONNECTED,
        `mailserver ${peerId.slice(0, 16)}… disconnected${reason === undefined ? '' : `: ${disconnectReasonText(reason)}`}`,
        { disconnectReason: reason },
      ),
    );
  private closed = false;
  private readonly passwordKeys = new Map<string, Uint8Array>();

  constructor(
    private readonly node: EnvelopeNode,
    options: MailserverClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxPages = options.maxPages ?? 10_000;
    this.trustPeer = options.trustPeer ?? true;
    node.setPacketHandler(CODE.P2P_MESSAGE, (peer, payload) => this.onP2PMessages(peer, payload));
    node.setPacketHandler(CODE.P2P_REQUEST_COMPLETE, (peer, payload) => this.onRequestComplete(peer, payload));
    node.on('peer:closed', this.onPeerClosed);
  }

  /** Fetches `[from, to]` on `topics` from a mailserver peer, page by page, until its cursor comes back empty. */
  async requestHistory(request: MailserverHistoryRequest | HistoryRequest): Promise<MailserverHistoryResult> {
    const r = request as MailserverHistoryRequest;
    const peerId = (r.peer ?? r.peerId ?? this.defaultPeer() ?? '').toLowerCase();
    if (!/^[0-9a-f]{128}$/.test(peerId)) {
      throw new MailserverError(MAILSERVER_ERROR.INVALID_ARGUMENT, `mailserver peer id must be 128 hex digits, got ${JSON.stringify(r.peer ?? r.peerId)}`);
    }
    for (const [name, v] of [['from', r.from], ['to', r.to]] as const) {
      if (!Number.isInteger(v) || v < 0 || v > ARCHIVE_LIMITS.MAX_UINT32) {
        throw new MailserverError(MAILSERVER_ERROR.INVALID_ARGUMENT, `${name} must be Unix seconds (uint32), got ${String(v)}`);
      }
    }
    if (r.from > r.to) throw new MailserverError(MAILSERVER_ERROR.INVALID_ARGUMENT, `from ${r.from} is after to ${r.to}`);
    const limit = r.limit ?? ARCHIVE_LIMITS.MAX_QUERY_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > ARCHIVE_LIMITS.MAX_QUERY_LIMIT) {
      throw new MailserverError(MAILSERVER_ERROR.INVALID_ARGUMENT, `limit must be 1..${ARCHIVE_LIMITS.MAX_QUERY_LIMIT}, got ${String(limit)}`);
    }
    if (!Array.isArray(r.topics) || r.topics.length > ARCHIVE_LIMITS.MAX_QUERY_TOPICS) {
      throw new MailserverError(MAILSERVER_ERROR.INVALID_ARGUMENT, `topics must be an array of at most ${ARCHIVE_LIMITS.MAX_QUERY_TOPICS}`);
    }
    try {
      for (const t of r.topics) assertTopic(t);
    } catch (e) {
      throw new MailserverError(MAILSERVER_ERROR.INVALID_ARGUMENT, (e as Error).message, { cause: e });
    }
    const bloom: Bloom = r.topics.length > 0 ? topicsToBloom(r.topics) : fullBloom();
    const maxPages = r.maxPages ?? this.maxPages;
    const timeoutMs = r.timeoutMs ?? this.timeoutMs;
    this.stats.requests++;
    let cursor = r.cursor ?? new Uint8Array(0);
    let first: Hash | undefined;
    let last: RequestCompleted | undefined;
    let envelopes = 0;
    let delivered = 0;
    let pages = 0;
    for (;;) {
      if (pages >= maxPages) {
        throw new MailserverError(MAILSERVER_ERROR.TOO_MANY_PAGES, `mailserver still returns a cursor after ${pages} pages`);
      }
      const page = await this.requestPage(peerId, { from: r.from, to: r.to, limit, cursor, bloom, topics: r.topics, envelopeForm: r.envelopeForm }, timeoutMs, r.signal);
      pages++;
      first ??= page.complete.requestId;
      last = page.complete;
      envelopes += page.received;
      delivered += page.delivered;
      r.onPage?.({ requestId: last.requestId, lastEnvelopeHash: last.lastEnvelopeHash, cursor: last.cursor, envelopes: page.received });
      if (last.cursor.length === 0) break;
      cursor = last.cursor;
    }
    return { requestId: first, lastEnvelopeHash: last.lastEnvelopeHash, cursor: last.cursor, envelopes, delivered, pages };
  }

  /** Stops handling mailserver packets and fails requests in flight with CLOSED. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.node.setPacketHandler(CODE.P2P_MESSAGE, undefined);
    this.node.setPacketHandler(CODE.P2P_REQUEST_COMPLETE, undefined);
    this.node.off('peer:closed', this.onPeerClosed);
    for (const peerId of [...this.byPeer.keys()]) this.failPeer(peerId, new MailserverError(MAILSERVER_ERROR.CLOSED, 'mailserver client closed'));
  }

  /** Without an explicit peer: the one trusted peer we are connected to, if there is exactly one. */
  private defaultPeer(): string | undefined {
    const trusted = this.node.peers().filter((p) => p.trusted);
    return trusted.length === 1 ? trusted[0].id : undefined;
  }

  /** Number of pages in flight. */
  get pending(): number {
    return this.pages.size;
  }

  private requestPage(
    peerId: string,
    q: { from: number; to: number; limit: number; cursor: Uint8Array; bloom: Bloom; topics: Topic[]; envelopeForm?: EnvelopeRequestForm },
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<{ complete: RequestCompleted; received: number; delivered: number }> {
    if (this.closed) return Promise.reject(new MailserverError(MAILSERVER_ERROR.CLOSED, 'mailserver client closed'));
    if (signal?.aborted) return Promise.reject(new MailserverError(MAILSERVER_ERROR.ABORTED, 'history request aborted', { cause: signal.reason }));
    const peer = this.node.peers().find((p) => p.id === peerId);
    if (!peer) return Promise.reject(new MailserverError(MAILSERVER_ERROR.NO_PEER, `mailserver ${peerId.slice(0, 16)}… is not a connected peer`));
    if (this.trustPeer) this.node.setTrusted(peerId);
    let id: Uint8Array;
    let payload: Uint8Array;
    try {
      ({ id, payload } = q.envelopeForm ? this.envelopeRequest(q, q.envelopeForm) : this.currentRequest(q));
    } catch (e) {
      return Promise.reject(new MailserverError(MAILSERVER_ERROR.INVALID_ARGUMENT, `cannot build the request: ${(e as Error).message}`, { cause: e }));
    }
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.forget(page);
      };
      const page: PendingPage = {
        id: bytesToHex(id),
        peerId,
        limit: q.limit,
        received: 0,
        delivered: 0,
        settle: (complete) => {
          cleanup();
          this.stats.pages++;
          resolve({ complete, received: page.received, delivered: page.delivered });
        },
        fail: (error) => {
          cleanup();
          this.stats.failed++;
          log('request 0x%s to %s failed: %s', page.id.slice(0, 12), peerId.slice(0, 12), error.message);
          reject(error);
        },
      };
      const onAbort = () => page.fail(new MailserverError(MAILSERVER_ERROR.ABORTED, 'history request aborted', { cause: signal?.reason }));
      const timer = setTimeout(
        () => page.fail(new MailserverError(MAILSERVER_ERROR.TIMEOUT, `no request complete from ${peerId.slice(0, 16)}… within ${timeoutMs} ms`)),
        timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pages.set(page.id, page);
      const queue = this.byPeer.get(peerId) ?? [];
      queue.push(page);
      this.byPeer.set(peerId, queue);
      try {
        peer.send(CODE.P2P_REQUEST, payload);
        log('requested page 0x%s from %s (limit %d, cursor %d bytes)', page.id.slice(0, 12), peerId.slice(0, 12), q.limit, q.cursor.length);
      } catch (e) {
        page.fail(new MailserverError(MAILSERVER_ERROR.NO_PEER, `cannot send to ${peerId.slice(0, 16)}…: ${(e as Error).message}`, { cause: e }));
      }
    });
  }

  /**
   * The P2P `MessagesRequest` of the node's protocol: on Whisper v6 the 6-field form (status-go's
   * Whisper struct has no topics, so only the bloom, which covers them, selects); on Waku the 7-field one.
   */
  private currentRequest(q: { from: number; to: number; limit: number; cursor: Uint8Array; bloom: Bloom; topics: Topic[] }) {
    const id = randomBytes(32);
    const base = { id, from: q.from, to: q.to, limit: q.limit, cursor: q.cursor, bloom: q.bloom };
    if (this.node.capability.name === WHISPER.PROTOCOL_NAME) return { id, payload: encodeWhisperMessagesRequest(base) };
    return { id, payload: encodeMessagesRequest({ ...base, topics: q.topics }) };
  }

  /** The older form, as status-go's `makeEnvelop`: zero topic, default TTL, our PoW requirement, signed by the node key; encrypted with the password's key or to the mailserver's public key. */
  private envelopeRequest(
    q: { from: number; to: number; limit: number; cursor: Uint8Array; bloom: Bloom; topics: Topic[] },
    form: EnvelopeRequestForm,
  ) {
    const message = encodeMessagesRequestPayload({ lower: q.from, upper: q.to, bloom: q.bloom, topics: q.topics, limit: q.limit, cursor: q.cursor, batch: true });
    const key = 'password' in form ? { symKey: this.passwordKey(form.password) } : { publicKey: form.mailserverPublicKey };
    const envelope = wrapMessage({ topic: new Uint8Array(4), payload: message, ...key, signingKey: form.nodeKey, powTarget: this.node.minPow });
    return { id: envelopeHash(envelope), payload: encodeEnvelope(envelope) };
  }

  private passwordKey(password: string): Uint8Array {
    let symKey = this.passwordKeys.get(password);
    if (!symKey) {
      symKey = symKeyFromPassword(password);
      this.passwordKeys.set(password, symKey);
    }
    return symKey;
  }

  private forget(page: PendingPage): void {
    this.pages.delete(page.id);
    const queue = this.byPeer.get(page.peerId);
    if (!queue) return;
    const i = queue.indexOf(page);
    if (i >= 0) queue.splice(i, 1);
    if (queue.length === 0) this.byPeer.delete(page.peerId);
  }

  private failPeer(peerId: string, error: MailserverError): void {
    for (const page of [...(this.byPeer.get(peerId) ?? [])]) page.fail(error);
  }

  private onP2PMessages(peer: PeerHandle, payload: Uint8Array): void {
    if (!peer.trusted) {
      this.stats.untrusted++;
      log('ignoring p2p messages from untrusted peer %s', peer.id.slice(0, 12));
      return;
    }
    const queue = this.byPeer.get(peer.id);
    if (!queue || queue.length === 0) {
      this.stats.unsolicited++;
      log('ignoring p2p messages from %s: no request in flight', peer.id.slice(0, 12));
      return;
    }
    let envelopes: Envelope[];
    try {
      envelopes = decodeP2PEnvelopes(payload);
    } catch (e) {
      this.stats.invalidResponses++;
      this.failPeer(peer.id, new MailserverError(MAILSERVER_ERROR.INVALID_RESPONSE, `malformed p2p messages from ${peer.id.slice(0, 16)}…: ${(e as Error).message}`, { cause: e }));
      return;
    }
    let room = 0;
    for (const p of queue) room += p.limit - p.received;
    if (envelopes.length > room) {
      // More than every request in flight asked for: a flooding (or broken) server. Nothing of it is delivered.
      this.stats.flooded++;
      this.failPeer(peer.id, new MailserverError(MAILSERVER_ERROR.FLOODED, `${peer.id.slice(0, 16)}… sent ${envelopes.length} envelopes, requests in flight allow ${room}`));
      return;
    }
    // Attributed to pages in request order: a server answers requests in the order they came.
    let rest = envelopes.length;
    for (const p of queue) {
      const take = Math.min(rest, p.limit - p.received);
      p.received += take;
      rest -= take;
      if (rest === 0) break;
    }
    this.stats.envelopes += envelopes.length;
    queue[0].delivered += this.node.deliverP2P(envelopes, peer.id);
  }

  private onRequestComplete(peer: PeerHandle, payload: Uint8Array): void {
    if (!peer.trusted) {
      log('ignoring request complete from untrusted peer %s', peer.id.slice(0, 12));
      return;
    }
    let complete;
    try {
      complete = decodeRequestComplete(payload);
    } catch (e) {
      this.stats.invalidResponses++;
      const id = e instanceof MailserverCodecError && e.requestId ? bytesToHex(e.requestId) : undefined;
      const page = id !== undefined ? this.pages.get(id) : undefined;
      const error = new MailserverError(MAILSERVER_ERROR.INVALID_RESPONSE, `malformed request complete from ${peer.id.slice(0, 16)}…: ${(e as Error).message}`, { cause: e });
      if (page && page.peerId === peer.id) page.fail(error);
      else log('%s', error.message);
      return;
    }
    const page = this.pages.get(bytesToHex(complete.requestId));
    if (!page || page.peerId !== peer.id) {
      log('request complete for unknown request 0x%s from %s', bytesToHex(complete.requestId).slice(0, 12), peer.id.slice(0, 12));
      return;
    }
    if (complete.kind === 'failed') {
      page.fail(new MailserverError(MAILSERVER_ERROR.REQUEST_FAILED, `mailserver ${peer.id.slice(0, 16)}… failed the request: ${complete.error}`));
      return;
    }
    page.settle(complete);
  }
}
