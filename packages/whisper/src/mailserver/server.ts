// The mailserver side of a node (Whisper or Waku), as status-go v0.62.18 serves history
// (`mailserver/mailserver.go`; NOTES.md "Mailserver packets"):
//   - every envelope the node sees (posted, relayed, received) goes into an EnvelopeArchive;
//   - a direct peer's P2P request (126), in the current form (RLP MessagesRequest) or the older one
//     (an envelope encrypted with the mailserver password or to its asymmetric key, signed by the requesting peer, whose
//     payload is the older request; its id is the envelope hash), is answered with the matching
//     envelopes, newest first, in P2P messages packets (127), then request complete (125:
//     id ‖ last envelope hash ‖ cursor, the cursor empty when nothing more matches);
//   - an invalid request or a database failure is answered with "ERROR=" ‖ id ‖ reason, never with
//     an empty history;
//   - expired envelopes are pruned once they are older than the retention (30 days by default).
import { EventEmitter } from 'node:events';
import createDebug from 'debug';
import { equalBytes, hexToBytes } from '@status-stack/crypto';
import { WHISPER_PACKET } from '../constants.js';
import { decodeEnvelope, encodeEnvelope, envelopeHash, type Envelope } from '../envelope.js';
import { WhisperError } from '../errors.js';
import type { EnvelopeNode } from '../node/envelope-node.js';
import { rlpDecode } from '../rlp-util.js';
import { symKeyFromPassword } from '../status-topics.js';
import type { EnvelopeSource, Hash, MailServerEvents, MailServerOptions, MailServerStats, PeerHandle } from '../types.js';
import { openAsymmetric, openSymmetric } from '../wrap.js';
import { ARCHIVE_LIMITS, ArchiveError, archiveRecordFromEnvelope, type ArchiveRecord, type EnvelopeArchive } from './archive.js';
import {
  archiveQueryForRequest,
  decodeMessagesRequest,
  decodeMessagesRequestPayload,
  encodeP2PMessages,
  encodeRequestComplete,
  encodeRequestFailed,
  MailserverCodecError,
  type MessagesRequest,
  type MessagesRequestPayload,
} from './messages-request.js';

const log = createDebug('status:whisper:mailserver:server');

const CODE = {
  P2P_REQUEST_COMPLETE: WHISPER_PACKET.P2P_REQUEST_COMPLETE,
  P2P_REQUEST: WHISPER_PACKET.P2P_REQUEST,
  P2P_MESSAGE: WHISPER_PACKET.P2P_MESSAGE,
} as const;

/** Envelopes sent later than this past our clock are refused by every node, so never archived. */
const FUTURE_ALLOWANCE_SECONDS = 3600;

type ParsedRequest = { id: Uint8Array; form: 'current' | 'envelope'; request: MessagesRequest | MessagesRequestPayload };

/** Thrown inside request handling: answered with "ERROR=" when the request id is known. */
class Rejection extends Error {
  constructor(
    message: string,
    readonly requestId: Uint8Array | undefined,
  ) {
    super(message);
  }
}

/**
 * Makes a node a mailserver: `new MailServer(node, { archive })`. It archives through the node's
 * `envelope:added` event and answers code 126 through `setPacketHandler`; `close()` detaches it
 * (the archive stays open: its owner closes it).
 */
export class MailServer extends EventEmitter {
  readonly stats: MailServerStats = { archived: 0, archiveFailures: 0, requests: 0, served: 0, envelopesSent: 0, rejected: 0, failed: 0, pruned: 0 };
  readonly archive: EnvelopeArchive;
  private readonly symKey: Uint8Array | undefined;
  private readonly asymKey: Uint8Array | undefined;
  private readonly retentionSeconds: number;
  private readonly maxRangeSeconds: number;
  private readonly maxConcurrent: number;
  private readonly maxPacketBytes: number;
  private readonly now: () => number;
  private readonly inFlight = new Map<string, number>();
  private queue: ArchiveRecord[] = [];
  private writing: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  private pruneTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly onEnvelope = (envelope: Envelope, _hash: Hash, source: EnvelopeSource) => this.archiveEnvelope(envelope, source);

  constructor(
    private readonly node: EnvelopeNode,
    options: MailServerOptions,
  ) {
    super();
    this.archive = options.archive;
    this.symKey = options.password !== undefined ? symKeyFromPassword(options.password) : undefined;
    this.asymKey = options.asymKey;
    this.retentionSeconds = options.retentionSeconds ?? ARCHIVE_LIMITS.DEFAULT_RETENTION_SECONDS;
    this.maxRangeSeconds = options.maxRangeSeconds ?? this.retentionSeconds + 24 * 60 * 60;
    this.maxConcurrent = options.maxConcurrentRequestsPerPeer ?? 2;
    this.maxPacketBytes = options.maxPacketBytes ?? 512 * 1024;
    this.now = options.now ?? Date.now;
    node.on('envelope:added', this.onEnvelope);
    node.setPacketHandler(CODE.P2P_REQUEST, (peer, payload) => {
      // Never an unhandled rejection: whatever goes wrong with one request is logged, not thrown.
      this.handleRequest(peer, payload).catch((e: unknown) => log('request from %s failed: %s', peer.id.slice(0, 12), (e as Error).stack ?? String(e)));
    });
    const interval = options.pruneIntervalMs ?? 60 * 60 * 1000;
    if (interval > 0) {
      this.pruneTimer = setInterval(() => {
        this.prune().catch((e: unknown) => log('prune failed: %s', (e as Error).message));
      }, interval);
      this.pruneTimer.unref();
    }
  }

  override on<E extends keyof MailServerEvents>(event: E, listener: MailServerEvents[E]): this {
    return super.on(event, listener);
  }
  override once<E extends keyof MailServerEvents>(event: E, listener: MailServerEvents[E]): this {
    return super.once(event, listener);
  }
  override off<E extends keyof MailServerEvents>(event: E, listener: MailServerEvents[E]): this {
    return super.off(event, listener);
  }
  override emit<E extends keyof MailServerEvents>(event: E, ...args: Parameters<MailServerEvents[E]>): boolean {
    return super.emit(event, ...args);
  }

  /** Deletes envelopes that expired more than the retention ago; resolves with how many. */
  async prune(): Promise<number> {
    await this.flush();
    const n = await this.archive.prune(this.nowSeconds(), this.retentionSeconds);
    this.stats.pruned += n;
    if (n > 0) log('pruned %d envelopes', n);
    return n;
  }

  /** Resolves once every envelope seen so far is written (or its write has failed). */
  async flush(): Promise<void> {
    if (this.queue.length > 0) this.writeQueued();
    await this.writing;
  }

  /** Detaches from the node (stops archiving and serving) after pending writes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.node.off('envelope:added', this.onEnvelope);
    this.node.setPacketHandler(CODE.P2P_REQUEST, undefined);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.flush();
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  // ---- archiving ----

  private archiveEnvelope(envelope: Envelope, source: EnvelopeSource): void {
    if (this.closed) return;
    try {
      this.queue.push(archiveRecordFromEnvelope(encodeEnvelope(envelope), this.nowSeconds()));
    } catch (e) {
      this.stats.archiveFailures++;
      log('cannot archive envelope from %s: %s', source.kind, (e as Error).message);
      return;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // Batched: one transaction for everything that arrived in the same turn.
      setImmediate(() => this.writeQueued());
    }
  }

  private writeQueued(): void {
    this.flushScheduled = false;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.writing = this.writing.then(async () => {
      try {
        const n = await this.archive.putMany(batch);
        this.stats.archived += n;
      } catch (e) {
        this.stats.archiveFailures += batch.length;
        const err = e instanceof ArchiveError ? e : new ArchiveError('DATABASE', String(e), { cause: e });
        log('archiving %d envelopes failed: %s', batch.length, err.message);
        this.emit('archive:error', err);
      }
    });
  }

  // ---- serving ----

  private async handleRequest(peer: PeerHandle, payload: Uint8Array): Promise<void> {
    if (this.closed) return;
    this.stats.requests++;
    const busy = this.inFlight.get(peer.id) ?? 0;
    let parsed: ParsedRequest;
    try {
      parsed = this.parseRequest(peer, payload);
      if (busy >= this.maxConcurrent) throw new Rejection(`too many requests in flight (${busy})`, parsed.id);
    } catch (e) {
      this.reject(peer, e);
      return;
    }
    this.inFlight.set(peer.id, busy + 1);
    try {
      await this.serve(peer, parsed);
    } finally {
      const n = (this.inFlight.get(peer.id) ?? 1) - 1;
      if (n <= 0) this.inFlight.delete(peer.id);
      else this.inFlight.set(peer.id, n);
    }
  }

  /** Either form of 126: a 5-item list is an envelope (older form), anything else a MessagesRequest. */
  private parseRequest(peer: PeerHandle, payload: Uint8Array): ParsedRequest {
    let item;
    try {
      item = rlpDecode(payload, 'p2p request');
    } catch (e) {
      throw new Rejection((e as Error).message, undefined);
    }
    if (Array.isArray(item) && item.length === 5) return this.parseEnvelopeRequest(peer, payload);
    try {
      const request = decodeMessagesRequest(payload);
      return { id: request.id, form: 'current', request };
    } catch (e) {
      throw new Rejection((e as Error).message, e instanceof MailserverCodecError ? e.requestId : undefined);
    }
  }

  private parseEnvelopeRequest(peer: PeerHandle, payload: Uint8Array): ParsedRequest {
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(payload);
    } catch (e) {
      throw new Rejection(`malformed request envelope: ${(e as Error).message}`, undefined);
    }
    const id = envelopeHash(envelope);
    if (!this.symKey && !this.asymKey) throw new Rejection('this mailserver has no password or key: envelope requests are not accepted', id);
    // status-go `openEnvelope`: the asymmetric key first, then the password's key.
    let opened;
    for (const open of [this.asymKey && (() => openAsymmetric(envelope, this.asymKey!)), this.symKey && (() => openSymmetric(envelope, this.symKey!))]) {
      if (!open) continue;
      try {
        opened = open();
        break;
      } catch (e) {
        if (!(e instanceof WhisperError)) throw e;
      }
    }
    if (!opened) throw new Rejection('failed to decrypt p2p request', id);
    // status-go `checkMsgSignature`: the request must be signed by the peer that sent it.
    if (!opened.signer || !equalBytes(opened.signer.subarray(1), hexToBytes(peer.id))) {
      throw new Rejection('check message signature failed: the request is not signed by the requesting peer', id);
    }
    try {
      return { id, form: 'envelope', request: decodeMessagesRequestPayload(opened.payload) };
    } catch (e) {
      throw new Rejection(`failed to decode data: ${(e as Error).message}`, id);
    }
  }

  private reject(peer: PeerHandle, e: unknown): void {
    const requestId = e instanceof Rejection ? e.requestId : undefined;
    const reason = (e as Error).message;
    this.stats.rejected++;
    log('rejected request from %s: %s', peer.id.slice(0, 12), reason);
    this.emit('request:rejected', peer.id, requestId, reason);
    if (requestId) this.sendQuietly(peer, CODE.P2P_REQUEST_COMPLETE, () => encodeRequestFailed(requestId, reason));
  }

  private async serve(peer: PeerHandle, { id, request }: ParsedRequest): Promise<void> {
    const now = this.nowSeconds();
    const query = archiveQueryForRequest(request, now);
    // Bounded, not refused: nothing is archived from beyond the clock allowance, and what lies
    // before the window has been pruned anyway.
    query.to = Math.min(query.to, now + FUTURE_ALLOWANCE_SECONDS);
    query.from = Math.min(Math.max(query.from, query.to - this.maxRangeSeconds), query.to);
    let page;
    try {
      await this.flush();
      page = await this.archive.query(query);
    } catch (e) {
      const err = e instanceof ArchiveError ? e : new ArchiveError('DATABASE', String(e), { cause: e });
      this.stats.failed++;
      log('query for %s failed: %s', peer.id.slice(0, 12), err.message);
      this.emit('request:failed', peer.id, id, err);
      this.sendQuietly(peer, CODE.P2P_REQUEST_COMPLETE, () => encodeRequestFailed(id, `archive query failed: ${err.message}`));
      return;
    }
    let bundle: Uint8Array[] = [];
    let bytes = 0;
    for (const env of page.envelopes) {
      if (bundle.length > 0 && bytes + env.length > this.maxPacketBytes) {
        this.sendQuietly(peer, CODE.P2P_MESSAGE, () => encodeP2PMessages(bundle));
        bundle = [];
        bytes = 0;
      }
      bundle.push(env);
      bytes += env.length;
    }
    if (bundle.length > 0) this.sendQuietly(peer, CODE.P2P_MESSAGE, () => encodeP2PMessages(bundle));
    this.sendQuietly(peer, CODE.P2P_REQUEST_COMPLETE, () =>
      encodeRequestComplete({ requestId: id, lastEnvelopeHash: page.lastEnvelopeHash, cursor: page.cursor }),
    );
    this.stats.served++;
    this.stats.envelopesSent += page.envelopes.length;
    log('served %d envelopes to %s (more: %s)', page.envelopes.length, peer.id.slice(0, 12), page.cursor.length > 0);
    this.emit('request:served', peer.id, id, page.envelopes.length, page.cursor);
  }

  private sendQuietly(peer: PeerHandle, code: number, make: () => Uint8Array): void {
    try {
      peer.send(code, make());
    } catch (e) {
      log('send %d to %s failed: %s', code, peer.id.slice(0, 12), (e as Error).message);
    }
  }
}

