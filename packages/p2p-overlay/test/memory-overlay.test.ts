import { describe, expect, it } from 'vitest';
import { MemoryNetwork, capabilityOffsets, matchCapabilities, seededRandom, reasonText, DISCONNECT_REASON } from '../src/index.js';
import { SHH6, WAKU0, WAKU1, recordLinks, until } from './helpers.js';

async function pair(net: MemoryNetwork) {
  const a = net.createOverlay();
  const b = net.createOverlay();
  const ra = recordLinks(a, [SHH6]);
  const rb = recordLinks(b, [SHH6]);
  await a.start();
  await b.start();
  await a.connect(b.enode);
  return { a, b, ra, rb };
}

describe('MemoryNetwork simulation knobs', () => {
  it('loss is deterministic for a seed and drops about the asked share', async () => {
    const run = async (seed: number) => {
      const net = new MemoryNetwork({ loss: 0.3, seed });
      const { a, b, ra, rb } = await pair(net);
      for (let i = 0; i < 500; i++) ra.link(b.nodeId, 'shh')!.send(1, Uint8Array.of(i & 0xff, i >> 8));
      await until(() => rb.got(a.nodeId, 'shh').length + net.dropped === 500, 'all delivered or dropped');
      const got = rb.got(a.nodeId, 'shh').map((m) => m.payload[0] | (m.payload[1] << 8));
      await a.stop();
      await b.stop();
      return { got, dropped: net.dropped };
    };
    const r1 = await run(42);
    const r2 = await run(42);
    const r3 = await run(43);
    expect(r1).toEqual(r2);
    expect(r1.got).not.toEqual(r3.got);
    expect(r1.dropped).toBeGreaterThan(100);
    expect(r1.dropped).toBeLessThan(200);
    // Survivors keep their order.
    expect([...r1.got].sort((x, y) => x - y)).toEqual(r1.got);
  });

  it('latency delays delivery but keeps per-link order for a constant delay', async () => {
    const net = new MemoryNetwork({ latencyMs: 5 });
    const { a, b, ra, rb } = await pair(net);
    for (let i = 0; i < 20; i++) ra.link(b.nodeId, 'shh')!.send(2, Uint8Array.of(i));
    expect(rb.got(a.nodeId, 'shh')).toHaveLength(0);
    await until(() => rb.got(a.nodeId, 'shh').length === 20, 'delivery');
    expect(rb.got(a.nodeId, 'shh').map((m) => m.payload[0])).toEqual([...Array(20).keys()]);
    await a.stop();
    await b.stop();
  });

  it('latency drawn from the seeded source', async () => {
    const draws: number[] = [];
    const net = new MemoryNetwork({ seed: 7, latencyMs: (rnd) => {
      const d = Math.floor(rnd() * 3);
      draws.push(d);
      return d;
    } });
    const { a, b, ra, rb } = await pair(net);
    for (let i = 0; i < 10; i++) ra.link(b.nodeId, 'shh')!.send(0, Uint8Array.of(i));
    await until(() => rb.got(a.nodeId, 'shh').length === 10, 'delivery');
    const r = seededRandom(7);
    expect(draws).toEqual(Array.from({ length: 10 }, () => Math.floor(r() * 3)));
    await a.stop();
    await b.stop();
  });

  it('a message sent by the payload owner is copied: later mutation does not leak', async () => {
    const net = new MemoryNetwork();
    const { a, b, ra, rb } = await pair(net);
    const p = Uint8Array.of(1, 2, 3);
    ra.link(b.nodeId, 'shh')!.send(0, p);
    p[0] = 9;
    await until(() => rb.got(a.nodeId, 'shh').length === 1, 'delivery');
    expect(rb.got(a.nodeId, 'shh')[0].payload).toEqual(Uint8Array.of(1, 2, 3));
    await a.stop();
    await b.stop();
  });
});

describe('capability matching (devp2p rules)', () => {
  it('keeps names both sides speak, highest shared version, sorted by name', () => {
    const ours = [WAKU1, SHH6, WAKU0, { name: 'les', version: 2, length: 21 }];
    const theirs = [WAKU0, SHH6, WAKU1, { name: 'eth', version: 63, length: 17 }];
    expect(matchCapabilities(ours, theirs)).toEqual([SHH6, WAKU1]);
    expect(matchCapabilities([WAKU0, WAKU1], [WAKU0])).toEqual([WAKU0]);
    expect(matchCapabilities([SHH6], [WAKU1])).toEqual([]);
  });

  it('offsets start at 0x10 and follow each capability length', () => {
    // shh/6 and waku/1 both reserve 128 ids (go-ethereum whisperv6 NumberOfMessageCodes): waku starts at 0x90.
    expect(capabilityOffsets([SHH6, WAKU1])).toEqual([0x10, 0x90]);
    expect(capabilityOffsets([{ name: 'eth', version: 63, length: 17 }, { name: 'les', version: 2, length: 21 }])).toEqual([0x10, 0x21]);
  });

  it('names disconnect reasons', () => {
    expect(reasonText(DISCONNECT_REASON.SUBPROTOCOL_ERROR)).toBe('SUBPROTOCOL_ERROR');
    expect(reasonText(0x0c)).toBe('UNKNOWN_12');
  });
});
