// Every packet statusd (status-go v0.62.18) sent us in the wire captures, and the two mailserver
// requests a status-go messenger sent, decoded with our decoders and with the strict decoder
// (go-ethereum's rules); and our encoders, given the same values, produce the same bytes.
// Vectors: vectors/whisper/subprotocol_status_packets.json, vectors/whisper-mailserver/whisper_mailserver_exchange.json.
import { describe, expect, it } from 'vitest';
import { bytesToHex, getPublicKey, hexToBytes, keccak256 } from '@status-stack/crypto';
import type { Overlay } from '@status-stack/p2p-overlay';
import {
  bloomMatch,
  decodeEnvelope,
  decodeMessagesPacket,
  decodeMessagesRequest,
  decodeMessagesRequestPayload,
  decodeP2PMessages,
  decodeRequestComplete,
  decodeWakuStatus,
  decodeWhisperStatus,
  encodeEnvelope,
  encodeMessagesPacket,
  encodeMessagesRequestPayload,
  encodeP2PMessages,
  encodePlaintext,
  encodeRequestComplete,
  encodeWakuStatus,
  encodeWhisperMessagesRequest,
  encodeWhisperStatus,
  encryptSymmetric,
  envelopeHash,
  MailserverCodecError,
  openSymmetric,
  publicChatKey,
  publicChatTopic,
  symKeyFromPassword,
  topicToBloom,
  topicToHex,
  WakuNode,
  WhisperNode,
} from '../src/index.js';
import { CHAT, exchange, HARNESS_NODE_KEY, MAILSERVER_PASSWORD, statusPackets, STATUSD_WAKU_STATUS, STATUSD_WHISPER_STATUS } from './helpers/statusd-wire.js';
import {
  checkMessagesRequest,
  checkRequestComplete,
  checkWakuOptions,
  checkWhisperStatus,
  decodeRlpStrictAs,
  ENVELOPE_SCHEMA,
  MESSAGES_REQUEST_PAYLOAD_SCHEMA,
  MESSAGES_SCHEMA,
  StrictRlpError,
  WAKU_MESSAGES_REQUEST_SCHEMA,
  WHISPER_MESSAGES_REQUEST_SCHEMA,
} from './helpers/wire-schemas.js';

const h = hexToBytes;
const hex = (b: Uint8Array) => bytesToHex(b);
const ZERO_LIMITS = { ipLimits: 0n, peerIdLimits: 0n, topicLimits: 0n };
const req = exchange['requests_sent_by_status-go'];
const [p2p127, p2p125] = exchange.statusd_responses.to_p2p_MessagesRequest_form;
const [env127, env125] = exchange.statusd_responses.to_envelope_form;

/** Exposes the status packet a node would send, without a network. */
const nullOverlay = { register() {}, on() {}, off() {} } as unknown as Overlay;
class WhisperProbe extends WhisperNode {
  status(): Uint8Array {
    return this.encodeStatus();
  }
}
class WakuProbe extends WakuNode {
  status(): Uint8Array {
    return this.encodeStatus();
  }
}

describe('statusd status packets (subprotocol_status_packets.json)', () => {
  const waku = statusPackets.packets.filter((p) => p.capability === 'waku/1');
  const shh = statusPackets.packets.filter((p) => p.capability === 'shh/6');

  it('the captures hold two Waku v1 and two Whisper v6 status packets, all from statusd', () => {
    expect(waku.map((p) => p.name)).toEqual(['statusd_waku_waku1_status', 'statusd_both_waku1_status']);
    expect(shh.map((p) => p.name)).toEqual(['statusd_whisper_shh6_status', 'statusd_both_shh6_status']);
  });

  it.each(waku.map((p) => [p.name, p]))('%s: strict decode, our decoder, and our encoder reproduces the bytes', (_n, p) => {
    const payload = h(p.payload);
    expect(checkWakuOptions(payload)).toEqual([0, 1, 2, 3, 4, 6]);
    const o = decodeWakuStatus(payload, 1);
    expect(o).toEqual({
      powRequirement: 2e-6,
      bloom: new Uint8Array(64).fill(0xff),
      lightNode: false,
      confirmationsEnabled: false,
      packetRateLimits: ZERO_LIMITS,
      bytesRateLimits: ZERO_LIMITS,
    });
    // Same values, same canonical bytes: our encoder writes the keys in ascending order, as status-go.
    expect(hex(encodeWakuStatus(o, 1))).toBe(p.payload);
  });

  it.each(shh.map((p) => [p.name, p]))('%s: strict decode, our decoder, and our encoder reproduces the bytes', (_n, p) => {
    const payload = h(p.payload);
    const strict = checkWhisperStatus(payload);
    expect(strict).toHaveLength(6);
    expect(strict[2]).toEqual(new Uint8Array(0)); // statusd's full node sends an empty bloom
    const s = decodeWhisperStatus(payload);
    expect(s).toEqual({ version: 6, powRequirement: 2e-6, lightNode: false, confirmationsEnabled: true, rateLimits: ZERO_LIMITS });
    expect(hex(encodeWhisperStatus(s))).toBe(p.payload);
  });

  it('a default WhisperNode now sends byte for byte what statusd sends (a full node advertises an empty bloom)', () => {
    // Before, it sent 64 × 0xff (the capture's projectStatusPacketsForComparison); go-ethereum and
    // statusd send 0x80 for a full node, and read both as "everything".
    const old = statusPackets.projectStatusPacketsForComparison.find((p) => p.capability === 'shh/6')!;
    expect(checkWhisperStatus(h(old.payload))[2]).toHaveLength(64);
    const node = new WhisperProbe(nullOverlay);
    expect(hex(node.status())).toBe(hex(STATUSD_WHISPER_STATUS));
  });

  it('a default WakuNode differs from statusd only where its settings do: no bloom key (full node), confirmations on', () => {
    // statusd: keys 0,1 (64 × 0xff),2,3 (false),4,6. Ours, a full node in topic-interest mode: 0,2,3 (true),4,6.
    // status-go reads an absent bloom and topic interest as a full node's, so both mean the same.
    const node = new WakuProbe(nullOverlay);
    const ours = node.status();
    expect(checkWakuOptions(ours)).toEqual([0, 2, 3, 4, 6]);
    const theirs = decodeWakuStatus(STATUSD_WAKU_STATUS, 1);
    expect(decodeWakuStatus(ours, 1)).toEqual({ ...theirs, bloom: undefined, confirmationsEnabled: true });
    expect(hex(ours)).toBe(statusPackets.projectStatusPacketsForComparison.find((p) => p.capability === 'waku/1')!.payload);
    // Given statusd's values, our encoder writes statusd's bytes.
    expect(hex(encodeWakuStatus({ ...decodeWakuStatus(ours, 1), bloom: new Uint8Array(64).fill(0xff), confirmationsEnabled: false }, 1))).toBe(
      hex(STATUSD_WAKU_STATUS),
    );
  });

  it('everything else statusd sent while connected is p2p Ping/Pong, an empty list', () => {
    expect(statusPackets.otherPacketsFromStatusd.length).toBeGreaterThan(0);
    for (const p of statusPackets.otherPacketsFromStatusd) {
      expect([2, 3]).toContain(p.absoluteCode);
      expect(decodeRlpStrictAs(h(p.payload), { list: [] })).toEqual([]);
    }
  });
});

describe('status-go mailserver requests on shh/6 (whisper_mailserver_exchange.json)', () => {
  it('the P2P request is the 6-field Whisper MessagesRequest; ours encodes the same values to the same bytes', () => {
    const payload = h(req.p2p_MessagesRequest_form.payload);
    expect(checkMessagesRequest(payload)).toBe('whisper-6');
    expect(() => decodeRlpStrictAs(payload, WAKU_MESSAGES_REQUEST_SCHEMA)).toThrow(StrictRlpError);
    const r = decodeMessagesRequest(payload);
    const f = req.p2p_MessagesRequest_form.decoded.fields;
    expect(req.p2p_MessagesRequest_form.decoded.fieldCount).toBe(6);
    expect(hex(r.id)).toBe(f[0].hex);
    expect(new TextDecoder().decode(r.id)).toBe('442b172df8f04c6b82b85a403ce456cc');
    expect([r.from, r.to, r.limit]).toEqual([1796179214, 1796182874, 100]);
    expect(r.cursor).toHaveLength(0);
    expect(hex(r.bloom)).toBe(f[5].hex);
    expect(r.topics).toEqual([]);
    // The bloom is the only selector; it covers the chat's topic.
    expect(bloomMatch(r.bloom, topicToBloom(publicChatTopic(CHAT)))).toBe(true);
    expect(hex(encodeWhisperMessagesRequest(r))).toBe(req.p2p_MessagesRequest_form.payload);
  });

  it('the 6-field encoder refuses what the Whisper form cannot carry: topics, or no bloom', () => {
    const r = decodeMessagesRequest(h(req.p2p_MessagesRequest_form.payload));
    expect(() => encodeWhisperMessagesRequest({ ...r, topics: [publicChatTopic(CHAT)] })).toThrow(MailserverCodecError);
    expect(() => encodeWhisperMessagesRequest({ ...r, bloom: new Uint8Array(0) })).toThrow(MailserverCodecError);
  });

  it('the envelope form is one envelope (TTL 50, topic 0), PBKDF2("status-offline-inbox"), signed by the node key; we rebuild it byte for byte', () => {
    const e = req.envelope_form;
    const payload = h(e.payload);
    expect(checkMessagesRequest(payload)).toBe('envelope');
    decodeRlpStrictAs(payload, ENVELOPE_SCHEMA);
    const env = decodeEnvelope(payload);
    expect([env.expiry, env.ttl, topicToHex(env.topic)]).toEqual([e.envelope.expiry, 50, '0x00000000']);
    expect(hex(encodeEnvelope(env))).toBe(e.payload);
    const key = symKeyFromPassword(MAILSERVER_PASSWORD);
    expect(hex(key)).toBe(e.symKey);
    const opened = openSymmetric(env, key);
    expect(hex(opened.payload)).toBe(e.opened.payload);
    expect(opened.padding).toHaveLength(e.opened.paddingLength);
    expect(hex(opened.signature!)).toBe(e.opened.signature);
    expect(hex(opened.signer!)).toBe(hex(getPublicKey(HARNESS_NODE_KEY)));

    const inner = h(e.opened.payload);
    decodeRlpStrictAs(inner, MESSAGES_REQUEST_PAYLOAD_SCHEMA);
    const p = decodeMessagesRequestPayload(inner);
    const d = e.opened.payloadDecoded;
    expect(p).toEqual({ lower: d.Lower, upper: d.Upper, bloom: h(d.Bloom), topics: [], limit: 1000, cursor: new Uint8Array(0), batch: true });
    expect(hex(encodeMessagesRequestPayload(p))).toBe(e.opened.payload);
    // Our plaintext (flags, size, payload, padding, signature) and AES-GCM with the captured nonce
    // give the captured data: the signature is deterministic (RFC 6979) in both implementations.
    const plaintext = encodePlaintext({ payload: inner, padding: opened.padding, signingKey: HARNESS_NODE_KEY });
    expect(hex(plaintext)).toBe(e.opened.plaintext);
    expect(hex(encryptSymmetric(key, plaintext, h(e.opened.aesGcmNonce)))).toBe(hex(env.data));
    // The request id is the envelope hash: statusd's 125 for this form carries it.
    expect(hex(envelopeHash(env))).toBe(env125.decoded.requestID);
  });

  it('the 7-field (Waku) request statusd refused on shh/6 parses as Waku but not as status-go’s Whisper struct; statusd answered Disconnect 0x10', () => {
    const s = exchange.seven_field_request_to_statusd;
    const payload = h(s.payloadSent);
    expect(checkMessagesRequest(payload)).toBe('waku-7');
    expect(() => decodeRlpStrictAs(payload, WHISPER_MESSAGES_REQUEST_SCHEMA)).toThrow(/too many elements/);
    expect(decodeMessagesRequest(payload).topics.map(topicToHex)).toEqual([topicToHex(publicChatTopic(CHAT))]);
    expect(s.statusdReply.frameBody).toBe('010204c110'); // id 1, snappy of [0x10]
    expect(decodeRlpStrictAs(h(s.statusdReply.payload), { list: [{ uint: 8 }] })).toEqual([Uint8Array.of(0x10)]);
  });
});

describe('statusd mailserver answers (whisper_mailserver_exchange.json)', () => {
  it('127 is one list of the six archived envelopes, oldest first; both request forms got the same bytes; our encoders reproduce them', () => {
    expect(env127.payload).toBe(p2p127.payload);
    const payload = h(p2p127.payload);
    decodeRlpStrictAs(payload, MESSAGES_SCHEMA);
    const rlps = decodeP2PMessages(payload);
    expect(rlps.map(hex)).toEqual(p2p127.envelopes.map((e) => e.rlp));
    const envelopes = decodeMessagesPacket(payload);
    expect(envelopes.map((e) => e.expiry)).toEqual(p2p127.envelopes.map((e) => e.expiry));
    expect(envelopes.map((e) => e.expiry)).toEqual([...envelopes.map((e) => e.expiry)].sort((a, b) => a - b));
    expect(hex(encodeP2PMessages(rlps))).toBe(p2p127.payload);
    expect(hex(encodeMessagesPacket(envelopes))).toBe(p2p127.payload);
  });

  it('each archived envelope opens with the public chat key to the recorded signed payload', () => {
    const key = publicChatKey(CHAT);
    for (const e of p2p127.envelopes) {
      expect(hex(key)).toBe(e.openedWithPublicChatKey.key);
      const env = decodeEnvelope(h(e.rlp));
      expect([env.ttl, topicToHex(env.topic), hex(env.data)]).toEqual([e.ttl, `0x${e.topic}`, e.data]);
      const m = openSymmetric(env, key);
      expect(hex(m.payload)).toBe(e.openedWithPublicChatKey.payload);
      expect(hex(m.signature!)).toBe(e.openedWithPublicChatKey.signature);
      expect(m.padding).toHaveLength(e.openedWithPublicChatKey.paddingLength);
    }
  });

  it.each([
    ['P2P form', p2p125, () => h(req.p2p_MessagesRequest_form.decoded.fields[0].hex)],
    ['envelope form', env125, () => envelopeHash(decodeEnvelope(h(req.envelope_form.payload)))],
  ] as const)('125 to the %s: id ‖ hash of the last envelope sent, empty cursor; our encoder reproduces it', (_n, p, id) => {
    const payload = h(p.payload);
    expect(checkRequestComplete(payload)).toHaveLength(64);
    const c = decodeRequestComplete(payload);
    if (c.kind !== 'completed') throw new Error('expected a completed request');
    expect(hex(c.requestId)).toBe(hex(id()));
    expect(hex(c.requestId)).toBe(p.decoded.requestID);
    // The last envelope statusd sent is its newest.
    expect(hex(c.lastEnvelopeHash)).toBe(hex(keccak256(h(p2p127.envelopes[5].rlp))));
    expect(c.cursor).toHaveLength(0);
    expect(hex(encodeRequestComplete(c))).toBe(p.payload);
  });

  it('our mailserver (at the capture) served the same six newest first, its 125 naming the oldest as the last one sent', () => {
    // A mailserver may page newest first (NOTES.md); clients follow cursors either way.
    const ours = exchange.project_fake_mailserver_responses_for_comparison.to_p2p_MessagesRequest_form;
    expect(decodeP2PMessages(h(ours[0].payload)).map(hex)).toEqual(p2p127.envelopes.map((e) => e.rlp).reverse());
    const c = decodeRequestComplete(h(ours[1].payload));
    expect(c.kind === 'completed' && hex(c.lastEnvelopeHash)).toBe(hex(keccak256(h(p2p127.envelopes[0].rlp))));
  });
});
