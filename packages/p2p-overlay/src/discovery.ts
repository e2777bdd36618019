import * as dgram from 'node:dgram';
import type { EventEmitter } from 'node:events';
import debugFactory from 'debug';
import type { Discv5 } from '@chainsafe/discv5';
import type { ENR as ChainsafeEnr } from '@chainsafe/enr';
import { RLP } from '@ethereumjs/rlp';
import { generatePrivateKey, utf8ToBytes } from '@status-stack/crypto';
import { OverlayError, OVERLAY_ERROR } from './errors.js';
import { parseEnode } from './enode.js';
import { ENR_CAPABILITIES_KEY, decodeEnr, enrHasCapability, enrToEnode, type Enr } from './enr.js';
import { resolveEnrTree, systemDnsResolver, type DnsResolver } from './dns-tree.js';
import type { Capability, DiscoverySource } from './types.js';

const log = debugFactory('status:p2p-overlay:discovery');

type Discv5CreateOptions = Parameters<typeof Discv5.create>[0];

/**
 * The discv5 implementation and what it needs, loaded on the first `Discv5Discovery.start()`
 * only: importing the overlay (or anything above it) never loads them. `@chainsafe/discv5`
 * 11.0.0, the newest release whose dependencies all install from the registry, imports
 * `ethereum-cryptography` and `@libp2p/peer-id` without declaring them; under an isolated install
 * layout (`--install-strategy=linked`) they resolve only if the application itself depends on
 * them, which the error below says.
 */
const DISCV5_UNDECLARED = ['ethereum-cryptography@^2', '@libp2p/peer-id@^5'] as const;

async function loadDiscv5(): Promise<{
  Discv5: typeof Discv5;
  SignableENR: typeof import('@chainsafe/enr').SignableENR;
  privateKeyFromRaw: typeof import('@libp2p/crypto/keys').privateKeyFromRaw;
  multiaddr: typeof import('@multiformats/multiaddr').multiaddr;
}> {
  try {
    const [d, e, k, m] = await Promise.all([
      import('@chainsafe/discv5'),
      import('@chainsafe/enr'),
      import('@libp2p/crypto/keys'),
      import('@multiformats/multiaddr'),
    ]);
    return { Discv5: d.Discv5, SignableENR: e.SignableENR, privateKeyFromRaw: k.privateKeyFromRaw, multiaddr: m.multiaddr };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const hint =
      err.code === 'ERR_MODULE_NOT_FOUND' && DISCV5_UNDECLARED.some((d) => err.message.includes(`'${d.split('@^')[0]}'`))
        ? ` (@chainsafe/discv5 imports ${DISCV5_UNDECLARED.map((d) => d.split('@^')[0]).join(' and ')} without declaring them: with an isolated install layout, add ${DISCV5_UNDECLARED.map((d) => `'${d}'`).join(' and ')} to the application's dependencies)`
        : '';
    throw new OverlayError(OVERLAY_ERROR.DISCOVERY_FAILED, `discv5 could not be loaded: ${err.message}${hint}`);
  }
}

/** A fixed list of enode URLs. */
export class StaticDiscovery implements DiscoverySource {
  readonly name = 'static';
  private readonly enodes: string[];
  private running = false;

  constructor(enodes: readonly string[]) {
    for (const e of enodes) parseEnode(e);
    this.enodes = [...enodes];
  }

  start(onPeer: (enode: string) => void): void {
    this.running = true;
    queueMicrotask(() => {
      if (!this.running) return;
      for (const e of this.enodes) onPeer(e);
    });
  }

  stop(): void {
    this.running = false;
  }
}

export interface DnsDiscoveryOptions {
  /** `enrtree://<key>@<domain>` URLs. */
  urls: readonly string[];
  /** Default: the system resolver. Tests pass `mapDnsResolver(tree.records)`. */
  resolver?: DnsResolver;
  /** Re-fetch the trees this often while running (default 30 min; 0 = once). */
  refreshMs?: number;
  /** Only records advertising this capability (`caps` key); default: every record with ip/tcp. */
  capability?: Pick<Capability, 'name' | 'version'>;
}

/** EIP-1459 DNS node lists. */
export class DnsDiscovery implements DiscoverySource {
  readonly name = 'dns';
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly resolver: DnsResolver;

  constructor(private readonly opts: DnsDiscoveryOptions) {
    this.resolver = opts.resolver ?? systemDnsResolver();
  }

  start(onPeer: (enode: string) => void): void {
    this.running = true;
    const run = async () => {
      for (const url of this.opts.urls) {
        try {
          const enrs = await resolveEnrTree(url, this.resolver);
          if (!this.running) return;
          for (const enode of usableEnodes(enrs, this.opts.capability)) onPeer(enode);
        } catch (e) {
          log('dns list %s: %s', url, (e as Error).message);
        }
      }
      const every = this.opts.refreshMs ?? 30 * 60_000;
      if (this.running && every > 0) this.timer = setTimeout(() => void run(), every);
    };
    void run();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }
}

function usableEnodes(enrs: readonly Enr[], cap: Pick<Capability, 'name' | 'version'> | undefined): string[] {
  const out: string[] = [];
  for (const enr of enrs) {
    if (enr.ip === undefined || enr.tcp === undefined) continue;
    if (cap && !enrHasCapability(enr, cap)) continue;
    out.push(enrToEnode(enr));
  }
  return out;
}

export interface Discv5DiscoveryOptions {
  /** Node key, shared with the RLPx overlay so the ENR's key is the enode id. */
  privateKey?: Uint8Array;
  /** Address to advertise in our ENR (default 127.0.0.1); also the one bound unless `bindHost` is set. */
  host?: string;
  /**
   * Address the UDP socket binds (default: `host`). Behind NAT, `host` is the public address
   * peers reach us at, which the machine does not own: bind a local one (or 0.0.0.0) here.
   */
  bindHost?: string;
  /** How long `start` waits for the UDP socket (default 10 s); then it fails with DISCOVERY_FAILED. */
  startTimeoutMs?: number;
  /** UDP port (default 0: a free one is picked at start). */
  udpPort?: number;
  /** Our RLPx TCP port, advertised as `tcp` so others can dial us. */
  tcpPort?: number;
  /** Capabilities we speak, advertised under the `caps` key. */
  advertise?: ReadonlyArray<Pick<Capability, 'name' | 'version'>>;
  /** Report only peers whose ENR advertises this capability. */
  capability?: Pick<Capability, 'name' | 'version'>;
  /** ENRs (text) of nodes to start from. */
  bootstrapEnrs?: readonly string[];
  /** Pause between random lookups (default 2 s). */
  lookupIntervalMs?: number;
}

async function freeUdpPort(host: string): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, host, () => resolve());
  });
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * discv5 over UDP (`@chainsafe/discv5`): keeps random lookups going while running and reports
 * every node whose ENR has an ip, a tcp port and, if asked, our capability.
 */
export class Discv5Discovery implements DiscoverySource {
  readonly name = 'discv5';
  private service: Discv5 | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly privateKey: Uint8Array;
  private readonly reported = new Set<string>();
  private port: number | undefined;

  constructor(private readonly opts: Discv5DiscoveryOptions = {}) {
    this.privateKey = opts.privateKey ?? generatePrivateKey();
  }

  /** Our ENR, once started. */
  get enr(): string {
    if (!this.service) throw new OverlayError(OVERLAY_ERROR.NOT_STARTED, 'discv5 not started');
    return this.service.enr.encodeTxt();
  }

  get udpPort(): number {
    if (this.port === undefined) throw new OverlayError(OVERLAY_ERROR.NOT_STARTED, 'discv5 not started');
    return this.port;
  }

  /** Every record seen so far (ours decoded), for inspection. */
  knownEnrs(): Enr[] {
    const out: Enr[] = [];
    for (const e of this.service?.kadValues() ?? []) {
      try {
        out.push(decodeEnr(e.encode()));
      } catch {
        // a record we cannot verify is not reported
      }
    }
    return out;
  }

  async start(onPeer: (enode: string) => void): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.reported.clear();
    const host = this.opts.host ?? '127.0.0.1';
    const bindHost = this.opts.bindHost ?? host;
    let lib: Awaited<ReturnType<typeof loadDiscv5>>;
    try {
      lib = await loadDiscv5();
    } catch (e) {
      this.running = false;
      throw e;
    }
    if (!this.running) return; // stopped while loading
    const { Discv5, SignableENR, privateKeyFromRaw, multiaddr } = lib;
    try {
      // Keep the port across suspend/resume: peers holding our record can still reach us.
      const port = this.port ?? (this.opts.udpPort || (await freeUdpPort(bindHost)));
      this.port = port;
      const enr = SignableENR.createV4(this.privateKey);
      enr.ip = host;
      enr.udp = port;
      if (this.opts.tcpPort !== undefined) enr.tcp = this.opts.tcpPort;
      if (this.opts.advertise) {
        enr.set(ENR_CAPABILITIES_KEY, RLP.encode(this.opts.advertise.map((c) => [utf8ToBytes(c.name), c.version])));
      }
      const service = Discv5.create({
        enr,
        // @libp2p/interface is installed twice; the key is the same shape under both types.
        privateKey: privateKeyFromRaw(this.privateKey) as unknown as Discv5CreateOptions['privateKey'],
        bindAddrs: { ip4: multiaddr(`/ip4/${bindHost}/udp/${port}`) },
        // Our ENR carries the loopback/LAN address we were given: do not let votes rewrite it.
        config: { enrUpdate: false, requestTimeout: 1000, lookupTimeout: 2000 },
      });
      this.service = service;
      const consider = (e: ChainsafeEnr) => this.consider(e, onPeer);
      const events = service as unknown as EventEmitter;
      events.on('discovered', consider);
      events.on('enrAdded', consider);
      for (const b of this.opts.bootstrapEnrs ?? []) {
        try {
          service.addEnr(b);
        } catch (e) {
          log('bad bootstrap ENR %s: %s', b.slice(0, 30), (e as Error).message);
        }
      }
      await this.startWithin(service, bindHost);
      // discv5's UDP sockets have no 'error' listener: a send error (unreachable host) would
      // otherwise surface as an uncaught exception.
      const transport = service.sessionService.transport as unknown as { ip4?: { socket?: dgram.Socket }; ip6?: { socket?: dgram.Socket } };
      for (const sock of [transport.ip4?.socket, transport.ip6?.socket]) sock?.on('error', (err) => log('udp error: %s', err.message));
    } catch (e) {
      this.running = false;
      const s = this.service;
      this.service = undefined;
      await s?.stop().catch(() => undefined);
      throw new OverlayError(OVERLAY_ERROR.DISCOVERY_FAILED, `discv5 start failed: ${(e as Error).message}`);
    }
    for (const e of this.service.kadValues()) this.consider(e, onPeer);
    const lookup = async () => {
      if (!this.running || !this.service) return;
      try {
        const found = await this.service.findRandomNode();
        for (const e of found) this.consider(e, onPeer);
      } catch (e) {
        log('lookup failed: %s', (e as Error).message);
      }
      if (this.running) this.timer = setTimeout(() => void lookup(), this.opts.lookupIntervalMs ?? 2000);
    };
    void lookup();
  }

  /**
   * discv5's start waits for its UDP bind, which never completes on an address the machine
   * does not own: give up after `startTimeoutMs` rather than hang.
   */
  private async startWithin(service: Discv5, bindHost: string): Promise<void> {
    const ms = this.opts.startTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
    try {
      const outcome = await Promise.race([service.start().then(() => 'started' as const), timeout]);
      if (outcome === 'timeout') {
        await service.stop().catch(() => undefined);
        throw new Error(`UDP socket on ${bindHost} not bound within ${ms} ms (is ${bindHost} an address of this machine? behind NAT, set bindHost)`);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private consider(e: ChainsafeEnr, onPeer: (enode: string) => void): void {
    if (!this.running) return;
    let enr: Enr;
    try {
      enr = decodeEnr(e.encode());
    } catch (err) {
      log('unusable ENR: %s', (err as Error).message);
      return;
    }
    const [enode] = usableEnodes([enr], this.opts.capability);
    if (enode === undefined || this.reported.has(enode)) return;
    this.reported.add(enode);
    log('found %s', enode);
    onPeer(enode);
  }

  /** Forget what was reported, so a restarted pool hears every peer again. */
  resetReported(): void {
    this.reported.clear();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    const s = this.service;
    this.service = undefined;
    if (s) {
      (s as unknown as EventEmitter).removeAllListeners();
      await s.stop().catch((e: Error) => log('discv5 stop: %s', e.message));
    }
  }
}
