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
// A bad peer cannot make it hold much: requests are capped per peer and in total (waiting ones
// count), a response is read from the archive a packet's worth at a time and only while the peer's
// send buffer is under a bound (it pauses until the buffer drains, holding nothing but its cursor),
// one response carries at most `maxResponseBytes` (the rest goes by cursor), and a peer's requests
// are dropped when it leaves.
import { EventEmitter } from 'node:events';
import createDebug from 'debug';
import { equalBytes, hexToBytes, keccak256 } from '@status-stack/crypto';
import { WHISPER_PACKET } from '../constants.js';
import { encodeEnvelope, envelopeHash, type Envelope } from '../envelope.js';
import { WhisperError, WHISPER_ERROR } from '../errors.js';
import type { EnvelopeNode } from '../node/envelope-node.js';
import { symKeyFromPassword } from '../status-topics.js';
import { DrainWaiter } from '../node/backpressure.js';
import type {
  EnvelopeSource,
  Hash,
  MailServerEvents,
  MailServerLoad,
  MailServerOptions,
  MailServerRequestOutcome,
  MailServerRequestReport,
  MailServerStats,
  PeerHandle,
} from '../types.js';
import { openAsymmetric, openSymmetric } from '../wrap.js';
import {
  _readEnvelopeFields,
  ARCHIVE_LIMITS,
  ArchiveError,
  archiveRecordFromEnvelope,
  encodeMailserverCursor,
  type ArchivePage,
  type ArchiveQuery,
  type ArchiveRecord,
  type EnvelopeArchive,
} from './archive.js';
import { MailserverCodecError } from './errors.js';
import { archiveQueryForRequest, decodeMessagesRequestPayload, decodeP2PRequest, type MessagesRequest, type MessagesRequestPayload, type P2PRequest } from './messages-request.js';
import { encodeP2PMessages } from './p2p-messages.js';
import { encodeRequestComplete, encodeRequestFailed } from './request-complete.js';

const log = createDebug('status:whisper:mailserver:server');

const CODE = {
  P2P_REQUEST_COMPLETE: WHISPER_PACKET.P2P_REQUEST_COMPLETE,
  P2P_REQUEST: WHISPER_PACKET.P2P_REQUEST,
  P2P_MESSAGE: WHISPER_PACKET.P2P_MESSAGE,
} as const;

/** Envelopes sent later than this past our clock are refused by every node, so never archived. */
const FUTURE_ALLOWANCE_SECONDS = 3600;

type ParsedRequest = { id: Uint8Array; form: 'current' | 'envelope'; request: MessagesRequest | MessagesRequestPayload };

const ZERO_HASH = new Uint8Array(32);

/** One accepted request, from acceptance to its request complete. */
interface Job {
  readonly peer: PeerHandle;
  readonly id: Uint8Array;
  /** The query of the next chunk: its cursor moves on after each. */
  readonly query: ArchiveQuery;
  state: 'queued' | 'active' | 'paused' | 'done';
  /** Envelopes still wanted (the request's limit, counted down). */
  remaining: number;
  sentEnvelopes: number;
  sentBytes: number;
  /** P2P messages packets (127) sent for it. */
  sentPackets: number;
  /** Archive queries run for it. */
  reads: number;
  /** `performance.now()` when it arrived. */
  readonly startedAt: number;
  lastEnvelopeHash: Uint8Array;
  /** Archive writes pending when it arrived were flushed (before its first read). */
  flushed: boolean;
  /** Stops a pause: its drain wait and stall timer. */
  unpause: (() => void) | undefined;
}

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
  readonly stats: MailServerStats = {
    archived: 0,
    archiveFailures: 0,
    requests: 0,
    served: 0,
    envelopesSent: 0,
    rejected: 0,
    failed: 0,
    pruned: 0,
    busy: 0,
    cancelled: 0,
    paused: 0,
  };
  readonly archive: EnvelopeArchive;
  private readonly symKey: Uint8Array | undefined;
  private readonly asymKey: Uint8Array | undefined;
  private readonly retentionSeconds: number;
  private readonly maxRangeSeconds: number;
  private readonly maxPerPeer: number;
  private readonly maxTotal: number;
  private readonly maxActive: number;
  private readonly maxBuffered: number;
  private readonly maxResponseBytes: number;
  private readonly stallTimeoutMs: number;
  private readonly maxPacketBytes: number;
  private readonly now: () => number;
  /** Accepted requests by peer id, whatever their state. */
  private readonly jobs = new Map<string, Set<Job>>();
  private jobCount = 0;
  /** Waiting for a turn, oldest first: each turn serves one chunk, then the request queues again (round robin). */
  private readonly ready: Job[] = [];
  private active = 0;
  private pausedCount = 0;
  private heldBytes = 0;
  /** One drain watcher per peer with paused responses. */
  private readonly waiters = new Map<PeerHandle, DrainWaiter>();
  private readonly onPeerClosed = (peerId: string) => this.cancelPeer(peerId);
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
    this.maxPerPeer = positive(options.maxConcurrentRequestsPerPeer, 2, 'maxConcurrentRequestsPerPeer');
    this.maxTotal = positive(options.maxConcurrentRequests, 64, 'maxConcurrentRequests');
    this.maxActive = positive(options.maxActiveRequests, 4, 'maxActiveRequests');
    this.maxBuffered = positive(options.maxBufferedBytesPerPeer, 1024 * 1024, 'maxBufferedBytesPerPeer');
    this.maxResponseBytes = positive(options.maxResponseBytes, 8 * 1024 * 1024, 'maxResponseBytes');
    this.stallTimeoutMs = positive(options.stallTimeoutMs, 60_000, 'stallTimeoutMs');
    this.maxPacketBytes = positive(options.maxPacketBytes, 512 * 1024, 'maxPacketBytes');
    this.now = options.now ?? Date.now;
    node.on('envelope:added', this.onEnvelope);
    node.on('peer:closed', this.onPeerClosed);
    node.setPacketHandler(CODE.P2P_REQUEST, (peer, payload) => {
      // Never an unhandled rejection: whatever goes wrong with one request is logged, not thrown.
      try {
        this.handleRequest(peer, payload);
      } catch (e) {
        log('request from %s failed: %s', peer.id.slice(0, 12), (e as Error).stack ?? String(e));
      }
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
    this.node.off('peer:closed', this.onPeerClosed);
    this.node.setPacketHandler(CODE.P2P_REQUEST, undefined);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    for (const set of [...this.jobs.values()]) for (const job of [...set]) this.cancel(job, 'mailserver closed');
    await this.flush();
  }

  /** What the server holds right now: requests by state, bytes read and not yet written, bytes its peers have queued. */
  load(): MailServerLoad {
    let bufferedBytes = 0;
    const peers = new Set<PeerHandle>();
    for (const set of this.jobs.values()) for (const job of set) peers.add(job.peer);
    for (const p of peers) bufferedBytes += p.bufferedBytes;
    return {
      requests: this.jobCount,
      queued: this.ready.length,
      active: this.active,
      paused: this.pausedCount,
      peers: this.jobs.size,
      heldBytes: this.heldBytes,
      bufferedBytes,
    };
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

  private handleRequest(peer: PeerHandle, payload: Uint8Array): void {
    if (this.closed) return;
    const startedAt = performance.now();
    this.stats.requests++;
    let parsed: ParsedRequest;
    try {
      parsed = this.parseRequest(peer, payload);
      const mine = this.jobs.get(peer.id)?.size ?? 0;
      if (mine >= this.maxPerPeer) {
        this.stats.busy++;
        throw new Rejection(`too many requests in flight (${mine})`, parsed.id);
      }
      if (this.jobCount >= this.maxTotal) {
        this.stats.busy++;
        throw new Rejection(`mailserver busy: ${this.jobCount} requests in flight, try again later`, parsed.id);
      }
    } catch (e) {
      this.reject(peer, e, startedAt);
      return;
    }
    const now = this.nowSeconds();
    const query = archiveQueryForRequest(parsed.request, now);
    // Bounded, not refused: nothing is archived from beyond the clock allowance, and what lies
    // before the window has been pruned anyway.
    query.to = Math.min(query.to, now + FUTURE_ALLOWANCE_SECONDS);
    query.from = Math.min(Math.max(query.from, query.to - this.maxRangeSeconds), query.to);
    const job: Job = {
      peer,
      id: parsed.id,
      query,
      state: 'queued',
      remaining: query.limit,
      sentEnvelopes: 0,
      sentBytes: 0,
      sentPackets: 0,
      reads: 0,
      startedAt,
      lastEnvelopeHash: ZERO_HASH,
      flushed: false,
      unpause: undefined,
    };
    let set = this.jobs.get(peer.id);
    if (!set) {
      set = new Set();
      this.jobs.set(peer.id, set);
    }
    set.add(job);
    this.jobCount++;
    this.ready.push(job);
    this.pump();
  }

  /** Starts turns while workers are free. */
  private pump(): void {
    while (!this.closed && this.active < this.maxActive && this.ready.length > 0) {
      const job = this.ready.shift()!;
      if (job.state !== 'queued') continue;
      job.state = 'active';
      this.active++;
      this.turn(job)
        .catch((e: unknown) => {
          // Our bug, not the peer's: the request is dropped, the server goes on.
          log('serving %s failed: %s', job.peer.id.slice(0, 12), (e as Error).stack ?? String(e));
          this.cancel(job, 'internal error');
        })
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
  }

  /**
   * One turn of a request: pauses while its peer's buffer is above the bound; else reads the next
   * chunk (at most a packet's worth of bytes) from the archive, sends it, and either completes the
   * request or queues it again.
   */
  private async turn(job: Job): Promise<void> {
    if (job.state !== 'active') return;
    if (job.peer.isClosed) {
      this.cancel(job, 'peer left');
      return;
    }
    if (job.peer.bufferedBytes > this.maxBuffered) {
      this.pause(job);
      return;
    }
    const budget = this.maxResponseBytes - job.sentBytes;
    const query: ArchiveQuery = {
      ...job.query,
      limit: Math.min(job.remaining, ARCHIVE_LIMITS.MAX_QUERY_LIMIT),
      maxBytes: Math.max(1, Math.min(this.maxPacketBytes, budget)),
    };
    let page: ArchivePage;
    try {
      if (!job.flushed) {
        job.flushed = true;
        await this.flush();
      }
      job.reads++;
      page = truncatePage(await this.archive.query(query), query.maxBytes!);
    } catch (e) {
      const err = e instanceof ArchiveError ? e : new ArchiveError('DATABASE', String(e), { cause: e });
      this.stats.failed++;
      log('query for %s failed: %s', job.peer.id.slice(0, 12), err.message);
      this.emit('request:failed', job.peer.id, job.id, err);
      if (job.state === 'active') this.sendQuietly(job.peer, CODE.P2P_REQUEST_COMPLETE, () => encodeRequestFailed(job.id, `archive query failed: ${err.message}`));
      const wasActive = job.state === 'active';
      this.finish(job);
      if (wasActive) this.finished(job, 'failed', `archive query failed: ${err.message}`);
      return;
    }
    // Cancelled while reading (the peer left, the server closed): nothing is sent.
    if (job.state !== 'active') return;
    // The next envelope does not fit in what is left of this response: it starts the next page.
    if (job.sentEnvelopes > 0 && page.envelopes.length > 0 && page.envelopes[0].length > budget) {
      this.complete(job, job.query.cursor ?? new Uint8Array(0));
      return;
    }
    let bytes = 0;
    for (const env of page.envelopes) bytes += env.length;
    this.heldBytes += bytes;
    try {
      let bundle: Uint8Array[] = [];
      let size = 0;
      for (const env of page.envelopes) {
        if (bundle.length > 0 && size + env.length > this.maxPacketBytes) {
          const b = bundle;
          this.sendQuietly(job.peer, CODE.P2P_MESSAGE, () => encodeP2PMessages(b));
          job.sentPackets++;
          bundle = [];
          size = 0;
        }
        bundle.push(env);
        size += env.length;
      }
      if (bundle.length > 0) {
        this.sendQuietly(job.peer, CODE.P2P_MESSAGE, () => encodeP2PMessages(bundle));
        job.sentPackets++;
      }
    } finally {
      this.heldBytes -= bytes;
    }
    const n = page.envelopes.length;
    job.remaining -= n;
    job.sentEnvelopes += n;
    job.sentBytes += bytes;
    this.stats.envelopesSent += n;
    if (n > 0) job.lastEnvelopeHash = page.lastEnvelopeHash;
    const more = page.cursor.length > 0;
    if (more) job.query.cursor = page.cursor;
    if (!more || job.remaining <= 0 || job.sentBytes >= this.maxResponseBytes) {
      this.complete(job, more ? page.cursor : new Uint8Array(0));
      return;
    }
    job.state = 'queued';
    this.ready.push(job);
  }

  private complete(job: Job, cursor: Uint8Array): void {
    this.sendQuietly(job.peer, CODE.P2P_REQUEST_COMPLETE, () =>
      encodeRequestComplete({ requestId: job.id, lastEnvelopeHash: job.lastEnvelopeHash, cursor }),
    );
    this.finish(job);
    this.stats.served++;
    log('served %d envelopes (%d bytes) to %s (more: %s)', job.sentEnvelopes, job.sentBytes, job.peer.id.slice(0, 12), cursor.length > 0);
    this.emit('request:served', job.peer.id, job.id, job.sentEnvelopes, cursor);
    this.finished(job, 'served', undefined, cursor.length > 0);
  }

  /** Emits `request:finished` for a request that was accepted. */
  private finished(job: Job, outcome: MailServerRequestOutcome, error?: string, more = false): void {
    const report: MailServerRequestReport = {
      peer: job.peer.id,
      requestId: job.id,
      outcome,
      ok: outcome === 'served',
      envelopes: job.sentEnvelopes,
      bytes: job.sentBytes,
      packets: job.sentPackets,
      reads: job.reads,
      more,
      durationMs: performance.now() - job.startedAt,
    };
    if (error !== undefined) report.error = error;
    this.emitFinished(report);
  }

  /** A listener's bug must not break serving. */
  private emitFinished(report: MailServerRequestReport): void {
    try {
      this.emit('request:finished', report);
    } catch (e) {
      log('request:finished listener threw: %s', (e as Error).message);
    }
  }

  /** Waits for the peer's buffer to drain below the bound, holding nothing but the job; cancelled after `stallTimeoutMs`. */
  private pause(job: Job): void {
    job.state = 'paused';
    this.pausedCount++;
    this.stats.paused++;
    let waiter = this.waiters.get(job.peer);
    if (!waiter) {
      waiter = new DrainWaiter(job.peer);
      this.waiters.set(job.peer, waiter);
    }
    const stall = setTimeout(() => {
      if (job.state !== 'paused') return;
      log('request from %s stalled: its buffer stayed above %d bytes for %d ms', job.peer.id.slice(0, 12), this.maxBuffered, this.stallTimeoutMs);
      this.cancel(job, 'stalled');
    }, this.stallTimeoutMs);
    stall.unref();
    const stopWaiting = waiter.wait(this.maxBuffered, () => {
      if (job.state !== 'paused') return;
      job.unpause?.();
      job.state = 'queued';
      this.ready.push(job);
      this.pump();
    });
    job.unpause = () => {
      job.unpause = undefined;
      clearTimeout(stall);
      stopWaiting();
      this.pausedCount--;
    };
  }

  /** Drops a request without answering it (its peer left or cannot take more). */
  private cancel(job: Job, why: string): void {
    if (job.state === 'done') return;
    this.stats.cancelled++;
    log('dropped a request from %s (%s) after %d envelopes', job.peer.id.slice(0, 12), why, job.sentEnvelopes);
    this.finish(job);
    this.finished(job, 'cancelled', why);
  }

  /** Releases everything of a request: its slot, its place in the queue, its pause. */
  private finish(job: Job): void {
    if (job.state === 'done') return;
    job.unpause?.();
    if (job.state === 'queued') {
      const i = this.ready.indexOf(job);
      if (i >= 0) this.ready.splice(i, 1);
    }
    job.state = 'done';
    const set = this.jobs.get(job.peer.id);
    if (set?.delete(job)) {
      this.jobCount--;
      if (set.size === 0) this.jobs.delete(job.peer.id);
    }
    if (![...(this.jobs.get(job.peer.id) ?? [])].some((j) => j.peer === job.peer)) {
      this.waiters.get(job.peer)?.cancel();
      this.waiters.delete(job.peer);
    }
  }

  /** A peer's link closed: its requests go, queued, paused or being served. */
  private cancelPeer(peerId: string): void {
    const set = this.jobs.get(peerId.toLowerCase());
    if (!set) return;
    for (const job of [...set]) if (job.peer.isClosed) this.cancel(job, 'peer left');
  }

  /** Either form of 126 (`decodeP2PRequest`): the older one is opened with our keys and its signer checked. */
  private parseRequest(peer: PeerHandle, payload: Uint8Array): ParsedRequest {
    let p2p: P2PRequest;
    try {
      p2p = decodeP2PRequest(payload);
    } catch (e) {
      throw new Rejection((e as Error).message, e instanceof MailserverCodecError ? e.requestId : undefined);
    }
    if (p2p.form === 'envelope') return this.parseEnvelopeRequest(peer, p2p.envelope);
    return { id: p2p.request.id, form: 'current', request: p2p.request };
  }

  private parseEnvelopeRequest(peer: PeerHandle, envelope: Envelope): ParsedRequest {
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

  private reject(peer: PeerHandle, e: unknown, startedAt: number): void {
    const requestId = e instanceof Rejection ? e.requestId : undefined;
    const reason = (e as Error).message;
    this.stats.rejected++;
    log('rejected request from %s: %s', peer.id.slice(0, 12), reason);
    this.emit('request:rejected', peer.id, requestId, reason);
    if (requestId) this.sendQuietly(peer, CODE.P2P_REQUEST_COMPLETE, () => encodeRequestFailed(requestId, reason));
    const report: MailServerRequestReport = {
      peer: peer.id,
      outcome: 'rejected',
      ok: false,
      envelopes: 0,
      bytes: 0,
      packets: 0,
      reads: 0,
      more: false,
      durationMs: performance.now() - startedAt,
      error: reason,
    };
    if (requestId) report.requestId = requestId;
    this.emitFinished(report);
  }

  private sendQuietly(peer: PeerHandle, code: number, make: () => Uint8Array): void {
    try {
      peer.send(code, make());
    } catch (e) {
      log('send %d to %s failed: %s', code, peer.id.slice(0, 12), (e as Error).message);
    }
  }
}


function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) {
    throw new WhisperError(WHISPER_ERROR.INVALID_ARGUMENT, `${name} must be a positive number, got ${String(value)}`);
  }
  return Math.floor(value);
}

/**
 * Cuts a page down to `maxBytes` (its first envelope always stays) for an archive that did not honour
 * `ArchiveQuery.maxBytes`; the cursor then points past the last envelope kept, as status-go makes it.
 */
function truncatePage(page: ArchivePage, maxBytes: number): ArchivePage {
  let n = 0;
  let bytes = 0;
  while (n < page.envelopes.length && (n === 0 || bytes + page.envelopes[n].length <= maxBytes)) {
    bytes += page.envelopes[n].length;
    n++;
  }
  if (n === page.envelopes.length) return page;
  const last = page.envelopes[n - 1];
  const fields = _readEnvelopeFields(last);
  if (!fields.ok) throw new ArchiveError('INVALID_RECORD', `archive returned a malformed envelope: ${fields.reason}`);
  const hash = keccak256(last);
  return { envelopes: page.envelopes.slice(0, n), cursor: encodeMailserverCursor(fields.expiry - fields.ttl, hash), lastEnvelopeHash: hash };
}
