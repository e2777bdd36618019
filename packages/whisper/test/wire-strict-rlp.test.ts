// What our WhisperNode / WakuNode / MailServer really put on the wire, checked with go-ethereum's
// strict RLP rules against schemas mirroring status-go's Go structs (helpers/wire-schemas.ts).
// Each node runs on an RlpxOverlay on 127.0.0.1; a recorder on a second RlpxOverlay registers the
// same capability and records every (code, payload) its link receives (capability-relative code,
// decompressed payload). The test drives every packet type we send, then runs every recorded
// payload through the strict decoder, and requires at least one packet of each expected kind.
import { afterEach, describe, expect, it } from 'vitest';
import { RLP } from '@ethereumjs/rlp';
import { generatePrivateKey, keccak256 } from '@status-stack/crypto';
import { RlpxOverlay, type Capability, type Overlay, type PeerLink } from '@status-stack/p2p-overlay';
import {
  decodeEnvelope,
  encodeMessagesPacket,
  encodeMessagesRequest,
  encodeWakuStatusOptions,
  encodeWhisperMessagesRequest,
  fullBloom,
  MailServer,
  openSymmetric,
  publicChatKey,
  publicChatTopic,
  symKeyFromPassword,
  topicsToBloom,
  WAKU_CAPABILITY,
  WAKU_PACKET,
  WakuNode,
  WHISPER_CAPABILITY,
  WHISPER_PACKET,
  WhisperNode,
  wrapMessage,
  type EnvelopeNode,
} from '../src/index.js';
import { SqliteEnvelopeArchive } from '../src/archive-sqlite.js';
import { Resources, until } from './helpers/nodes.js';
import { STATUSD_WHISPER_STATUS } from './helpers/statusd-wire.js';
import {
  BATCH_ACK_SCHEMA,
  BLOOM_SCHEMA,
  checkMessagesRequest,
  checkRequestComplete,
  checkWakuOptions,
  checkWhisperStatus,
  decodeRlpStrict,
  decodeRlpStrictAs,
  MESSAGE_RESPONSE_SCHEMA,
  MESSAGES_REQUEST_PAYLOAD_SCHEMA,
  MESSAGES_SCHEMA,
  POW_REQUIREMENT_SCHEMA,
  RATE_LIMITS_PACKET_SCHEMA,
  StrictRlpError,
  type RlpValue,
} from './helpers/wire-schemas.js';

const res = new Resources();
afterEach(() => res.closeAll());

const PASSWORD = 'status-offline-inbox';
const T = publicChatTopic('strict-rlp');
const KEY = publicChatKey('strict-rlp');
const nowS = () => Math.floor(Date.now() / 1000);

interface Recorded {
  from: string;
  code: number;
  payload: Uint8Array;
}

/**
 * A peer on its own RlpxOverlay that speaks `capability` by hand: it sends `status`, records
 * everything, answers each 126 with a 125 (so requests complete), and can send packets.
 */
class Recorder {
  readonly overlay: RlpxOverlay;
  readonly got: Recorded[] = [];
  readonly links = new Map<string, PeerLink>();

  constructor(
    capability: Capability,
    private readonly status: Uint8Array,
  ) {
    this.overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
    this.overlay.register(capability, (link) => {
      this.links.set(link.peerId, link);
      link.send(0, this.status);
      link.onMessage((code, payload) => {
        this.got.push({ from: link.peerId, code, payload });
        if (code === WHISPER_PACKET.P2P_REQUEST) link.send(WHISPER_PACKET.P2P_REQUEST_COMPLETE, RLP.encode(concat(requestId(payload), new Uint8Array(32))));
      });
    });
    res.add(() => this.overlay.stop());
  }

  get id(): string {
    return this.overlay.nodeId;
  }

  send(to: string, code: number, payload: Uint8Array): void {
    this.links.get(to)!.send(code, payload);
  }

  /** Waits for a packet from `from` with this code whose payload satisfies `pred`. */
  async expect(from: string, code: number, what: string, pred: (p: Uint8Array) => boolean = () => true): Promise<Uint8Array> {
    let hit: Uint8Array | undefined;
    await until(() => {
      hit = this.got.find((r) => r.from === from && r.code === code && pred(r.payload))?.payload;
      return hit !== undefined;
    }, what);
    return hit!;
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The id a 126 is answered under: the first field of a MessagesRequest, the hash of an envelope. */
function requestId(payload: Uint8Array): Uint8Array {
  const v = decodeRlpStrict(payload) as RlpValue[];
  return v.length === 5 ? keccak256(payload) : (v[0] as Uint8Array);
}

async function keyedNode<N extends EnvelopeNode>(make: (o: Overlay) => N): Promise<{ node: N & { overlay: Overlay }; key: Uint8Array }> {
  const key = generatePrivateKey();
  const overlay = res.overlay(key);
  const node = make(overlay);
  res.add(() => node.stop());
  await node.start();
  await overlay.start();
  return { node: Object.assign(node, { overlay }), key };
}

async function withMailServer(node: EnvelopeNode): Promise<MailServer> {
  const archive = new SqliteEnvelopeArchive();
  res.add(() => archive.close());
  const server = new MailServer(node, { archive, password: PASSWORD });
  res.add(() => server.close());
  return server;
}

async function joined(node: EnvelopeNode & { overlay: Overlay }, rec: Recorder): Promise<void> {
  await node.overlay.connect(rec.overlay.enode);
  await until(() => node.peers().some((p) => p.id === rec.id), 'handshake with the recorder');
}

/** An envelope from the recorder that the node accepts. */
function recorderEnvelope(text: string) {
  return wrapMessage({ topic: T, payload: new TextEncoder().encode(text), symKey: KEY, ttl: 60, powTarget: 0.01 });
}

/** Runs every recorded payload through the strict decoder with its schema; returns the kinds seen. */
function checkAll(got: readonly Recorded[], kindOf: (r: Recorded) => string): Map<string, number> {
  const kinds = new Map<string, number>();
  for (const r of got) {
    let kind: string;
    try {
      kind = kindOf(r);
    } catch (e) {
      throw new Error(`packet ${r.code} from ${r.from.slice(0, 8)} fails strict decoding: ${(e as Error).message}`, { cause: e });
    }
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return kinds;
}

/** A 126: its form, and for the envelope form the request payload inside, checked too. */
function requestKind(payload: Uint8Array): string {
  const form = checkMessagesRequest(payload);
  if (form === 'envelope') {
    const inner = openSymmetric(decodeEnvelope(payload), symKeyFromPassword(PASSWORD)).payload;
    decodeRlpStrictAs(inner, MESSAGES_REQUEST_PAYLOAD_SCHEMA);
  }
  return `126:${form}`;
}

describe('strict RLP of every packet a Whisper v6 node and mailserver send (real RLPx)', () => {
  it('status, PoW requirement, bloom, messages, message response, batch ack, 126 (6-field and envelope), 127, 125', async () => {
    const { node, key } = await keyedNode((o) => new WhisperNode(o, { minPow: 0.00001, rateLimits: { ipLimits: 1000, peerIdLimits: 300, topicLimits: 0 } }));
    const server = await withMailServer(node);
    const rec = new Recorder(WHISPER_CAPABILITY, STATUSD_WHISPER_STATUS); // statusd's: confirmations on
    await rec.overlay.start();
    await joined(node, rec);
    const id = node.overlay.nodeId;
    await rec.expect(id, WHISPER_PACKET.STATUS, 'status');

    node.setMinPow(0.0002);
    await rec.expect(id, WHISPER_PACKET.POW_REQUIREMENT, 'PoW requirement');
    node.setBloomFilter(topicsToBloom([T]));
    await rec.expect(id, WHISPER_PACKET.BLOOM_FILTER, 'bloom');
    await node.post({ topic: T, payload: Uint8Array.of(1, 2, 3), symKey: KEY, ttl: 60, powTarget: 0.01 });
    await rec.expect(id, WHISPER_PACKET.MESSAGES, 'messages');
    rec.send(id, WHISPER_PACKET.MESSAGES, encodeMessagesPacket([recorderEnvelope('from the recorder')]));
    await rec.expect(id, WHISPER_PACKET.MESSAGE_RESPONSE, 'message response');
    await rec.expect(id, WHISPER_PACKET.BATCH_ACKNOWLEDGED, 'batch ack');

    // As a client: both request forms (the recorder answers with a 125).
    const range = { peer: rec.id, topics: [T], from: nowS() - 600, to: nowS() + 60 };
    await node.requestHistory(range);
    await node.requestHistory({ ...range, envelopeForm: { password: PASSWORD, nodeKey: key } });
    // As a mailserver: the recorder asks, we answer with 127 and 125.
    await until(() => server.stats.archived >= 2, 'archived');
    rec.send(id, WHISPER_PACKET.P2P_REQUEST, encodeWhisperMessagesRequest({ id: new Uint8Array(32).fill(7), from: nowS() - 600, to: nowS() + 60, limit: 10, cursor: new Uint8Array(0), bloom: fullBloom() }));
    await rec.expect(id, WHISPER_PACKET.P2P_REQUEST_COMPLETE, '125');

    const kinds = checkAll(rec.got, (r) => {
      switch (r.code) {
        case WHISPER_PACKET.STATUS:
          checkWhisperStatus(r.payload);
          return 'status';
        case WHISPER_PACKET.MESSAGES:
          decodeRlpStrictAs(r.payload, MESSAGES_SCHEMA);
          return 'messages';
        case WHISPER_PACKET.POW_REQUIREMENT:
          decodeRlpStrictAs(r.payload, POW_REQUIREMENT_SCHEMA);
          return 'pow';
        case WHISPER_PACKET.BLOOM_FILTER:
          decodeRlpStrictAs(r.payload, BLOOM_SCHEMA);
          return 'bloom';
        case WHISPER_PACKET.RATE_LIMITS:
          decodeRlpStrictAs(r.payload, RATE_LIMITS_PACKET_SCHEMA);
          return 'rate-limits';
        case WHISPER_PACKET.BATCH_ACKNOWLEDGED:
          decodeRlpStrictAs(r.payload, BATCH_ACK_SCHEMA);
          return 'batch-ack';
        case WHISPER_PACKET.MESSAGE_RESPONSE:
          decodeRlpStrictAs(r.payload, MESSAGE_RESPONSE_SCHEMA);
          return 'message-response';
        case WHISPER_PACKET.P2P_REQUEST:
          return requestKind(r.payload);
        case WHISPER_PACKET.P2P_MESSAGE:
          decodeRlpStrictAs(r.payload, MESSAGES_SCHEMA);
          return '127';
        case WHISPER_PACKET.P2P_REQUEST_COMPLETE:
          checkRequestComplete(r.payload);
          return '125';
        default:
          throw new Error(`unexpected code ${r.code}`);
      }
    });
    for (const k of ['status', 'pow', 'bloom', 'messages', 'message-response', 'batch-ack', '126:whisper-6', '126:envelope', '127', '125']) {
      expect(kinds.get(k) ?? 0, k).toBeGreaterThan(0);
    }
    // On shh/6 the Waku form never leaves us; our status is the first packet and carries our limits.
    expect(kinds.has('126:waku-7')).toBe(false);
    expect(rec.got[0].code).toBe(WHISPER_PACKET.STATUS);
    const status = checkWhisperStatus(rec.got[0].payload);
    expect(status[2]).toEqual(new Uint8Array(0)); // a full node: empty bloom, as statusd
    expect(status[5]).toEqual([Uint8Array.of(0x03, 0xe8), Uint8Array.of(0x01, 0x2c), new Uint8Array(0)]);
    // The Whisper rate-limits packet (20) is only read, never sent: its values travel in the status.
    expect(kinds.has('rate-limits')).toBe(false);
  });
});

describe('strict RLP of every packet a Waku v1 node and mailserver send (real RLPx)', () => {
  it('status, status updates (PoW, topic interest, bloom), messages, message response, batch ack, 126 (7-field and envelope), 127, 125', async () => {
    const { node, key } = await keyedNode(
      (o) =>
        new WakuNode(o, {
          bloomMode: 'subscriptions',
          minPow: 0.00001,
          rateLimits: { ipLimits: 1000, peerIdLimits: 300 },
          bytesRateLimits: { ipLimits: 1 << 20, peerIdLimits: 1 << 20 },
        }),
    );
    const { node: bloomNode } = await keyedNode((o) => new WakuNode(o, { bloomMode: 'subscriptions', interestMode: 'bloom' }));
    const server = await withMailServer(node);
    const zero = { ipLimits: 0n, peerIdLimits: 0n, topicLimits: 0n };
    const rec = new Recorder(
      WAKU_CAPABILITY,
      encodeWakuStatusOptions({ powRequirement: 2e-6, bloom: fullBloom(), lightNode: false, confirmationsEnabled: true, packetRateLimits: zero, bytesRateLimits: zero }),
    );
    await rec.overlay.start();
    await joined(node, rec);
    await joined(bloomNode, rec);
    const id = node.overlay.nodeId;
    await rec.expect(id, WAKU_PACKET.STATUS, 'status');
    await rec.expect(bloomNode.overlay.nodeId, WAKU_PACKET.STATUS, 'status of the bloom node');

    const keysOf = (p: Uint8Array) => checkWakuOptions(p).join(',');
    node.setMinPow(0.0002);
    await rec.expect(id, WAKU_PACKET.STATUS_UPDATE, 'PoW update', (p) => keysOf(p) === '0');
    node.subscribe({ topics: [T], symKey: KEY }, () => undefined);
    await rec.expect(id, WAKU_PACKET.STATUS_UPDATE, 'topic interest', (p) => keysOf(p) === '5');
    bloomNode.subscribe({ topics: [T], symKey: KEY }, () => undefined);
    await rec.expect(bloomNode.overlay.nodeId, WAKU_PACKET.STATUS_UPDATE, 'bloom update', (p) => keysOf(p) === '1');
    await node.post({ topic: T, payload: Uint8Array.of(1, 2, 3), symKey: KEY, ttl: 60, powTarget: 0.01 });
    await rec.expect(id, WAKU_PACKET.MESSAGES, 'messages');
    rec.send(id, WAKU_PACKET.MESSAGES, encodeMessagesPacket([recorderEnvelope('from the recorder')]));
    await rec.expect(id, WAKU_PACKET.MESSAGE_RESPONSE, 'message response');
    await rec.expect(id, WAKU_PACKET.BATCH_ACKNOWLEDGED, 'batch ack');

    const range = { peer: rec.id, topics: [T], from: nowS() - 600, to: nowS() + 60 };
    await node.requestHistory(range);
    await node.requestHistory({ ...range, envelopeForm: { password: PASSWORD, nodeKey: key } });
    await until(() => server.stats.archived >= 2, 'archived');
    rec.send(id, WAKU_PACKET.P2P_REQUEST, encodeMessagesRequest({ id: new Uint8Array(32).fill(7), from: nowS() - 600, to: nowS() + 60, limit: 10, cursor: new Uint8Array(0), bloom: new Uint8Array(0), topics: [T] }));
    await rec.expect(id, WAKU_PACKET.P2P_REQUEST_COMPLETE, '125');

    const kinds = checkAll(rec.got, (r) => {
      switch (r.code) {
        case WAKU_PACKET.STATUS:
          return `status:${keysOf(r.payload)}`;
        case WAKU_PACKET.STATUS_UPDATE:
          return `update:${keysOf(r.payload)}`;
        case WAKU_PACKET.MESSAGES:
          decodeRlpStrictAs(r.payload, MESSAGES_SCHEMA);
          return 'messages';
        case WAKU_PACKET.BATCH_ACKNOWLEDGED:
          decodeRlpStrictAs(r.payload, BATCH_ACK_SCHEMA);
          return 'batch-ack';
        case WAKU_PACKET.MESSAGE_RESPONSE:
          decodeRlpStrictAs(r.payload, MESSAGE_RESPONSE_SCHEMA);
          return 'message-response';
        case WAKU_PACKET.P2P_REQUEST:
          return requestKind(r.payload);
        case WAKU_PACKET.P2P_MESSAGE:
          decodeRlpStrictAs(r.payload, MESSAGES_SCHEMA);
          return '127';
        case WAKU_PACKET.P2P_REQUEST_COMPLETE:
          checkRequestComplete(r.payload);
          return '125';
        default:
          throw new Error(`unexpected code ${r.code}`);
      }
    });
    // The topic-interest node's handshake (its topic interest, still empty: key 5) and the bloom node's (key 1).
    for (const k of ['status:0,2,3,4,5,6', 'status:0,1,2,3,4,6', 'update:0', 'update:5', 'update:1', 'messages', 'message-response', 'batch-ack', '126:waku-7', '126:envelope', '127', '125']) {
      expect(kinds.get(k) ?? 0, k).toBeGreaterThan(0);
    }
    expect(kinds.has('126:whisper-6')).toBe(false);
    for (const n of [id, bloomNode.overlay.nodeId]) expect(rec.got.find((r) => r.from === n)?.code).toBe(WAKU_PACKET.STATUS);
  });
});

describe('the wire schemas refuse what go-ethereum refuses (so the checks above can fail)', () => {
  const enc = (v: Parameters<typeof RLP.encode>[0]) => RLP.encode(v);
  const b = (n: number, fill = 1) => new Uint8Array(n).fill(fill);
  it.each([
    ['status version written 0x00', () => checkWhisperStatus(Uint8Array.of(0xc1, 0x00))],
    ['status light-node bool 0x02', () => checkWhisperStatus(enc([6, 1, new Uint8Array(0), 2, 1, [0, 0, 0]]))],
    ['status bloom of 63 bytes', () => checkWhisperStatus(enc([6, 1, b(63), 0, 1, [0, 0, 0]]))],
    ['a single byte wrapped as a string', () => decodeRlpStrictAs(Uint8Array.of(0x81, 0x05), POW_REQUIREMENT_SCHEMA)],
    ['envelope expiry above uint32', () => decodeRlpStrictAs(enc([[2 ** 32, 50, b(4), b(10), 1]]), MESSAGES_SCHEMA)],
    ['envelope topic of 5 bytes', () => decodeRlpStrictAs(enc([[1, 50, b(5), b(10), 1]]), MESSAGES_SCHEMA)],
    ['Waku option with an unknown key', () => checkWakuOptions(enc([[9, 1]]))],
    ['Waku options out of key order', () => checkWakuOptions(enc([[2, 1], [0, 1]]))],
    ['Waku bloom of 63 bytes', () => checkWakuOptions(enc([[1, b(63)]]))],
    ['7-field request without a bloom or topics', () => checkMessagesRequest(enc([b(32), 1, 2, 3, new Uint8Array(0), new Uint8Array(0), []]))],
    ['request complete of 65 bytes', () => checkRequestComplete(enc(b(65)))],
    ['trailing bytes after the value', () => decodeRlpStrictAs(Uint8Array.of(0x80, 0x80), POW_REQUIREMENT_SCHEMA)],
  ])('%s', (_n, f) => {
    expect(f).toThrow(StrictRlpError);
  });
});
