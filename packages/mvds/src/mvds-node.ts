import createDebug from 'debug';
import { bytesToHex } from '@status-stack/crypto';
import { MVDS_TIMING, epochsCovering, timedBackoff } from './backoff.js';
import { MVDS_ERROR, MvdsError } from './errors.js';
import { assertGroupId } from './message-id.js';
import { messageId } from './message-id.js';
import {
  GROUP_ID_LENGTH,
  PAYLOAD_ID_COST,
  decodePayload,
  emptyPayload,
  encodePayload,
  isDatasyncPayload,
  payloadMessageCost,
  type MvdsMessage,
  type MvdsPayload,
} from './payload.js';
import {
  GAVE_UP_EPOCH,
  MODE,
  RECORD_TYPE,
  type Clock,
  type Mode,
  type MvdsEvents,
  type MvdsNodeOptions,
  type MvdsStats,
  type MvdsTransport,
  type NextEpochFn,
  type PeerId,
  type ReceiveResult,
  type Store,
  type SyncRecord,
} from './types.js';

const log = createDebug('status:mvds');

const DEFAULTS = {
  maxPayloadBytes: 1024 * 1024,
  maxReceiveBytes: 4 * 1024 * 1024,
  maxRequestsPerPeer: 10_000,
  maxRequests: 100_000,
  maxRequestSends: 16,
  maxPendingAcksPerPeer: 10_000,
} as const;

type Handlers = { [K in keyof MvdsEvents]: Set<MvdsEvents[K]> };

interface Outgoing {
  payload: MvdsPayload;
  size: number;
}

export interface SendOptions {
  /** Overrides the node's default mode for this message. */
  mode?: Mode;
}

function zeroStats(): MvdsStats {
  return {
    payloadsSent: 0,
    bytesSent: 0,
    messagesSent: 0,
    offersSent: 0,
    requestsSent: 0,
    acksSent: 0,
    payloadsReceived: 0,
    payloadsRejected: 0,
    messagesReceived: 0,
    duplicatesReceived: 0,
    ignoredRecords: 0,
    droppedOffers: 0,
    expiredRequests: 0,
    gaveUp: 0,
    transportErrors: 0,
  };
}

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 1) throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `${name} must be an integer >= 1, got ${v}`);
  return v;
}

/** A positive integer or Infinity (no bound). */
function bound(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (v === Infinity) return v;
  return positiveInt(name, v, dflt);
}

/**
 * The MVDS engine of one node (2/MVDS): per-peer OFFER/REQUEST/MESSAGE state with send counts and
 * send epochs, batch and interactive modes, ACKs answered per received MESSAGE and never kept in
 * state, retransmission with backoff, one payload per peer per epoch.
 *
 * Epochs are driven by the caller (`tick`) or by `start(intervalMs)`; `flush` sends what is due now.
 * All operations are serialised, so an async Store never sees interleaved updates.
 */
export class MvdsNode {
  private readonly store: Store;
  private readonly transport: MvdsTransport;
  private readonly clock: Clock;
  private readonly mode: Mode;
  private readonly nextEpoch: NextEpochFn;
  private readonly relay: boolean;
  private readonly maxPayloadBytes: number;
  private readonly maxReceiveBytes: number;
  private readonly maxRequestsPerPeer: number;
  private readonly maxRequests: number;
  private readonly maxRequestSends: number;
  private readonly maxPendingAcksPerPeer: number;
  private readonly sendImmediately: boolean;
  private readonly epochMs: number;
  private readonly maxTransmissions: number;
  /** `giveUpAfterMs` in epochs (Infinity: no time bound). */
  private readonly giveUpAfterEpochs: number;

  private epoch: number | undefined;
  /** ACKs to send, per peer; deliberately not persisted (2/MVDS: ACKs are not state). */
  private readonly pendingAcks = new Map<PeerId, Map<string, Uint8Array>>();
  private queue: Promise<unknown> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | undefined;
  private ticking = false;
  private stopped = false;
  private readonly handlers: Handlers = { message: new Set(), acknowledged: new Set(), delivered: new Set(), gaveUp: new Set() };
  readonly stats: MvdsStats = zeroStats();

  constructor(options: MvdsNodeOptions) {
    this.store = options.store;
    this.transport = options.transport;
    this.clock = options.clock;
    this.mode = options.mode ?? MODE.BATCH;
    if (this.mode !== MODE.BATCH && this.mode !== MODE.INTERACTIVE) {
      throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `unknown mode ${String(this.mode)}`);
    }
    this.epochMs = options.epochMs ?? MVDS_TIMING.EPOCH_MS;
    if (!(this.epochMs > 0) || !Number.isFinite(this.epochMs)) {
      throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `epochMs must be a positive number, got ${this.epochMs}`);
    }
    this.nextEpoch =
      options.nextEpoch ??
      timedBackoff({ epochMs: this.epochMs, firstResendMs: options.firstResendMs, maxIntervalMs: options.maxResendIntervalMs });
    this.maxTransmissions = bound('maxTransmissions', options.maxTransmissions, MVDS_TIMING.MAX_TRANSMISSIONS);
    const giveUpMs = options.giveUpAfterMs ?? MVDS_TIMING.GIVE_UP_AFTER_MS;
    if (giveUpMs !== Infinity && !(giveUpMs > 0 && Number.isFinite(giveUpMs))) {
      throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `giveUpAfterMs must be > 0 or Infinity, got ${giveUpMs}`);
    }
    // Never sooner than giveUpAfterMs after the first transmission, wherever in its epoch that was.
    this.giveUpAfterEpochs = giveUpMs === Infinity ? Infinity : epochsCovering(giveUpMs, this.epochMs);
    this.relay = options.relay ?? false;
    this.maxPayloadBytes = positiveInt('maxPayloadBytes', options.maxPayloadBytes, DEFAULTS.maxPayloadBytes);
    this.maxReceiveBytes = positiveInt('maxReceiveBytes', options.maxReceiveBytes, DEFAULTS.maxReceiveBytes);
    this.maxRequestsPerPeer = positiveInt('maxRequestsPerPeer', options.maxRequestsPerPeer, DEFAULTS.maxRequestsPerPeer);
    this.maxRequests = positiveInt('maxRequests', options.maxRequests, DEFAULTS.maxRequests);
    this.maxRequestSends = positiveInt('maxRequestSends', options.maxRequestSends, DEFAULTS.maxRequestSends);
    this.maxPendingAcksPerPeer = positiveInt(
      'maxPendingAcksPerPeer',
      options.maxPendingAcksPerPeer,
      DEFAULTS.maxPendingAcksPerPeer,
    );
    this.sendImmediately = options.sendImmediately ?? false;
  }

  // ---- events ----

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof MvdsEvents>(event: K, handler: MvdsEvents[K]): () => void {
    this.handlers[event].add(handler);
    return () => {
      this.handlers[event].delete(handler);
    };
  }

  private emit<K extends keyof MvdsEvents>(event: K, ...args: Parameters<MvdsEvents[K]>): void {
    for (const h of this.handlers[event]) {
      try {
        (h as (...a: Parameters<MvdsEvents[K]>) => void)(...args);
      } catch (err) {
        // A failing subscriber must not corrupt the engine's state machine.
        log('%s handler threw: %O', event, err);
      }
    }
  }

  // ---- serialisation ----

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      if (this.stopped) throw new MvdsError(MVDS_ERROR.STOPPED, 'MVDS node is stopped');
      if (this.epoch === undefined) this.epoch = await this.store.getEpoch();
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private get now(): number {
    return this.epoch ?? 0;
  }

  // ---- public API ----

  /** The node's current epoch (restored from the Store). */
  currentEpoch(): Promise<number> {
    return this.exclusive(async () => this.now);
  }

  /** Makes `peer` a recipient of the messages of `groupId`. */
  addPeer(groupId: Uint8Array, peer: PeerId): Promise<void> {
    assertGroupId(groupId);
    return this.exclusive(async () => {
      await this.store.addPeer(groupId, peer);
    });
  }

  removePeer(groupId: Uint8Array, peer: PeerId): Promise<void> {
    assertGroupId(groupId);
    return this.exclusive(async () => {
      await this.store.removePeer(groupId, peer);
    });
  }

  /**
   * Stores a new message of `groupId` and schedules it for every peer of the group (a MESSAGE
   * record in batch mode, an OFFER in interactive mode), due in the current epoch.
   * Returns its MVDS message id.
   */
  send(groupId: Uint8Array, body: Uint8Array, options: SendOptions = {}): Promise<Uint8Array> {
    assertGroupId(groupId);
    if (!(body instanceof Uint8Array)) throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, 'body must be a Uint8Array');
    const mode = options.mode ?? this.mode;
    return this.exclusive(async () => {
      // status-go stamps messages with Unix seconds (time.Now().Unix()).
      const timestamp = BigInt(Math.floor(this.clock() / 1000));
      const message: MvdsMessage = { groupId: groupId.slice(), timestamp, body: body.slice() };
      const id = messageId(message);
      await this.store.putMessage(id, message);
      await this.shareWithGroup(message, id, undefined, mode);
      if (this.sendImmediately) await this.flushDue();
      return id;
    });
  }

  /**
   * Handles one payload received from `peer`. Rejects with MvdsError (MALFORMED_PAYLOAD,
   * INVALID_MESSAGE_ID, NOT_DATASYNC, PAYLOAD_TOO_LARGE) without touching state when the bytes are bad.
   */
  receive(peer: PeerId, bytes: Uint8Array): Promise<ReceiveResult> {
    let payload: MvdsPayload;
    try {
      if (!(bytes instanceof Uint8Array)) throw new MvdsError(MVDS_ERROR.MALFORMED_PAYLOAD, 'payload is not bytes');
      if (bytes.length > this.maxReceiveBytes) {
        throw new MvdsError(
          MVDS_ERROR.PAYLOAD_TOO_LARGE,
          `payload of ${bytes.length} bytes exceeds ${this.maxReceiveBytes}`,
        );
      }
      // One private copy: the decoded fields are views into it, and the transport may reuse its buffer.
      payload = decodePayload(bytes.slice());
      if (!isDatasyncPayload(payload)) {
        throw new MvdsError(MVDS_ERROR.NOT_DATASYNC, `payload of ${bytes.length} bytes holds no MVDS record`);
      }
    } catch (err) {
      this.stats.payloadsRejected++;
      return Promise.reject(err);
    }
    return this.exclusive(async () => {
      this.stats.payloadsReceived++;
      const result = await this.onPayload(peer, payload);
      if (this.sendImmediately) await this.flushDue();
      return result;
    });
  }

  /** Advances one epoch and sends every record now due, one payload per peer. */
  tick(): Promise<void> {
    return this.exclusive(async () => {
      this.epoch = this.now + 1;
      await this.store.setEpoch(this.epoch);
      await this.flushDue();
    });
  }

  /** Sends what is due in the current epoch (new messages, pending ACKs) without advancing it. */
  flush(): Promise<void> {
    return this.exclusive(() => this.flushDue());
  }

  /**
   * Runs `tick` every `intervalMs` (default `epochMs`) until `stop`. Errors are logged, never thrown.
   * An interval shorter than `epochMs` would make the time options (`firstResendMs`…) come early.
   */
  start(intervalMs: number = this.epochMs): void {
    positiveInt('intervalMs', intervalMs, 1);
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setInterval(() => {
      if (this.ticking) return;
      this.ticking = true;
      this.tick()
        .catch((err: unknown) => log('tick failed: %O', err))
        .finally(() => {
          this.ticking = false;
        });
    }, intervalMs);
  }

  /** Stops the timer and waits for the operation in progress; later calls reject with STOPPED. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.queue;
    this.stopped = true;
  }

  /**
   * Starts our message `id` over for every peer of its group that has not acknowledged it (given up on or
   * still pending): send count 0, due now (sent at once with `sendImmediately`, else at the next tick).
   * Resolves with the number of peers it will be sent to again (0: everyone holds it, or we never sent it).
   */
  resend(id: Uint8Array): Promise<number> {
    return this.exclusive(async () => {
      const message = await this.store.getMessage(id);
      if (message === undefined) return 0;
      let n = 0;
      for (const peer of await this.store.getPeers(message.groupId)) {
        const rec = await this.store.getRecord(peer, id);
        if (rec === undefined || rec.type === RECORD_TYPE.REQUEST || rec.unsolicited === true) continue;
        await this.store.putRecord({ peer, messageId: rec.messageId, type: rec.type, sendCount: 0, sendEpoch: this.now });
        n++;
      }
      if (n > 0 && this.sendImmediately) await this.flushDue();
      return n;
    });
  }

  /** True when nothing is left to send: no record that will come due (given-up ones never do) and no ACK waiting. */
  isIdle(): Promise<boolean> {
    return this.exclusive(async () => {
      for (const acks of this.pendingAcks.values()) if (acks.size > 0) return false;
      if ((await this.store.countRecords()) === 0) return true;
      return (await this.store.dueRecords(GAVE_UP_EPOCH - 1)).length === 0;
    });
  }

  // ---- internals ----

  private async shareWithGroup(message: MvdsMessage, id: Uint8Array, except: PeerId | undefined, mode: Mode): Promise<void> {
    const type = mode === MODE.INTERACTIVE ? RECORD_TYPE.OFFER : RECORD_TYPE.MESSAGE;
    for (const peer of await this.store.getPeers(message.groupId)) {
      if (peer === except) continue;
      if ((await this.store.getRecord(peer, id)) !== undefined) continue;
      await this.store.putRecord({ peer, messageId: id, type, sendCount: 0, sendEpoch: this.now });
    }
  }

  private queueAck(peer: PeerId, id: Uint8Array): void {
    let acks = this.pendingAcks.get(peer);
    if (acks === undefined) {
      acks = new Map();
      this.pendingAcks.set(peer, acks);
    }
    // Dropping an ACK is safe: the peer retransmits the MESSAGE and we answer it then.
    if (acks.size >= this.maxPendingAcksPerPeer) return;
    acks.set(bytesToHex(id), id);
  }

  /** `peer` holds our message `id`: its OFFER/MESSAGE record is done. */
  private async peerHolds(peer: PeerId, id: Uint8Array): Promise<boolean> {
    const rec = await this.store.getRecord(peer, id);
    if (rec === undefined || rec.type === RECORD_TYPE.REQUEST) return false;
    await this.store.removeRecord(peer, id);
    if (rec.unsolicited === true) return true;
    this.emit('acknowledged', id, peer);
    if (!(await this.store.hasOutgoingRecords(id))) this.emit('delivered', id);
    return true;
  }

  private async onPayload(peer: PeerId, payload: MvdsPayload): Promise<ReceiveResult> {
    const result: ReceiveResult = { newMessages: 0, duplicateMessages: 0, acks: 0, ignored: 0 };
    const ignore = (why: string, id: Uint8Array): void => {
      result.ignored++;
      this.stats.ignoredRecords++;
      log('ignored %s %s from %s', why, bytesToHex(id), peer);
    };

    for (const id of payload.acks) {
      if (await this.peerHolds(peer, id)) result.acks++;
      else ignore('ACK for unknown record', id);
    }

    for (const id of payload.requests) {
      const message = await this.store.getMessage(id);
      if (message === undefined) {
        ignore('REQUEST for a message we never had', id);
        continue;
      }
      if (!(await this.store.isPeerInGroup(message.groupId, peer))) {
        ignore('REQUEST from a peer outside the group', id);
        continue;
      }
      // 2/MVDS interactive: a REQUEST replaces our OFFER with the MESSAGE, due now.
      const rec = await this.store.getRecord(peer, id);
      // A MESSAGE we were retransmitting keeps its count; one we gave up on starts over (the peer is there).
      const continued = rec?.type === RECORD_TYPE.MESSAGE && rec.gaveUp !== true;
      const record: SyncRecord = {
        peer,
        messageId: id,
        type: RECORD_TYPE.MESSAGE,
        sendCount: continued ? rec.sendCount : 0,
        sendEpoch: this.now,
      };
      if (continued && rec.firstSendEpoch !== undefined) record.firstSendEpoch = rec.firstSendEpoch;
      if (rec === undefined || rec.unsolicited === true) record.unsolicited = true;
      await this.store.putRecord(record);
    }

    for (const id of payload.offers) {
      if (await this.store.hasMessage(id)) {
        // We hold it already: an ACK ("sender holds this message") ends the peer's OFFER,
        // where status-im/mvds would leave it to be re-offered forever.
        this.queueAck(peer, id);
        continue;
      }
      if ((await this.store.getRecord(peer, id)) !== undefined) continue;
      if (
        (await this.store.countRecords(peer, RECORD_TYPE.REQUEST)) >= this.maxRequestsPerPeer ||
        (await this.store.countRecords(undefined, RECORD_TYPE.REQUEST)) >= this.maxRequests
      ) {
        this.stats.droppedOffers++;
        result.ignored++;
        continue;
      }
      await this.store.putRecord({ peer, messageId: id, type: RECORD_TYPE.REQUEST, sendCount: 0, sendEpoch: this.now });
    }

    for (const m of payload.messages) {
      if (m.groupId.length !== GROUP_ID_LENGTH) {
        ignore(`MESSAGE with a ${m.groupId.length}-byte group id`, m.groupId);
        continue;
      }
      const id = messageId(m);
      const rec = await this.store.getRecord(peer, id);
      if (rec !== undefined) {
        if (rec.type === RECORD_TYPE.REQUEST) await this.store.removeRecord(peer, id);
        else await this.peerHolds(peer, id);
      }
      if (await this.store.hasMessage(id)) {
        result.duplicateMessages++;
        this.stats.duplicatesReceived++;
      } else {
        await this.store.putMessage(id, m);
        result.newMessages++;
        this.stats.messagesReceived++;
        this.emit('message', { id, from: peer, groupId: m.groupId, timestamp: m.timestamp, body: m.body });
        if (this.relay) await this.shareWithGroup(m, id, peer, this.mode);
      }
      // 4/MVDS-META: ephemeral messages are not acknowledged.
      if (m.metadata?.ephemeral !== true) this.queueAck(peer, id);
    }
    return result;
  }

  private outgoingFor(map: Map<PeerId, Outgoing>, peer: PeerId): Outgoing {
    let o = map.get(peer);
    if (o === undefined) {
      o = { payload: emptyPayload(), size: 0 };
      map.set(peer, o);
    }
    return o;
  }

  private fits(o: Outgoing, cost: number): boolean {
    // A record larger than the cap still goes, alone, or it would never be sent.
    return o.size === 0 || o.size + cost <= this.maxPayloadBytes;
  }

  private async flushDue(): Promise<void> {
    const epoch = this.now;
    const out = new Map<PeerId, Outgoing>();

    for (const [peer, acks] of this.pendingAcks) {
      const o = this.outgoingFor(out, peer);
      for (const [key, id] of acks) {
        if (!this.fits(o, PAYLOAD_ID_COST)) break;
        o.payload.acks.push(id);
        o.size += PAYLOAD_ID_COST;
        acks.delete(key);
      }
      if (acks.size === 0) this.pendingAcks.delete(peer);
    }

    const due = await this.store.dueRecords(epoch);
    for (const rec of due) {
      if (rec.gaveUp === true) continue; // a store that returns them anyway
      if (rec.type !== RECORD_TYPE.REQUEST && this.exhausted(rec, epoch)) {
        await this.giveUp(rec);
        continue;
      }
      const o = this.outgoingFor(out, rec.peer);
      if (rec.type === RECORD_TYPE.MESSAGE) {
        const message = await this.store.getMessage(rec.messageId);
        if (message === undefined) {
          // The message was deleted from the store: nothing left to deliver.
          await this.store.removeRecord(rec.peer, rec.messageId);
          continue;
        }
        const cost = payloadMessageCost(message);
        if (!this.fits(o, cost)) continue;
        o.payload.messages.push(message);
        o.size += cost;
        this.stats.messagesSent++;
      } else {
        if (rec.type === RECORD_TYPE.REQUEST && rec.sendCount >= this.maxRequestSends) {
          await this.store.removeRecord(rec.peer, rec.messageId);
          this.stats.expiredRequests++;
          continue;
        }
        if (!this.fits(o, PAYLOAD_ID_COST)) continue;
        if (rec.type === RECORD_TYPE.OFFER) {
          o.payload.offers.push(rec.messageId);
          this.stats.offersSent++;
        } else {
          o.payload.requests.push(rec.messageId);
          this.stats.requestsSent++;
        }
        o.size += PAYLOAD_ID_COST;
      }
      await this.store.putRecord(this.sent(rec, epoch));
    }

    for (const [peer, o] of out) {
      if (!isDatasyncPayload(o.payload)) continue;
      const bytes = encodePayload(o.payload);
      this.stats.payloadsSent++;
      this.stats.bytesSent += bytes.length;
      this.stats.acksSent += o.payload.acks.length;
      try {
        await this.transport.send(peer, bytes);
      } catch (err) {
        // Like status-go: a failed send is a lost payload; retransmission covers it.
        this.stats.transportErrors++;
        log('transport.send to %s failed: %O', peer, err);
      }
    }
  }

  /** A due MESSAGE / OFFER that was sent `maxTransmissions` times, or first sent `giveUpAfterMs` ago. */
  private exhausted(rec: SyncRecord, epoch: number): boolean {
    if (rec.sendCount >= this.maxTransmissions) return true;
    return rec.firstSendEpoch !== undefined && epoch - rec.firstSendEpoch >= this.giveUpAfterEpochs;
  }

  private async giveUp(rec: SyncRecord): Promise<void> {
    if (rec.unsolicited === true) {
      // Sent because the peer asked; nobody waits for its ACK.
      await this.store.removeRecord(rec.peer, rec.messageId);
      return;
    }
    await this.store.putRecord({ ...rec, gaveUp: true, sendEpoch: GAVE_UP_EPOCH });
    this.stats.gaveUp++;
    log('gave up on %s to %s after %d transmissions', bytesToHex(rec.messageId), rec.peer, rec.sendCount);
    this.emit('gaveUp', rec.messageId, rec.peer);
  }

  private sent(rec: SyncRecord, epoch: number): SyncRecord {
    const sendCount = rec.sendCount + 1;
    let next = this.nextEpoch(sendCount, epoch);
    if (!Number.isFinite(next) || next <= epoch) next = epoch + 1;
    if (rec.type === RECORD_TYPE.REQUEST) return { ...rec, sendCount, sendEpoch: next };
    const firstSendEpoch = rec.firstSendEpoch ?? epoch;
    // Come due when the time bound runs out (after epoch: #exhausted said no), to give up then rather
    // than one long interval later.
    next = Math.min(next, firstSendEpoch + this.giveUpAfterEpochs);
    return { ...rec, sendCount, sendEpoch: next, firstSendEpoch };
  }
}
