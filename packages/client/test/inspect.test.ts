// status-inspect's pure function against the real envelopes in vectors/inspect (copies of the
// shared vectors/real: go-ethereum v1.9.7, status-go v0.62.18 and a status-go ↔ status-go capture),
// field by field with the decodes those programs recorded.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, decompressPublicKey, hexToBytes, keccak256, toHex0x } from '@status-stack/crypto';
import {
  decodeEnvelope,
  encodeEnvelope,
  encodeMessagesPacket,
  encodeMessagesRequestPayload,
  publicChatKey,
  publicChatTopic,
  symKeyFromPassword,
  wrapMessage,
} from '@status-stack/whisper';
import { decodeProtocolMessage, encodeProtocolMessage } from '@status-stack/secure-transport';
import {
  INSPECT_ERROR,
  InspectError,
  inspectEnvelope,
  inspectInput,
  parseEnvelopes,
  parseHex,
  prepareKeys,
  splitInputLines,
  toJsonValue,
  type InspectKeys,
  type InspectResult,
} from '../src/cli/inspect.js';

const vectorsDir = new URL('../../../vectors/inspect/', import.meta.url);
function load<T>(name: string): T {
  // Bundle timestamps are Unix nanoseconds, beyond float64 precision: keep their digits as strings.
  const text = readFileSync(new URL(name, vectorsDir), 'utf8').replace(/("timestamp":\s*)(\d{16,})/g, '$1"$2"');
  return JSON.parse(text) as T;
}

// ---- shapes of the recorded vectors (only the fields we compare) ----
interface RecordedChatMessage {
  chat_id: string;
  clock: number;
  content_type: string;
  ens_name: string;
  message_type: string;
  response_to: string;
  text: string;
  timestamp: number;
}
interface RecordedAppMessage {
  chat_message: RecordedChatMessage;
  message_id: string;
  payload: string;
  raw: string;
  signature: string;
  signer_pubkey: string;
  type: string;
  type_num: number;
}
interface RecordedBundle {
  identity: string;
  signed_pre_keys: Record<string, { signed_pre_key: string; version: number; protocol_version: number }>;
  signature: string;
  /** Decimal string (see `load`). */
  timestamp: string;
}
interface RecordedHeader {
  key: string;
  id?: string;
}
interface RecordedDirect {
  DH_header?: RecordedHeader;
  X3DH_header?: RecordedHeader;
  DR_header?: RecordedHeader;
  payload: string;
}
interface RecordedDecode {
  error?: string;
  decrypted_with?: string;
  encryption_layer_error?: string;
  decrypted_payload?: string;
  sym_key?: string;
  application_messages?: RecordedAppMessage[];
  mvds_payload?: { acks: string[] | null; offers: string[] | null; requests: string[] | null; messages: { body: string; group_id: string; timestamp: number }[] } | null;
  protocol_message?: {
    bundles: number;
    bundles_detail: RecordedBundle[];
    installation_id: string;
    public_message?: string;
    direct_message?: Record<string, RecordedDirect>;
  };
  waku_message?: { padding: string; payload: string; plaintext: string; salt: string; signature: string; signer_pubkey: string };
}
interface Capture {
  identities: Record<'A' | 'B', { private_key: string; public_key: string }>;
  public_chat: { chat_name: string };
  envelopes: Array<{
    envelope_rlp: string;
    envelope: { data: string; expiry: number; hash: string; nonce: number; pow: number; topic: string; ttl: number };
    decoded_by: Record<'A' | 'B', RecordedDecode>;
  }>;
}
interface SimpleVector {
  name: string;
  encryption: 'symmetric-aes256gcm' | 'asymmetric-ecies';
  sym_key?: string;
  recipient_private_key?: string;
  topic: string;
  ttl: number;
  envelope_rlp: string;
  envelope_hash: string;
  messages_packet_rlp: string;
  expiry: number;
  nonce: number;
  data: string;
  pow: number;
  bloom: string;
  decrypted_plaintext: string;
  decoded_payload: string;
  decoded_padding: string;
  decoded_salt_or_iv: string;
  decoded_signature?: string;
  decoded_signer_public_key?: string;
}

const capture = load<Capture>('status-fullstack-captured-waku1.json');
const waku = load<{ waku1_envelopes: SimpleVector[] }>('waku1-envelopes-and-status-derivations.status-go-v0.62.18.json');
const geth = load<{ vectors: SimpleVector[] }>('whisper6-envelopes.geth-v1.9.7.json');

const b64hex = (b64: string): string => toHex0x(new Uint8Array(Buffer.from(b64, 'base64')));
/** The capture's expiry has passed: a clock long after it must change nothing but `expired`. */
const LATER = 2_000_000_000;

function keysFor(who: 'A' | 'B'): InspectKeys {
  const other = who === 'A' ? 'B' : 'A';
  return {
    chats: [capture.public_chat.chat_name],
    privateKey: hexToBytes(capture.identities[who].private_key),
    peers: [hexToBytes(capture.identities[other].public_key)],
  };
}

function checkEnvelope(r: InspectResult, e: { hash: string; expiry: number; ttl: number; topic: string; nonce: number; pow: number; data: string }): void {
  expect(r.envelope.hash).toBe(e.hash);
  expect(r.envelope.expiry).toBe(e.expiry);
  expect(r.envelope.ttl).toBe(e.ttl);
  expect(r.envelope.sent).toBe(e.expiry - e.ttl);
  expect(r.envelope.topic).toBe(e.topic);
  expect(r.envelope.nonce).toBe(String(e.nonce));
  // Same float64 operations as go-ethereum: exact, not approximate.
  expect(r.envelope.pow).toBe(e.pow);
  expect(r.envelope.data).toBe(e.data);
  expect(r.envelope.size).toBe(20 + (e.data.length - 2) / 2);
}

describe('status-fullstack capture (status-go v0.62.18 ↔ status-go), every envelope as A and as B', () => {
  const rings = { A: prepareKeys(keysFor('A')), B: prepareKeys(keysFor('B')) };
  capture.envelopes.forEach((v, n) => {
    for (const who of ['A', 'B'] as const) {
      const rec = v.decoded_by[who];
      it(`envelope #${n} (${v.envelope.topic}) decoded by ${who}`, () => {
        const r = inspectEnvelope(hexToBytes(v.envelope_rlp), rings[who], { now: LATER });
        checkEnvelope(r, v.envelope);
        expect(r.envelope.expired).toBe(true);
        if (rec.error !== undefined) {
          // status-go: "could not decrypt envelope with given keys"
          expect(r.whisper.error?.code).toBe(INSPECT_ERROR.NO_MATCHING_KEY);
          expect(r.whisper.attempts!.map((a) => a.key).sort()).toEqual(
            ['public-chat:interop-test', `asymmetric:${capture.identities[who].public_key}`, `negotiated-secret:${capture.identities[who === 'A' ? 'B' : 'A'].public_key}`].sort(),
          );
          expect(r.protocolMessage).toBeUndefined();
          return;
        }
        // Whisper / Waku message
        const wm = rec.waku_message!;
        expect(r.whisper.error).toBeUndefined();
        expect(r.whisper.openedWith).toBe(rec.decrypted_with);
        // Every key opened the envelope on the topic status-go derives for it (chat, partitioned, negotiated).
        expect(r.whisper.topicMatchesKey).toBe(true);
        expect(r.whisper.plaintext).toBe(wm.plaintext);
        expect(r.whisper.payload).toBe(wm.payload);
        expect(r.whisper.padding).toBe(wm.padding);
        expect(r.whisper.signature).toBe(wm.signature);
        expect(r.whisper.signer).toBe(wm.signer_pubkey);
        expect(r.whisper.salt ?? '').toBe(wm.salt);
        expect(r.whisper.flags).toBe(parseInt(wm.plaintext.slice(2, 4), 16));
        expect(r.whisper.encryption).toBe(rec.decrypted_with!.startsWith('asymmetric:') ? 'asymmetric' : 'symmetric');

        // ProtocolMessage
        const pm = rec.protocol_message!;
        const got = r.protocolMessage!;
        expect(got.error).toBeUndefined();
        expect(got.installationId).toBe(pm.installation_id);
        expect(got.bundles).toHaveLength(pm.bundles);
        pm.bundles_detail.forEach((b, i) => {
          const g = got.bundles![i];
          expect(g.identity).toBe(b64hex(b.identity));
          expect(g.signature).toBe(b64hex(b.signature));
          expect(b.timestamp).toMatch(/^\d{19}$/);
          expect(g.timestamp).toBe(b.timestamp);
          expect(Object.keys(g.signedPreKeys)).toEqual(Object.keys(b.signed_pre_keys));
          for (const [id, k] of Object.entries(b.signed_pre_keys)) {
            expect(g.signedPreKeys[id]).toEqual({ signedPreKey: b64hex(k.signed_pre_key), version: k.version, protocolVersion: k.protocol_version });
          }
          // status-go accepted these bundles: they verify, and recover the identity they claim.
          expect(g.verified).toBe(true);
          expect(g.recoveredIdentity).toBe(toHex0x(decompressPublicKey(hexToBytes(g.identity))));
          expect(g.matchesSigner).toBe(true);
        });
        expect(got.publicMessage).toBe(pm.public_message);
        const direct = pm.direct_message ?? {};
        expect(got.directMessages!.map((d) => d.installationId)).toEqual(Object.keys(direct));
        for (const [id, d] of Object.entries(direct)) {
          const g = got.directMessages!.find((x) => x.installationId === id)!;
          expect(g.payload).toBe(b64hex(d.payload));
          expect(g.dhHeader?.key).toBe(d.DH_header ? b64hex(d.DH_header.key) : undefined);
          expect(g.x3dhHeader?.key).toBe(d.X3DH_header ? b64hex(d.X3DH_header.key) : undefined);
          expect(g.x3dhHeader?.id).toBe(d.X3DH_header ? b64hex(d.X3DH_header.id!) : undefined);
          expect(g.drHeader?.key).toBe(d.DR_header ? b64hex(d.DR_header.key) : undefined);
          expect(g.drHeader?.id).toBe(d.DR_header ? b64hex(d.DR_header.id!) : undefined);
        }

        // Encryption layer
        if (rec.encryption_layer_error !== undefined) {
          // X3DH / Double Ratchet need the peers' databases; status-go's fresh decoder failed too.
          expect(r.encryption?.error?.code).toBe(INSPECT_ERROR.SESSION_REQUIRED);
          expect(r.encryption?.decryptedPayload).toBeUndefined();
          expect(r.mvds).toBeUndefined();
          expect(r.applicationMessages).toBeUndefined();
          return;
        }
        expect(r.encryption?.error).toBeUndefined();
        expect(r.encryption?.decryptedPayload).toBe(rec.decrypted_payload);
        expect(r.encryption?.source).toBe(pm.public_message !== undefined ? 'public_message' : 'direct_message:none');

        // MVDS
        if (rec.mvds_payload === null) {
          expect(r.mvds).toBeNull();
        } else {
          const mv = rec.mvds_payload!;
          expect(r.mvds!.acks).toEqual(mv.acks ?? []);
          expect(r.mvds!.offers).toEqual(mv.offers ?? []);
          expect(r.mvds!.requests).toEqual(mv.requests ?? []);
          expect(r.mvds!.messages.map((m) => ({ body: m.body, group_id: m.groupId, timestamp: Number(m.timestamp) }))).toEqual(mv.messages);
          for (const m of r.mvds!.messages) expect(m.id).toMatch(/^0x[0-9a-f]{64}$/);
        }

        // Application layer
        const apps = rec.application_messages!;
        expect(r.applicationMessages).toHaveLength(apps.length);
        apps.forEach((a, i) => {
          const g = r.applicationMessages![i];
          expect(g.error).toBeUndefined();
          expect(g.raw).toBe(a.raw);
          expect(g.messageId).toBe(a.message_id);
          expect(g.signer).toBe(a.signer_pubkey);
          expect(g.signature).toBe(a.signature);
          expect(g.payload).toBe(a.payload);
          expect(g.type).toBe(a.type_num);
          expect(g.typeName).toBe(a.type);
          expect(g.matchesTransportSigner).toBe(true);
          expect(g.deniable).toBe(false);
          expect(g.validation).toBe('ok');
          const cm = a.chat_message;
          expect(g.decoded).toEqual({
            kind: 'chatMessage',
            chatId: cm.chat_id,
            clock: String(cm.clock),
            timestamp: String(cm.timestamp),
            text: cm.text,
            messageType: cm.message_type,
            contentType: cm.content_type,
            ensName: cm.ens_name,
            responseTo: cm.response_to,
          });
        });
      });
    }
  });

  it('agrees with status-go on the 1:1 MVDS group id (keccak of both compressed keys, smaller X first)', () => {
    const r = inspectEnvelope(hexToBytes(capture.envelopes[1].envelope_rlp), rings.A, { now: LATER });
    expect(r.mvds!.messages[0].groupId.startsWith('0xdc89de8d')).toBe(true);
    // The MVDS id is sha256("MESSAGE_ID" ‖ group ‖ LE64 timestamp ‖ body), not the Status message id.
    expect(r.mvds!.messages[0].id).not.toBe(r.applicationMessages![0].messageId);
  });

  it('decoding does not depend on the clock: only `expired` changes', () => {
    for (const v of capture.envelopes) {
      const early = inspectEnvelope(hexToBytes(v.envelope_rlp), rings.B, { now: 0 });
      const late = inspectEnvelope(hexToBytes(v.envelope_rlp), rings.B, { now: 0xffffffff });
      expect(early.envelope.expired).toBe(false);
      expect(late.envelope.expired).toBe(true);
      expect({ ...early, envelope: { ...early.envelope, expired: null } }).toEqual({ ...late, envelope: { ...late.envelope, expired: null } });
    }
  });

  it('the output is plain JSON: it survives a JSON round trip unchanged', () => {
    for (const v of capture.envelopes) {
      const r = inspectEnvelope(hexToBytes(v.envelope_rlp), rings.A, { now: LATER });
      expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    }
  });
});

function checkSimple(v: SimpleVector, r: InspectResult): void {
  checkEnvelope(r, { hash: v.envelope_hash, expiry: v.expiry, ttl: v.ttl, topic: v.topic, nonce: v.nonce, pow: v.pow, data: v.data });
  expect(r.envelope.bloom).toBe(v.bloom);
  expect(r.whisper.error).toBeUndefined();
  expect(r.whisper.encryption).toBe(v.encryption === 'symmetric-aes256gcm' ? 'symmetric' : 'asymmetric');
  expect(r.whisper.plaintext).toBe(v.decrypted_plaintext);
  expect(r.whisper.payload).toBe(v.decoded_payload);
  expect(r.whisper.padding).toBe(v.decoded_padding);
  expect(r.whisper.salt ?? '0x').toBe(v.decoded_salt_or_iv === '' ? '0x' : v.decoded_salt_or_iv);
  expect(r.whisper.signature).toBe(v.decoded_signature);
  expect(r.whisper.signer).toBe(v.decoded_signer_public_key);
  expect(r.whisper.signed).toBe(v.decoded_signature !== undefined);
  // Like StatusClient, an unsigned envelope is one status-go ignores: reason UNSIGNED.
  if (v.decoded_signature === undefined) expect(r.ignored).toEqual({ reason: 'UNSIGNED', message: expect.stringContaining('status requires a signature') });
  else expect(r.ignored).toBeUndefined();
  // A plain payload is not a ProtocolMessage: each layer above says why, none crashes.
  expect(r.protocolMessage?.error?.code).toBeTypeOf('string');
  expect(r.encryption).toEqual({ source: 'transport-payload', decryptedPayload: v.decoded_payload });
  expect(r.mvds).toBeNull();
  expect(r.applicationMessages).toHaveLength(1);
  expect(r.applicationMessages![0].error?.code).toBeTypeOf('string');
}

describe.each([
  ['go-ethereum v1.9.7 whisperv6', geth.vectors],
  ['status-go v0.62.18 waku/common', waku.waku1_envelopes],
])('%s envelopes', (_name, vectors) => {
  for (const v of vectors) {
    const keys: InspectKeys = v.sym_key ? { symKeys: [hexToBytes(v.sym_key)] } : { privateKey: hexToBytes(v.recipient_private_key!) };
    it(`${v.name}: envelope RLP`, () => {
      const r = inspectEnvelope(hexToBytes(v.envelope_rlp), keys, { now: 0 });
      checkSimple(v, r);
      expect(r.whisper.openedWith).toBe(v.sym_key ? `sym-key:${v.sym_key}` : `asymmetric:${toHex0x(decodeKey(keys))}`);
      // A raw key has no topic of its own; a private key used on a made-up topic is flagged.
      expect(r.whisper.topicMatchesKey).toBe(v.sym_key ? undefined : false);
    });
    it(`${v.name}: messages packet`, () => {
      const rs = inspectInput(hexToBytes(v.messages_packet_rlp), keys, { now: 0 });
      expect(rs).toHaveLength(1);
      checkSimple(v, rs[0]);
    });
  }
});

function decodeKey(keys: InspectKeys): Uint8Array {
  return prepareKeys(keys).asymmetric!.publicKey;
}

describe('layers that cannot be opened say why, and the others are still reported', () => {
  const pub = capture.envelopes[0];
  const oneToOne = capture.envelopes[1];

  it('no keys: the envelope layer alone, with NO_MATCHING_KEY', () => {
    const r = inspectEnvelope(hexToBytes(pub.envelope_rlp), {}, { now: 0 });
    checkEnvelope(r, pub.envelope);
    expect(r.whisper.error?.code).toBe(INSPECT_ERROR.NO_MATCHING_KEY);
    expect(r.whisper.error?.message).toContain('no keys were given');
    expect(r.whisper.attempts).toEqual([]);
  });

  it('a wrong chat: every key tried is listed with its failure', () => {
    const r = inspectEnvelope(hexToBytes(pub.envelope_rlp), { chats: ['status', 'test'], symKeys: [new Uint8Array(32).fill(7)] }, { now: 0 });
    expect(r.whisper.error?.code).toBe(INSPECT_ERROR.NO_MATCHING_KEY);
    expect(r.whisper.attempts!.map((a) => a.key)).toEqual(['public-chat:status', 'public-chat:test', `sym-key:0x${'07'.repeat(32)}`]);
    for (const a of r.whisper.attempts!) expect(a.code).toBe('DECRYPTION_FAILED');
  });

  it('a DH-header direct message without --private-key: ProtocolMessage printed, encryption says NO_PRIVATE_KEY', () => {
    // Re-wrap B's first-contact ProtocolMessage symmetrically, so the Whisper layer opens without A's key.
    const payload = hexToBytes(oneToOne.decoded_by.A.waku_message!.payload);
    const key = new Uint8Array(32).fill(9);
    const env = wrapMessage({ topic: hexToBytes('0x01020304'), payload, symKey: key, signingKey: hexToBytes(capture.identities.B.private_key), powTarget: 0, expiry: 1_000 });
    const r = inspectEnvelope(encodeEnvelope(env), { symKeys: [key] }, { now: 0 });
    expect(r.whisper.signer).toBe(capture.identities.B.public_key);
    expect(r.protocolMessage?.directMessages?.[0].installationId).toBe('none');
    expect(r.protocolMessage?.directMessages?.[0].error?.code).toBe(INSPECT_ERROR.NO_PRIVATE_KEY);
    expect(r.protocolMessage?.bundles?.[0].verified).toBe(true);
    expect(r.encryption?.error?.code).toBe(INSPECT_ERROR.NO_PRIVATE_KEY);
    // The wrong private key: the DH payload's AES-GCM tag fails.
    const wrong = inspectEnvelope(encodeEnvelope(env), { symKeys: [key], privateKey: hexToBytes(capture.identities.B.private_key) }, { now: 0 });
    expect(wrong.encryption?.error?.code).toBe('DECRYPTION_FAILED');
    expect(wrong.protocolMessage?.directMessages?.[0].opened).toBe(false);
    // The right one opens it down to the ChatMessage.
    const right = inspectEnvelope(encodeEnvelope(env), { symKeys: [key], privateKey: hexToBytes(capture.identities.A.private_key) }, { now: 0 });
    expect(right.applicationMessages?.[0].messageId).toBe(oneToOne.decoded_by.A.application_messages![0].message_id);
  });

  it('a real Status public message re-sent in an unsigned envelope is reported UNSIGNED (status-go drops it), the signed one is not', () => {
    const chat = capture.public_chat.chat_name;
    const payload = hexToBytes(pub.decoded_by.A.waku_message!.payload);
    const wrap = (signingKey?: Uint8Array) =>
      encodeEnvelope(wrapMessage({ topic: publicChatTopic(chat), payload, symKey: publicChatKey(chat), signingKey, powTarget: 0, expiry: 1_000 }));
    const unsigned = inspectEnvelope(wrap(), { chats: [chat] }, { now: 0 });
    expect(unsigned.whisper.signed).toBe(false);
    expect(unsigned.ignored).toEqual({ reason: 'UNSIGNED', message: expect.stringContaining('status requires a signature') });
    // Still decoded for inspection: the same application message as in the capture.
    expect(unsigned.applicationMessages?.[0].messageId).toBe(pub.decoded_by.A.application_messages![0].message_id);
    const signed = inspectEnvelope(wrap(hexToBytes(capture.identities.B.private_key)), { chats: [chat] }, { now: 0 });
    expect(signed.whisper.signed).toBe(true);
    expect(signed.ignored).toBeUndefined();
  });

  it('a bundle with a forged signature: verified false with the code, the message below still opens', () => {
    const chat = capture.public_chat.chat_name;
    const pm = decodeProtocolMessage(hexToBytes(pub.decoded_by.A.waku_message!.payload));
    const sig = pm.bundles[0].signature.slice();
    sig[10] ^= 0xff;
    pm.bundles[0] = { ...pm.bundles[0], signature: sig };
    const env = wrapMessage({
      topic: publicChatTopic(chat),
      payload: encodeProtocolMessage(pm),
      symKey: publicChatKey(chat),
      signingKey: hexToBytes(capture.identities.B.private_key),
      powTarget: 0,
      expiry: 1_000,
    });
    const r = inspectEnvelope(encodeEnvelope(env), { chats: [chat] }, { now: 0 });
    expect(r.protocolMessage?.bundles?.[0].verified).toBe(false);
    expect(r.protocolMessage?.bundles?.[0].error?.code).toBe('INVALID_BUNDLE_SIGNATURE');
    expect(r.applicationMessages?.[0].messageId).toBe(pub.decoded_by.A.application_messages![0].message_id);
    expect(r.applicationMessages?.[0].decoded?.text).toBe('hello from B');
  });

  it('a tampered ApplicationMetadataMessage signature: the signer changes and no longer matches the transport signer', () => {
    const chat = capture.public_chat.chat_name;
    const pm = decodeProtocolMessage(hexToBytes(pub.decoded_by.A.waku_message!.payload));
    const amm = pm.publicMessage!.slice();
    amm[5] ^= 0x01; // inside the 65-byte signature (field 1 starts at byte 2)
    const env = wrapMessage({
      topic: publicChatTopic(chat),
      payload: encodeProtocolMessage({ ...pm, publicMessage: amm }),
      symKey: publicChatKey(chat),
      signingKey: hexToBytes(capture.identities.B.private_key),
      powTarget: 0,
      expiry: 1_000,
    });
    const r = inspectEnvelope(encodeEnvelope(env), { chats: [chat] }, { now: 0 });
    const app = r.applicationMessages![0];
    expect(app.error).toBeUndefined();
    expect(app.signer).toMatch(/^0x04[0-9a-f]{128}$/);
    expect(app.signer).not.toBe(capture.identities.B.public_key);
    expect(app.matchesTransportSigner).toBe(false);
    expect(app.messageId).not.toBe(pub.decoded_by.A.application_messages![0].message_id);
    expect(r.whisper.signer).toBe(capture.identities.B.public_key);
  });

  it('an older mailserver request, opened with --mailserver-password', () => {
    const password = 'status-offline-inbox';
    const topics = [hexToBytes('0x9282f4c4'), hexToBytes('0xf607cdc6')];
    const request = { lower: 1_795_590_000, upper: 1_795_593_600, bloom: new Uint8Array(0), topics, limit: 100, cursor: new Uint8Array(0), batch: true };
    const env = wrapMessage({
      topic: hexToBytes('0xaabbccdd'),
      payload: encodeMessagesRequestPayload(request),
      symKey: symKeyFromPassword(password),
      signingKey: hexToBytes(capture.identities.A.private_key),
      powTarget: 0,
      expiry: 1_795_593_700,
    });
    const r = inspectEnvelope(encodeEnvelope(env), { mailserverPasswords: [password], chats: ['interop-test'] }, { now: 0 });
    expect(r.whisper.openedWith).toBe('mailserver-password');
    expect(r.whisper.signer).toBe(capture.identities.A.public_key);
    expect(r.mailserverRequest).toEqual({ requestId: toHex0x(keccak256(encodeEnvelope(env))), lower: 1_795_590_000, upper: 1_795_593_600, bloom: '0x', topics: ['0x9282f4c4', '0xf607cdc6'], limit: 100, cursor: '0x', batch: true });
    expect(r.protocolMessage).toBeUndefined();
    // A payload that is not a request: the layer says why.
    const junk = wrapMessage({ topic: hexToBytes('0xaabbccdd'), payload: hexToBytes('0x0102'), symKey: symKeyFromPassword(password), powTarget: 0, expiry: 1 });
    const bad = inspectEnvelope(encodeEnvelope(junk), { mailserverPasswords: [password] }, { now: 0 });
    expect(bad.mailserverRequest?.error?.code).toBe('MALFORMED_RLP');
  });
});

describe('input parsing', () => {
  it('parseHex: 0x optional, whitespace trimmed, strict otherwise', () => {
    expect(bytesToHex(parseHex(' 0xC0ff '))).toBe('c0ff');
    expect(bytesToHex(parseHex('c0ff'))).toBe('c0ff');
    for (const bad of ['', '0x', 'abc', '0xzz', 'hello']) {
      expect(() => parseHex(bad)).toThrow(InspectError);
    }
  });

  it('splitInputLines: one input per non-empty line, # comments skipped, line numbers kept', () => {
    expect(splitInputLines('# capture\n\n0xc0\r\n  0xc1  \n#x\n')).toEqual([
      { line: 3, text: '0xc0' },
      { line: 4, text: '0xc1' },
    ]);
  });

  it('parseEnvelopes tells an envelope from a messages packet', () => {
    const rlps = capture.envelopes.map((v) => hexToBytes(v.envelope_rlp));
    const one = parseEnvelopes(rlps[0]);
    expect(one.kind).toBe('envelope');
    expect(one.envelopes).toHaveLength(1);
    const packet = encodeMessagesPacket(rlps.map((b) => decodeEnvelope(b)));
    const many = parseEnvelopes(packet);
    expect(many.kind).toBe('messages');
    expect(many.envelopes.map((e) => toHex0x(encodeEnvelope(e)))).toEqual(capture.envelopes.map((v) => v.envelope_rlp));
    expect(parseEnvelopes(hexToBytes('0xc0'))).toEqual({ kind: 'messages', envelopes: [] });
    const rs = inspectInput(packet, keysFor('A'), { now: 0 });
    expect(rs.map((r) => r.envelope.hash)).toEqual(capture.envelopes.map((v) => v.envelope.hash));
  });

  it('rejects what is not an envelope with INVALID_INPUT, never another error', () => {
    const env = hexToBytes(capture.envelopes[0].envelope_rlp);
    const cases: Uint8Array[] = [
      hexToBytes('0x83616263'), // an RLP string
      hexToBytes('0xf9'), // truncated
      new Uint8Array([...env, 0x00]), // trailing byte
      hexToBytes('0xc401020304'), // a list of four byte strings
      hexToBytes('0xc5c401020304'), // a packet holding a four-field "envelope"
      env.subarray(0, env.length - 1),
    ];
    for (const c of cases) {
      let err: unknown;
      try {
        parseEnvelopes(c);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InspectError);
      expect((err as InspectError).code).toBe(INSPECT_ERROR.INVALID_INPUT);
    }
    expect(() => inspectEnvelope(hexToBytes('0xc0'), {})).toThrow(InspectError);
  });

  it('property: any payload under a key we hold is reported layer by layer, never a crash', () => {
    const chat = capture.public_chat.chat_name;
    const ring = prepareKeys({ chats: [chat], privateKey: hexToBytes(capture.identities.A.private_key) });
    const key = publicChatKey(chat);
    const topic = publicChatTopic(chat);
    // Real ProtocolMessage / MVDS / ApplicationMetadataMessage bytes, mutated, reach every layer's decoder.
    const real = capture.envelopes.flatMap((e) => {
      const d = e.decoded_by.A;
      return [d.waku_message?.payload, d.decrypted_payload, d.protocol_message?.public_message].filter((x): x is string => x !== undefined).map((h) => hexToBytes(h));
    });
    const mutated = fc
      .tuple(fc.constantFrom(...real), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), fc.option(fc.nat(), { nil: undefined }))
      .map(([base, flips, cut]) => {
        const b = base.slice(0, cut === undefined ? base.length : cut % (base.length + 1));
        for (const [at, x] of flips) if (b.length > 0) b[at % b.length] ^= x;
        return b;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated), (payload) => {
        const env = wrapMessage({ topic, payload, symKey: key, powTarget: 0, expiry: 1_000 });
        const r = inspectEnvelope(encodeEnvelope(env), ring, { now: 0 });
        expect(r.whisper.openedWith).toBe(`public-chat:${chat}`);
        expect(r.whisper.payload).toBe(toHex0x(payload));
        // Either the secure-transport layer stopped with a reason, or the layers above were reached.
        if (r.applicationMessages === undefined) expect(r.encryption?.error?.code).toBeTypeOf('string');
        else for (const m of r.applicationMessages) expect(m.error !== undefined || m.messageId !== undefined).toBe(true);
        expect(JSON.parse(JSON.stringify(r))).toEqual(r);
      }),
      { numRuns: 150, seed: 20261125 },
    );
  });
});

describe('keys', () => {
  it('derives the public chat and negotiated keys as status-go does', () => {
    const ring = prepareKeys(keysFor('A'));
    const chat = ring.symmetric.find((s) => s.kind === 'public-chat')!;
    expect(toHex0x(chat.key)).toBe('0xc9f1a655c1f6d0828512caabd4621b5497258427c47e93235af5679afe9008d3');
    const neg = ring.symmetric.find((s) => s.kind === 'negotiated-secret')!;
    expect(toHex0x(neg.key)).toBe('0x7b3852eb7f0f7052e134c09245ec7a777873fa47f1005322f9c42c8ff8caa9fd');
    expect(toHex0x(neg.topic!)).toBe('0xba355e7b');
    expect(prepareKeys(ring)).toBe(ring);
  });

  it('rejects malformed keys with INVALID_KEY', () => {
    const bad: InspectKeys[] = [
      { symKeys: [new Uint8Array(31)] },
      { privateKey: new Uint8Array(32) },
      { privateKey: new Uint8Array(31).fill(1) },
      { peers: [hexToBytes(capture.identities.A.public_key)] }, // no private key
      { privateKey: hexToBytes(capture.identities.A.private_key), peers: [new Uint8Array(65).fill(4)] },
      { chats: [''] },
    ];
    for (const k of bad) {
      let err: unknown;
      try {
        prepareKeys(k);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InspectError);
      expect((err as InspectError).code).toBe(INSPECT_ERROR.INVALID_KEY);
    }
  });
});

describe('toJsonValue', () => {
  it('bytes as 0x hex, bigint as decimal strings, maps as objects, undefined fields dropped', () => {
    expect(
      toJsonValue({ a: new Uint8Array([1, 255]), b: 18446744073709551615n, c: new Map([['k', [1n, 'x']]]), d: undefined, e: null, f: NaN, g: true }),
    ).toEqual({ a: '0x01ff', b: '18446744073709551615', c: { k: ['1', 'x'] }, e: null, f: 'NaN', g: true });
  });
});
