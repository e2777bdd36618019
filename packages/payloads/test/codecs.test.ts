// Our known answers for every codec, checked byte for byte, and every encoding cross-checked with
// an independent implementation (protobufjs reading proto/*.proto).
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { availableBackends, bytesToHex, getBackend, hexToBytes, keccak256, recoverPublicKey, useBackend } from '@status-stack/crypto';
import * as P from '../src/index.js';
import { fromJson, type Json } from './kat-json.js';

interface KnownAnswers {
  codecs: { codec: string; name: string; value: Json; encoded: string }[];
  wrapped_application_messages: {
    name: string;
    author_private_key: string;
    author_public_key: string;
    type: number;
    payload: string;
    digest: string;
    signature: string;
    application_metadata_message: string;
    message_id: string;
  }[];
  group_events: {
    author_private_key: string;
    author: string;
    chat_id: string;
    event: Json;
    encoded_event: string;
    signing_input: string;
    digest: string;
    signature: string;
    wire: string;
  }[];
}

const kat = JSON.parse(readFileSync(new URL('../../../vectors/payloads/payloads-known-answers.json', import.meta.url), 'utf8')) as KnownAnswers;

const protoDir = fileURLToPath(new URL('../proto/', import.meta.url));
const root = protobuf.loadSync(readdirSync(protoDir).map((f) => protoDir + f));
const pbType = (name: string): protobuf.Type => root.lookupType(`statusstack.payloads.${name}`);

type Codec = { encode: (v: never) => Uint8Array; decode: (b: Uint8Array) => unknown };
const CODECS: Record<string, Codec> = {
  ChatMessage: { encode: P.encodeChatMessage, decode: P.decodeChatMessage },
  ContactUpdate: { encode: P.encodeContactUpdate, decode: P.decodeContactUpdate },
  PairInstallation: { encode: P.encodePairInstallation, decode: P.decodePairInstallation },
  SyncInstallationContact: { encode: P.encodeSyncInstallationContact, decode: P.decodeSyncInstallationContact },
  SyncInstallationAccount: { encode: P.encodeSyncInstallationAccount, decode: P.decodeSyncInstallationAccount },
  SyncInstallationPublicChat: { encode: P.encodeSyncInstallationPublicChat, decode: P.decodeSyncInstallationPublicChat },
  SyncInstallation: { encode: P.encodeSyncInstallation, decode: P.decodeSyncInstallation },
  EmojiReaction: { encode: P.encodeEmojiReaction, decode: P.decodeEmojiReaction },
  GroupChatInvitation: { encode: P.encodeGroupChatInvitation, decode: P.decodeGroupChatInvitation },
  RequestAddressForTransaction: { encode: P.encodeRequestAddressForTransaction, decode: P.decodeRequestAddressForTransaction },
  AcceptRequestAddressForTransaction: { encode: P.encodeAcceptRequestAddressForTransaction, decode: P.decodeAcceptRequestAddressForTransaction },
  DeclineRequestAddressForTransaction: { encode: P.encodeDeclineRequestAddressForTransaction, decode: P.decodeDeclineRequestAddressForTransaction },
  DeclineRequestTransaction: { encode: P.encodeDeclineRequestTransaction, decode: P.decodeDeclineRequestTransaction },
  RequestTransaction: { encode: P.encodeRequestTransaction, decode: P.decodeRequestTransaction },
  SendTransaction: { encode: P.encodeSendTransaction, decode: P.decodeSendTransaction },
  MembershipUpdateEvent: { encode: P.encodeMembershipUpdateEvent, decode: P.decodeMembershipUpdateEvent },
  MembershipUpdateMessage: { encode: P.encodeMembershipUpdateMessage, decode: P.decodeMembershipUpdateMessage },
};

/**
 * Our object → protobufjs plain object: proto3 defaults left out, uint64 as {low, high} words
 * (protobufjs without the optional `long` package would round decimal strings through a double).
 */
function forProtobufjs(value: unknown): unknown {
  if (typeof value === 'bigint') return { low: Number(value & 0xffffffffn), high: Number(value >> 32n), unsigned: true };
  if (value instanceof Uint8Array || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(forProtobufjs);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'unknownFields' || v === undefined) continue;
    if (v === 0n || v === 0 || v === '' || v === false) continue;
    if ((v instanceof Uint8Array || Array.isArray(v)) && v.length === 0) continue;
    out[k] = forProtobufjs(v);
  }
  return out;
}

function protobufjsEncode(typeName: string, value: unknown): string {
  const t = pbType(typeName);
  const plain = forProtobufjs(value) as Record<string, unknown>;
  expect(t.verify(plain)).toBeNull();
  return bytesToHex(t.encode(plain).finish());
}

describe('known answers: every codec', () => {
  it('covers every codec', () => {
    expect(new Set(kat.codecs.map((c) => c.codec))).toEqual(new Set(Object.keys(CODECS)));
  });

  it.each(kat.codecs)('$codec: $name', ({ codec, value, encoded }) => {
    const c = CODECS[codec];
    const v = fromJson(value);
    expect(bytesToHex(c.encode(v as never))).toBe(encoded);
    expect(c.decode(hexToBytes(encoded))).toEqual(v);
    expect(protobufjsEncode(codec, v)).toBe(encoded);
  });
});

describe.each(availableBackends().map((b) => b.name))('known answers: signed wrappers and group events (%s backend)', (backend) => {
  let previous = getBackend().name;
  beforeAll(() => {
    previous = getBackend().name;
    useBackend(backend);
  });
  afterAll(() => {
    useBackend(previous);
  });

  it.each(kat.wrapped_application_messages)('ApplicationMetadataMessage: $name', (w) => {
    const priv = hexToBytes(w.author_private_key);
    const out = P.wrapApplicationMessage(w.type, hexToBytes(w.payload), priv);
    expect(bytesToHex(out.signature)).toBe(w.signature);
    expect(bytesToHex(out.bytes)).toBe(w.application_metadata_message);
    expect(out.id).toBe(w.message_id);
    expect(bytesToHex(keccak256(hexToBytes(w.payload)))).toBe(w.digest);
    // The id rule, independently: keccak256(65-byte author key ‖ wrapper bytes).
    expect(`0x${bytesToHex(keccak256(hexToBytes(w.author_public_key.slice(2) + w.application_metadata_message)))}`).toBe(w.message_id);
    const opened = P.receiveApplicationMessage(out.bytes);
    expect(opened.authorHex).toBe(w.author_public_key);
    expect(opened.decoded.kind).not.toBe('unknown');
    expect(protobufjsEncode('ApplicationMetadataMessage', P.decodeApplicationMetadataMessage(out.bytes))).toBe(w.application_metadata_message);
  });

  it.each(kat.group_events.map((g, i) => ({ ...g, i })))('group event $i', (g) => {
    const event = fromJson(g.event) as P.MembershipUpdateEvent;
    const signed = P.signGroupEvent(g.chat_id, event, hexToBytes(g.author_private_key));
    expect(bytesToHex(signed.payload)).toBe(g.encoded_event);
    expect(bytesToHex(P.groupEventSigningInput(g.chat_id, signed.payload))).toBe(g.signing_input);
    expect(g.signing_input.startsWith(Buffer.from(g.chat_id, 'utf8').toString('hex'))).toBe(true);
    expect(bytesToHex(keccak256(hexToBytes(g.signing_input)))).toBe(g.digest);
    expect(bytesToHex(signed.signature)).toBe(g.signature);
    expect(bytesToHex(P.encodeSignedGroupEvent(signed))).toBe(g.wire);
    expect(`0x${bytesToHex(recoverPublicKey(hexToBytes(g.digest), hexToBytes(g.signature)))}`).toBe(g.author);
    expect(P.openGroupEvent(g.chat_id, hexToBytes(g.wire))).toEqual(signed);
  });
});

// ----------------------------------------------------------------------------------------------

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const enumValue = fc.integer({ min: 0, max: 12 });
const bytes = fc.uint8Array({ maxLength: 40 });

const chatMessageArb: fc.Arbitrary<P.ChatMessage> = fc
  .record({
    clock: u64,
    timestamp: u64,
    text,
    responseTo: text,
    ensName: text,
    chatId: text,
    messageType: enumValue,
    contentType: enumValue,
    payload: fc.oneof(
      fc.constant({}),
      fc.record({ sticker: fc.record({ hash: text, pack: fc.integer() }) }),
      fc.record({ image: fc.record({ payload: bytes, type: enumValue }) }),
      fc.record({ audio: fc.record({ payload: bytes, type: enumValue, durationMs: u64 }) }),
    ),
  })
  .map(({ payload, ...rest }) => ({ ...rest, ...payload }));

describe('ChatMessage codec properties', () => {
  it('round-trips and matches protobufjs byte for byte', () => {
    fc.assert(
      fc.property(chatMessageArb, (m) => {
        const ours = P.encodeChatMessage(m);
        expect(bytesToHex(ours)).toBe(protobufjsEncode('ChatMessage', m));
        expect(P.decodeChatMessage(ours)).toEqual(m);
      }),
      { numRuns: 300 },
    );
  });

  it('decodes what protobufjs encodes, whatever the field order', () => {
    fc.assert(
      fc.property(chatMessageArb, (m) => {
        const theirs = hexToBytes(protobufjsEncode('ChatMessage', m));
        expect(P.decodeChatMessage(theirs)).toEqual(m);
      }),
      { numRuns: 100 },
    );
  });

  it('SyncInstallation (repeated and nested messages) matches protobufjs', () => {
    const contactArb = fc.record({
      clock: u64,
      id: text,
      profileImage: text,
      ensName: text,
      lastUpdated: u64,
      systemTags: fc.array(text, { maxLength: 3 }),
      localNickname: text,
    });
    const arb = fc.record({
      contacts: fc.array(contactArb, { maxLength: 3 }),
      publicChats: fc.array(fc.record({ clock: u64, id: text }), { maxLength: 3 }),
      account: fc.option(fc.record({ clock: u64, profileImage: text, lastUpdated: u64 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(arb, (m) => {
        const ours = P.encodeSyncInstallation(m);
        expect(bytesToHex(ours)).toBe(protobufjsEncode('SyncInstallation', m));
        const back = P.decodeSyncInstallation(ours);
        expect(back).toEqual(m.account === undefined ? { contacts: m.contacts, publicChats: m.publicChats } : m);
      }),
      { numRuns: 100 },
    );
  });
});

describe('application payload dispatch', () => {
  it('decodes each modelled type by its ApplicationMetadataMessage type and re-encodes it', () => {
    const byCodec: Record<string, number> = {
      ChatMessage: P.APPLICATION_MESSAGE_TYPE.CHAT_MESSAGE,
      ContactUpdate: P.APPLICATION_MESSAGE_TYPE.CONTACT_UPDATE,
      MembershipUpdateMessage: P.APPLICATION_MESSAGE_TYPE.MEMBERSHIP_UPDATE_MESSAGE,
      PairInstallation: P.APPLICATION_MESSAGE_TYPE.PAIR_INSTALLATION,
      SyncInstallation: P.APPLICATION_MESSAGE_TYPE.SYNC_INSTALLATION,
      RequestAddressForTransaction: P.APPLICATION_MESSAGE_TYPE.REQUEST_ADDRESS_FOR_TRANSACTION,
      AcceptRequestAddressForTransaction: P.APPLICATION_MESSAGE_TYPE.ACCEPT_REQUEST_ADDRESS_FOR_TRANSACTION,
      DeclineRequestAddressForTransaction: P.APPLICATION_MESSAGE_TYPE.DECLINE_REQUEST_ADDRESS_FOR_TRANSACTION,
      RequestTransaction: P.APPLICATION_MESSAGE_TYPE.REQUEST_TRANSACTION,
      SendTransaction: P.APPLICATION_MESSAGE_TYPE.SEND_TRANSACTION,
      DeclineRequestTransaction: P.APPLICATION_MESSAGE_TYPE.DECLINE_REQUEST_TRANSACTION,
      SyncInstallationContact: P.APPLICATION_MESSAGE_TYPE.SYNC_INSTALLATION_CONTACT,
      SyncInstallationAccount: P.APPLICATION_MESSAGE_TYPE.SYNC_INSTALLATION_ACCOUNT,
      SyncInstallationPublicChat: P.APPLICATION_MESSAGE_TYPE.SYNC_INSTALLATION_PUBLIC_CHAT,
      EmojiReaction: P.APPLICATION_MESSAGE_TYPE.EMOJI_REACTION,
      GroupChatInvitation: P.APPLICATION_MESSAGE_TYPE.GROUP_CHAT_INVITATION,
    };
    let checked = 0;
    for (const c of kat.codecs) {
      const type = byCodec[c.codec];
      if (type === undefined) continue;
      const decoded = P.decodeApplicationPayload(type, hexToBytes(c.encoded));
      expect(decoded.kind).not.toBe('unknown');
      expect(decoded.type).toBe(type);
      expect(bytesToHex(P.encodeApplicationPayload(decoded))).toBe(c.encoded);
      checked++;
    }
    expect(checked).toBe(kat.codecs.length - 1); // all but the bare MembershipUpdateEvent
  });

  it('a type we do not model is a typed unknown with its raw bytes, through the whole receive path', () => {
    const priv = hexToBytes('11'.repeat(32));
    for (const type of [P.APPLICATION_MESSAGE_TYPE.PUSH_NOTIFICATION_QUERY, P.APPLICATION_MESSAGE_TYPE.CONTACT_CODE_ADVERTISEMENT, 24, 99, 0]) {
      const payload = Uint8Array.from([0x0a, 0x03, 1, 2, 3, 0xff, 0xff]); // not even valid protobuf: never parsed
      const wrapped = P.wrapApplicationMessage(type, payload, priv);
      const got = P.receiveApplicationMessage(wrapped.bytes, { transportTimestampMs: 1 });
      expect(got.decoded).toEqual({ kind: 'unknown', type, raw: payload });
      expect(got.id).toBe(wrapped.id);
      expect(bytesToHex(P.encodeApplicationPayload(got.decoded))).toBe(bytesToHex(payload));
    }
  });
});
