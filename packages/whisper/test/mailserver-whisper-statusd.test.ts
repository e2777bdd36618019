// Whisper v6 (shh/6) mailserver interop, from the statusd captures
// (vectors/whisper-mailserver/whisper_mailserver_exchange.json), over real RLPx on 127.0.0.1:
//  - our MailServer serves the real status-go requests replayed byte for byte: the 6-field P2P
//    MessagesRequest, the envelope form (signed by the harness's node key, so the replaying peer
//    uses that key), and the 7-field Waku form (which statusd refuses, we accept);
//  - our WhisperNode fetches history from a peer that, like statusd, accepts ONLY the 6-field
//    request and drops anything else with SubprotocolError.
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, keccak256 } from '@status-stack/crypto';
import { DISCONNECT_REASON, type Overlay } from '@status-stack/p2p-overlay';
import {
  archiveRecordFromEnvelope,
  decodeEnvelope,
  decodeP2PMessages,
  decodeRequestComplete,
  envelopeHash,
  MailServer,
  MAILSERVER_ERROR,
  MailserverError,
  publicChatKey,
  publicChatTopic,
  WHISPER_CAPABILITY,
  WHISPER_PACKET,
  WhisperNode,
  type ReceivedMessage,
} from '../src/index.js';
import { SqliteEnvelopeArchive } from '../src/archive-sqlite.js';
import { FakeStatusd } from './helpers/fake-statusd.js';
import { rawPeer, Resources, until, type RawPeer } from './helpers/nodes.js';
import { ARCHIVED, CAPTURE_SECONDS, CHAT, exchange, HARNESS_NODE_KEY, MAILSERVER_PASSWORD, STATUSD_WHISPER_STATUS } from './helpers/statusd-wire.js';
import { checkMessagesRequest, checkRequestComplete, decodeRlpStrictAs, MESSAGES_SCHEMA } from './helpers/wire-schemas.js';

const res = new Resources();
afterEach(() => res.closeAll());

const hex = (b: Uint8Array) => bytesToHex(b);
const req = exchange['requests_sent_by_status-go'];
/** Our mailserver's clock: a minute after the capture's requests, so their ranges are current. */
const clock = () => (CAPTURE_SECONDS + 60) * 1000;

async function ourWhisperMailserver() {
  const node = await res.node((o) => new WhisperNode(o, { now: clock }));
  const archive = new SqliteEnvelopeArchive();
  res.add(() => archive.close());
  const server = new MailServer(node, { archive, password: MAILSERVER_PASSWORD, now: clock });
  res.add(() => server.close());
  // The six envelopes statusd had archived, as if our node had seen them at the capture.
  await archive.putMany(ARCHIVED.map((e) => archiveRecordFromEnvelope(hexToBytes(e.rlp), e.expiry - e.ttl)));
  return { node, server };
}

/** A bare shh/6 peer with the harness's node key that sends statusd's status packet, as the capture's replaying node did. */
async function replayer(node: WhisperNode & { overlay: Overlay }): Promise<RawPeer> {
  const peer = await rawPeer(res, WHISPER_CAPABILITY, node, HARNESS_NODE_KEY);
  peer.link.send(WHISPER_PACKET.STATUS, STATUSD_WHISPER_STATUS);
  await until(() => node.peers().some((p) => p.id === peer.overlay.nodeId), 'shh/6 handshake');
  return peer;
}

/** Sends one 126 payload and returns our server's answer: the envelopes of its 127s and its 125. */
async function replay(peer: RawPeer, payload: Uint8Array) {
  const seen = peer.received.length;
  peer.link.send(WHISPER_PACKET.P2P_REQUEST, payload);
  const completeBytes = await peer.next(WHISPER_PACKET.P2P_REQUEST_COMPLETE, seen);
  const p2p = peer.received.slice(seen).filter(([c]) => c === WHISPER_PACKET.P2P_MESSAGE).map(([, p]) => p);
  // What we answer must pass go-ethereum's strict decoding too.
  for (const p of p2p) decodeRlpStrictAs(p, MESSAGES_SCHEMA);
  checkRequestComplete(completeBytes);
  return { envelopes: p2p.flatMap((p) => decodeP2PMessages(p)).map(hex), complete: decodeRequestComplete(completeBytes) };
}

describe('our Whisper mailserver answers status-go’s real requests (replayed over RLPx)', () => {
  const newestFirst = ARCHIVED.map((e) => e.rlp).reverse();
  const lastSent = hex(keccak256(hexToBytes(ARCHIVED[0].rlp)));

  it('the 6-field P2P MessagesRequest (messenger.RequestHistoricMessages): all six envelopes and a 125 with its id', async () => {
    const { node, server } = await ourWhisperMailserver();
    const peer = await replayer(node);
    const payload = hexToBytes(req.p2p_MessagesRequest_form.payload);
    expect(checkMessagesRequest(payload)).toBe('whisper-6');
    const answer = await replay(peer, payload);
    expect(answer.envelopes).toEqual(newestFirst);
    expect(answer.complete).toEqual({
      kind: 'completed',
      requestId: hexToBytes(req.p2p_MessagesRequest_form.decoded.fields[0].hex),
      lastEnvelopeHash: hexToBytes(lastSent),
      cursor: new Uint8Array(0),
    });
    expect(server.stats).toMatchObject({ served: 1, rejected: 0, envelopesSent: 6 });
  });

  it('the envelope form (shhext RequestMessagesSync, as the app sends): decrypted with the password, signature = peer id, id = envelope hash', async () => {
    const { node, server } = await ourWhisperMailserver();
    const peer = await replayer(node);
    const payload = hexToBytes(req.envelope_form.payload);
    expect(checkMessagesRequest(payload)).toBe('envelope');
    const answer = await replay(peer, payload);
    expect(answer.envelopes).toEqual(newestFirst);
    const id = envelopeHash(decodeEnvelope(payload));
    expect(hex(id)).toBe(exchange.statusd_responses.to_envelope_form[1].decoded.requestID);
    expect(answer.complete).toEqual({ kind: 'completed', requestId: id, lastEnvelopeHash: hexToBytes(lastSent), cursor: new Uint8Array(0) });
    expect(server.stats).toMatchObject({ served: 1, rejected: 0 });
  });

  it('the 7-field Waku-style request (which statusd refuses on shh/6): we serve it, selecting by its topics', async () => {
    const { node, server } = await ourWhisperMailserver();
    const peer = await replayer(node);
    const payload = hexToBytes(exchange.seven_field_request_to_statusd.payloadSent);
    expect(checkMessagesRequest(payload)).toBe('waku-7');
    const answer = await replay(peer, payload);
    expect(answer.envelopes).toEqual(newestFirst);
    expect(answer.complete.kind).toBe('completed');
    expect(hex(answer.complete.requestId)).toBe(req.p2p_MessagesRequest_form.decoded.fields[0].hex);
    expect(server.stats).toMatchObject({ served: 1, rejected: 0 });
    expect(peer.link.isClosed).toBe(false);
  });

  it('the envelope form from a peer whose key did not sign it is refused with ERROR= for its id, not served', async () => {
    const { node, server } = await ourWhisperMailserver();
    const peer = await rawPeer(res, WHISPER_CAPABILITY, node); // a fresh key, not the harness's
    peer.link.send(WHISPER_PACKET.STATUS, STATUSD_WHISPER_STATUS);
    await until(() => node.peers().some((p) => p.id === peer.overlay.nodeId), 'shh/6 handshake');
    const payload = hexToBytes(req.envelope_form.payload);
    const answer = await replay(peer, payload);
    expect(answer.envelopes).toEqual([]);
    expect(answer.complete).toMatchObject({ kind: 'failed', requestId: envelopeHash(decodeEnvelope(payload)) });
    expect(answer.complete.kind === 'failed' && answer.complete.error).toMatch(/signature/);
    expect(server.stats).toMatchObject({ served: 0, rejected: 1 });
  });
});

describe('our WhisperNode against a mailserver that accepts only the 6-field Whisper request (as statusd)', () => {
  async function fake(mode: ConstructorParameters<typeof FakeStatusd>[0]) {
    const f = new FakeStatusd(mode);
    res.add(() => f.stop());
    await f.start();
    return f;
  }

  async function client() {
    const node = await res.node((o) => new WhisperNode(o));
    const got: ReceivedMessage[] = [];
    node.subscribe({ topics: [publicChatTopic(CHAT)], symKey: publicChatKey(CHAT) }, (m) => got.push(m));
    return { node, got };
  }

  it('the fake is as strict as statusd: a 7-field request gets Disconnect SubprotocolError (0x10)', async () => {
    const f = await fake('whisper-6-only');
    const peer = await rawPeer(res, WHISPER_CAPABILITY, f);
    peer.link.send(WHISPER_PACKET.STATUS, STATUSD_WHISPER_STATUS);
    await peer.next(WHISPER_PACKET.STATUS);
    peer.link.send(WHISPER_PACKET.P2P_REQUEST, hexToBytes(exchange.seven_field_request_to_statusd.payloadSent));
    expect(await peer.link.closed).toBe(DISCONNECT_REASON.SUBPROTOCOL_ERROR);
    expect(f.requests).toMatchObject([{ served: false, why: expect.stringMatching(/too many elements/) }]);
  });

  it('fetches the six archived envelopes with a 6-field request, delivered to our filter, and stays connected', async () => {
    const f = await fake('whisper-6-only');
    const { node, got } = await client();
    await node.overlay.connect(f.enode);
    await until(() => node.peers().some((p) => p.id === f.overlay.nodeId), 'handshake with the fake statusd');
    const result = await node.requestHistory({ peer: f.overlay.nodeId, topics: [publicChatTopic(CHAT)], from: CAPTURE_SECONDS - 3600, to: CAPTURE_SECONDS });
    expect(result).toMatchObject({ envelopes: 6, delivered: 6, pages: 1 });
    expect(result.cursor).toHaveLength(0);
    expect(hex(result.lastEnvelopeHash)).toBe(hex(keccak256(hexToBytes(ARCHIVED[5].rlp))));
    expect(f.requests).toHaveLength(1);
    expect(f.requests[0]).toMatchObject({ served: true, peerId: node.overlay.nodeId });
    expect(checkMessagesRequest(f.requests[0].payload)).toBe('whisper-6');
    expect(got.map((m) => hex(m.payload))).toEqual(ARCHIVED.map((e) => e.openedWithPublicChatKey.payload));
    expect(got.every((m) => m.p2p)).toBe(true);
    expect(node.peers().some((p) => p.id === f.overlay.nodeId)).toBe(true);
  });

  it('a request the server refuses fails with PEER_DISCONNECTED naming its reason (here the envelope form, which the fake does not take)', async () => {
    const f = await fake('whisper-6-only');
    const { node } = await client();
    await node.overlay.connect(f.enode);
    await until(() => node.peers().some((p) => p.id === f.overlay.nodeId), 'handshake with the fake statusd');
    const err = (await node
      .requestHistory({
        peer: f.overlay.nodeId,
        topics: [publicChatTopic(CHAT)],
        from: CAPTURE_SECONDS - 3600,
        to: CAPTURE_SECONDS,
        envelopeForm: { password: MAILSERVER_PASSWORD, nodeKey: HARNESS_NODE_KEY },
      })
      .catch((e: unknown) => e)) as MailserverError;
    expect(err).toBeInstanceOf(MailserverError);
    expect(err.code).toBe(MAILSERVER_ERROR.PEER_DISCONNECTED);
    expect(err.disconnectReason).toBe(DISCONNECT_REASON.SUBPROTOCOL_ERROR);
    expect(err.message).toMatch(/SUBPROTOCOL_ERROR \(0x10\)/);
    expect(f.requests).toMatchObject([{ served: false }]);
    expect(checkMessagesRequest(f.requests[0].payload)).toBe('envelope');
  });
});

