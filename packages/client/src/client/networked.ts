import { WHISPER, WakuNode, WhisperNode, type EnvelopeNode } from '@status-stack/whisper';
import { PeerPool, RlpxOverlay, frameSizeFor, parseEnode } from '@status-stack/p2p-overlay';
import type { NetworkedClientOptions, OwnedResources } from './types.js';

/**
 * The default networked stack of a client: an RLPx overlay listening on host:port, a Waku v1 node
 * (status-go v0.62's default; `protocol: 'whisper'` for Whisper v6) on it, and a peer pool keeping
 * the static peers and the trusted mailserver connected. Nothing is started here:
 * `StatusClient.start()` starts it and `stop()` stops it.
 */
export function buildNetworkStack(options: Pick<NetworkedClientOptions, 'host' | 'port' | 'localAddress' | 'nodeKey' | 'staticPeers' | 'mailserver' | 'protocol'>): OwnedResources {
  const overlay = new RlpxOverlay({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    localAddress: options.localAddress,
    privateKey: options.nodeKey,
    // No Whisper/Waku packet is larger: a peer's partial frame costs at most this much memory.
    maxMessageSize: WHISPER.DEFAULT_MAX_MESSAGE_SIZE,
    maxFrameSize: frameSizeFor(WHISPER.DEFAULT_MAX_MESSAGE_SIZE),
  });
  const trustedPeers = options.mailserver ? [parseEnode(options.mailserver).id] : [];
  const node: EnvelopeNode = options.protocol === 'whisper' ? new WhisperNode(overlay, { trustedPeers }) : new WakuNode(overlay, { trustedPeers });
  const staticNodes = [...(options.staticPeers ?? [])];
  const pool =
    staticNodes.length > 0 || options.mailserver
      ? new PeerPool(overlay, {
          staticNodes,
          trustedNodes: options.mailserver ? [options.mailserver] : [],
          minPeers: 1,
          backoffInitialMs: 200,
          backoffMaxMs: 5000,
        })
      : undefined;
  return { overlay, node, pool };
}
