// The node a StatusNodeConfig describes: RLPx overlay → Whisper v6 and/or Waku v1 (bridged when
// both) → optional mailserver with a SQLite or PostgreSQL archive → peer pool with static/bootstrap
// peers and discovery; optionally the metrics listener. What the status-node program runs, and what
// tests and programs call in-process.
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import debugFactory from 'debug';
import {
  DnsDiscovery,
  Discv5Discovery,
  frameSizeFor,
  JsonFilePeerCache,
  parseEnode,
  PeerPool,
  reasonText,
  RlpxOverlay,
  type DiscoverySource,
  type PeerInfo,
} from '@status-stack/p2p-overlay';
import { Bridge, MailServer, WakuNode, WHISPER, WhisperNode, type EnvelopeArchive, type EnvelopeNode, type EnvelopeNodeOptions } from '@status-stack/whisper';
import { stderrLogger } from './logger.js';
import { NodeMetrics } from './metrics.js';
import { loadOrCreateNodeKey, readMailserverKey } from './node-key.js';
import { redact, resolveNodeOptions } from './options.js';
import { ensurePrivateFile, mkdirPrivate } from './private-files.js';
import { NODE_DEFAULTS, type ArchiveConfig, type StartStatusNodeOptions, type StatusNode, type StatusNodeOptions } from './types.js';

const debugLog = debugFactory('status:node');

async function openArchive(config: ArchiveConfig): Promise<EnvelopeArchive> {
  // The drivers load only when an archive of their kind is configured: a relay loads neither.
  if (config.kind === 'postgres') {
    const { PostgresEnvelopeArchive } = await import('@status-stack/whisper/archive-postgres');
    return PostgresEnvelopeArchive.open(config.url);
  }
  if (config.path !== ':memory:') {
    mkdirPrivate(dirname(config.path));
    // Created 0600 before SQLite opens it: SQLite would make it 0644 under umask 022, and its -wal/-shm take its mode.
    ensurePrivateFile(config.path);
  }
  const { SqliteEnvelopeArchive } = await import('@status-stack/whisper/archive-sqlite');
  return new SqliteEnvelopeArchive({ path: config.path });
}

function describePeer(p: PeerInfo): string {
  const caps = p.capabilities.map((c) => `${c.name}/${c.version}`).join(',');
  return `${p.id.slice(0, 16)}… ${p.remoteAddress ?? '?'}:${p.remotePort ?? '?'} ${p.inbound ? 'inbound' : 'outbound'} [${caps}] ${JSON.stringify(p.clientId)}`;
}

/**
 * Starts the node the options describe (typed, defaults filled in by {@link resolveNodeOptions}; a
 * config from {@link parseNodeOptions} works too) and resolves once it listens. Bad options reject
 * with NodeConfigError before anything starts; on a later failure everything already started is
 * stopped again before the error is rethrown.
 */
export async function startStatusNode(nodeOptions: StatusNodeOptions = {}, options: StartStatusNodeOptions = {}): Promise<StatusNode> {
  const config = resolveNodeOptions(nodeOptions);
  const log = options.logger ?? stderrLogger(config.logLevel, config.logFormat);
  for (const w of config.warnings) log('warn', w);
  const cleanups: Array<() => Promise<void> | void> = [];
  // Closed after everything else: no node or mailserver may still write to it.
  let archive: EnvelopeArchive | undefined;
  const cleanup = async (): Promise<void> => {
    const steps = cleanups.splice(0).reverse();
    const a = archive;
    if (a) steps.push(() => a.close());
    for (const step of steps) {
      try {
        await step();
      } catch (e) {
        log('warn', `shutdown step failed: ${(e as Error).message}`);
      }
    }
  };

  let metrics: NodeMetrics | undefined;

  try {
    if (config.metrics) {
      // Listening before anything else: a supervisor polling /health sees 503 while the node starts.
      const m = await new NodeMetrics().listen(config.metrics);
      metrics = m;
      cleanups.push(() => m.close());
      log('info', `metrics on ${m.url}/metrics, health on ${m.url}/health`, { metrics: m.url });
    }
    let privateKey: Uint8Array;
    if (config.nodeKey.kind === 'hex') privateKey = config.nodeKey.privateKey;
    else {
      const k = await loadOrCreateNodeKey(config.nodeKey.path, { createDir: config.nodeKey.createDir ?? true });
      privateKey = k.privateKey;
      if (k.warning) log('warn', k.warning);
      log('info', `${k.created ? 'created' : 'loaded'} node key ${config.nodeKey.path}`, { nodeKey: config.nodeKey.path, created: k.created });
    }

    const overlay = new RlpxOverlay({
      privateKey,
      host: config.listen.host,
      port: config.listen.port,
      announceHost: config.announceHost,
      maxPeers: config.maxPeers,
      // No Whisper/Waku packet is larger: a peer's partial frame costs at most this much memory.
      maxMessageSize: WHISPER.DEFAULT_MAX_MESSAGE_SIZE,
      maxFrameSize: frameSizeFor(WHISPER.DEFAULT_MAX_MESSAGE_SIZE),
    });
    cleanups.push(() => overlay.stop());

    const nodeOptions: EnvelopeNodeOptions = {
      minPow: config.minPow,
      lightNode: config.light,
      rateLimits: { ipLimits: config.rateLimits.ip, peerIdLimits: config.rateLimits.peer, topicLimits: config.rateLimits.topic },
    };
    // A relay advertises and accepts every topic; a light node only what it subscribes to (nothing).
    if (!config.light) nodeOptions.bloomMode = 'full';
    const whisper = config.whisper ? new WhisperNode(overlay, nodeOptions) : undefined;
    const waku = config.waku ? new WakuNode(overlay, nodeOptions) : undefined;
    const nodes: EnvelopeNode[] = [whisper, waku].filter((n): n is WhisperNode | WakuNode => n !== undefined);
    for (const n of nodes) {
      cleanups.push(() => n.stop());
      metrics?.watchNode(n);
      n.on('peer:dropped', (peerId, reason, why) =>
        log('warn', `${n.capability.name}: dropped ${peerId.slice(0, 16)}…: ${reasonText(reason)} (${why})`, { protocol: n.capability.name, peer: peerId, reason: reasonText(reason), why }),
      );
      n.on('peer:handshake', (peer) => log('debug', `${n.capability.name}: handshake with ${peer.id.slice(0, 16)}… pow ${peer.powRequirement}${peer.lightNode ? ' light' : ''}`));
      n.on('error', (e) => log('error', `${n.capability.name}: ${e.message}`));
      // Capabilities are registered here, before the overlay starts, so they are in our Hello.
      await n.start();
    }
    let bridge: Bridge | undefined;
    if (whisper && waku) {
      bridge = new Bridge(whisper, waku);
      bridge.start();
      cleanups.push(() => bridge?.stop());
    }

    const mailservers: MailServer[] = [];
    if (config.mailserver.enabled) {
      const ms = config.mailserver;
      const asymKey = ms.asymKeyFile === undefined ? undefined : await readMailserverKey(ms.asymKeyFile);
      const opened = await openArchive(ms.archive);
      archive = opened;
      const served = metrics ? metrics.watchArchive(opened) : opened;
      for (const n of nodes) {
        const m = new MailServer(n, { archive: served, password: ms.password, asymKey, retentionSeconds: ms.retentionSeconds });
        metrics?.watchMailServer(m, n.capability.name);
        m.on('request:served', (peerId, _id, envelopes, cursor) =>
          log('info', `${n.capability.name}: served ${envelopes} envelopes to ${peerId.slice(0, 16)}…${cursor.length > 0 ? ' (more to page)' : ''}`, {
            protocol: n.capability.name,
            peer: peerId,
            envelopes,
            more: cursor.length > 0,
          }),
        );
        m.on('request:rejected', (peerId, _id, reason) =>
          log('warn', `${n.capability.name}: rejected history request from ${peerId.slice(0, 16)}…: ${reason}`, { protocol: n.capability.name, peer: peerId, reason }),
        );
        m.on('request:failed', (peerId, _id, e) => log('error', `${n.capability.name}: history request from ${peerId.slice(0, 16)}… failed: ${e.message}`));
        m.on('archive:error', (e) => log('error', `archive: ${e.message}`));
        mailservers.push(m);
        cleanups.push(() => m.close());
      }
      log('info', `mailserver on: archive ${ms.archive.kind === 'sqlite' ? `sqlite:${ms.archive.path}` : redact(ms.archive.url)}, retention ${ms.retentionSeconds / 86_400} days`);
    }

    overlay.on('peer:added', (p) =>
      log('info', `peer joined ${describePeer(p)} (${overlay.peers().length} peers)`, {
        peer: p.id,
        address: p.remoteAddress,
        port: p.remotePort,
        inbound: p.inbound,
        capabilities: p.capabilities.map((c) => `${c.name}/${c.version}`).join(','),
        clientId: p.clientId,
        peers: overlay.peers().length,
      }),
    );
    overlay.on('peer:removed', (p, _reason, why) => log('info', `peer left ${p.id.slice(0, 16)}… ${why} (${overlay.peers().length} peers)`, { peer: p.id, why, peers: overlay.peers().length }));
    overlay.on('peer:error', (e, peerId) => log('debug', `peer ${peerId ? `${peerId.slice(0, 16)}…` : '(handshake)'}: ${e.message}`));
    overlay.on('error', (e) => log('error', `overlay: ${e.message}`));
    await overlay.start();
    const enode = overlay.enode;
    const bound = parseEnode(enode);

    const discovery: DiscoverySource[] = [];
    const caps = nodes.map((n) => n.capability);
    for (const d of config.discovery) {
      if (d.kind === 'dns') discovery.push(new DnsDiscovery({ urls: [d.url] }));
      else {
        discovery.push(
          new Discv5Discovery({
            privateKey,
            // Advertise the enode's address; bind the listen address (0.0.0.0 behind NAT, with
            // --announce-host the public one). discv5 is IPv4 only.
            host: bound.host,
            bindHost: isIP(config.listen.host) === 4 ? config.listen.host : bound.host,
            udpPort: bound.port,
            tcpPort: bound.port,
            advertise: caps,
            bootstrapEnrs: config.bootstrapEnrs,
          }),
        );
      }
    }
    // The pool only logs a failing source at debug level: an operator should see it.
    const watched = discovery.map((d): DiscoverySource => ({
      name: d.name,
      async start(onPeer) {
        try {
          await d.start(onPeer);
        } catch (e) {
          log('warn', `discovery ${d.name} failed to start: ${(e as Error).message}`);
          throw e;
        }
      },
      stop: () => d.stop(),
    }));
    mkdirPrivate(config.dataDir);
    const pool = new PeerPool(overlay, {
      staticNodes: config.staticNodes,
      bootstrapNodes: config.bootstrapNodes,
      discovery: watched,
      minPeers: Math.min(2, config.maxPeers),
      // The pool drops peers above its maximum: it must allow as many as the overlay accepts.
      maxPeers: config.maxPeers,
      cache: new JsonFilePeerCache(join(config.dataDir, NODE_DEFAULTS.PEER_CACHE_FILE)),
    });
    pool.on('peer:dial-failed', (e, err, retryInMs) => log('warn', `dial ${e.slice(0, 30)}… failed: ${err.message}; retry in ${Math.round(retryInMs / 1000)} s`));
    pool.on('discovery:resumed', () => log('debug', 'discovery resumed'));
    pool.on('discovery:suspended', () => log('debug', 'discovery suspended'));
    cleanups.push(() => pool.stop());
    await pool.start();

    for (const d of config.discovery) log('info', d.kind === 'dns' ? `discovery: DNS list ${d.url}` : `discovery: discv5 on udp ${bound.host}:${bound.port}`);
    if (config.staticNodes.length + config.bootstrapNodes.length > 0) {
      log('info', `peers: ${config.staticNodes.length} static, ${config.bootstrapNodes.length} bootstrap`);
    }
    const protocols = nodes.map((n) => `${n.capability.name}/${n.capability.version}`).join(' + ');
    metrics?.setReady(overlay, enode);
    log('info', `listening on ${config.listen.host}:${bound.port}: ${protocols}${bridge ? ' (bridged)' : ''}${config.light ? ', light' : ''}`, {
      host: config.listen.host,
      port: bound.port,
      protocols,
      enode,
    });
    debugLog('started %s', enode);

    let stopping: Promise<void> | undefined;
    return {
      enode,
      nodeId: overlay.nodeId,
      overlay,
      whisper,
      waku,
      bridge,
      mailservers,
      archive,
      pool,
      metrics,
      stop() {
        // /health says 503 from the first moment of the shutdown: a load balancer stops sending clients.
        metrics?.setStopping();
        stopping ??= cleanup().then(() => log('info', 'stopped'));
        return stopping;
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
