import { afterEach, describe, expect, it } from 'vitest';
import * as snappy from 'snappyjs';
import { RLP } from '@ethereumjs/rlp';
import { bytesToHex, bytesToUtf8, hexToBytes, randomBytes } from '@status-stack/crypto';
import { RlpxOverlay, type PeerLink } from '../../src/index.js';
import { SHH6, WAKU1, until } from '../helpers.js';
import { evilPeer } from './evil-peer.js';

describe('RlpxOverlay lifecycle', () => {
  it('refuses a taken port with NOT_STARTED, and restarts after stop', async () => {
    const a = new RlpxOverlay();
    await a.start();
    const port = a.port;
    const b = new RlpxOverlay({ port });
    await expect(b.start()).rejects.toMatchObject({ code: 'NOT_STARTED' });
    expect(() => b.enode).toThrow(expect.objectContaining({ code: 'NOT_STARTED' }));
    await a.stop();
    await b.start();
    expect(b.port).toBe(port);
    await b.stop();
    await b.start();
    await b.stop();
  });
});

/** What RlpxOverlay puts on the wire, read by a plain devp2p peer that records decrypted frames. */
describe('RlpxOverlay wire format', () => {
  let a: RlpxOverlay;
  afterEach(async () => {
    await a.stop();
  });

  it('Hello v5 with our capabilities; shh/6 at 0x10, waku/1 at 0x90; payloads snappy-compressed', async () => {
    a = new RlpxOverlay({ clientId: 'status-stack/test' });
    const links: PeerLink[] = [];
    a.register(WAKU1, (l) => links.push(l));
    a.register(SHH6, (l) => links.push(l));
    await a.start();
    const evil = await evilPeer(a.port, a.nodeId, [SHH6, WAKU1]);
    await until(() => links.length === 2, 'links');

    const hello = evil.bodies[0];
    expect(hello[0]).toBe(0x80); // message id 0 as RLP
    const [version, clientId, caps, port, id] = RLP.decode(hello.subarray(1)) as [Uint8Array, Uint8Array, Uint8Array[][], Uint8Array, Uint8Array];
    expect(bytesToHex(version)).toBe('05');
    expect(bytesToUtf8(clientId)).toBe('status-stack/test');
    expect(caps.map(([n, v]) => `${bytesToUtf8(n)}/${bytesToHex(v)}`)).toEqual(['shh/06', 'waku/01']);
    expect(Number(`0x${bytesToHex(port)}`)).toBe(a.port);
    expect(bytesToHex(id)).toBe(a.nodeId);

    const payload = hexToBytes('c6847465737401'); // any RLP
    links.find((l) => l.capability.name === 'shh')!.send(1, payload);
    links.find((l) => l.capability.name === 'waku')!.send(3, payload);
    await until(() => evil.bodies.length >= 3, 'frames');
    const frames = evil.bodies.slice(1).filter((b) => b[0] !== 0x02 && b[0] !== 0x03); // skip ping/pong
    expect(bytesToHex(frames[0])).toBe(`11${bytesToHex(snappy.compress(payload))}`);
    expect(bytesToHex(frames[1])).toBe(`8193${bytesToHex(snappy.compress(payload))}`);
  });
});

describe('RlpxOverlay backpressure', () => {
  /** An overlay with one link to a devp2p peer; `run` gets the link and the peer. */
  async function withLink(run: (link: PeerLink, evil: Awaited<ReturnType<typeof evilPeer>>) => Promise<void>): Promise<void> {
    const a = new RlpxOverlay();
    const links: PeerLink[] = [];
    a.register(SHH6, (l) => links.push(l));
    await a.start();
    try {
      const evil = await evilPeer(a.port, a.nodeId, [SHH6]);
      await until(() => links.length === 1, 'link');
      await run(links[0], evil);
      evil.socket.destroy();
    } finally {
      await a.stop();
    }
  }

  it('bufferedBytes grows while the peer does not read, and onDrain fires once it reads again', () =>
    withLink(async (link, evil) => {
      evil.socket.pause();
      const chunk = randomBytes(60_000); // incompressible, so snappy keeps its size
      // Far more than the kernel buffers: the rest stays in our socket's queue.
      for (let i = 0; i < 400 && link.bufferedBytes < 4_000_000; i++) {
        link.send(1, chunk);
        await new Promise((r) => setImmediate(r));
      }
      expect(link.bufferedBytes).toBeGreaterThan(1_000_000);
      let drained = false;
      link.onDrain(() => (drained = true));
      await new Promise((r) => setTimeout(r, 100));
      expect(drained).toBe(false);
      evil.socket.resume();
      await until(() => drained, 'drain');
      expect(link.bufferedBytes).toBe(0);
    }));

  it('onDrain fires for a queue that never filled the socket buffer (no drain event)', () =>
    withLink(async (link) => {
      link.send(1, randomBytes(2000));
      const t0 = Date.now();
      let drained = false;
      link.onDrain(() => (drained = true));
      await until(() => drained, 'drain');
      expect(Date.now() - t0).toBeLessThan(200);
    }));
});
