// `--metrics host:port`: Prometheus metrics at /metrics and readiness at /health, from one HTTP
// listener and one registry per node (never prom-client's global one: two nodes in one process, as
// in tests, must not count into each other). Counters come from the events and stats the whisper
// nodes and mailservers already expose; the archive is wrapped to time its queries.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { reasonText, type RlpxOverlay } from '@status-stack/p2p-overlay';
import type { EnvelopeArchive, EnvelopeNode, MailServer, NodeStats } from '@status-stack/whisper';

/** What /health answers: 503 with `ready: false` until the node listens, then 200. */
export interface NodeHealth {
  status: 'starting' | 'ready' | 'stopping';
  ready: boolean;
  enode: string | undefined;
  /** Connected peers: `total` on the overlay, and past the handshake per protocol (`waku`, `shh`). */
  peers: Record<string, number>;
}

/** Stats of an envelope node exported as counters (`status_node_envelopes_<name>_total`). */
const STAT_COUNTERS = {
  received: 'envelopes received from peers, duplicates included',
  relayed: 'envelopes relayed to peers',
  duplicates: 'envelopes received that the node already had',
  expired: 'envelopes dropped from the pool on expiry',
  evicted: 'envelopes evicted from a full pool',
} as const satisfies Partial<Record<keyof NodeStats, string>>;

const ARCHIVE_COUNT_TIMEOUT_MS = 2000;

export class NodeMetrics {
  /** The registry every metric of this node is in. */
  readonly registry = new Registry();
  private readonly server: Server;
  private readonly nodes: EnvelopeNode[] = [];
  private readonly archives: EnvelopeArchive[] = [];
  private overlay: RlpxOverlay | undefined;
  private enode: string | undefined;
  private status: NodeHealth['status'] = 'starting';
  private _url = '';

  private readonly envelopesIn: Counter<'protocol' | 'source'>;
  private readonly envelopesOut: Counter<'protocol'>;
  private readonly envelopesRejected: Counter<'protocol' | 'reason'>;
  private readonly peersDropped: Counter<'protocol' | 'reason'>;
  private readonly requests: Counter<'protocol' | 'outcome'>;
  private readonly envelopesServed: Counter<'protocol'>;
  private readonly archiveQuery: Histogram<'outcome'>;
  private readonly requestSeconds: Histogram<'protocol' | 'outcome'>;

  constructor() {
    const registers = [this.registry];
    const nodes = this.nodes;
    const archives = this.archives;
    const overlay = () => this.overlay;
    new Gauge({
      name: 'status_node_peers',
      help: 'connected peers past the protocol handshake, by protocol (waku, shh)',
      labelNames: ['protocol'],
      registers,
      collect() {
        this.reset();
        for (const n of nodes) this.set({ protocol: n.capability.name }, n.peers().length);
      },
    });
    new Gauge({
      name: 'status_node_overlay_peers',
      help: 'RLPx connections, by direction',
      labelNames: ['direction'],
      registers,
      collect() {
        this.reset();
        const peers = overlay()?.peers() ?? [];
        this.set({ direction: 'inbound' }, peers.filter((p) => p.inbound).length);
        this.set({ direction: 'outbound' }, peers.filter((p) => !p.inbound).length);
      },
    });
    for (const [stat, help] of Object.entries(STAT_COUNTERS) as Array<[keyof typeof STAT_COUNTERS, string]>) {
      new Counter({
        name: `status_node_envelopes_${stat}_total`,
        help,
        labelNames: ['protocol'],
        registers,
        collect() {
          this.reset();
          for (const n of nodes) this.inc({ protocol: n.capability.name }, n.stats[stat]);
        },
      });
    }
    new Gauge({
      name: 'status_node_pool_envelopes',
      help: 'envelopes in the pool',
      labelNames: ['protocol'],
      registers,
      collect() {
        this.reset();
        for (const n of nodes) this.set({ protocol: n.capability.name }, n.stats.poolSize);
      },
    });
    this.envelopesIn = new Counter({
      name: 'status_node_envelopes_in_total',
      help: 'new envelopes that entered the pool, by source (peer: from a peer; local: posted here; p2p: history from a mailserver)',
      labelNames: ['protocol', 'source'],
      registers,
    });
    this.envelopesOut = new Counter({
      name: 'status_node_envelopes_out_total',
      help: 'envelopes sent to peers (one per envelope and peer)',
      labelNames: ['protocol'],
      registers,
    });
    this.envelopesRejected = new Counter({
      name: 'status_node_envelopes_rejected_total',
      help: 'envelopes refused, by reason (the WhisperError code)',
      labelNames: ['protocol', 'reason'],
      registers,
    });
    this.peersDropped = new Counter({
      name: 'status_node_peers_dropped_total',
      help: 'peers disconnected by the node, by devp2p reason',
      labelNames: ['protocol', 'reason'],
      registers,
    });
    this.requests = new Counter({
      name: 'status_node_mailserver_requests_total',
      help: 'history requests answered, by outcome (served, rejected, failed, cancelled)',
      labelNames: ['protocol', 'outcome'],
      registers,
    });
    this.envelopesServed = new Counter({
      name: 'status_node_mailserver_envelopes_served_total',
      help: 'envelopes sent in answer to history requests',
      labelNames: ['protocol'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'status_node_mailserver_request_seconds',
      help: 'time from a history request arriving to its last envelope sent (or its rejection), by outcome',
      labelNames: ['protocol', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.archiveQuery = new Histogram({
      name: 'status_node_mailserver_archive_query_seconds',
      help: 'time one page of a history request takes to read from the archive',
      labelNames: ['outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    new Gauge({
      name: 'status_node_archive_envelopes',
      help: 'envelopes in the mailserver archive',
      registers,
      async collect() {
        for (const a of archives) {
          let timer: NodeJS.Timeout | undefined;
          try {
            const timeout = new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error('archive count timed out')), ARCHIVE_COUNT_TIMEOUT_MS);
            });
            this.set(await Promise.race([a.count(), timeout]));
          } catch {
            // A slow or failing archive must not fail the scrape: the gauge keeps its last value.
          } finally {
            clearTimeout(timer);
          }
        }
      },
    });
    new Gauge({
      name: 'process_resident_memory_bytes',
      help: 'resident set size of the node process, in bytes',
      registers,
      collect() {
        this.set(process.memoryUsage().rss);
      },
    });
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** `http://host:port` as bound. */
  get url(): string {
    return this._url;
  }

  /** Starts the listener; /health says 503 (`starting`) until {@link setReady}. */
  async listen(address: { host: string; port: number }): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(address.port, address.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const bound = this.server.address() as AddressInfo;
    this._url = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
    return this;
  }

  /** Counts a node's envelopes and drops (before it starts, so nothing is missed). */
  watchNode(node: EnvelopeNode): void {
    this.nodes.push(node);
    const protocol = node.capability.name;
    node.on('envelope:added', (_e, _h, source) => this.envelopesIn.inc({ protocol, source: source.kind }));
    node.on('envelope:sent', () => this.envelopesOut.inc({ protocol }));
    node.on('envelope:rejected', (error) => this.envelopesRejected.inc({ protocol, reason: error.code }));
    node.on('peer:dropped', (_peer, reason) => this.peersDropped.inc({ protocol, reason: reasonText(reason) }));
  }

  /** Counts a mailserver's requests; `protocol` is its node's. */
  watchMailServer(server: MailServer, protocol: string): void {
    server.on('request:finished', (r) => {
      this.requests.inc({ protocol, outcome: r.outcome });
      if (r.envelopes > 0) this.envelopesServed.inc({ protocol }, r.envelopes);
      this.requestSeconds.observe({ protocol, outcome: r.outcome }, r.durationMs / 1000);
    });
  }

  /** The archive, its queries timed; its size is read at each scrape. */
  watchArchive(archive: EnvelopeArchive): EnvelopeArchive {
    this.archives.push(archive);
    const histogram = this.archiveQuery;
    return {
      put: (r) => archive.put(r),
      putMany: (r) => archive.putMany(r),
      async query(q) {
        const end = histogram.startTimer();
        try {
          const page = await archive.query(q);
          end({ outcome: 'ok' });
          return page;
        } catch (e) {
          end({ outcome: 'error' });
          throw e;
        }
      },
      prune: (now, retention) => archive.prune(now, retention),
      count: () => archive.count(),
      close: () => archive.close(),
    };
  }

  /** The node listens: /health answers 200. */
  setReady(overlay: RlpxOverlay, enode: string): void {
    this.overlay = overlay;
    this.enode = enode;
    this.status = 'ready';
  }

  /** The node is shutting down: /health answers 503 again. */
  setStopping(): void {
    this.status = 'stopping';
  }

  health(): NodeHealth {
    const peers: Record<string, number> = { total: this.overlay?.peers().length ?? 0 };
    for (const n of this.nodes) peers[n.capability.name] = n.peers().length;
    return { status: this.status, ready: this.status === 'ready', enode: this.enode, peers };
  }

  /** Stops the listener (open scrapes are cut). Idempotent. */
  async close(): Promise<void> {
    this.setStopping();
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      try {
        const body = await this.registry.metrics();
        res.writeHead(200, { 'content-type': this.registry.contentType }).end(body);
      } catch (e) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(e as Error).message}\n`);
      }
      return;
    }
    if (path === '/health') {
      const h = this.health();
      res.writeHead(h.ready ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(h)}\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /health\n');
  }
}
