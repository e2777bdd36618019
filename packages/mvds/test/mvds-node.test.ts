import { afterEach, describe, expect, it, vi } from 'vitest';
import { bytesToHex, sha256, utf8ToBytes } from '@status-stack/crypto';
import {
  MODE,
  MVDS_ERROR,
  MemoryStore,
  MvdsError,
  MvdsNode,
  RECORD_TYPE,
  decodePayload,
  encodePayload,
  exponentialBackoff,
  messageId,
  type MvdsNodeOptions,
  type MvdsPayload,
  type PeerId,
  type ReceivedMessage,
  type Store,
} from '../src/index.js';

const G = sha256(utf8ToBytes('test-group'));
const clock = (): number => 1_700_000_000_000;

interface Sent {
  from: PeerId;
  to: PeerId;
  bytes: Uint8Array;
}

/** Collects what nodes send; tests deliver explicitly. */
class Wire {
  sent: Sent[] = [];
  drop = false;
  transport(from: PeerId) {
    return {
      send: (to: PeerId, bytes: Uint8Array) => {
        if (!this.drop) this.sent.push({ from, to, bytes });
      },
    };
  }
  take(): Sent[] {
    const s = this.sent;
    this.sent = [];
    return s;
  }
  async deliver(nodes: Record<PeerId, MvdsNode>): Promise<number> {
    const batch = this.take();
    for (const p of batch) await nodes[p.to].receive(p.from, p.bytes);
    return batch.length;
  }
}

function decoded(s: Sent): MvdsPayload {
  return decodePayload(s.bytes);
}

interface Peer {
  node: MvdsNode;
  store: MemoryStore;
  received: ReceivedMessage[];
  acked: string[];
  delivered: string[];
}

const opened: MvdsNode[] = [];
afterEach(async () => {
  for (const n of opened.splice(0)) await n.stop();
  vi.useRealTimers();
});

function peer(name: PeerId, wire: Wire, opts: Partial<MvdsNodeOptions> = {}, store = new MemoryStore()): Peer {
  const node = new MvdsNode({ store, transport: wire.transport(name), clock, ...opts });
  opened.push(node);
  const p: Peer = { node, store, received: [], acked: [], delivered: [] };
  node.on('message', (m) => p.received.push(m));
  node.on('acknowledged', (id, from) => p.acked.push(`${from}:${bytesToHex(id)}`));
  node.on('delivered', (id) => p.delivered.push(bytesToHex(id)));
  return p;
}

async function group(members: Record<PeerId, Peer>): Promise<void> {
  for (const [name, p] of Object.entries(members)) {
    for (const other of Object.keys(members)) if (other !== name) await p.node.addPeer(G, other);
  }
}

describe('batch mode', () => {
  it('MESSAGE → ACK, then delivered; ACKs never enter state', async () => {
    const wire = new Wire();
    const a = peer('A', wire);
    const b = peer('B', wire);
    await group({ A: a, B: b });
    const body = utf8ToBytes('hello');
    const id = await a.node.send(G, body);
    expect(id).toEqual(messageId({ groupId: G, timestamp: 1_700_000_000n, body }));
    expect(await a.store.getRecord('B', id)).toMatchObject({ type: RECORD_TYPE.MESSAGE, sendCount: 0 });

    await a.node.flush();
    const [p1] = wire.sent;
    expect(p1.to).toBe('B');
    expect(decoded(p1).messages).toHaveLength(1);
    await wire.deliver({ A: a.node, B: b.node });
    expect(b.received.map((m) => bytesToHex(m.id))).toEqual([bytesToHex(id)]);
    expect(b.received[0].from).toBe('A');
    expect(b.store.countRecords()).toBe(0); // the pending ACK is not state
    expect(await b.node.isIdle()).toBe(false);

    await b.node.flush();
    expect(decoded(wire.sent[0]).acks).toEqual([id]);
    await wire.deliver({ A: a.node, B: b.node });
    expect(a.acked).toEqual([`B:${bytesToHex(id)}`]);
    expect(a.delivered).toEqual([bytesToHex(id)]);
    expect(await a.node.isIdle()).toBe(true);
    expect(await b.node.isIdle()).toBe(true);
  });

  it('sends at most one payload per peer per epoch, holding every due record', async () => {
    const wire = new Wire();
    const a = peer('A', wire);
    const b = peer('B', wire);
    const c = peer('C', wire);
    await group({ A: a, B: b, C: c });
    // B sends A something so that A owes B an ACK.
    await b.node.send(G, utf8ToBytes('from B'));
    await b.node.flush();
    await wire.deliver({ A: a.node, B: b.node, C: c.node });
    wire.take();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await a.node.send(G, utf8ToBytes(`m${i}`)));
    await a.node.send(G, utf8ToBytes('interactive'), { mode: MODE.INTERACTIVE });
    await a.node.tick();
    const out = wire.take();
    expect(out.map((s) => s.to).sort()).toEqual(['B', 'C']);
    const toB = decoded(out.find((s) => s.to === 'B')!);
    expect(toB.acks).toHaveLength(1);
    expect(toB.messages).toHaveLength(3);
    expect(toB.offers).toHaveLength(1);
    const toC = decoded(out.find((s) => s.to === 'C')!);
    expect(toC.acks).toHaveLength(0);
    expect(toC.messages).toHaveLength(3);
    // Nothing is due again in the same epoch.
    await a.node.flush();
    expect(wire.take()).toHaveLength(0);
  });

  it('retransmits with exponential backoff up to the cap, then back to a low epoch', async () => {
    const wire = new Wire();
    const a = peer('A', wire, { nextEpoch: exponentialBackoff({ base: 1, cap: 4 }) });
    await a.node.addPeer(G, 'B');
    await a.node.send(G, utf8ToBytes('lost'));
    const sendEpochs: number[] = [];
    await a.node.flush();
    if (wire.take().length > 0) sendEpochs.push(await a.node.currentEpoch());
    for (let i = 0; i < 16; i++) {
      await a.node.tick();
      if (wire.take().length > 0) sendEpochs.push(await a.node.currentEpoch());
    }
    // delays 1, 2, 4, then back to 1, 2, 4, ...
    expect(sendEpochs).toEqual([0, 1, 3, 7, 8, 10, 14, 15]);
    const [rec] = a.store.dueRecords(1000);
    expect(rec.sendCount).toBe(8);
  });

  it('re-sends an ACK whenever the MESSAGE arrives again, delivering it once', async () => {
    const wire = new Wire();
    const a = peer('A', wire);
    const b = peer('B', wire);
    await group({ A: a, B: b });
    const id = await a.node.send(G, utf8ToBytes('twice'));
    await a.node.flush();
    const [payload] = wire.take();
    await b.node.receive('A', payload.bytes);
    await b.node.flush();
    wire.take(); // that ACK is lost
    const again = await b.node.receive('A', payload.bytes);
    expect(again).toMatchObject({ newMessages: 0, duplicateMessages: 1 });
    await b.node.flush();
    const [ack] = wire.take();
    expect(decoded(ack).acks).toEqual([id]);
    expect(b.received).toHaveLength(1);
    expect(b.node.stats.duplicatesReceived).toBe(1);
  });

  it('reports delivered only when every peer of the group has acknowledged', async () => {
    const wire = new Wire();
    const a = peer('A', wire);
    const b = peer('B', wire);
    const c = peer('C', wire);
    await group({ A: a, B: b, C: c });
    const id = await a.node.send(G, utf8ToBytes('to both'));
    await a.node.flush();
    await wire.deliver({ A: a.node, B: b.node, C: c.node });
    await b.node.flush();
    await wire.deliver({ A: a.node, B: b.node, C: c.node });
    expect(a.acked).toEqual([`B:${bytesToHex(id)}`]);
    expect(a.delivered).toEqual([]);
    await c.node.flush();
    await wire.deliver({ A: a.node, B: b.node, C: c.node });
    expect(a.acked).toEqual([`B:${bytesToHex(id)}`, `C:${bytesToHex(id)}`]);
    expect(a.delivered).toEqual([bytesToHex(id)]);
  });
});

describe('interactive mode', () => {
  it('OFFER → REQUEST → MESSAGE → ACK', async () => {
    const wire = new Wire();
    const a = peer('A', wire, { mode: MODE.INTERACTIVE });
    const b = peer('B', wire, { mode: MODE.INTERACTIVE });
    await group({ A: a, B: b });
    const id = await a.node.send(G, utf8ToBytes('offered'));
    await a.node.flush();
    expect(decoded(wire.sent[0])).toMatchObject({ offers: [id], messages: [] });
    await wire.deliver({ A: a.node, B: b.node });
    expect(await b.store.getRecord('A', id)).toMatchObject({ type: RECORD_TYPE.REQUEST });

    await b.node.flush();
    expect(decoded(wire.sent[0])).toMatchObject({ requests: [id] });
    await wire.deliver({ A: a.node, B: b.node });
    expect(await a.store.getRecord('B', id)).toMatchObject({ type: RECORD_TYPE.MESSAGE });

    await a.node.flush();
    expect(decoded(wire.sent[0]).messages).toHaveLength(1);
    await wire.deliver({ A: a.node, B: b.node });
    expect(b.received).toHaveLength(1);
    expect(await b.store.getRecord('A', id)).toBeUndefined(); // REQUEST removed

    await b.node.flush();
    expect(decoded(wire.sent[0])).toMatchObject({ acks: [id] });
    await wire.deliver({ A: a.node, B: b.node });
    expect(a.delivered).toEqual([bytesToHex(id)]);
    expect(await a.node.isIdle()).toBe(true);
    expect(await b.node.isIdle()).toBe(true);
  });

  it('answers an OFFER of a message it already holds with an ACK', async () => {
    const wire = new Wire();
    const a = peer('A', wire);
    const b = peer('B', wire);
    await group({ A: a, B: b });
    const id = await a.node.send(G, utf8ToBytes('x'));
    await a.node.flush();
    await wire.deliver({ A: a.node, B: b.node });
    await b.node.flush();
    wire.take(); // ACK lost
    // A now offers it again (say, interactively): B acks instead of requesting.
    await b.node.receive('A', encodePayload({ acks: [], offers: [id], requests: [], messages: [] }));
    expect(await b.store.getRecord('A', id)).toBeUndefined();
    await b.node.flush();
    expect(decoded(wire.sent[0]).acks).toEqual([id]);
  });

  it('both modes work at once on one node', async () => {
    const wire = new Wire();
    const a = peer('A', wire);
    const b = peer('B', wire);
    await group({ A: a, B: b });
    await a.node.send(G, utf8ToBytes('batch'));
    await a.node.send(G, utf8ToBytes('interactive'), { mode: MODE.INTERACTIVE });
    for (let i = 0; i < 6; i++) {
      await a.node.tick();
      await b.node.tick();
      await wire.deliver({ A: a.node, B: b.node });
    }
    expect(b.received.map((m) => new TextDecoder().decode(m.body)).sort()).toEqual(['batch', 'interactive']);
    expect(a.delivered).toHaveLength(2);
  });
});

describe('bad input', () => {
  async function setup() {
    const wire = new Wire();
    const a = peer('A', wire, { maxRequestsPerPeer: 10, maxReceiveBytes: 10_000 });
    await a.node.addPeer(G, 'B');
    return { wire, a };
  }

  it('rejects undecodable, empty and oversized payloads with typed errors', async () => {
    const { a } = await setup();
    await expect(a.node.receive('B', new Uint8Array([0xca, 0xb8]))).rejects.toMatchObject({
      code: MVDS_ERROR.MALFORMED_PAYLOAD,
    });
    await expect(a.node.receive('B', new Uint8Array(0))).rejects.toMatchObject({ code: MVDS_ERROR.NOT_DATASYNC });
    await expect(a.node.receive('B', new Uint8Array([0x08, 0x01]))).rejects.toMatchObject({ code: MVDS_ERROR.NOT_DATASYNC });
    await expect(a.node.receive('B', new Uint8Array(10_001))).rejects.toMatchObject({ code: MVDS_ERROR.PAYLOAD_TOO_LARGE });
    await expect(a.node.receive('B', new Uint8Array([0xca, 0xb8]))).rejects.toBeInstanceOf(MvdsError);
    expect(a.node.stats.payloadsRejected).toBe(5);
    expect(a.store.countRecords()).toBe(0);
    // Still works afterwards.
    await a.node.send(G, utf8ToBytes('ok'));
    expect(a.store.countRecords()).toBe(1);
  });

  it('ignores ACKs for unknown ids and REQUESTs for messages it never had', async () => {
    const { wire, a } = await setup();
    const unknown = sha256(utf8ToBytes('never'));
    const r = await a.node.receive('B', encodePayload({ acks: [unknown], offers: [], requests: [unknown], messages: [] }));
    expect(r).toMatchObject({ acks: 0, ignored: 2 });
    expect(a.store.countRecords()).toBe(0);
    await a.node.flush();
    expect(wire.take()).toHaveLength(0);
  });

  it('does not serve a REQUEST from a peer outside the message group', async () => {
    const { wire, a } = await setup();
    const id = await a.node.send(G, utf8ToBytes('members only'));
    const r = await a.node.receive('MALLORY', encodePayload({ acks: [], offers: [], requests: [id], messages: [] }));
    expect(r.ignored).toBe(1);
    expect(await a.store.getRecord('MALLORY', id)).toBeUndefined();
    await a.node.flush();
    expect(wire.take().map((s) => s.to)).toEqual(['B']);
  });

  it('bounds state under a flood of offers', async () => {
    const { a } = await setup();
    const offers = Array.from({ length: 100 }, (_, i) => sha256(utf8ToBytes(`offer ${i}`)));
    await a.node.receive('B', encodePayload({ acks: [], offers, requests: [], messages: [] }));
    await a.node.receive('B', encodePayload({ acks: [], offers, requests: [], messages: [] }));
    expect(a.store.countRecords('B', RECORD_TYPE.REQUEST)).toBe(10);
    expect(a.node.stats.droppedOffers).toBe(180);
  });

  it('bounds REQUEST records over all peers, and expires unanswered ones', async () => {
    const wire = new Wire();
    const a = peer('A', wire, { maxRequests: 25, maxRequestSends: 3, nextEpoch: (_n, e) => e + 1 });
    for (let p = 0; p < 10; p++) {
      const offers = Array.from({ length: 5 }, (_, i) => sha256(utf8ToBytes(`peer ${p} offer ${i}`)));
      await a.node.receive(`P${p}`, encodePayload({ acks: [], offers, requests: [], messages: [] }));
    }
    expect(a.store.countRecords(undefined, RECORD_TYPE.REQUEST)).toBe(25);
    expect(a.node.stats.droppedOffers).toBe(25);
    for (let i = 0; i < 4; i++) await a.node.tick();
    expect(a.node.stats.requestsSent).toBe(75); // 25 records x 3 sends
    expect(a.store.countRecords()).toBe(0);
    expect(a.node.stats.expiredRequests).toBe(25);
  });

  it('ignores messages whose group id is not 32 bytes, keeps the rest of the payload', async () => {
    const { a } = await setup();
    const got: ReceivedMessage[] = [];
    a.node.on('message', (m) => got.push(m));
    const bad = { groupId: new Uint8Array(5), timestamp: 1n, body: utf8ToBytes('bad') };
    const good = { groupId: G, timestamp: 1n, body: utf8ToBytes('good') };
    const r = await a.node.receive('B', encodePayload({ acks: [], offers: [], requests: [], messages: [bad, good] }));
    expect(r).toMatchObject({ newMessages: 1, ignored: 1 });
    expect(got.map((m) => new TextDecoder().decode(m.body))).toEqual(['good']);
  });

  it('does not ACK ephemeral messages (4/MVDS-META)', async () => {
    const { wire, a } = await setup();
    const m = { groupId: G, timestamp: 1n, body: utf8ToBytes('typing…'), metadata: { parents: [], ephemeral: true } };
    await a.node.receive('B', encodePayload({ acks: [], offers: [], requests: [], messages: [m] }));
    await a.node.flush();
    expect(wire.take()).toHaveLength(0);
  });

  it('a throwing subscriber does not break the engine', async () => {
    const { a } = await setup();
    a.node.on('message', () => {
      throw new Error('subscriber bug');
    });
    const m = { groupId: G, timestamp: 1n, body: utf8ToBytes('x') };
    await expect(
      a.node.receive('B', encodePayload({ acks: [], offers: [], requests: [], messages: [m] })),
    ).resolves.toMatchObject({ newMessages: 1 });
  });

  it('rejects bad arguments with typed errors', async () => {
    const { a } = await setup();
    expect(() => a.node.send(new Uint8Array(3), utf8ToBytes('x'))).toThrowError(
      expect.objectContaining({ code: MVDS_ERROR.INVALID_GROUP_ID }),
    );
    expect(() => exponentialBackoff({ base: 0 })).toThrowError(expect.objectContaining({ code: MVDS_ERROR.INVALID_ARGUMENT }));
    expect(() => exponentialBackoff({ base: 4, cap: 2 })).toThrowError(
      expect.objectContaining({ code: MVDS_ERROR.INVALID_ARGUMENT }),
    );
  });
});

describe('persistence and restart', () => {
  it('a new node on the same store continues where the old one stopped', async () => {
    const wire = new Wire();
    const store = new MemoryStore();
    const a1 = peer('A', wire, {}, store);
    const b = peer('B', wire);
    await group({ A: a1, B: b });
    await a1.node.tick();
    await a1.node.tick();
    wire.drop = true;
    const id = await a1.node.send(G, utf8ToBytes('survives restart'));
    await a1.node.tick(); // sent, lost
    wire.drop = false;
    await a1.node.stop();
    await expect(a1.node.tick()).rejects.toMatchObject({ code: MVDS_ERROR.STOPPED });

    const a2 = peer('A', wire, {}, store);
    expect(await a2.node.currentEpoch()).toBe(3);
    // The resend is due 2 s (8 epochs of 300 ms) after the lost send at epoch 3.
    for (let i = 0; i < 20 && b.received.length === 0; i++) {
      await a2.node.tick();
      await wire.deliver({ A: a2.node, B: b.node });
    }
    expect(b.received.map((m) => bytesToHex(m.id))).toEqual([bytesToHex(id)]);
    expect(await a2.node.currentEpoch()).toBe(11);
    await b.node.flush();
    await wire.deliver({ A: a2.node, B: b.node });
    expect(a2.delivered).toEqual([bytesToHex(id)]);
  });

  it('a restarted receiver does not deliver a message twice, and ACKs it again', async () => {
    const wire = new Wire();
    const a = peer('A', wire);
    const bStore = new MemoryStore();
    const b1 = peer('B', wire, {}, bStore);
    await group({ A: a, B: b1 });
    const id = await a.node.send(G, utf8ToBytes('once'));
    await a.node.flush();
    const [payload] = wire.take();
    await b1.node.receive('A', payload.bytes);
    await b1.node.stop(); // its pending ACK dies with it: ACKs are not state
    const b2 = peer('B', wire, {}, bStore);
    await b2.node.flush();
    expect(wire.take()).toHaveLength(0);
    await b2.node.receive('A', payload.bytes);
    await b2.node.flush();
    expect(decoded(wire.take()[0]).acks).toEqual([id]);
    expect(b1.received).toHaveLength(1);
    expect(b2.received).toHaveLength(0);
  });
});

/** A Store whose every method answers asynchronously, like a database would. */
function asyncStore(inner: MemoryStore): Store {
  const delay = <T>(v: T): Promise<T> => new Promise((resolve) => setImmediate(() => resolve(v)));
  return {
    getEpoch: () => delay(inner.getEpoch()),
    setEpoch: (e) => delay(inner.setEpoch(e)),
    hasMessage: (id) => delay(inner.hasMessage(id)),
    getMessage: (id) => delay(inner.getMessage(id)),
    putMessage: (id, m) => delay(inner.putMessage(id, m)),
    addPeer: (g, p) => delay(inner.addPeer(g, p)),
    removePeer: (g, p) => delay(inner.removePeer(g, p)),
    getPeers: (g) => delay(inner.getPeers(g)),
    isPeerInGroup: (g, p) => delay(inner.isPeerInGroup(g, p)),
    getRecord: (p, id) => delay(inner.getRecord(p, id)),
    putRecord: (r) => delay(inner.putRecord(r)),
    removeRecord: (p, id) => delay(inner.removeRecord(p, id)),
    dueRecords: (e) => delay(inner.dueRecords(e)),
    countRecords: (p, t) => delay(inner.countRecords(p, t)),
    hasOutgoingRecords: (id) => delay(inner.hasOutgoingRecords(id)),
  };
}

describe('ports', () => {
  it('works over an async store with concurrent, unawaited calls', async () => {
    const wire = new Wire();
    const sa = new MemoryStore();
    const sb = new MemoryStore();
    const a = peer('A', wire, {}, asyncStore(sa) as MemoryStore);
    const b = peer('B', wire, {}, asyncStore(sb) as MemoryStore);
    await group({ A: a, B: b });
    const sends = Array.from({ length: 20 }, (_, i) => a.node.send(G, utf8ToBytes(`async ${i}`)));
    const ids = await Promise.all(sends);
    for (let round = 0; round < 5; round++) {
      const batch = wire.take();
      await Promise.all([
        a.node.tick(),
        b.node.tick(),
        ...batch.map((p) => (p.to === 'A' ? a.node : b.node).receive(p.from, p.bytes)),
      ]);
    }
    expect(new Set(b.received.map((m) => bytesToHex(m.id)))).toEqual(new Set(ids.map((id) => bytesToHex(id))));
    expect(b.received).toHaveLength(20);
    expect(a.delivered).toHaveLength(20);
    expect(sa.countRecords()).toBe(0);
  });

  it('survives a transport that throws: the payload counts as lost and is retransmitted', async () => {
    let fail = true;
    const sent: Uint8Array[] = [];
    const node = new MvdsNode({
      store: new MemoryStore(),
      clock,
      transport: {
        send: async (_peer, bytes) => {
          if (fail) throw new Error('link down');
          sent.push(bytes);
        },
      },
    });
    opened.push(node);
    await node.addPeer(G, 'B');
    await node.send(G, utf8ToBytes('retry'));
    await node.tick();
    expect(node.stats.transportErrors).toBe(1);
    fail = false;
    for (let i = 0; i < 20 && sent.length === 0; i++) await node.tick();
    expect(sent).toHaveLength(1);
    expect(await node.currentEpoch()).toBe(9); // sent at epoch 1, resent 8 epochs later
  });

  it('sendImmediately sends a new message and the ACK without waiting for a tick', async () => {
    const wire = new Wire();
    const a = peer('A', wire, { sendImmediately: true });
    const b = peer('B', wire, { sendImmediately: true });
    await group({ A: a, B: b });
    const id = await a.node.send(G, utf8ToBytes('now'));
    expect(wire.sent).toHaveLength(1);
    await wire.deliver({ A: a.node, B: b.node }); // B acks at once
    await wire.deliver({ A: a.node, B: b.node });
    expect(a.delivered).toEqual([bytesToHex(id)]);
    expect(await a.node.currentEpoch()).toBe(0);
  });

  it('splits what is due over epochs when it exceeds maxPayloadBytes', async () => {
    const wire = new Wire();
    const a = peer('A', wire, { maxPayloadBytes: 2500 });
    await a.node.addPeer(G, 'B');
    for (let i = 0; i < 5; i++) await a.node.send(G, new Uint8Array(1000).fill(i));
    const perEpoch: number[] = [];
    const seen = new Set<number>();
    for (let i = 0; i < 3; i++) {
      await a.node.tick();
      const out = wire.take();
      expect(out.length).toBeLessThanOrEqual(1);
      for (const s of out) expect(s.bytes.length).toBeLessThanOrEqual(2500);
      const messages = out.length === 0 ? [] : decoded(out[0]).messages;
      perEpoch.push(messages.length);
      for (const m of messages) seen.add(m.body[0]);
    }
    // Two 1 KB messages fit per payload; the oldest due records go first, so all five leave by epoch 3
    // (no resend before 2 s: nothing is due twice within these three epochs).
    expect(perEpoch).toEqual([2, 2, 1]);
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('start() ticks on a timer until stop()', async () => {
    vi.useFakeTimers();
    const wire = new Wire();
    const a = peer('A', wire);
    await a.node.addPeer(G, 'B');
    a.node.start(300);
    await a.node.send(G, utf8ToBytes('timed'));
    await vi.advanceTimersByTimeAsync(300);
    expect(wire.take()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(900);
    expect(await a.node.currentEpoch()).toBe(4);
    await a.node.stop();
    await vi.advanceTimersByTimeAsync(3000);
    expect(a.store.getEpoch()).toBe(4);
  });
});

describe('relay', () => {
  it('re-shares a received message with the group peers the sender could not reach', async () => {
    const wire = new Wire();
    const a = peer('A', wire);
    const b = peer('B', wire, { relay: true });
    const c = peer('C', wire);
    await group({ A: a, B: b, C: c });
    await a.node.send(G, utf8ToBytes('relayed'));
    await a.node.flush();
    wire.sent = wire.sent.filter((s) => s.to !== 'C'); // A cannot reach C
    await wire.deliver({ A: a.node, B: b.node, C: c.node });
    await b.node.flush();
    const out = wire.take();
    expect(out.map((s) => s.to).sort()).toEqual(['A', 'C']);
    for (const s of out) await (s.to === 'A' ? a.node : c.node).receive('B', s.bytes);
    expect(c.received).toHaveLength(1);
    expect(c.received[0].from).toBe('B');
  });
});
