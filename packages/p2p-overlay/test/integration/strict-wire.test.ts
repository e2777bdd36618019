import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { RLP } from '@ethereumjs/rlp';
import { bytesToHex, bytesToUtf8, hexToBytes } from '@status-stack/crypto';
import {
  DISCONNECT_REASON,
  P2P_SCHEMA,
  RlpxOverlay,
  StrictRlpError,
  decodeRlpStrict,
  decodeRlpStrictAs,
  encodeHello,
  type Capability,
} from '../../src/index.js';
import { snappyUncompress } from '../../src/snappy.js';
import { SHH6, WAKU0, WAKU1, until } from '../helpers.js';

/*
 * What our overlay puts on the wire, read back as go-ethereum reads it: every p2p message a real
 * RlpxOverlay session sent (recorded by the receiving overlay after decryption and decompression)
 * passes the strict decoder, and our encoder gives statusd's own canonical bytes for its values.
 */

interface HelloVector {
  name: string;
  payload: string;
  decoded: { p2pVersion: number; clientId: string; caps: Array<{ name: string; version: number }>; listenPort: number; nodeId: string };
}
const hellos = JSON.parse(readFileSync(new URL('../../../../vectors/p2p-overlay/statusd-wire/hello_packets.json', import.meta.url), 'utf8')) as {
  packets: HelloVector[];
};
const p2pVectors = JSON.parse(readFileSync(new URL('../../../../vectors/p2p-overlay/statusd-wire/disconnect_and_ping.json', import.meta.url), 'utf8')) as {
  uselessPeer: { statusdDisconnect: { frameBody: string; payload: string } };
  subprotocolError: { statusdDisconnect: { frameBody: string; payload: string } };
  pingPong: { runs: Array<{ statusdPingFrameBody: string; statusdPongFrameBody: string }> };
};
const vector = (name: string) => hellos.packets.find((p) => p.name === name)!;

type Tapped = { dir: 'in' | 'out'; code: number; payload: Uint8Array };

/** Two overlays with `caps` on the sender; the receiver records every message it read. */
async function session(caps: Capability[], opts: { pingIntervalMs?: number } = {}) {
  const seen: Tapped[] = [];
  const receiver = new RlpxOverlay({ tap: (dir, code, payload) => seen.push({ dir, code, payload: payload.slice() }), pingIntervalMs: opts.pingIntervalMs });
  const sender = new RlpxOverlay({ pingIntervalMs: opts.pingIntervalMs });
  for (const c of [SHH6, WAKU0, WAKU1]) receiver.register(c, () => {});
  for (const c of caps) sender.register(c, () => {});
  await receiver.start();
  await sender.start();
  started.push(receiver, sender);
  await sender.connect(receiver.enode);
  await until(() => seen.some((m) => m.dir === 'in' && m.code === 0), 'Hello at the receiver');
  return { sender, receiver, seen, received: () => seen.filter((s) => s.dir === 'in') };
}

const started: RlpxOverlay[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((o) => o.stop()));
});

describe('strict RLP decoder (go-ethereum rules)', () => {
  it('refuses the non-canonical forms go-ethereum refuses, each with its reason', () => {
    const refuse = (hex: string, re: RegExp) => {
      expect(() => decodeRlpStrict(hexToBytes(hex))).toThrowError(StrictRlpError);
      expect(() => decodeRlpStrict(hexToBytes(hex))).toThrowError(re);
    };
    refuse('8105', /single byte 0x05 wrapped/);
    refuse('b801ff', /long form for a size below 56/);
    refuse('b90000', /leading zero in length/);
    refuse('c0c0', /trailing bytes/);
    refuse('c3c2', /exceeds available input/);
    refuse('82ff', /exceeds available input/);
    expect(() => decodeRlpStrictAs(hexToBytes('c100'), { list: ['uint'] })).toThrowError(/non-canonical integer/);
    expect(() => decodeRlpStrictAs(hexToBytes('c3820001'), { list: ['uint'] })).toThrowError(/non-canonical integer/);
    expect(() => decodeRlpStrictAs(hexToBytes('c102'), { list: ['bool'] })).toThrowError(/invalid boolean/);
    expect(() => decodeRlpStrictAs(hexToBytes('c28180'), { list: [{ bytes: 2 }] })).toThrowError(/too short/);
    expect(() => decodeRlpStrictAs(hexToBytes('c28080'), { list: ['uint'] })).toThrowError(/too many elements/);
    expect(() => decodeRlpStrictAs(hexToBytes('ca89010000000000000000'), { list: ['uint'] })).toThrowError(/uint overflow/);
    // ...and accepts the canonical ones.
    expect(decodeRlpStrictAs(hexToBytes('c28001'), { list: ['uint', 'uint'] })).toHaveLength(2);
    expect(decodeRlpStrictAs(hexToBytes('c28180'), { list: ['bytes'] })).toHaveLength(1);
  });

  it('refuses the Hellos our old code sent (waku/0 as 0x00), naming the field go-ethereum named', () => {
    for (const name of ['project_default_WakuNode', 'project_WhisperNode_plus_WakuNode_default']) {
      const payload = hexToBytes(vector(name).payload);
      expect(() => decodeRlpStrictAs(payload, P2P_SCHEMA.HELLO)).toThrowError(/non-canonical integer \(leading zero bytes\) for uint at \[2\]\[\d\]\[1\]/);
    }
  });
});

describe("statusd's Hellos", () => {
  for (const name of ['statusd_waku', 'statusd_whisper', 'statusd_both']) {
    it(`${name}: decodes strictly, and our encoder writes the same bytes for its values`, () => {
      const v = vector(name);
      const payload = hexToBytes(v.payload);
      decodeRlpStrictAs(payload, P2P_SCHEMA.HELLO);
      const mine = encodeHello({
        protocolVersion: v.decoded.p2pVersion,
        clientId: v.decoded.clientId,
        // Given in reverse: our encoder sorts as go-ethereum does.
        capabilities: [...v.decoded.caps].reverse(),
        listenPort: v.decoded.listenPort,
        nodeId: hexToBytes(v.decoded.nodeId),
      });
      expect(bytesToHex(mine)).toBe(v.payload);
    });
  }
});

describe('every p2p message a real RlpxOverlay session sends passes the strict decoder', () => {
  for (const [label, caps, expected] of [
    ['waku/1 alone', [WAKU1], ['waku/1']],
    ['waku/0 + waku/1 (WakuNode default)', [WAKU1, WAKU0], ['waku/0', 'waku/1']],
    ['shh/6 + waku/1', [WAKU1, SHH6], ['shh/6', 'waku/1']],
    ['shh/6 + waku/0 + waku/1 (status-node --whisper --waku)', [WAKU1, WAKU0, SHH6], ['shh/6', 'waku/0', 'waku/1']],
  ] as Array<[string, Capability[], string[]]>) {
    it(`Hello with ${label}`, async () => {
      const s = await session(caps);
      const hello = s.received().find((m) => m.code === 0)!;
      const fields = decodeRlpStrictAs(hello.payload, P2P_SCHEMA.HELLO) as Uint8Array[] & { 2: Uint8Array[][] };
      expect(fields[2].map(([n, v]) => `${bytesToUtf8(n)}/${v.length === 0 ? 0 : v[0]}`)).toEqual(expected);
      expect(bytesToHex(fields[4])).toBe(s.sender.nodeId);
      // The canonical form statusd writes for waku/0: the version is the empty string.
      if (expected.includes('waku/0')) expect(bytesToHex(hello.payload)).toContain('c68477616b7580');
    });
  }

  it('Ping, Pong and Disconnect: strict, and byte for byte what statusd sends', async () => {
    const s = await session([WAKU1], { pingIntervalMs: 30 });
    await until(() => s.received().some((m) => m.code === 2) && s.received().some((m) => m.code === 3), 'ping and pong');
    s.sender.disconnect(s.receiver.nodeId, DISCONNECT_REASON.USELESS_PEER);
    await until(() => s.received().some((m) => m.code === 1), 'disconnect');
    const run = p2pVectors.pingPong.runs[0];
    for (const m of s.received().filter((x) => x.code >= 1 && x.code <= 3)) {
      const schema = m.code === 1 ? P2P_SCHEMA.DISCONNECT : m.code === 2 ? P2P_SCHEMA.PING : P2P_SCHEMA.PONG;
      decodeRlpStrictAs(m.payload, schema);
    }
    const disconnect = s.received().find((m) => m.code === 1)!;
    expect(bytesToHex(disconnect.payload)).toBe(p2pVectors.uselessPeer.statusdDisconnect.payload);
    // statusd's frames are `id ‖ snappy(payload)`: the payloads are the ones we send.
    expect(bytesToHex(snappyUncompress(hexToBytes(run.statusdPingFrameBody).subarray(1), 16))).toBe(bytesToHex(s.received().find((m) => m.code === 2)!.payload));
    expect(bytesToHex(snappyUncompress(hexToBytes(run.statusdPongFrameBody).subarray(1), 16))).toBe(bytesToHex(s.received().find((m) => m.code === 3)!.payload));
    expect(bytesToHex(snappyUncompress(hexToBytes(p2pVectors.subprotocolError.statusdDisconnect.frameBody).subarray(1), 16))).toBe(
      bytesToHex(RLP.encode([DISCONNECT_REASON.SUBPROTOCOL_ERROR])),
    );
  });
});

describe('our own Hello known answers (vectors/p2p-overlay/hello-status-stack.json)', () => {
  const v = JSON.parse(readFileSync(new URL('../../../../vectors/p2p-overlay/hello-status-stack.json', import.meta.url), 'utf8')) as {
    nodeId: string;
    clientId: string;
    listenPort: number;
    hellos: Array<{ name: string; capabilitiesGiven: string[]; payload: string }>;
    disconnects: Array<{ reason: number; payload: string }>;
  };
  const statusdCaps = new Map<string, string>(
    hellos.packets
      .filter((p) => p.name.startsWith('statusd'))
      .flatMap((p) => (decodeRlpStrict(hexToBytes(p.payload)) as Uint8Array[][][])[2].map((c) => [`${bytesToUtf8(c[0])}/${c[1].length ? c[1][0] : 0}`, bytesToHex(RLP.encode(c))] as const)),
  );
  for (const h of v.hellos) {
    it(h.name, () => {
      const caps = h.capabilitiesGiven.map((c) => ({ name: c.split('/')[0], version: Number(c.split('/')[1]) }));
      const mine = encodeHello({ clientId: v.clientId, capabilities: caps, listenPort: v.listenPort, nodeId: hexToBytes(v.nodeId) });
      expect(bytesToHex(mine)).toBe(h.payload);
      const fields = decodeRlpStrictAs(mine, P2P_SCHEMA.HELLO) as unknown as Uint8Array[][][];
      // Each capability entry is byte for byte the one statusd writes for it.
      for (const c of fields[2]) {
        const name: string = `${bytesToUtf8(c[0])}/${c[1].length ? c[1][0] : 0}`;
        expect(bytesToHex(RLP.encode(c))).toBe(statusdCaps.get(name));
      }
    });
  }
  it('Disconnect payloads', () => {
    for (const d of v.disconnects) expect(bytesToHex(RLP.encode([d.reason]))).toBe(d.payload);
  });
});
