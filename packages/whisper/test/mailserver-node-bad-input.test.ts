// Bad input at both ends of the mailserver protocol: rejected or bounded, logged, nothing crashes.
import { afterEach, describe, expect, it } from 'vitest';
import { RLP } from '@ethereumjs/rlp';
import { generatePrivateKey, getPublicKey, randomBytes } from '@status-stack/crypto';
import {
  ARCHIVE_ERROR_CODES,
  ArchiveError,
  decodeMessagesRequest,
  decodeRequestComplete,
  decodeP2PMessages,
  encodeEnvelope,
  encodeMessagesPacket,
  encodeMessagesRequest,
  encodeMessagesRequestPayload,
  encodeRequestComplete,
  encodeRequestFailed,
  encodeWakuStatusOptions,
  envelopeHash,
  fullBloom,
  MailServer,
  MAILSERVER_ERROR,
  MailserverError,
  publicChatKey,
  publicChatTopic,
  symKeyFromPassword,
  WAKU_CAPABILITY,
  WAKU_PACKET,
  WakuNode,
  wrapMessage,
  type EnvelopeArchive,
  type ReceivedMessage,
  type RequestComplete,
} from '../src/index.js';
import { SqliteEnvelopeArchive } from '../src/archive-sqlite.js';
import { connect, rawPeer, Resources, until, type RawPeer } from './helpers/nodes.js';

const res = new Resources();
afterEach(() => res.closeAll());

const PASSWORD = 'status-offline-inbox';
const topic = publicChatTopic('bad-input');
const symKey = publicChatKey('bad-input');
const now = () => Math.floor(Date.now() / 1000);

async function mailserverWith(envelopes: number, archive: EnvelopeArchive = new SqliteEnvelopeArchive(), keys: { password?: string; asymKey?: Uint8Array } = { password: PASSWORD }) {
  const node = await res.node((o) => new WakuNode(o));
  const server = new MailServer(node, { archive, ...keys });
  res.add(() => server.close());
  res.add(() => archive.close());
  for (let i = 0; i < envelopes; i++) await node.post({ topic, payload: Uint8Array.of(i), symKey, ttl: 60, powTarget: 0.0001 });
  await until(() => server.stats.archived === envelopes, 'archived');
  return { node, server, archive };
}

/** A raw waku/1 peer with a known node key, handshaken with `target`. */
async function requester(target: WakuNode & { overlay: { enode: string } }, key = generatePrivateKey()): Promise<RawPeer & { key: Uint8Array }> {
  const peer = await rawPeer(res, WAKU_CAPABILITY, target as never, key);
  peer.link.send(WAKU_PACKET.STATUS, encodeWakuStatusOptions({}));
  await until(() => target.peers().some((p) => p.id === peer.overlay.nodeId), 'handshake');
  return Object.assign(peer, { key });
}

async function completeAfter(peer: RawPeer, from: number): Promise<RequestComplete> {
  return decodeRequestComplete(await peer.next(WAKU_PACKET.P2P_REQUEST_COMPLETE, from));
}

function oldFormRequest(opts: { password?: string; signer?: Uint8Array; payload?: Uint8Array }) {
  const payload = opts.payload ?? encodeMessagesRequestPayload({ lower: now() - 600, upper: now() + 60, bloom: fullBloom(), topics: [topic], limit: 10, cursor: new Uint8Array(0), batch: true });
  return wrapMessage({ topic: Uint8Array.of(0, 0, 0, 0), payload, symKey: symKeyFromPassword(opts.password ?? PASSWORD), signingKey: opts.signer, ttl: 50, powTarget: 0 });
}

describe('mailserver server: bad requests over RLPx', () => {
  it('serves the older, password-encrypted request form signed by the requesting peer (id = envelope hash)', async () => {
    const { node } = await mailserverWith(3);
    const peer = await requester(node);
    const env = oldFormRequest({ signer: peer.key });
    const seen = peer.received.length;
    peer.link.send(WAKU_PACKET.P2P_REQUEST, encodeEnvelope(env));
    const complete = await completeAfter(peer, seen);
    expect(complete).toMatchObject({ kind: 'completed', requestId: envelopeHash(env), cursor: new Uint8Array(0) });
    const sent = peer.received.slice(seen).filter(([c]) => c === WAKU_PACKET.P2P_MESSAGE).flatMap(([, p]) => decodeP2PMessages(p));
    expect(sent).toHaveLength(3);
  });

  it('a client sending the older form gets the same pages; with the wrong password, a clean rejection', async () => {
    const { node } = await mailserverWith(5);
    const nodeKey = generatePrivateKey();
    const overlay = res.overlay(nodeKey);
    const client = new WakuNode(overlay);
    res.add(() => client.stop());
    await client.start();
    await overlay.start();
    await connect(Object.assign(client, { overlay }), node);
    const got: ReceivedMessage[] = [];
    client.subscribe({ topics: [topic], symKey }, (m) => got.push(m));
    const request = { peer: node.overlay.nodeId, topics: [topic], from: now() - 600, to: now() + 60, limit: 2 };
    const result = await client.requestHistory({ ...request, envelopeForm: { password: PASSWORD, nodeKey } });
    expect(result).toMatchObject({ envelopes: 5, pages: 3 });
    expect(got).toHaveLength(5);
    const wrong = (await client.requestHistory({ ...request, envelopeForm: { password: 'nope', nodeKey } }).catch((e: unknown) => e)) as MailserverError;
    expect(wrong.code).toBe(MAILSERVER_ERROR.REQUEST_FAILED);
    expect(wrong.message).toMatch(/failed to decrypt/);
  });

  it('the older form encrypted to the mailserver’s key (status-go MailServerAsymKey): served, from a raw peer and from our client', async () => {
    const asymKey = generatePrivateKey();
    const { node } = await mailserverWith(4, new SqliteEnvelopeArchive(), { asymKey });
    const peer = await requester(node);
    const payload = encodeMessagesRequestPayload({ lower: now() - 600, upper: now() + 60, bloom: fullBloom(), topics: [topic], limit: 10, cursor: new Uint8Array(0), batch: true });
    const env = wrapMessage({ topic: Uint8Array.of(0, 0, 0, 0), payload, publicKey: getPublicKey(asymKey), signingKey: peer.key, ttl: 50, powTarget: 0 });
    const seen = peer.received.length;
    peer.link.send(WAKU_PACKET.P2P_REQUEST, encodeEnvelope(env));
    expect(await completeAfter(peer, seen)).toMatchObject({ kind: 'completed', requestId: envelopeHash(env) });
    expect(peer.received.slice(seen).filter(([c]) => c === WAKU_PACKET.P2P_MESSAGE).flatMap(([, p]) => decodeP2PMessages(p))).toHaveLength(4);
    // A password request to a server with only a key is refused for that id.
    const byPassword = oldFormRequest({ signer: peer.key });
    const seen2 = peer.received.length;
    peer.link.send(WAKU_PACKET.P2P_REQUEST, encodeEnvelope(byPassword));
    expect(await completeAfter(peer, seen2)).toMatchObject({ kind: 'failed', requestId: envelopeHash(byPassword) });

    const nodeKey = generatePrivateKey();
    const overlay = res.overlay(nodeKey);
    const client = new WakuNode(overlay);
    res.add(() => client.stop());
    await client.start();
    await overlay.start();
    await connect(Object.assign(client, { overlay }), node);
    const got: ReceivedMessage[] = [];
    client.subscribe({ topics: [topic], symKey }, (m) => got.push(m));
    const result = await client.requestHistory({
      peer: node.overlay.nodeId,
      topics: [topic],
      from: now() - 600,
      to: now() + 60,
      limit: 3,
      envelopeForm: { mailserverPublicKey: getPublicKey(asymKey), nodeKey },
    });
    expect(result).toMatchObject({ envelopes: 4, pages: 2 });
    expect(got).toHaveLength(4);
  });

  it('answers undecryptable, unsigned, wrongly signed and undecodable older requests with an error for that id', async () => {
    const { node, server } = await mailserverWith(1);
    const peer = await requester(node);
    const cases: Array<[ReturnType<typeof oldFormRequest>, RegExp]> = [
      [oldFormRequest({ password: 'wrong', signer: peer.key }), /failed to decrypt/],
      [oldFormRequest({}), /signature/],
      [oldFormRequest({ signer: generatePrivateKey() }), /signature/],
      [oldFormRequest({ signer: peer.key, payload: Uint8Array.of(0xc3, 1, 2, 3) }), /failed to decode data/],
    ];
    for (const [env, reason] of cases) {
      const seen = peer.received.length;
      peer.link.send(WAKU_PACKET.P2P_REQUEST, encodeEnvelope(env));
      const complete = await completeAfter(peer, seen);
      expect(complete.kind).toBe('failed');
      expect(complete.requestId).toEqual(envelopeHash(env));
      expect(complete.kind === 'failed' && complete.error).toMatch(reason);
      expect(peer.received.slice(seen).some(([c]) => c === WAKU_PACKET.P2P_MESSAGE)).toBe(false);
    }
    expect(server.stats.rejected).toBe(4);
    expect(server.stats.served).toBe(0);
    expect(node.peers()).toHaveLength(1);
  });

  it('a mailserver without a password refuses envelope requests', async () => {
    const node = await res.node((o) => new WakuNode(o));
    const archive = new SqliteEnvelopeArchive();
    res.add(() => archive.close());
    const server = new MailServer(node, { archive });
    res.add(() => server.close());
    const peer = await requester(node);
    const env = oldFormRequest({ signer: peer.key });
    peer.link.send(WAKU_PACKET.P2P_REQUEST, encodeEnvelope(env));
    const complete = await completeAfter(peer, 0);
    expect(complete.kind === 'failed' && complete.error).toMatch(/no password/);
  });

  it('malformed current requests: no answer without a readable id, an error when the id is readable, the peer stays', async () => {
    const { node, server, archive } = await mailserverWith(2);
    const peer = await requester(node);
    peer.link.send(WAKU_PACKET.P2P_REQUEST, Uint8Array.of(0xff, 0x00));
    peer.link.send(WAKU_PACKET.P2P_REQUEST, RLP.encode([Uint8Array.of(1), 2, 3]));
    const id = randomBytes(32);
    const seen = peer.received.length;
    peer.link.send(WAKU_PACKET.P2P_REQUEST, RLP.encode([id, now() - 60, now(), 5000, new Uint8Array(0), fullBloom(), []]));
    const tooMany = await completeAfter(peer, seen);
    expect(tooMany).toMatchObject({ kind: 'failed', requestId: id });
    expect(tooMany.kind === 'failed' && tooMany.error).toMatch(/limit 5000 exceeds 1000/);
    const id2 = randomBytes(32);
    const seen2 = peer.received.length;
    peer.link.send(WAKU_PACKET.P2P_REQUEST, RLP.encode([id2, now() - 60, now(), 10, new Uint8Array(0), fullBloom(), [Uint8Array.of(1, 2)]]));
    expect(await completeAfter(peer, seen2)).toMatchObject({ kind: 'failed', requestId: id2 });
    await until(() => server.stats.rejected === 4, 'four rejections');
    expect(peer.received.filter(([c]) => c === WAKU_PACKET.P2P_REQUEST_COMPLETE)).toHaveLength(2);
    expect(node.peers()).toHaveLength(1);
    expect(await archive.count()).toBe(2);
  });

  it('bounds an absurd range (0 … 2^32−1) instead of scanning it, and still serves what is archived', async () => {
    const { node, server } = await mailserverWith(4);
    const peer = await requester(node);
    const id = randomBytes(32);
    peer.link.send(WAKU_PACKET.P2P_REQUEST, encodeMessagesRequest({ id, from: 0, to: 0xffffffff, limit: 0, cursor: new Uint8Array(0), bloom: fullBloom(), topics: [] }));
    const complete = await completeAfter(peer, 0);
    expect(complete).toMatchObject({ kind: 'completed', requestId: id, cursor: new Uint8Array(0) });
    expect(server.stats.envelopesSent).toBe(4);
  });

  it('limits requests in flight per peer, answering the excess with an error', async () => {
    const inner = new SqliteEnvelopeArchive();
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const slow: EnvelopeArchive = {
      put: (r) => inner.put(r),
      putMany: (r) => inner.putMany(r),
      query: async (q) => {
        await gate;
        return inner.query(q);
      },
      prune: (n, r) => inner.prune(n, r),
      count: () => inner.count(),
      close: () => inner.close(),
    };
    const { node, server } = await mailserverWith(1, slow);
    const peer = await requester(node);
    const ids = [0, 1, 2].map(() => randomBytes(32));
    for (const id of ids) {
      peer.link.send(WAKU_PACKET.P2P_REQUEST, encodeMessagesRequest({ id, from: now() - 60, to: now(), limit: 10, cursor: new Uint8Array(0), bloom: new Uint8Array(0), topics: [topic] }));
    }
    const first = await completeAfter(peer, 0);
    expect(first).toMatchObject({ kind: 'failed', requestId: ids[2] });
    expect(first.kind === 'failed' && first.error).toMatch(/too many requests in flight/);
    open();
    await until(() => server.stats.served === 2, 'the other two served');
    const completes = peer.received.filter(([c]) => c === WAKU_PACKET.P2P_REQUEST_COMPLETE).map(([, p]) => decodeRequestComplete(p));
    expect(completes.filter((c) => c.kind === 'completed').map((c) => c.requestId)).toEqual([ids[0], ids[1]]);
  });

  it('survives a barrage of random request payloads and still serves a valid request afterwards', async () => {
    const { node, server, archive } = await mailserverWith(2);
    const peer = await requester(node);
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rand() * 120) }, () => Math.floor(rand() * 256));
      // Half of them start like an RLP list, so the decoders get past the first byte.
      if (i % 2 === 0) bytes[0] = 0xc0 + Math.min(bytes.length - 1, 55);
      peer.link.send(WAKU_PACKET.P2P_REQUEST, bytes);
    }
    const id = randomBytes(32);
    peer.link.send(WAKU_PACKET.P2P_REQUEST, encodeMessagesRequest({ id, from: now() - 60, to: now() + 5, limit: 10, cursor: new Uint8Array(0), bloom: fullBloom(), topics: [] }));
    await until(() => peer.received.some(([c, p]) => c === WAKU_PACKET.P2P_REQUEST_COMPLETE && decodeRequestComplete(p).requestId.every((x, j) => x === id[j])), 'valid request served');
    expect(server.stats.requests).toBe(301);
    expect(server.stats.rejected).toBe(300);
    expect(node.peers()).toHaveLength(1);
    expect(await archive.count()).toBe(2);
  });

  it('archive write failures are counted and reported, never crash the node', async () => {
    const failing: EnvelopeArchive = {
      put: () => Promise.reject(new ArchiveError(ARCHIVE_ERROR_CODES.DATABASE, 'disk full')),
      putMany: () => Promise.reject(new ArchiveError(ARCHIVE_ERROR_CODES.DATABASE, 'disk full')),
      query: () => Promise.reject(new ArchiveError(ARCHIVE_ERROR_CODES.DATABASE, 'disk full')),
      prune: () => Promise.resolve(0),
      count: () => Promise.resolve(0),
      close: () => Promise.resolve(),
    };
    const node = await res.node((o) => new WakuNode(o));
    const server = new MailServer(node, { archive: failing });
    res.add(() => server.close());
    const errors: ArchiveError[] = [];
    server.on('archive:error', (e) => errors.push(e));
    await node.post({ topic, payload: Uint8Array.of(1), symKey, ttl: 60, powTarget: 0 });
    await until(() => errors.length === 1, 'archive error');
    expect(server.stats.archiveFailures).toBe(1);
    expect(node.envelopes()).toHaveLength(1);
    const client = await res.node((o) => new WakuNode(o));
    await connect(client, node);
    const failed = await client.requestHistory({ peer: node.overlay.nodeId, topics: [topic], from: now() - 60, to: now() }).catch((e: unknown) => e);
    expect((failed as MailserverError).code).toBe(MAILSERVER_ERROR.REQUEST_FAILED);
  });

  it('prunes envelopes once they are expired for longer than the retention', async () => {
    let clock = Date.now();
    const node = await res.node((o) => new WakuNode(o, { now: () => clock }));
    const archive = new SqliteEnvelopeArchive();
    res.add(() => archive.close());
    const server = new MailServer(node, { archive, retentionSeconds: 3600, now: () => clock });
    res.add(() => server.close());
    await node.post({ topic, payload: Uint8Array.of(1), symKey, ttl: 60, powTarget: 0 });
    await server.flush();
    expect(await server.prune()).toBe(0);
    clock += (60 + 3600 + 5) * 1000;
    expect(await server.prune()).toBe(1);
    expect(await archive.count()).toBe(0);
  });
});

describe('mailserver client: bad servers over RLPx', () => {
  /** A client node and a raw peer playing the mailserver. */
  async function fakeServer() {
    const client = await res.node((o) => new WakuNode(o));
    const server = await rawPeer(res, WAKU_CAPABILITY, client);
    server.link.send(WAKU_PACKET.STATUS, encodeWakuStatusOptions({}));
    await until(() => client.peers().length === 1, 'handshake');
    const got: ReceivedMessage[] = [];
    client.subscribe({ topics: [topic], symKey }, (m) => got.push(m));
    const request = (opts: { limit?: number; timeoutMs?: number; signal?: AbortSignal } = {}) =>
      client.mailserver
        .requestHistory({ peer: server.overlay.nodeId, topics: [topic], from: now() - 60, to: now(), ...opts })
        .catch((e: unknown) => e as MailserverError);
    return { client, server, got, request };
  }
  const envelopes = (n: number) => Array.from({ length: n }, (_, i) => wrapMessage({ topic, payload: Uint8Array.of(i), symKey, ttl: 10, powTarget: 0 }));

  it('rejects a server that sends more envelopes than asked for, delivering none of them', async () => {
    const { client, server, got, request } = await fakeServer();
    const pending = request({ limit: 100 });
    const req = decodeMessagesRequest(await server.next(WAKU_PACKET.P2P_REQUEST));
    expect(req.limit).toBe(100);
    server.link.send(WAKU_PACKET.P2P_MESSAGE, encodeMessagesPacket(envelopes(150)));
    const err = await pending;
    expect(err).toBeInstanceOf(MailserverError);
    expect((err as MailserverError).code).toBe(MAILSERVER_ERROR.FLOODED);
    // Whatever follows is unsolicited and ignored.
    server.link.send(WAKU_PACKET.P2P_MESSAGE, encodeMessagesPacket(envelopes(5)));
    await until(() => client.mailserver.stats.unsolicited === 1, 'unsolicited counted');
    expect(got).toHaveLength(0);
  });

  it('times out cleanly when the server never completes; aborts on the caller’s signal', async () => {
    const { client, request } = await fakeServer();
    const err = await request({ timeoutMs: 150 });
    expect((err as MailserverError).code).toBe(MAILSERVER_ERROR.TIMEOUT);
    const ac = new AbortController();
    const pending = request({ signal: ac.signal });
    ac.abort();
    expect(((await pending) as MailserverError).code).toBe(MAILSERVER_ERROR.ABORTED);
    expect(client.mailserver.pending).toBe(0);
  });

  it('surfaces a request-failed answer and malformed answers as errors', async () => {
    const { server, request } = await fakeServer();
    let pending = request();
    const req = decodeMessagesRequest(await server.next(WAKU_PACKET.P2P_REQUEST));
    server.link.send(WAKU_PACKET.P2P_REQUEST_COMPLETE, encodeRequestFailed(req.id, 'database is down'));
    let err = (await pending) as MailserverError;
    expect(err.code).toBe(MAILSERVER_ERROR.REQUEST_FAILED);
    expect(err.message).toMatch(/database is down/);

    let seen = server.received.length;
    pending = request();
    await server.next(WAKU_PACKET.P2P_REQUEST, seen);
    server.link.send(WAKU_PACKET.P2P_MESSAGE, RLP.encode([[Uint8Array.of(1)]]));
    err = (await pending) as MailserverError;
    expect(err.code).toBe(MAILSERVER_ERROR.INVALID_RESPONSE);

    seen = server.received.length;
    pending = request({ timeoutMs: 300 });
    await server.next(WAKU_PACKET.P2P_REQUEST, seen);
    // A complete for an id we never used is ignored (and this request then times out).
    server.link.send(WAKU_PACKET.P2P_REQUEST_COMPLETE, encodeRequestComplete({ requestId: randomBytes(32), lastEnvelopeHash: new Uint8Array(32), cursor: new Uint8Array(0) }));
    expect(((await pending) as MailserverError).code).toBe(MAILSERVER_ERROR.TIMEOUT);
  });

  it('ignores P2P messages and completes from a peer it does not trust', async () => {
    const { client, server, got } = await fakeServer();
    // The client exists (codes 125/127 are its), but this peer was never asked, so never trusted.
    void client.mailserver;
    server.link.send(WAKU_PACKET.P2P_MESSAGE, encodeMessagesPacket(envelopes(3)));
    await until(() => client.mailserver.stats.untrusted === 1, 'untrusted counted');
    expect(got).toHaveLength(0);
    expect(client.peers()).toHaveLength(1);
  });

  it('fails when the mailserver disconnects mid-request, and on bad arguments', async () => {
    const { client, server, request } = await fakeServer();
    const pending = request();
    await server.next(WAKU_PACKET.P2P_REQUEST);
    server.link.close();
    expect(((await pending) as MailserverError).code).toBe(MAILSERVER_ERROR.PEER_DISCONNECTED);
    const bad = (r: Parameters<WakuNode['requestHistory']>[0]) => client.requestHistory(r).catch((e: unknown) => (e as MailserverError).code);
    const peer = server.overlay.nodeId;
    expect(await bad({ peer, topics: [], from: 10, to: 5 })).toBe(MAILSERVER_ERROR.INVALID_ARGUMENT);
    expect(await bad({ peer, topics: [], from: 1, to: 5, limit: 0 })).toBe(MAILSERVER_ERROR.INVALID_ARGUMENT);
    expect(await bad({ peer, topics: [new Uint8Array(3)], from: 1, to: 5 })).toBe(MAILSERVER_ERROR.INVALID_ARGUMENT);
    expect(await bad({ peer: 'nope', topics: [], from: 1, to: 5 })).toBe(MAILSERVER_ERROR.INVALID_ARGUMENT);
    expect(await bad({ peer: 'ab'.repeat(64), topics: [], from: 1, to: 5 })).toBe(MAILSERVER_ERROR.NO_PEER);
    // No peer given and no trusted peer connected: nothing to ask.
    expect(await bad({ topics: [], from: 1, to: 5 })).toBe(MAILSERVER_ERROR.INVALID_ARGUMENT);
  });
});
