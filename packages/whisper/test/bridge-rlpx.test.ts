import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex, equalBytes, utf8ToBytes } from '@status-stack/crypto';
import {
  Bridge,
  createBridgeNode,
  publicChatKey,
  publicChatTopic,
  WakuNode,
  WhisperNode,
  wrapMessage,
  type BridgeNode,
  type EnvelopeNode,
  type ReceivedMessage,
} from '../src/index.js';
import type { Overlay } from '@status-stack/p2p-overlay';
import { Resources, until } from './helpers/nodes.js';

const res = new Resources();
afterEach(() => res.closeAll());

const topic = publicChatTopic('bridged');
const symKey = publicChatKey('bridged');
const text = (s: string) => utf8ToBytes(s);

async function bridgeNode(): Promise<BridgeNode & { overlay: Overlay }> {
  const overlay = res.overlay();
  const b = createBridgeNode(overlay);
  res.add(() => b.stop());
  await b.start();
  await overlay.start();
  return Object.assign(b, { overlay });
}

/** Connects a plain node to a bridge node and waits for the handshake on the matching side. */
async function attach(node: EnvelopeNode & { overlay: Overlay }, bridge: BridgeNode & { overlay: Overlay }): Promise<void> {
  await node.overlay.connect(bridge.overlay.enode);
  const side: EnvelopeNode = node instanceof WakuNode ? bridge.waku : bridge.whisper;
  await until(() => node.peers().length === 1 && side.peers().some((p) => p.id === node.overlay.nodeId), 'handshake through the bridge');
}

function listen(node: EnvelopeNode): ReceivedMessage[] {
  const got: ReceivedMessage[] = [];
  node.subscribe({ topics: [topic], symKey }, (m) => got.push(m));
  return got;
}

describe('Whisper ↔ Waku bridge over RlpxOverlay on 127.0.0.1', () => {
  it('a Waku node and a Whisper node exchange envelopes through a bridge node speaking shh/6 and waku/1', async () => {
    const bridge = await bridgeNode();
    const wakuNode = await res.node((o) => new WakuNode(o));
    const whisperNode = await res.node((o) => new WhisperNode(o));
    await attach(wakuNode, bridge);
    await attach(whisperNode, bridge);
    // Each plain node only speaks its own protocol with the bridge.
    expect(bridge.waku.peers().map((p) => p.id)).toEqual([wakuNode.overlay.nodeId]);
    expect(bridge.whisper.peers().map((p) => p.id)).toEqual([whisperNode.overlay.nodeId]);
    const atWaku = listen(wakuNode);
    const atWhisper = listen(whisperNode);

    const fromWaku = await wakuNode.post({ topic, payload: text('waku → whisper'), symKey });
    await until(() => atWhisper.length === 1, 'Waku envelope at the Whisper node');
    expect(atWhisper[0].hash).toEqual(fromWaku);
    expect(atWhisper[0].payload).toEqual(text('waku → whisper'));
    expect(atWhisper[0].signer).toBeUndefined();

    const fromWhisper = await whisperNode.post({ topic, payload: text('whisper → waku'), symKey });
    await until(() => atWaku.some((m) => equalBytes(m.hash, fromWhisper)), 'Whisper envelope at the Waku node');
    expect(bridge.bridge.stats).toEqual({ toWaku: 1, toWhisper: 1, refused: 0 });

    // No loop: nothing comes back to its origin as new, and the bridge carried each envelope once.
    // (A node's filters also see what it posts itself: one own message, one bridged, at each end.)
    await new Promise((r) => setTimeout(r, 100));
    const hashes = (got: ReceivedMessage[]) => got.map((m) => bytesToHex(m.hash)).sort();
    const both = hashes([{ hash: fromWaku }, { hash: fromWhisper }] as ReceivedMessage[]);
    expect(hashes(atWaku)).toEqual(both);
    expect(hashes(atWhisper)).toEqual(both);
    expect(bridge.bridge.stats).toEqual({ toWaku: 1, toWhisper: 1, refused: 0 });
    expect(bridge.waku.envelopes()).toHaveLength(2);
    expect(bridge.whisper.envelopes()).toHaveLength(2);
  });

  it('two bridges in a chain (Whisper – C1 = C2 – Waku) deliver once and stop', async () => {
    const c1 = await bridgeNode();
    const c2 = await bridgeNode();
    const whisperNode = await res.node((o) => new WhisperNode(o));
    const wakuNode = await res.node((o) => new WakuNode(o));
    await attach(whisperNode, c1);
    await attach(wakuNode, c2);
    // C1 and C2 share both capabilities: one connection carries shh/6 and waku/1.
    await c1.overlay.connect(c2.overlay.enode);
    await until(() => c1.waku.peers().length === 1 && c1.whisper.peers().length === 2, 'bridges linked on both protocols');
    const atWaku = listen(wakuNode);
    const h = await whisperNode.post({ topic, payload: text('through two bridges'), symKey });
    await until(() => atWaku.length === 1, 'delivery at the Waku node');
    expect(atWaku[0].hash).toEqual(h);
    await new Promise((r) => setTimeout(r, 150));
    expect(atWaku).toHaveLength(1);
    // Each bridge carried it across at most once, in one direction.
    for (const c of [c1, c2]) expect(c.bridge.stats.toWaku + c.bridge.stats.toWhisper).toBeLessThanOrEqual(1);
    expect(c1.bridge.stats.toWaku + c2.bridge.stats.toWaku).toBeGreaterThanOrEqual(1);
  });

  it('bridges one way only when asked, never mailserver history, and refuses what the other side rejects', async () => {
    const overlay = res.overlay();
    const whisper = new WhisperNode(overlay);
    const waku = new WakuNode(overlay, { minPow: 10 });
    const bridge = new Bridge(whisper, waku, { wakuToWhisper: false });
    res.add(() => bridge.stop());
    res.add(() => whisper.stop());
    res.add(() => waku.stop());
    await whisper.start();
    await waku.start();
    bridge.start();
    await waku.post({ topic, payload: text('stays on waku'), symKey, powTarget: 20, ttl: 5 });
    expect(whisper.envelopes()).toHaveLength(0);
    // Waku wants PoW 10: a cheap Whisper envelope is refused there (counted, not thrown).
    await whisper.post({ topic, payload: text('cheap'), symKey, powTarget: 0 });
    expect(bridge.stats).toEqual({ toWaku: 0, toWhisper: 0, refused: 1 });
    const history = wrapMessage({ topic, payload: text('old'), symKey, ttl: 10, powTarget: 0, now: () => Date.now() - 3_600_000 });
    whisper.deliverP2P([history]);
    expect(bridge.stats.refused).toBe(1);
    expect(waku.envelopes()).toHaveLength(1);
  });
});
