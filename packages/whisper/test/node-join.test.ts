// When a peer counts as joined: only once both status packets are exchanged (ours first, then its),
// for Whisper and Waku alike. A peer that goes before that is logged with the reason it gave, and
// 'peer:closed' says it never joined. Over RLPx on 127.0.0.1 with bare peers written by hand.
import { format } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import createDebug from 'debug';
import { DISCONNECT_REASON, type Overlay } from '@status-stack/p2p-overlay';
import { encodeWakuStatusOptions, WAKU_CAPABILITY, WakuNode, WHISPER_CAPABILITY, WhisperNode, type EnvelopeNode } from '../src/index.js';
import { rawPeer, Resources, until } from './helpers/nodes.js';
import { STATUSD_WHISPER_STATUS } from './helpers/statusd-wire.js';

const res = new Resources();
const lines: string[] = [];
let restore: () => void = () => undefined;

beforeEach(() => {
  const previous = createDebug.disable();
  const previousLog = createDebug.log;
  createDebug.enable('status:whisper:node');
  createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
  restore = () => {
    createDebug.log = previousLog;
    createDebug.disable();
    if (previous) createDebug.enable(previous);
  };
});

afterEach(async () => {
  await res.closeAll();
  restore();
  lines.length = 0;
});

const kinds = [
  { name: 'whisper (shh/6)', capability: WHISPER_CAPABILITY, make: (o: Overlay): EnvelopeNode => new WhisperNode(o), status: STATUSD_WHISPER_STATUS },
  {
    name: 'waku (waku/1)',
    capability: WAKU_CAPABILITY,
    make: (o: Overlay): EnvelopeNode => new WakuNode(o, { acceptWaku0: false }),
    status: encodeWakuStatusOptions({ powRequirement: 2e-6, lightNode: false, confirmationsEnabled: false }),
  },
];

describe.each(kinds)('peer joined: $name', ({ capability, make, status }) => {
  it('logs "joined" and emits peer:handshake only after both status packets; ours went out first', async () => {
    const node = await res.node(make);
    const events: string[] = [];
    node.on('peer:handshake', () => events.push('handshake'));
    const closed: Array<[string, number, boolean]> = [];
    node.on('peer:closed', (id, reason, joined) => closed.push([id, reason, joined]));
    const peer = await rawPeer(res, capability, node);
    await peer.next(0);
    // Our status arrived, theirs not yet sent: not joined.
    expect(peer.received[0][0]).toBe(0);
    expect(events).toEqual([]);
    expect(lines.filter((l) => l.includes('joined'))).toEqual([]);
    expect(node.peers()).toHaveLength(0);

    peer.link.send(0, status);
    await until(() => events.length === 1, 'handshake');
    const joined = lines.filter((l) => l.includes(' joined '));
    expect(joined).toHaveLength(1);
    expect(joined[0]).toContain(`${capability.name}/${capability.version} peer ${peer.overlay.nodeId.slice(0, 12)} joined`);

    peer.link.close(DISCONNECT_REASON.TOO_MANY_PEERS);
    await until(() => closed.length === 1, 'peer:closed');
    expect(closed[0]).toEqual([peer.overlay.nodeId, DISCONNECT_REASON.TOO_MANY_PEERS, true]);
    expect(lines.some((l) => l.includes('left (remote disconnected: TOO_MANY_PEERS (0x04))'))).toBe(true);
  });

  it('a peer that drops us before sending its status never joined; its reason is logged', async () => {
    const node = await res.node(make);
    let handshakes = 0;
    node.on('peer:handshake', () => handshakes++);
    const closed: Array<[string, number, boolean]> = [];
    node.on('peer:closed', (id, reason, joined) => closed.push([id, reason, joined]));
    const peer = await rawPeer(res, capability, node);
    await peer.next(0);
    peer.link.close(DISCONNECT_REASON.USELESS_PEER);
    await until(() => closed.length === 1, 'peer:closed');
    expect(closed[0]).toEqual([peer.overlay.nodeId, DISCONNECT_REASON.USELESS_PEER, false]);
    expect(handshakes).toBe(0);
    expect(lines.filter((l) => l.includes(' joined '))).toEqual([]);
    const left = lines.filter((l) => l.includes('left before the status exchange completed'));
    expect(left).toHaveLength(1);
    expect(left[0]).toContain('remote disconnected: USELESS_PEER (0x03)');
  });

  it('a peer we drop before its status (here: a packet before the status) is logged with our reason, not as the remote’s', async () => {
    const node = await res.node(make);
    const closed: Array<[string, number, boolean]> = [];
    node.on('peer:closed', (id, reason, joined) => closed.push([id, reason, joined]));
    const peer = await rawPeer(res, capability, node);
    await peer.next(0);
    peer.link.send(1, Uint8Array.of(0xc0)); // messages before status
    await until(() => closed.length === 1, 'peer:closed');
    expect(closed[0]).toEqual([peer.overlay.nodeId, DISCONNECT_REASON.SUBPROTOCOL_ERROR, false]);
    const left = lines.filter((l) => l.includes('left before the status exchange completed'));
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/we disconnected: INVALID_PACKET: packet 1 before the status packet/);
  });
});
