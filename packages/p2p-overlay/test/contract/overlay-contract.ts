import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey, getPublicKey, bytesToHex, randomBytes } from '@status-stack/crypto';
import { DISCONNECT_REASON, OVERLAY_ERROR, type Overlay, type PeerInfo } from '../../src/index.js';
import { SHH6, WAKU0, WAKU1, nextEvent, recordLinks, until } from '../helpers.js';

export interface OverlayHarness {
  create(opts?: { privateKey?: Uint8Array; maxPeers?: number }): Overlay;
}

/** The behaviour every `Overlay` implementation promises; run against RlpxOverlay and MemoryOverlay. */
export function overlayContract(name: string, harness: OverlayHarness): void {
  describe(`Overlay contract: ${name}`, () => {
    const started: Overlay[] = [];
    async function node(opts?: { privateKey?: Uint8Array; maxPeers?: number }): Promise<Overlay> {
      const o = harness.create(opts);
      started.push(o);
      return o;
    }
    async function start(...os: Overlay[]): Promise<void> {
      for (const o of os) await o.start();
    }
    afterEach(async () => {
      await Promise.all(started.splice(0).map((o) => o.stop()));
    });

    it('derives the node id from the node key', async () => {
      const key = generatePrivateKey();
      const a = await node({ privateKey: key });
      await start(a);
      expect(a.nodeId).toBe(bytesToHex(getPublicKey(key)).slice(2));
      expect(a.enode.startsWith(`enode://${a.nodeId}@`)).toBe(true);
    });

    it('connects two nodes: both see the peer, with direction and shared capabilities', async () => {
      const a = await node();
      const b = await node();
      recordLinks(a, [SHH6, WAKU1]);
      recordLinks(b, [SHH6, WAKU1]);
      await start(a, b);
      const bAdded = nextEvent<[PeerInfo]>(b, 'peer:added');
      const info = await a.connect(b.enode);
      const [bInfo] = await bAdded;
      expect(info.id).toBe(b.nodeId);
      expect(info.inbound).toBe(false);
      expect(bInfo.id).toBe(a.nodeId);
      expect(bInfo.inbound).toBe(true);
      expect(info.capabilities.map((c) => `${c.name}/${c.version}`)).toEqual(['shh/6', 'waku/1']);
      expect(a.peers().map((p) => p.id)).toEqual([b.nodeId]);
      expect(b.peers().map((p) => p.id)).toEqual([a.nodeId]);
    });

    it('exchanges messages both ways on two capabilities, codes capability-relative', async () => {
      const a = await node();
      const b = await node();
      const ra = recordLinks(a, [SHH6, WAKU1]);
      const rb = recordLinks(b, [SHH6, WAKU1]);
      await start(a, b);
      await a.connect(b.enode);
      await until(() => rb.links.size === 2 && ra.links.size === 2, 'links');
      const big = randomBytes(64 * 1024);
      ra.link(b.nodeId, 'shh')!.send(0, Uint8Array.of(0xc0));
      ra.link(b.nodeId, 'waku')!.send(127, big);
      rb.link(a.nodeId, 'shh')!.send(127, Uint8Array.of(1, 2, 3));
      rb.link(a.nodeId, 'waku')!.send(5, new Uint8Array(0));
      await until(() => rb.got(a.nodeId, 'waku').length === 1 && ra.got(b.nodeId, 'waku').length === 1, 'messages');
      await until(() => rb.got(a.nodeId, 'shh').length === 1 && ra.got(b.nodeId, 'shh').length === 1, 'messages');
      expect(rb.got(a.nodeId, 'shh')).toEqual([{ code: 0, payload: Uint8Array.of(0xc0) }]);
      expect(rb.got(a.nodeId, 'waku')[0].code).toBe(127);
      expect(rb.got(a.nodeId, 'waku')[0].payload).toEqual(big);
      expect(ra.got(b.nodeId, 'shh')).toEqual([{ code: 127, payload: Uint8Array.of(1, 2, 3) }]);
      expect(ra.got(b.nodeId, 'waku')).toEqual([{ code: 5, payload: new Uint8Array(0) }]);
    });

    it('delivers messages in order, and queues those that arrive before a handler is set', async () => {
      const a = await node();
      const b = await node();
      const ra = recordLinks(a, [SHH6]);
      const bLinks: Array<import('../../src/index.js').PeerLink> = [];
      b.register(SHH6, (l) => bLinks.push(l));
      await start(a, b);
      await a.connect(b.enode);
      await until(() => ra.links.size === 1 && bLinks.length === 1, 'links');
      for (let i = 0; i < 200; i++) ra.link(b.nodeId, 'shh')!.send(i % 128, Uint8Array.of(i & 0xff, i >> 8));
      // Let everything arrive before a handler exists.
      await new Promise((r) => setTimeout(r, 50));
      const got: number[] = [];
      bLinks[0].onMessage((code, p) => {
        expect(code).toBe((p[0] | (p[1] << 8)) % 128);
        got.push(p[0] | (p[1] << 8));
      });
      await until(() => got.length === 200, '200 messages');
      expect(got).toEqual([...Array(200).keys()]);
    });

    it('negotiates the highest shared version of a name', async () => {
      const a = await node();
      const b = await node();
      const seenA: string[] = [];
      a.register(WAKU0, (l) => seenA.push(`${l.capability.name}/${l.capability.version}`));
      a.register(WAKU1, (l) => seenA.push(`${l.capability.name}/${l.capability.version}`));
      b.register(WAKU0, () => {});
      b.register(WAKU1, () => {});
      const c = await node();
      c.register(WAKU0, (l) => seenA.push(`c:${l.capability.name}/${l.capability.version}`));
      await start(a, b, c);
      const info = await a.connect(b.enode);
      expect(info.capabilities.map((x) => `${x.name}/${x.version}`)).toEqual(['waku/1']);
      await c.connect(a.enode);
      await until(() => seenA.length === 3, 'onPeer on both sides');
      expect(seenA.sort()).toEqual(['c:waku/0', 'waku/0', 'waku/1']);
    });

    it('refuses a peer with no capability in common', async () => {
      const a = await node();
      const b = await node();
      a.register(SHH6, () => {});
      b.register(WAKU1, () => {});
      await start(a, b);
      await expect(a.connect(b.enode)).rejects.toMatchObject({ code: OVERLAY_ERROR.DIAL_FAILED });
      expect(a.peers()).toEqual([]);
      await until(() => b.peers().length === 0, 'b has no peers');
    });

    it('rejects bad dials with typed errors', async () => {
      const a = await node();
      a.register(SHH6, () => {});
      await expect(a.connect(`enode://${bytesToHex(getPublicKey(generatePrivateKey())).slice(2)}@127.0.0.1:30303`)).rejects.toMatchObject({
        code: OVERLAY_ERROR.NOT_STARTED,
      });
      await start(a);
      await expect(a.connect('enode://1234@127.0.0.1:1')).rejects.toMatchObject({ code: OVERLAY_ERROR.INVALID_ENODE });
      await expect(a.connect(a.enode)).rejects.toMatchObject({ code: OVERLAY_ERROR.DIAL_FAILED });
    });

    it('connecting twice yields the same single peer', async () => {
      const a = await node();
      const b = await node();
      a.register(SHH6, () => {});
      b.register(SHH6, () => {});
      await start(a, b);
      const [p1, p2] = await Promise.all([a.connect(b.enode), a.connect(b.enode)]);
      const p3 = await a.connect(b.enode);
      expect(p1.id).toBe(b.nodeId);
      expect(p2.id).toBe(b.nodeId);
      expect(p3.id).toBe(b.nodeId);
      expect(a.peers()).toHaveLength(1);
    });

    it('link.send validates the code and refuses after close', async () => {
      const a = await node();
      const b = await node();
      const ra = recordLinks(a, [SHH6]);
      recordLinks(b, [SHH6]);
      await start(a, b);
      await a.connect(b.enode);
      await until(() => ra.links.size === 1, 'link');
      const link = ra.link(b.nodeId, 'shh')!;
      expect(() => link.send(128, new Uint8Array(0))).toThrow(expect.objectContaining({ code: OVERLAY_ERROR.INVALID_CODE }));
      expect(() => link.send(-1, new Uint8Array(0))).toThrow(expect.objectContaining({ code: OVERLAY_ERROR.INVALID_CODE }));
      expect(() => link.send(1.5, new Uint8Array(0))).toThrow(expect.objectContaining({ code: OVERLAY_ERROR.INVALID_CODE }));
      link.close(DISCONNECT_REASON.USELESS_PEER);
      expect(await link.closed).toBe(DISCONNECT_REASON.USELESS_PEER);
      expect(link.isClosed).toBe(true);
      expect(() => link.send(0, new Uint8Array(0))).toThrow(expect.objectContaining({ code: OVERLAY_ERROR.PEER_CLOSED }));
    });

    it('closing a link disconnects the peer on both sides with the reason', async () => {
      const a = await node();
      const b = await node();
      const ra = recordLinks(a, [SHH6, WAKU1]);
      const rb = recordLinks(b, [SHH6, WAKU1]);
      await start(a, b);
      await a.connect(b.enode);
      await until(() => ra.links.size === 2 && rb.links.size === 2, 'links');
      const removedA = nextEvent<[PeerInfo, number, string]>(a, 'peer:removed');
      const removedB = nextEvent<[PeerInfo, number, string]>(b, 'peer:removed');
      ra.link(b.nodeId, 'shh')!.close(DISCONNECT_REASON.USELESS_PEER);
      const [pa, reasonA, textA] = await removedA;
      const [pb, reasonB] = await removedB;
      expect(pa.id).toBe(b.nodeId);
      expect(pb.id).toBe(a.nodeId);
      expect(reasonA).toBe(DISCONNECT_REASON.USELESS_PEER);
      expect(textA).toBe('USELESS_PEER');
      expect(reasonB).toBe(DISCONNECT_REASON.USELESS_PEER);
      expect(await rb.link(a.nodeId, 'waku')!.closed).toBe(DISCONNECT_REASON.USELESS_PEER);
      expect(await ra.link(b.nodeId, 'waku')!.closed).toBe(DISCONNECT_REASON.USELESS_PEER);
      expect(a.peers()).toEqual([]);
      expect(b.peers()).toEqual([]);
    });

    it('disconnect(peerId) and stop() tell the peer why', async () => {
      const a = await node();
      const b = await node();
      const c = await node();
      for (const o of [a, b, c]) o.register(SHH6, () => {});
      await start(a, b, c);
      await a.connect(b.enode);
      await c.connect(b.enode);
      const removedA = nextEvent<[PeerInfo, number]>(a, 'peer:removed');
      b.disconnect(a.nodeId, DISCONNECT_REASON.TOO_MANY_PEERS);
      expect((await removedA)[1]).toBe(DISCONNECT_REASON.TOO_MANY_PEERS);
      const removedC = nextEvent<[PeerInfo, number]>(c, 'peer:removed');
      await b.stop();
      expect((await removedC)[1]).toBe(DISCONNECT_REASON.CLIENT_QUITTING);
      expect(b.peers()).toEqual([]);
    });

    it('a handler that throws costs the peer SUBPROTOCOL_ERROR; the node keeps serving others', async () => {
      const a = await node();
      const b = await node();
      const c = await node();
      const errors: Error[] = [];
      a.on('peer:error', (e) => errors.push(e));
      a.register(SHH6, (l) =>
        l.onMessage((code) => {
          if (code === 66) throw new Error('bad message 66');
        }),
      );
      const rb = recordLinks(b, [SHH6]);
      const rc = recordLinks(c, [SHH6]);
      await start(a, b, c);
      await b.connect(a.enode);
      await c.connect(a.enode);
      await until(() => rb.links.size === 1 && rc.links.size === 1, 'links');
      const removed = nextEvent<[PeerInfo, number]>(b, 'peer:removed');
      rb.link(a.nodeId, 'shh')!.send(66, Uint8Array.of(0xc0));
      expect((await removed)[1]).toBe(DISCONNECT_REASON.SUBPROTOCOL_ERROR);
      expect(errors.map((e) => e.message).join()).toMatch(/bad message 66/);
      await until(() => a.peers().length === 1, 'a keeps c');
      expect(a.peers()[0].id).toBe(c.nodeId);
    });

    it('a node at maxPeers does not keep a new peer, and keeps serving the ones it has', async () => {
      const a = await node({ maxPeers: 1 });
      const b = await node();
      const c = await node();
      const ra = recordLinks(a, [SHH6]);
      const rb = recordLinks(b, [SHH6]);
      recordLinks(c, [SHH6]);
      await start(a, b, c);
      await b.connect(a.enode);
      await c.connect(a.enode).catch(() => undefined);
      await until(() => c.peers().length === 0, 'c refused');
      expect(a.peers().map((p) => p.id)).toEqual([b.nodeId]);
      await until(() => rb.links.size === 1 && ra.links.size === 1, 'links');
      rb.link(a.nodeId, 'shh')!.send(1, Uint8Array.of(42));
      await until(() => ra.got(b.nodeId, 'shh').length === 1, 'message after refusal');
    });
  });
}
