// Whisper ↔ Waku bridging (vac 6/WAKU1 "Waku-Whisper bridging"): `shh/6` and `waku/1` carry the same
// envelopes, so a node speaking both relays what enters one pool into the other. No loops: an
// envelope we carried across is remembered and not carried back, and each pool drops envelopes it
// already holds, so a chain of bridges ends (at the latest when the envelope expires).
import createDebug from 'debug';
import type { Overlay } from '@status-stack/p2p-overlay';
import { bytesToHex } from '@status-stack/crypto';
import type { Envelope } from './envelope.js';
import { WhisperError } from './errors.js';
import type { EnvelopeNode } from './node/envelope-node.js';
import type { BridgeOptions, BridgeStats, EnvelopeNodeOptions, EnvelopeSource, Hash, WakuNodeOptions } from './types.js';
import { WhisperNode } from './whisper-node.js';
import { WakuNode } from './waku/waku-node.js';

const log = createDebug('status:whisper:bridge');

/**
 * Relays envelopes between a Whisper node and a Waku node (normally on one overlay: see
 * {@link createBridgeNode}). Mailserver history (`p2p`) is never bridged.
 */
export class Bridge {
  readonly stats: BridgeStats = { toWaku: 0, toWhisper: 0, refused: 0 };
  /** Hashes we injected into a pool → their expiry (Unix seconds). */
  private readonly carried = new Map<string, number>();
  private readonly now: () => number;
  private readonly bridgeLocal: boolean;
  private readonly onWhisper: (envelope: Envelope, hash: Hash, source: EnvelopeSource) => void;
  private readonly onWaku: (envelope: Envelope, hash: Hash, source: EnvelopeSource) => void;
  private running = false;
  private sweeps = 0;

  constructor(
    readonly whisper: EnvelopeNode,
    readonly waku: EnvelopeNode,
    private readonly options: BridgeOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.bridgeLocal = options.bridgeLocal ?? true;
    this.onWhisper = (env, hash, source) => this.carry(env, hash, source, this.waku, 'toWaku');
    this.onWaku = (env, hash, source) => this.carry(env, hash, source, this.whisper, 'toWhisper');
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.options.whisperToWaku ?? true) this.whisper.on('envelope:added', this.onWhisper);
    if (this.options.wakuToWhisper ?? true) this.waku.on('envelope:added', this.onWaku);
  }

  stop(): void {
    this.running = false;
    this.whisper.off('envelope:added', this.onWhisper);
    this.waku.off('envelope:added', this.onWaku);
    this.carried.clear();
  }

  private carry(envelope: Envelope, hash: Hash, source: EnvelopeSource, to: EnvelopeNode, dir: 'toWaku' | 'toWhisper'): void {
    if (source.kind === 'p2p') return;
    const id = bytesToHex(hash);
    // What we injected shows up on the other side as a local envelope: that is the loop to cut.
    if (this.carried.has(id)) return;
    if (source.kind === 'local' && !this.bridgeLocal) return;
    this.remember(id, envelope.expiry);
    if (to.hasEnvelope(hash)) return;
    try {
      to.postEnvelope(envelope);
      this.stats[dir]++;
    } catch (e) {
      if (!(e instanceof WhisperError)) throw e;
      this.stats.refused++;
      log('%s: envelope 0x%s refused: %s', dir, id.slice(0, 12), e.message);
    }
  }

  private remember(id: string, expiry: number): void {
    this.carried.set(id, expiry);
    // Forget the expired now and then: by then neither pool holds the envelope and nothing can echo it.
    if (++this.sweeps % 1024 === 0) {
      const now = Math.floor(this.now() / 1000);
      for (const [k, exp] of this.carried) if (exp + 60 < now) this.carried.delete(k);
    }
  }
}

export interface BridgeNode {
  whisper: WhisperNode;
  waku: WakuNode;
  bridge: Bridge;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A node speaking `shh/6` and `waku/1` on one overlay, bridging the two networks. Start the overlay yourself. */
export function createBridgeNode(
  overlay: Overlay,
  options: { whisper?: EnvelopeNodeOptions; waku?: WakuNodeOptions; bridge?: BridgeOptions } = {},
): BridgeNode {
  const whisper = new WhisperNode(overlay, options.whisper);
  const waku = new WakuNode(overlay, options.waku);
  const bridge = new Bridge(whisper, waku, options.bridge);
  return {
    whisper,
    waku,
    bridge,
    async start() {
      await whisper.start();
      await waku.start();
      bridge.start();
    },
    async stop() {
      bridge.stop();
      await waku.stop();
      await whisper.stop();
    },
  };
}
