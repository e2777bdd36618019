import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as snappy from 'snappyjs';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { RLP } from '@ethereumjs/rlp';
import { hexToBytes, randomBytes, utf8ToBytes } from '@status-stack/crypto';
import { DISCONNECT_REASON, OVERLAY_ERROR, OverlayError, RlpxOverlay, type PeerInfo } from '../../src/index.js';
import { SHH6, WAKU1, nextEvent, recordLinks, trackProcessErrors, until } from '../helpers.js';
import { authMessage, connectSocket, evilPeer } from './evil-peer.js';

/**
 * Every case: node A serves a healthy peer B; an attacker misbehaves; A drops the attacker with the
 * right reason and an error event, B keeps exchanging messages with A, and nothing reaches the process.
 */
/** Short, so timeout cases are quick; long enough for a handshake on a loaded 2-core machine. */
const HANDSHAKE_TIMEOUT_MS = 1000;

describe('RlpxOverlay: bad input', () => {
  // The first handshake in a process pays for lazy crypto set-up: do it before the timed ones.
  beforeAll(async () => {
    const x = new RlpxOverlay();
    const y = new RlpxOverlay();
    x.register(SHH6, () => {});
    y.register(SHH6, () => {});
    await x.start();
    await y.start();
    await x.connect(y.enode);
    await x.stop();
    await y.stop();
  });

  let a: RlpxOverlay;
  let b: RlpxOverlay;
  let ra: ReturnType<typeof recordLinks>;
  let rb: ReturnType<typeof recordLinks>;
  let peerErrors: Array<{ err: Error; peerId: string | undefined }>;
  let removed: Array<{ id: string; reason: number }>;
  let tracker: ReturnType<typeof trackProcessErrors>;
  let serverThrows = false;

  beforeEach(async () => {
    tracker = trackProcessErrors();
    serverThrows = false;
    a = new RlpxOverlay({ handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS, maxFrameSize: 4096, maxMessageSize: 8192 });
    b = new RlpxOverlay();
    ra = recordLinks(a, [SHH6, WAKU1]);
    a.register({ name: 'boom', version: 1, length: 2 }, (link) =>
      link.onMessage(() => {
        if (serverThrows) throw new Error('handler rejects this message');
      }),
    );
    rb = recordLinks(b, [SHH6, WAKU1]);
    peerErrors = [];
    removed = [];
    a.on('peer:error', (err, peerId) => peerErrors.push({ err, peerId }));
    a.on('peer:removed', (p, reason) => removed.push({ id: p.id, reason }));
    await a.start();
    await b.start();
    await b.connect(a.enode);
    await until(() => ra.links.size === 2 && rb.links.size === 2, 'healthy links');
  });

  afterEach(async () => {
    await a.stop();
    await b.stop();
    tracker.dispose();
  });

  /** A still serves B after the attack, and nothing escaped to the process. */
  async function stillServesB(): Promise<void> {
    const n = ra.got(b.nodeId, 'waku').length;
    const payload = randomBytes(100);
    rb.link(a.nodeId, 'waku')!.send(3, payload);
    await until(() => ra.got(b.nodeId, 'waku').length === n + 1, 'message from B');
    expect(ra.got(b.nodeId, 'waku')[n]).toEqual({ code: 3, payload });
    expect(a.peers().map((p) => p.id)).toContain(b.nodeId);
    expect(tracker.errors).toEqual([]);
  }

  function closedByServer(socket: import('node:net').Socket): Promise<void> {
    return new Promise((resolve) => {
      if (socket.destroyed) resolve();
      socket.on('error', () => {});
      socket.once('close', () => resolve());
      // Read what the node sends (its ack and Hello), so that its close is seen.
      socket.resume();
    });
  }

  it('garbage bytes on the TCP port: connection dropped as a failed handshake', async () => {
    const s = await connectSocket(a.port);
    const closed = closedByServer(s);
    // The first two bytes announce an EIP-8 auth size the rest cannot decrypt as.
    s.write(Uint8Array.of(0x01, 0x90, ...randomBytes(500)));
    await closed;
    await until(() => peerErrors.length > 0, 'peer:error');
    expect(peerErrors[0].err).toBeInstanceOf(OverlayError);
    expect((peerErrors[0].err as OverlayError).code).toBe(OVERLAY_ERROR.HANDSHAKE_FAILED);
    await stillServesB();
  });

  it('an auth message for another node key fails the handshake', async () => {
    const other = new RlpxOverlay();
    const s = await connectSocket(a.port);
    const closed = closedByServer(s);
    s.write(authMessage(other.nodeId));
    await closed;
    await until(() => peerErrors.length > 0, 'peer:error');
    expect((peerErrors[0].err as OverlayError).code).toBe(OVERLAY_ERROR.HANDSHAKE_FAILED);
    await stillServesB();
  });

  it('a valid auth and trailing bytes in one write: dropped at once (INVALID_MAC), and the node keeps accepting peers', async () => {
    // The write that used to spin the node forever: the frame parse ran before its cipher existed.
    for (const trailing of [32, 33, 100, 4096]) {
      const s = await connectSocket(a.port);
      const closed = closedByServer(s);
      const t0 = Date.now();
      s.write(Uint8Array.of(...authMessage(a.nodeId), ...new Uint8Array(trailing)));
      await closed;
      expect(Date.now() - t0).toBeLessThan(HANDSHAKE_TIMEOUT_MS);
    }
    expect(peerErrors.map((e) => (e.err as OverlayError).code)).toEqual(Array(4).fill(OVERLAY_ERROR.INVALID_MAC));
    // An honest new peer handshakes within a second.
    const c = new RlpxOverlay();
    c.register(SHH6, () => {});
    await c.start();
    try {
      const t0 = Date.now();
      await c.connect(a.enode);
      expect(Date.now() - t0).toBeLessThan(1000);
    } finally {
      await c.stop();
    }
    await stillServesB();
  });

  it('a frame header announcing more than maxFrameSize is refused before its body arrives', async () => {
    const evil = await evilPeer(a.port, a.nodeId, [SHH6]);
    await until(() => a.peers().length === 2, 'evil peer added');
    // Only the header of a 5,000-byte frame goes out; the body never does.
    evil.sendHeaderOnly(5000);
    expect(await evil.closed).toBe(DISCONNECT_REASON.PROTOCOL_ERROR);
    expect(peerErrors.map((e) => (e.err as OverlayError).code)).toEqual([OVERLAY_ERROR.FRAME_TOO_LARGE]);
    await stillServesB();
  });

  it('slow sockets from one address cannot keep honest peers out: capped per IP and cut at the auth deadline', async () => {
    const { connect } = await import('node:net');
    const slow = new RlpxOverlay({ maxPeers: 25, authTimeoutMs: 300, maxPendingPerIp: 8 });
    slow.register(SHH6, () => {});
    const codes: string[] = [];
    slow.on('peer:error', (e) => codes.push((e as OverlayError).code));
    await slow.start();
    const held = new Set<import('node:net').Socket>();
    let running = true;
    // 60 sockets from 127.0.0.2, each announcing an auth it never sends, reopened as soon as cut.
    const open = (): void => {
      if (!running) return;
      const s = connect({ port: slow.port, host: '127.0.0.1', localAddress: '127.0.0.2' }, () => s.write(Uint8Array.of(0x01, 0x90)));
      held.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        held.delete(s);
        setTimeout(open, 5);
      });
    };
    try {
      for (let i = 0; i < 60; i++) open();
      await new Promise((r) => setTimeout(r, 200));
      const honest: RlpxOverlay[] = [];
      let connected = 0;
      for (let i = 0; i < 5; i++) {
        const h = new RlpxOverlay();
        h.register(SHH6, () => {});
        await h.start();
        honest.push(h);
        const t0 = Date.now();
        await h.connect(slow.enode);
        expect(Date.now() - t0).toBeLessThan(1000);
        connected++;
      }
      expect(connected).toBe(5);
      await new Promise((r) => setTimeout(r, 400));
      for (const h of honest) await h.stop();
      expect(codes).toContain(OVERLAY_ERROR.CONNECTION_REFUSED);
      expect(codes).toContain(OVERLAY_ERROR.HANDSHAKE_TIMEOUT);
    } finally {
      running = false;
      for (const s of held) s.destroy();
      await slow.stop();
    }
    await stillServesB();
  });

  it('a truncated handshake times out', async () => {
    const s = await connectSocket(a.port);
    const closed = closedByServer(s);
    const auth = authMessage(a.nodeId);
    s.write(auth.subarray(0, auth.length >> 1));
    await closed;
    expect(peerErrors.map((e) => (e.err as OverlayError).code)).toEqual([OVERLAY_ERROR.HANDSHAKE_TIMEOUT]);
    await stillServesB();
  });

  it('a peer that never answers is dropped after the handshake timeout', async () => {
    const s = await connectSocket(a.port);
    await closedByServer(s);
    expect(peerErrors.map((e) => (e.err as OverlayError).code)).toEqual([OVERLAY_ERROR.HANDSHAKE_TIMEOUT]);
    expect(peerErrors[0].err.message).toMatch(new RegExp(`within ${HANDSHAKE_TIMEOUT_MS} ms`));
    await stillServesB();
  });

  it('dialing a port that never answers fails with DIAL_FAILED after the handshake timeout', async () => {
    const { createServer } = await import('node:net');
    const held: import('node:net').Socket[] = [];
    const silent = createServer((s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as import('node:net').AddressInfo).port;
    try {
      await expect(a.connect(`enode://${new RlpxOverlay().nodeId}@127.0.0.1:${port}`)).rejects.toMatchObject({
        code: OVERLAY_ERROR.DIAL_FAILED,
      });
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
    await stillServesB();
  });

  it('an oversized frame: PROTOCOL_ERROR', async () => {
    const evil = await evilPeer(a.port, a.nodeId, [SHH6]);
    await until(() => a.peers().length === 2, 'evil peer added');
    evil.sendFrame(0x10, snappy.compress(randomBytes(5000)));
    expect(await evil.closed).toBe(DISCONNECT_REASON.PROTOCOL_ERROR);
    await until(() => removed.length === 1, 'peer:removed');
    expect(removed[0].reason).toBe(DISCONNECT_REASON.PROTOCOL_ERROR);
    expect(peerErrors.map((e) => (e.err as OverlayError).code)).toEqual([OVERLAY_ERROR.FRAME_TOO_LARGE]);
    await stillServesB();
  });

  it('a message whose snappy length exceeds the limit: PROTOCOL_ERROR before decompressing', async () => {
    const evil = await evilPeer(a.port, a.nodeId, [SHH6]);
    await until(() => a.peers().length === 2, 'evil peer added');
    // Varint 2^30: a decompression bomb's preamble, in a 10-byte frame.
    evil.sendFrame(0x10, Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x04, 0, 0, 0));
    expect(await evil.closed).toBe(DISCONNECT_REASON.PROTOCOL_ERROR);
    expect(peerErrors.map((e) => (e.err as OverlayError).code)).toEqual([OVERLAY_ERROR.MESSAGE_TOO_LARGE]);
    await stillServesB();
  });

  it('a frame with a bad MAC (malformed bytes after the handshake): PROTOCOL_ERROR', async () => {
    const evil = await evilPeer(a.port, a.nodeId, [SHH6]);
    await until(() => a.peers().length === 2, 'evil peer added');
    evil.socket.write(randomBytes(64));
    await evil.closed;
    await until(() => removed.length === 1, 'peer:removed');
    expect(removed[0].reason).toBe(DISCONNECT_REASON.PROTOCOL_ERROR);
    expect(peerErrors.length).toBeGreaterThan(0);
    expect(peerErrors[0].err.message).toMatch(/MAC/i);
    await stillServesB();
  });

  it('invalid snappy data: PROTOCOL_ERROR', async () => {
    const evil = await evilPeer(a.port, a.nodeId, [SHH6]);
    await until(() => a.peers().length === 2, 'evil peer added');
    evil.sendFrame(0x10, Uint8Array.of(0x05, 0xff, 0xff, 0xff));
    expect(await evil.closed).toBe(DISCONNECT_REASON.PROTOCOL_ERROR);
    expect(peerErrors.map((e) => (e.err as OverlayError).code)).toEqual([OVERLAY_ERROR.MALFORMED_MESSAGE]);
    await stillServesB();
  });

  it('an unknown capability message id: PROTOCOL_ERROR', async () => {
    const evil = await evilPeer(a.port, a.nodeId, [SHH6]);
    await until(() => a.peers().length === 2, 'evil peer added');
    // shh/6 is the only shared capability: 0x10..0x8f; 0x90 belongs to nothing on this connection.
    evil.sendFrame(0x90, snappy.compress(RLP.encode([])));
    expect(await evil.closed).toBe(DISCONNECT_REASON.PROTOCOL_ERROR);
    expect(peerErrors.map((e) => (e.err as OverlayError).code)).toEqual([OVERLAY_ERROR.INVALID_CODE]);
    await stillServesB();
  });

  it('a capability message the layer above rejects: SUBPROTOCOL_ERROR', async () => {
    const evil = await evilPeer(a.port, a.nodeId, [{ name: 'boom', version: 1, length: 2 }]);
    await until(() => a.peers().length === 2, 'evil peer added');
    serverThrows = true;
    evil.sendFrame(0x10, snappy.compress(Uint8Array.of(0xc0)));
    expect(await evil.closed).toBe(DISCONNECT_REASON.SUBPROTOCOL_ERROR);
    expect(peerErrors).toHaveLength(1);
    expect(peerErrors[0].err.message).toMatch(/handler rejects this message$/);
    await stillServesB();
  });

  it('a peer with no shared capability: USELESS_PEER', async () => {
    await expect(evilPeer(a.port, a.nodeId, [{ name: 'eth', version: 68, length: 17 }])).rejects.toThrow(/closed during handshake/);
    await stillServesB();
  });

  it('a peer that stops answering pings after the handshake: TIMEOUT', async () => {
    const c = new RlpxOverlay({ pingIntervalMs: 50, pingTimeoutMs: 150 });
    c.register(SHH6, () => {});
    const cRemoved: number[] = [];
    const cErrors: string[] = [];
    c.on('peer:removed', (_p, reason) => cRemoved.push(reason));
    c.on('peer:error', (e) => cErrors.push((e as OverlayError).code));
    await c.start();
    try {
      // A live devp2p peer answers the pings: still connected after many intervals.
      const live = await evilPeer(c.port, c.nodeId, [SHH6]);
      await until(() => live.bodies.filter((b) => b[0] === 0x02).length >= 4, 'four pings answered');
      expect(cRemoved).toEqual([]);
      live.silence();
      await until(() => cRemoved.length === 1, 'silent peer dropped');
      expect(cRemoved).toEqual([DISCONNECT_REASON.TIMEOUT]);
      expect(cErrors).toEqual([OVERLAY_ERROR.PING_TIMEOUT]);
      live.socket.destroy();
    } finally {
      await c.stop();
    }
    await stillServesB();
  });

  it("a Hello claiming another node's id (B's): UNEXPECTED_IDENTITY, and B keeps its place", async () => {
    const spoof = () => RLP.encode([5, utf8ToBytes('spoof'), [[utf8ToBytes('shh'), 6]], 0, hexToBytes(b.nodeId)]);
    const evil = await evilPeer(a.port, a.nodeId, [SHH6], { hello: spoof }).catch(() => undefined);
    if (evil) expect(await evil.closed).toBe(DISCONNECT_REASON.UNEXPECTED_IDENTITY);
    await until(() => peerErrors.length === 1, 'peer:error');
    expect(peerErrors[0].err.message).toMatch(/is not the handshake key/);
    expect(removed).toEqual([]);
    await stillServesB();
  });

  it('a malformed Hello: PROTOCOL_ERROR', async () => {
    for (const hello of [
      () => RLP.encode([5, utf8ToBytes('x'), utf8ToBytes('not a list'), 0, new Uint8Array(64)]),
      (id: Uint8Array) => RLP.encode([5, utf8ToBytes('x'), [[utf8ToBytes('shh')]], 0, id]),
      () => RLP.encode([5, utf8ToBytes('x')]),
      () => Uint8Array.of(0xff, 0x00),
    ]) {
      const evil = await evilPeer(a.port, a.nodeId, [SHH6], { hello }).catch(() => undefined);
      if (evil) expect(await evil.closed).toBe(DISCONNECT_REASON.PROTOCOL_ERROR);
    }
    await until(() => peerErrors.length === 4, 'four errors');
    expect(peerErrors.map((e) => (e.err as OverlayError).code)).toEqual(Array(4).fill(OVERLAY_ERROR.HANDSHAKE_FAILED));
    expect(peerErrors.map((e) => e.err.message).join('\n')).toMatch(/bad Hello/);
    await stillServesB();
  });

  it('accepts a Hello from a future p2p version with extra list elements (EIP-8 vector)', async () => {
    // devp2p_hello_packet_version_22_with_extra_list_elements, with shh/6 added to its capabilities
    // and its node id replaced by the dialer's (the id must be the handshake key).
    const vectors = JSON.parse(readFileSync(new URL('../../../../vectors/p2p-overlay/eip8-rlpx-handshake-and-discovery.json', import.meta.url), 'utf8')) as {
      devp2p_hello_packet_version_22_with_extra_list_elements: string;
    };
    const vector = hexToBytes(vectors.devp2p_hello_packet_version_22_with_extra_list_elements);
    const fields = RLP.decode(vector) as unknown as Array<Uint8Array | Uint8Array[][]>;
    const hello = (ourId: Uint8Array) => {
      const f = [...fields];
      f[2] = [...(f[2] as Uint8Array[][]), [utf8ToBytes('shh'), Uint8Array.of(6)]];
      f[4] = ourId;
      return RLP.encode(f as Parameters<typeof RLP.encode>[0]);
    };
    const addedP = nextEvent<[PeerInfo]>(a, 'peer:added');
    const evil = await evilPeer(a.port, a.nodeId, [SHH6], { hello });
    const [info] = await addedP;
    expect(info.clientId).toBe('kneth/v0.91/plan9');
    expect(info.capabilities).toEqual([SHH6]);
    evil.sendFrame(0x10 + 5, snappy.compress(Uint8Array.of(0xc0)));
    await until(() => ra.got(info.id, 'shh').length === 1, 'message');
    await stillServesB();
  });

  it('fuzz: random frames after the handshake never hurt the node', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ code: fc.integer({ min: 0, max: 0x1ff }), data: fc.uint8Array({ maxLength: 300 }), compress: fc.boolean() }), {
          minLength: 1,
          maxLength: 5,
        }),
        async (frames) => {
          const evil = await evilPeer(a.port, a.nodeId, [SHH6, WAKU1]);
          for (const f of frames) evil.sendFrame(f.code, f.compress ? snappy.compress(f.data) : f.data);
          // Either the node dropped the peer, or it is still a working peer: close it ourselves.
          await Promise.race([evil.closed, new Promise((r) => setTimeout(r, 50))]);
          evil.socket.destroy();
          await evil.closed;
        },
      ),
      { numRuns: 25 },
    );
    await until(() => a.peers().length === 1, 'only B left');
    await stillServesB();
  });

  it('a plain devp2p peer speaking shh/6 is served, then its disconnect reason is reported', async () => {
    const addedP = nextEvent<[PeerInfo]>(a, 'peer:added');
    const evil = await evilPeer(a.port, a.nodeId, [SHH6]);
    const [info] = await addedP;
    expect(info.clientId).toBe('evil/1.0');
    evil.sendFrame(0x10 + 2, snappy.compress(Uint8Array.of(0xc1, 0x07)));
    await until(() => ra.got(info.id, 'shh').length === 1, 'message from devp2p peer');
    expect(ra.got(info.id, 'shh')[0]).toEqual({ code: 2, payload: Uint8Array.of(0xc1, 0x07) });
    // A p2p Disconnect as devp2p itself sends it: uncompressed RLP of the bare reason.
    evil.sendFrame(0x01, RLP.encode(DISCONNECT_REASON.USELESS_PEER));
    await until(() => removed.length === 1, 'peer:removed');
    expect(removed[0]).toEqual({ id: info.id, reason: DISCONNECT_REASON.USELESS_PEER });
    await stillServesB();
  });
});
