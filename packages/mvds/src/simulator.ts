import { bytesToHex, sha256, utf8ToBytes } from '@status-stack/crypto';
import { MVDS_ERROR, MvdsError } from './errors.js';
import { MemoryStore } from './memory-store.js';
import { MvdsNode } from './mvds-node.js';
import { MVDS_TIMING } from './backoff.js';
import { MODE, type Mode, type MvdsStats, type MvdsTransport, type NextEpochFn, type PeerId, type Store } from './types.js';

/** A seeded PRNG (mulberry32): the same seed gives the same run. Returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Packet {
  from: PeerId;
  to: PeerId;
  bytes: Uint8Array;
}

export interface SimNetworkOptions {
  random: () => number;
  /** Probability in [0, 1) that a payload is lost. */
  loss: number;
  /** Delivery delay in epochs, uniform in [minDelay, maxDelay]; minDelay >= 1. Different delays reorder payloads. */
  minDelay: number;
  maxDelay: number;
}

/** A lossy, delaying, reordering in-memory network, stepped by epochs. */
export class SimNetwork {
  private readonly opts: SimNetworkOptions;
  private readonly inflightByEpoch = new Map<number, Packet[]>();
  private currentEpoch = 0;
  payloadsSent = 0;
  bytesSent = 0;
  payloadsLost = 0;

  constructor(options: SimNetworkOptions) {
    if (!(options.loss >= 0 && options.loss < 1)) {
      throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `loss must be in [0, 1), got ${options.loss}`);
    }
    if (!Number.isInteger(options.minDelay) || options.minDelay < 1 || options.maxDelay < options.minDelay) {
      throw new MvdsError(
        MVDS_ERROR.INVALID_ARGUMENT,
        `delays must satisfy 1 <= minDelay <= maxDelay, got ${options.minDelay}..${options.maxDelay}`,
      );
    }
    this.opts = options;
  }

  set epoch(e: number) {
    this.currentEpoch = e;
  }

  /** The transport port of node `from`. */
  transportFor(from: PeerId): MvdsTransport {
    return {
      send: (to, bytes) => {
        this.payloadsSent++;
        this.bytesSent += bytes.length;
        const { random, loss, minDelay, maxDelay } = this.opts;
        if (random() < loss) {
          this.payloadsLost++;
          return;
        }
        const at = this.currentEpoch + minDelay + Math.floor(random() * (maxDelay - minDelay + 1));
        let slot = this.inflightByEpoch.get(at);
        if (slot === undefined) {
          slot = [];
          this.inflightByEpoch.set(at, slot);
        }
        slot.push({ from, to, bytes: bytes.slice() });
      },
    };
  }

  /** Removes and returns the packets due at `epoch`, shuffled. */
  take(epoch: number): Packet[] {
    const slot = this.inflightByEpoch.get(epoch) ?? [];
    this.inflightByEpoch.delete(epoch);
    for (let i = slot.length - 1; i > 0; i--) {
      const j = Math.floor(this.opts.random() * (i + 1));
      [slot[i], slot[j]] = [slot[j], slot[i]];
    }
    return slot;
  }

  get inflight(): number {
    let n = 0;
    for (const s of this.inflightByEpoch.values()) n += s.length;
    return n;
  }
}

export interface SimRestart {
  /** Node index. */
  node: number;
  /** Epoch at which it stops. */
  at: number;
  /** Epochs it stays down (payloads to it are lost); then a new MvdsNode starts on its Store. */
  down: number;
}

export interface SimulationOptions {
  nodes: number;
  messages: number;
  /** 'mixed' picks batch or interactive per message. Default batch. */
  mode?: Mode | 'mixed';
  loss?: number;
  minDelay?: number;
  maxDelay?: number;
  seed?: number;
  /** Messages are sent over epochs 1..sendWindow. Default 20. */
  sendWindow?: number;
  bodySize?: number;
  /** 'group': one group of all nodes; 'pairs': each message is a 1:1 between two random nodes. */
  topology?: 'group' | 'pairs';
  restarts?: SimRestart[];
  maxEpochs?: number;
  /**
   * Length of one epoch in ms (default 300, status-go's): the clock, the network delays and every
   * time option below are counted in it.
   */
  epochMs?: number;
  /**
   * A receiver hands each payload to its MVDS node this long after it arrived (rounded up to whole
   * epochs), so its ACK leaves that much later: status-go's 300 ms poll plus its 300 ms epoch make ~600 ms.
   * Default 0.
   */
  ackDelayMs?: number;
  /** The nodes `ackDelayMs` applies to (default every node). */
  ackDelayNodes?: readonly number[];
  /** Nodes that receive but never send anything (a peer that never ACKs). Default none. */
  silentNodes?: readonly number[];
  /** Nodes that author the messages (default every node). */
  senders?: readonly number[];
  /** Engine schedule override (epochs); default the engine's time-based one from the options below. */
  nextEpoch?: NextEpochFn;
  firstResendMs?: number;
  maxResendIntervalMs?: number;
  /** Engine give-up bounds (defaults: the engine's). */
  maxTransmissions?: number;
  giveUpAfterMs?: number;
  relay?: boolean;
  maxPayloadBytes?: number;
  /** Store of node i (default a MemoryStore). */
  storeFactory?: (node: number) => Store;
}

export interface SimulationReport {
  nodes: number;
  messages: number;
  mode: Mode | 'mixed';
  loss: number;
  /** (message, recipient) pairs the run had to deliver. */
  intended: number;
  delivered: number;
  /** Deliveries of an id a recipient had already had (must be 0). */
  duplicates: number;
  /** Deliveries to a node outside the message's group (must be 0). */
  unexpected: number;
  complete: boolean;
  /** Epoch of the last first delivery (sends start at epoch 1). */
  epochsToFullDelivery: number;
  /** Epoch at which every node's state was empty (everything acknowledged), if reached. */
  quiescentAt: number | undefined;
  /** Epochs from send to delivery, over all deliveries. */
  latency: { mean: number; p50: number; p90: number; max: number };
  /** Messages whose every recipient acknowledged them (`delivered` events at their authors). */
  fullyAcknowledged: number;
  payloadsSent: number;
  bytesSent: number;
  payloadsPerDelivered: number;
  bytesPerDelivered: number;
  /** MESSAGE records put on the wire (lost ones included) over all nodes. */
  messagesSent: number;
  /** `messagesSent / delivered`: wire copies per delivered message (1 is the least possible). */
  copiesPerDelivered: number;
  /**
   * Copies of a message that reached a node already holding it (status-go logs each as an error): what a
   * resend before the ACK could arrive costs. Lossless links with timely ACKs should make it 0.
   */
  duplicateCopies: number;
  /** Give-ups (`gaveUp` events) at the messages' authors. */
  gaveUp: number;
  rejectedPayloads: number;
  restarts: number;
}

interface Tracked {
  sentAt: number;
  from: PeerId;
  recipients: Set<PeerId>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function groupIdOf(label: string): Uint8Array {
  return sha256(utf8ToBytes(`mvds-sim:${label}`));
}

/**
 * Runs N MvdsNodes over a SimNetwork until every message reached every intended peer and all
 * state is acknowledged (or maxEpochs). Deterministic for a given seed.
 */
export async function simulate(options: SimulationOptions): Promise<SimulationReport> {
  const n = options.nodes;
  if (!Number.isInteger(n) || n < 2) throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `nodes must be >= 2, got ${n}`);
  const mode = options.mode ?? MODE.BATCH;
  const loss = options.loss ?? 0;
  const random = seededRandom(options.seed ?? 1);
  const sendWindow = options.sendWindow ?? 20;
  const bodySize = options.bodySize ?? 200;
  const topology = options.topology ?? 'group';
  const maxEpochs = options.maxEpochs ?? 10_000;
  const restarts = options.restarts ?? [];
  const net = new SimNetwork({ random, loss, minDelay: options.minDelay ?? 1, maxDelay: options.maxDelay ?? 3 });
  const ids = Array.from({ length: n }, (_, i) => `node-${i}`);
  const indexOf = new Map(ids.map((id, i) => [id, i]));
  const stores = ids.map((_, i) => options.storeFactory?.(i) ?? new MemoryStore());
  const epochMs = options.epochMs ?? MVDS_TIMING.EPOCH_MS;
  if (!(epochMs > 0)) throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `epochMs must be > 0, got ${epochMs}`);
  const ackDelayMs = options.ackDelayMs ?? 0;
  if (!(ackDelayMs >= 0)) throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `ackDelayMs must be >= 0, got ${ackDelayMs}`);
  const ackDelayEpochs = Math.ceil(ackDelayMs / epochMs);
  const slowAckers = new Set(options.ackDelayNodes ?? ids.map((_, i) => i));
  const silent = new Set(options.silentNodes ?? []);
  const senders = options.senders ?? ids.map((_, i) => i);
  if (senders.length === 0 || senders.some((i) => !Number.isInteger(i) || i < 0 || i >= n)) {
    throw new MvdsError(MVDS_ERROR.INVALID_ARGUMENT, `senders must be node indexes in 0..${n - 1}`);
  }
  let epoch = 0;
  const clock = (): number => epoch * epochMs;
  /** Payloads that arrived at a slow acker, by the epoch it processes them. */
  const held = new Map<number, ReturnType<SimNetwork['take']>>();
  const heldCount = (): number => [...held.values()].reduce((k, p) => k + p.length, 0);
  let messagesSent = 0;
  let duplicateCopies = 0;
  let gaveUp = 0;
  const retire = (stats: MvdsStats): void => {
    messagesSent += stats.messagesSent;
    duplicateCopies += stats.duplicatesReceived;
  };
  const mute: MvdsTransport = { send: () => undefined };

  const tracked = new Map<string, Tracked>();
  const seen = new Set<string>();
  const latencies: number[] = [];
  let intended = 0;
  let delivered = 0;
  let duplicates = 0;
  let unexpected = 0;
  let fullyAcknowledged = 0;
  let rejectedPayloads = 0;
  let epochsToFullDelivery = 0;

  const makeNode = (i: number): MvdsNode => {
    const node = new MvdsNode({
      store: stores[i],
      transport: silent.has(i) ? mute : net.transportFor(ids[i]),
      clock,
      mode: mode === 'mixed' ? MODE.BATCH : mode,
      epochMs,
      nextEpoch: options.nextEpoch,
      firstResendMs: options.firstResendMs,
      maxResendIntervalMs: options.maxResendIntervalMs,
      maxTransmissions: options.maxTransmissions,
      giveUpAfterMs: options.giveUpAfterMs,
      relay: options.relay,
      maxPayloadBytes: options.maxPayloadBytes,
    });
    node.on('gaveUp', (id) => {
      if (tracked.get(bytesToHex(id))?.from === ids[i]) gaveUp++;
    });
    node.on('message', (m) => {
      const key = bytesToHex(m.id);
      const t = tracked.get(key);
      const k = `${ids[i]}|${key}`;
      if (seen.has(k)) {
        duplicates++;
        return;
      }
      seen.add(k);
      if (t === undefined || !t.recipients.has(ids[i])) {
        unexpected++;
        return;
      }
      delivered++;
      latencies.push(epoch - t.sentAt);
      if (delivered === intended) epochsToFullDelivery = epoch;
    });
    node.on('delivered', (id) => {
      // Relaying nodes also learn when their copies are acknowledged; count the author's event.
      if (tracked.get(bytesToHex(id))?.from === ids[i]) fullyAcknowledged++;
    });
    return node;
  };

  // Groups and membership.
  const groups = new Map<string, { id: Uint8Array; members: number[] }>();
  if (topology === 'group') {
    groups.set('all', { id: groupIdOf('all'), members: ids.map((_, i) => i) });
  } else {
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) groups.set(`${a}-${b}`, { id: groupIdOf(`${a}-${b}`), members: [a, b] });
    }
  }
  const nodes: (MvdsNode | undefined)[] = ids.map((_, i) => makeNode(i));
  for (const g of groups.values()) {
    for (const i of g.members) {
      for (const j of g.members) if (i !== j) await nodes[i]!.addPeer(g.id, ids[j]);
    }
  }

  // The send schedule.
  const pending: { at: number; from: number; group: string; body: Uint8Array; mode: Mode }[] = [];
  for (let k = 0; k < options.messages; k++) {
    const from = senders[Math.floor(random() * senders.length)];
    let group = 'all';
    if (topology === 'pairs') {
      let to = Math.floor(random() * (n - 1));
      if (to >= from) to++;
      group = `${Math.min(from, to)}-${Math.max(from, to)}`;
    }
    const body = new Uint8Array(Math.max(bodySize, 8));
    for (let b = 0; b < body.length; b++) body[b] = Math.floor(random() * 256);
    new DataView(body.buffer).setUint32(0, k); // unique bodies: unique ids
    const m: Mode = mode === 'mixed' ? (random() < 0.5 ? MODE.BATCH : MODE.INTERACTIVE) : mode;
    pending.push({ at: 1 + Math.floor((k * sendWindow) / Math.max(options.messages, 1)), from, group, body, mode: m });
  }

  let quiescentAt: number | undefined;
  let restartCount = 0;
  for (epoch = 1; epoch <= maxEpochs; epoch++) {
    net.epoch = epoch;
    for (const r of restarts) {
      if (r.at === epoch && nodes[r.node] !== undefined) {
        await nodes[r.node]!.stop();
        retire(nodes[r.node]!.stats);
        nodes[r.node] = undefined;
      }
      if (r.at + r.down === epoch && nodes[r.node] === undefined) {
        nodes[r.node] = makeNode(r.node);
        restartCount++;
      }
    }

    while (pending.length > 0 && pending[0].at <= epoch) {
      // A sender that is down sends when it is back (its queue keeps order).
      const idx = pending.findIndex((p) => p.at <= epoch && nodes[p.from] !== undefined);
      if (idx < 0) break;
      const p = pending.splice(idx, 1)[0];
      const g = groups.get(p.group)!;
      const id = await nodes[p.from]!.send(g.id, p.body, { mode: p.mode });
      const recipients = new Set(g.members.filter((i) => i !== p.from).map((i) => ids[i]));
      intended += recipients.size;
      tracked.set(bytesToHex(id), { sentAt: epoch, from: ids[p.from], recipients });
    }

    const arrived = net.take(epoch);
    const now = held.get(epoch) ?? [];
    held.delete(epoch);
    for (const pkt of arrived) {
      if (ackDelayEpochs > 0 && slowAckers.has(indexOf.get(pkt.to)!)) {
        const at = epoch + ackDelayEpochs;
        held.set(at, [...(held.get(at) ?? []), pkt]);
      } else {
        now.push(pkt);
      }
    }
    for (const pkt of now) {
      const to = nodes[indexOf.get(pkt.to)!];
      if (to === undefined) continue;
      try {
        await to.receive(pkt.from, pkt.bytes);
      } catch {
        rejectedPayloads++;
      }
    }

    for (const node of nodes) if (node !== undefined) await node.tick();

    if (pending.length === 0 && delivered >= intended && net.inflight === 0 && heldCount() === 0 && nodes.every((x) => x !== undefined)) {
      let idle = true;
      for (const node of nodes) if (!(await node!.isIdle())) idle = false;
      if (idle) {
        quiescentAt = epoch;
        break;
      }
    }
  }
  for (const node of nodes) {
    if (node === undefined) continue;
    await node.stop();
    retire(node.stats);
  }

  latencies.sort((a, b) => a - b);
  const mean = latencies.length === 0 ? 0 : latencies.reduce((s, x) => s + x, 0) / latencies.length;
  return {
    nodes: n,
    messages: options.messages,
    mode,
    loss,
    intended,
    delivered,
    duplicates,
    unexpected,
    complete: delivered === intended && pending.length === 0,
    epochsToFullDelivery,
    quiescentAt,
    latency: { mean, p50: percentile(latencies, 0.5), p90: percentile(latencies, 0.9), max: latencies.at(-1) ?? 0 },
    fullyAcknowledged,
    payloadsSent: net.payloadsSent,
    bytesSent: net.bytesSent,
    payloadsPerDelivered: delivered === 0 ? 0 : net.payloadsSent / delivered,
    bytesPerDelivered: delivered === 0 ? 0 : net.bytesSent / delivered,
    messagesSent,
    copiesPerDelivered: delivered === 0 ? 0 : messagesSent / delivered,
    duplicateCopies,
    gaveUp,
    rejectedPayloads,
    restarts: restartCount,
  };
}
