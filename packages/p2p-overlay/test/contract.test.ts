import { MemoryNetwork, RlpxOverlay } from '../src/index.js';
import { overlayContract } from './contract/overlay-contract.js';

overlayContract('MemoryOverlay', {
  create: (opts) => new MemoryNetworkSingleton().network.createOverlay(opts),
});

overlayContract('RlpxOverlay (TCP on 127.0.0.1)', {
  create: (opts) => new RlpxOverlay({ ...opts, host: '127.0.0.1', port: 0, handshakeTimeoutMs: 5_000 }),
});

/** One network for the whole MemoryOverlay run, so nodes created by one test can reach each other. */
class MemoryNetworkSingleton {
  private static shared: MemoryNetwork | undefined;
  get network(): MemoryNetwork {
    MemoryNetworkSingleton.shared ??= new MemoryNetwork();
    return MemoryNetworkSingleton.shared;
  }
}
