// Shared by the Waku, mailserver and bridge tests: nodes on real RLPx overlays (127.0.0.1, port 0)
// that the test's afterEach closes, and bare peers whose packets a test writes by hand.
import { RlpxOverlay, type Capability, type Overlay, type PeerLink } from '@status-stack/p2p-overlay';
import type { EnvelopeNode } from '../../src/index.js';
import { until } from '../../../../test-support/index.js';

export { until };

/** Everything a test opened, closed in reverse order by `closeAll`. */
export class Resources {
  private readonly closers: Array<() => Promise<void> | void> = [];

  overlay(privateKey?: Uint8Array): Overlay {
    const o = new RlpxOverlay({ host: '127.0.0.1', port: 0, privateKey });
    this.closers.push(() => o.stop());
    return o;
  }

  add(close: () => Promise<void> | void): void {
    this.closers.push(close);
  }

  /** Starts a node on a new overlay (node first, so its capabilities are in Hello). */
  async node<N extends EnvelopeNode>(make: (overlay: Overlay) => N): Promise<N & { overlay: Overlay }> {
    const overlay = this.overlay();
    const node = make(overlay);
    this.closers.push(() => node.stop());
    await node.start();
    await overlay.start();
    return Object.assign(node, { overlay }) as N & { overlay: Overlay };
  }

  async closeAll(): Promise<void> {
    for (const c of this.closers.splice(0).reverse()) {
      try {
        await c();
      } catch {
        // closing is best effort
      }
    }
  }
}

/** Connects a → b and waits until both node handshakes are done. */
export async function connect(a: EnvelopeNode & { overlay: Overlay }, b: EnvelopeNode & { overlay: Overlay }): Promise<void> {
  await a.overlay.connect(b.overlay.enode);
  await until(
    () => a.peers().some((p) => p.id === b.overlay.nodeId) && b.peers().some((p) => p.id === a.overlay.nodeId),
    'node handshake',
  );
}

export interface RawPeer {
  overlay: Overlay;
  link: PeerLink;
  received: Array<[number, Uint8Array]>;
  /** Waits for the next packet with this code (after `from` packets already seen). */
  next(code: number, from?: number): Promise<Uint8Array>;
}

/** A bare peer speaking `capability`, connected to `target`; the test writes its packets. */
export async function rawPeer(res: Resources, capability: Capability, target: { overlay: Overlay }, privateKey?: Uint8Array): Promise<RawPeer> {
  const overlay = res.overlay(privateKey);
  const received: Array<[number, Uint8Array]> = [];
  let resolve!: (l: PeerLink) => void;
  const got = new Promise<PeerLink>((r) => (resolve = r));
  overlay.register(capability, (l) => {
    l.onMessage((code, payload) => received.push([code, payload]));
    resolve(l);
  });
  await overlay.start();
  await overlay.connect(target.overlay.enode);
  const link = await got;
  return {
    overlay,
    link,
    received,
    async next(code, from = 0) {
      let found: Uint8Array | undefined;
      await until(() => {
        found = received.slice(from).find(([c]) => c === code)?.[1];
        return found !== undefined;
      }, `packet ${code}`);
      return found!;
    },
  };
}
