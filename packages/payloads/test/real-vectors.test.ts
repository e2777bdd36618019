// Acceptance: the ApplicationMetadataMessages status-go v0.62.18 really sent (captured on Waku v1).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { availableBackends, bytesToHex, hexToBytes, useBackend, getBackend } from '@status-stack/crypto';
import {
  APPLICATION_MESSAGE_TYPE,
  CONTENT_TYPE,
  MESSAGE_TYPE,
  decodeApplicationMetadataMessage,
  decodeChatMessage,
  encodeApplicationMetadataMessage,
  encodeChatMessage,
  enumName,
  openApplicationMessage,
  receiveApplicationMessage,
  resolveIncomingChatId,
} from '../src/index.js';

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
interface RecordedApplicationMessage {
  chat_message: RecordedChatMessage;
  message_id: string;
  payload: string;
  raw: string;
  signature: string;
  signer_pubkey: string;
  type: string;
  type_num: number;
}
interface Capture {
  identities: Record<string, { private_key: string; public_key: string }>;
  envelopes: {
    envelope: { expiry: number; ttl: number };
    decoded_by: Record<string, { application_messages?: RecordedApplicationMessage[] }>;
  }[];
}

const capture = JSON.parse(
  readFileSync(new URL('../../../vectors/payloads/status-fullstack-captured-waku1.json', import.meta.url), 'utf8'),
) as Capture;

// Clocks in the capture are ms; the JSON numbers are below 2^53, so they are exact.
const cases = capture.envelopes.flatMap((env, envelopeIndex) =>
  Object.entries(env.decoded_by).flatMap(([receiver, decoded]) =>
    (decoded.application_messages ?? []).map((m) => ({ name: `envelope ${envelopeIndex} decoded by ${receiver}`, m, env, receiver })),
  ),
);

describe.each(availableBackends().map((b) => b.name))('real status-go ApplicationMetadataMessages (%s backend)', (backend) => {
  it('covers both public-chat and 1:1 messages', () => {
    const types = new Set(cases.map((c) => c.m.chat_message.message_type));
    expect(types).toEqual(new Set(['PUBLIC_GROUP', 'ONE_TO_ONE']));
    expect(cases.length).toBeGreaterThanOrEqual(5);
  });

  it.each(cases)('$name', ({ m, env, receiver }) => {
    const previous = getBackend().name;
    useBackend(backend);
    try {
      const raw = hexToBytes(m.raw);
      const amm = decodeApplicationMetadataMessage(raw);
      expect(amm.type).toBe(m.type_num);
      expect(enumName(APPLICATION_MESSAGE_TYPE, amm.type)).toBe(m.type);
      expect(bytesToHex(amm.signature)).toBe(m.signature.slice(2));
      expect(bytesToHex(amm.payload)).toBe(m.payload.slice(2));
      // Re-encoding gives the captured bytes, both layers.
      expect(bytesToHex(encodeApplicationMetadataMessage(amm))).toBe(m.raw.slice(2));

      const chat = decodeChatMessage(amm.payload);
      const want = m.chat_message;
      expect(chat.clock).toBe(BigInt(want.clock));
      expect(chat.timestamp).toBe(BigInt(want.timestamp));
      expect(chat.text).toBe(want.text);
      expect(chat.responseTo).toBe(want.response_to);
      expect(chat.ensName).toBe(want.ens_name);
      expect(chat.chatId).toBe(want.chat_id);
      expect(enumName(MESSAGE_TYPE, chat.messageType)).toBe(want.message_type);
      expect(enumName(CONTENT_TYPE, chat.contentType)).toBe(want.content_type);
      expect(chat.unknownFields).toBeUndefined();
      expect(bytesToHex(encodeChatMessage(chat))).toBe(m.payload.slice(2));

      const opened = openApplicationMessage(raw);
      expect(opened.authorHex).toBe(m.signer_pubkey);
      expect(opened.id).toBe(m.message_id);
      expect(opened.deniable).toBe(false);

      // Full receive path, with the envelope's send time as transport timestamp.
      const sentMs = (env.envelope.expiry - env.envelope.ttl) * 1000;
      const received = receiveApplicationMessage(raw, { transportTimestampMs: sentMs });
      expect(received.decoded.kind).toBe('chatMessage');
      expect(received.id).toBe(m.message_id);

      // Chat placement: public → the name; 1:1 → the author's key (the message names the receiver).
      const self = hexToBytes(capture.identities[receiver].public_key);
      const chatId = resolveIncomingChatId({ messageType: chat.messageType, chatId: chat.chatId, author: opened.author, self });
      if (chat.messageType === MESSAGE_TYPE.PUBLIC_GROUP) expect(chatId).toBe(want.chat_id);
      else {
        expect(want.chat_id).toBe(capture.identities[receiver].public_key);
        expect(chatId).toBe(m.signer_pubkey);
      }
    } finally {
      useBackend(previous);
    }
  });
});
