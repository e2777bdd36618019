import { generatePrivateKey, getPublicKey } from '@status-stack/crypto';
import type { Overlay, PeerLink } from '@status-stack/p2p-overlay';
import { WhisperNode, WHISPER_CAPABILITY, type EnvelopeNodeOptions, type ReceivedMessage } from '../src/index.js';
import { until } from '../../../test-support/index.js';

export { until };

export interface TestNode {
  overlay: Overlay;
  node: WhisperNode;
}

export async function startNode(overlay: Overlay, opts: EnvelopeNodeOptions = {}): Promise<TestNode> {
  const node = new WhisperNode(overlay, opts);
  await node.start();
  await overlay.start();
  return { overlay, node };
}

/** Connects a → b and waits until both Whisper handshakes are done. */
export async function link(a: TestNode, b: TestNode): Promise<void> {
  await a.overlay.connect(b.overlay.enode);
  await until(
    () => a.node.peers().some((p) => p.id === b.overlay.nodeId) && b.node.peers().some((p) => p.id === a.overlay.nodeId),
    'whisper handshake',
  );
}

export function collector(): { messages: ReceivedMessage[]; handler: (m: ReceivedMessage) => void } {
  const messages: ReceivedMessage[] = [];
  return { messages, handler: (m) => messages.push(m) };
}

/** A bare shh/6 peer whose packets the test writes by hand. */
export async function rawPeer(overlay: Overlay, target: TestNode): Promise<{ link: PeerLink; received: Array<[number, Uint8Array]> }> {
  const received: Array<[number, Uint8Array]> = [];
  let resolve!: (l: PeerLink) => void;
  const got = new Promise<PeerLink>((r) => (resolve = r));
  overlay.register(WHISPER_CAPABILITY, (l) => {
    l.onMessage((code, payload) => received.push([code, payload]));
    resolve(l);
  });
  await overlay.start();
  await overlay.connect(target.overlay.enode);
  return { link: await got, received };
}

export function identity(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const privateKey = generatePrivateKey();
  return { privateKey, publicKey: getPublicKey(privateKey) };
}
