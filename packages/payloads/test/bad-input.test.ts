// Bad input from the network: every failure is a typed PayloadError naming the reason.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToHex, hexToBytes, concatBytes } from '@status-stack/crypto';
import * as P from '../src/index.js';
import { alice, bob } from './helpers.js';

const capture = JSON.parse(readFileSync(new URL('../../../vectors/payloads/status-fullstack-captured-waku1.json', import.meta.url), 'utf8')) as {
  envelopes: { decoded_by: Record<string, { application_messages?: { raw: string; signer_pubkey: string; message_id: string }[] }> }[];
};
const real = capture.envelopes[1].decoded_by.A.application_messages![0];
const realRaw = hexToBytes(real.raw);
const realPayload = P.decodeApplicationMetadataMessage(realRaw).payload;

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(P.PayloadError);
    return (e as P.PayloadError).code;
  }
  return 'no error';
}

describe('malformed protobuf', () => {
  it('every truncation of a real ApplicationMetadataMessage is rejected as INVALID_PROTOBUF or decodes a prefix of fields', () => {
    let rejected = 0;
    for (let n = 0; n < realRaw.length; n++) {
      const code = codeOf(() => P.receiveApplicationMessage(realRaw.subarray(0, n)));
      expect(['INVALID_PROTOBUF', 'MISSING_SIGNATURE', 'INVALID_SIGNATURE', 'no error']).toContain(code);
      if (code === 'INVALID_PROTOBUF') rejected++;
    }
    // Only cuts at field boundaries can decode; everything else is caught.
    expect(rejected).toBeGreaterThan(realRaw.length - 5);
  });

  it('names the reason: truncated length, varint overflow, field 0, bad wire type, bad UTF-8', () => {
    const cases: [string, string, string][] = [
      ['0a41' + '00'.repeat(10), 'runs past the end', 'length beyond the input'],
      ['08' + 'ff'.repeat(10) + '01', 'varint', 'varint of 11 bytes'],
      ['08ffffffffffffffffff02', 'overflows 64 bits', '10th byte above 1'],
      ['0001', 'field number 0', 'field 0'],
      ['0f', 'invalid wire type 7', 'wire type 7'],
      ['1a02c328', 'not valid UTF-8', 'text with a broken 2-byte sequence'],
      ['09010203', 'truncated fixed-width', 'unknown fixed64 cut short'],
      ['0b0801', 'truncated', 'group never closed'],
      ['0b14', 'closed by end-group 2', 'group closed by the wrong number'],
      ['08', 'truncated varint', 'tag without value'],
    ];
    for (const [hex, reason] of cases) {
      let err: unknown;
      try {
        P.decodeChatMessage(hexToBytes(hex));
      } catch (e) {
        err = e;
      }
      expect(err, hex).toBeInstanceOf(P.PayloadError);
      expect((err as P.PayloadError).code).toBe(P.PAYLOAD_ERROR.INVALID_PROTOBUF);
      expect((err as P.PayloadError).message).toContain(reason);
      expect((err as P.PayloadError).message).toContain('ChatMessage');
    }
  });

  it('random bytes never escape as anything but a PayloadError, for every decoder', () => {
    const types = [...Object.values(P.APPLICATION_MESSAGE_TYPE), 99];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(...types), (data, type) => {
        for (const f of [
          () => P.decodeApplicationPayload(type, data),
          () => P.receiveApplicationMessage(data, { transportTimestampMs: 0 }),
          () => P.openMembershipUpdate(data),
          () => P.openGroupEvent('x', data),
        ]) {
          try {
            f();
          } catch (e) {
            expect(e).toBeInstanceOf(P.PayloadError);
          }
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('mutated real messages never escape as anything but a PayloadError', () => {
    fc.assert(
      fc.property(fc.nat({ max: realRaw.length - 1 }), fc.integer({ min: 0, max: 255 }), (i, b) => {
        const m = realRaw.slice();
        m[i] = b;
        let got: P.ReceivedApplicationMessage | undefined;
        try {
          got = P.receiveApplicationMessage(m, { transportTimestampMs: 1795592980453 });
        } catch (e) {
          expect(e).toBeInstanceOf(P.PayloadError);
        }
        // A changed payload that still parses is, as far as anyone can tell, signed by someone else.
        if (got !== undefined && bytesToHex(got.payload) !== bytesToHex(realPayload)) expect(got.authorHex).not.toBe(real.signer_pubkey);
      }),
      { numRuns: 500 },
    );
  });
});

describe('protobuf semantics kept from protobuf-go', () => {
  const base = P.encodeChatMessage({ ...P.emptyChatMessage(), clock: 5n, text: 'hi', chatId: 'c', messageType: 2, contentType: 1 });

  it('keeps unknown fields and writes them back', () => {
    const withUnknown = concatBytes(base, hexToBytes('7a03616263' + 'a80601'));
    const m = P.decodeChatMessage(withUnknown);
    expect(bytesToHex(m.unknownFields!)).toBe('7a03616263a80601');
    expect(bytesToHex(P.encodeChatMessage(m))).toBe(bytesToHex(withUnknown));
  });

  it('a known field with another wire type is kept as unknown, not misread', () => {
    const m = P.decodeChatMessage(hexToBytes('0d01020304')); // field 1 (clock) as fixed32
    expect(m.clock).toBe(0n);
    expect(bytesToHex(m.unknownFields!)).toBe('0d01020304');
  });

  it('the last member of a oneof wins; later scalars override earlier ones', () => {
    const sticker = P.encodeChatMessage({ ...P.emptyChatMessage(), sticker: { hash: 'h', pack: 1 } });
    const image = P.encodeChatMessage({ ...P.emptyChatMessage(), image: { payload: Uint8Array.of(1), type: 1 } });
    const m = P.decodeChatMessage(concatBytes(sticker, image, hexToBytes('0807')));
    expect(m.sticker).toBeUndefined();
    expect(m.image).toEqual({ payload: Uint8Array.of(1), type: 1 });
    expect(m.clock).toBe(7n);
  });

  it('accepts unpacked and packed repeated strings/bytes in any order', () => {
    const m = P.decodeMembershipUpdateEvent(hexToBytes('12016112016208011201632004'));
    expect(m.members).toEqual(['a', 'b', 'c']);
    expect(m.clock).toBe(1n);
    expect(m.type).toBe(4);
  });

  it('writes a lone surrogate as U+FFFD, as TextEncoder does (Go rejects such a string as invalid UTF-8)', () => {
    expect(bytesToHex(P.encodeChatMessage({ ...P.emptyChatMessage(), text: 'a\uD800b' }))).toBe('1a0561efbfbd62');
  });

  it('refuses to encode values outside their type', () => {
    expect(codeOf(() => P.encodeChatMessage({ ...P.emptyChatMessage(), clock: 1n << 64n }))).toBe(P.PAYLOAD_ERROR.INVALID_ARGUMENT);
    expect(codeOf(() => P.encodeChatMessage({ ...P.emptyChatMessage(), clock: -1n }))).toBe(P.PAYLOAD_ERROR.INVALID_ARGUMENT);
    expect(codeOf(() => P.encodeChatMessage({ ...P.emptyChatMessage(), messageType: 2 ** 31 }))).toBe(P.PAYLOAD_ERROR.INVALID_ARGUMENT);
    expect(codeOf(() => P.encodeChatMessage({ ...P.emptyChatMessage(), messageType: 1.5 }))).toBe(P.PAYLOAD_ERROR.INVALID_ARGUMENT);
  });
});

describe('signatures', () => {
  const payload = P.encodeChatMessage({ ...P.emptyChatMessage(), clock: 1n, text: 'x' });
  const good = P.decodeApplicationMetadataMessage(P.wrapApplicationMessage(1, payload, alice.priv).bytes);
  const withSig = (signature: Uint8Array): Uint8Array => P.encodeApplicationMetadataMessage({ ...good, signature });

  it('rejects signatures that do not recover, with INVALID_SIGNATURE', () => {
    const badV = good.signature.slice();
    badV[64] = 7;
    const zeroR = good.signature.slice();
    zeroR.fill(0, 0, 32);
    const highR = good.signature.slice();
    highR.fill(0xff, 0, 32);
    for (const sig of [badV, zeroR, highR, good.signature.subarray(0, 64), concatBytes(good.signature, Uint8Array.of(0))]) {
      expect(codeOf(() => P.openApplicationMessage(withSig(sig)))).toBe(P.PAYLOAD_ERROR.INVALID_SIGNATURE);
    }
  });

  it('a message without signature needs a transport author, and is then deniable', () => {
    const unsigned = withSig(new Uint8Array(0));
    expect(codeOf(() => P.openApplicationMessage(unsigned))).toBe(P.PAYLOAD_ERROR.MISSING_SIGNATURE);
    const opened = P.openApplicationMessage(unsigned, { transportAuthor: bob.pub });
    expect(opened.deniable).toBe(true);
    expect(opened.authorHex).toBe(bob.hex);
    // status-go: no key recovered, so the id is keccak256 of the wrapper alone (the transport signer is not in it).
    expect(opened.id).toBe(P.unsignedMessageId(unsigned));
    expect(opened.id).not.toBe(P.messageId(bob.pub, unsigned));
    expect(codeOf(() => P.openApplicationMessage(unsigned, { transportAuthor: Uint8Array.of(4, 1, 2) }))).toBe(P.PAYLOAD_ERROR.INVALID_PUBLIC_KEY);
  });

  it('the recovered author of a real message changes when one payload byte does', () => {
    const m = P.decodeApplicationMetadataMessage(realRaw);
    const payload2 = m.payload.slice();
    payload2[payload2.length - 1] ^= 3; // content type 1 → 2
    const opened = P.openApplicationMessage(P.encodeApplicationMetadataMessage({ ...m, payload: payload2 }));
    expect(opened.authorHex).not.toBe(real.signer_pubkey);
  });

  it('the message id is computed over the wrapper bytes with the uncompressed key', () => {
    const opened = P.openApplicationMessage(realRaw);
    expect(P.messageId(opened.author, realRaw)).toBe(real.message_id);
    expect(P.messageId(hexToBytes(real.signer_pubkey.slice(4)), realRaw)).toBe(real.message_id); // 64-byte form
  });
});

describe('receive-side validation (status-go message_validator)', () => {
  const now = 1_700_000_000_000;
  const valid: P.ChatMessage = {
    ...P.emptyChatMessage(),
    clock: BigInt(now),
    timestamp: BigInt(now),
    text: 'hello',
    chatId: 'status',
    messageType: P.MESSAGE_TYPE.PUBLIC_GROUP,
    contentType: P.CONTENT_TYPE.TEXT_PLAIN,
  };
  const cases: [string, Partial<P.ChatMessage>, string][] = [
    ['clock 0', { clock: 0n }, P.PAYLOAD_ERROR.INVALID_CLOCK],
    ['clock 120.001 s ahead', { clock: BigInt(now + 120_001) }, P.PAYLOAD_ERROR.CLOCK_TOO_FAR_IN_FUTURE],
    ['timestamp 0', { timestamp: 0n }, P.PAYLOAD_ERROR.INVALID_MESSAGE],
    ['blank text', { text: '  \n' }, P.PAYLOAD_ERROR.INVALID_MESSAGE],
    ['text of 4097 code points', { text: '🙂'.repeat(4097) }, P.PAYLOAD_ERROR.INVALID_MESSAGE],
    ['empty chat id', { chatId: '' }, P.PAYLOAD_ERROR.INVALID_MESSAGE],
    ['unknown message type', { messageType: 0 }, P.PAYLOAD_ERROR.INVALID_MESSAGE],
    ['local-only message type', { messageType: 4 }, P.PAYLOAD_ERROR.INVALID_MESSAGE],
    ['unknown content type', { contentType: 0 }, P.PAYLOAD_ERROR.INVALID_MESSAGE],
    ['transaction command', { contentType: 5 }, P.PAYLOAD_ERROR.INVALID_MESSAGE],
    ['sticker without sticker', { contentType: 2 }, P.PAYLOAD_ERROR.INVALID_MESSAGE],
    ['sticker without hash', { contentType: 2, sticker: { hash: '', pack: 1 } }, P.PAYLOAD_ERROR.INVALID_MESSAGE],
    ['image without payload', { contentType: 7, image: { payload: new Uint8Array(0), type: 1 } }, P.PAYLOAD_ERROR.INVALID_MESSAGE],
    ['image of unknown type', { contentType: 7, image: { payload: Uint8Array.of(1), type: 0 } }, P.PAYLOAD_ERROR.INVALID_MESSAGE],
    ['audio without audio', { contentType: 8 }, P.PAYLOAD_ERROR.INVALID_MESSAGE],
    ['audio of unknown type', { contentType: 8, audio: { payload: Uint8Array.of(1), type: 0, durationMs: 1n } }, P.PAYLOAD_ERROR.INVALID_MESSAGE],
  ];

  it('accepts a valid message, 120 s ahead exactly, and all content types done right', () => {
    P.validateReceivedChatMessage(valid, now);
    P.validateReceivedChatMessage({ ...valid, clock: BigInt(now + 120_000) }, now);
    P.validateReceivedChatMessage({ ...valid, contentType: 2, sticker: { hash: 'h', pack: 0 } }, now);
    P.validateReceivedChatMessage({ ...valid, contentType: 7, image: { payload: Uint8Array.of(1), type: 2 } }, now);
    P.validateReceivedChatMessage({ ...valid, contentType: 8, audio: { payload: Uint8Array.of(1), type: 1, durationMs: 0n } }, now);
  });

  it.each(cases)('rejects %s', (_name, change, code) => {
    expect(codeOf(() => P.validateReceivedChatMessage({ ...valid, ...change }, now))).toBe(code);
    // And through the whole receive path.
    const wrapped = P.wrapApplicationMessage(1, P.encodeChatMessage({ ...valid, ...change }), alice.priv);
    expect(codeOf(() => P.receiveApplicationMessage(wrapped.bytes, { transportTimestampMs: now }))).toBe(code);
  });

  it('validates emoji reactions and the clocks of other payloads too', () => {
    const reaction: P.EmojiReaction = { clock: BigInt(now), chatId: 'status', messageId: '0x01', messageType: 2, type: 1, retracted: false };
    P.validateReceivedEmojiReaction(reaction, now);
    for (const change of [{ messageId: '' }, { chatId: '' }, { type: 0 }, { messageType: 0 }]) {
      expect(codeOf(() => P.validateReceivedEmojiReaction({ ...reaction, ...change }, now))).toBe(P.PAYLOAD_ERROR.INVALID_MESSAGE);
    }
    const far = P.wrapApplicationMessage(22, P.encodeEmojiReaction({ ...reaction, clock: BigInt(now) + 200_000n }), alice.priv);
    expect(codeOf(() => P.receiveApplicationMessage(far.bytes, { transportTimestampMs: now }))).toBe(P.PAYLOAD_ERROR.CLOCK_TOO_FAR_IN_FUTURE);
    const contact = P.wrapApplicationMessage(2, P.encodeContactUpdate({ clock: BigInt(now) + 200_000n, ensName: '', profileImage: '' }), alice.priv);
    expect(codeOf(() => P.receiveApplicationMessage(contact.bytes, { transportTimestampMs: now }))).toBe(P.PAYLOAD_ERROR.CLOCK_TOO_FAR_IN_FUTURE);
    expect(P.receiveApplicationMessage(contact.bytes).decoded.kind).toBe('contactUpdate');
  });
});

describe('receive-side validation of the other payloads', () => {
  const now = 1_700_000_000_000;
  const clock = BigInt(now);
  const receive = (type: number, payload: Uint8Array): string =>
    codeOf(() => P.receiveApplicationMessage(P.wrapApplicationMessage(type, payload, alice.priv).bytes, { transportTimestampMs: now }));
  const T = P.APPLICATION_MESSAGE_TYPE;
  const ok = 'no error';
  const bad = P.PAYLOAD_ERROR.INVALID_MESSAGE;
  const cases: [string, number, Uint8Array, string][] = [
    ['pair installation', T.PAIR_INSTALLATION, P.encodePairInstallation({ clock, installationId: 'i', deviceType: 'desktop', name: 'n' }), ok],
    ['pair installation without name', T.PAIR_INSTALLATION, P.encodePairInstallation({ clock, installationId: 'i', deviceType: 'desktop', name: ' ' }), bad],
    ['pair installation without device type', T.PAIR_INSTALLATION, P.encodePairInstallation({ clock, installationId: 'i', deviceType: '', name: 'n' }), bad],
    ['request address', T.REQUEST_ADDRESS_FOR_TRANSACTION, P.encodeRequestAddressForTransaction({ clock, value: '1.5e3', contract: '', chatId: 'c' }), ok],
    ['request address, value not a number', T.REQUEST_ADDRESS_FOR_TRANSACTION, P.encodeRequestAddressForTransaction({ clock, value: '1,5', contract: '', chatId: 'c' }), bad],
    ['request address, no value', T.REQUEST_ADDRESS_FOR_TRANSACTION, P.encodeRequestAddressForTransaction({ clock, value: '', contract: '', chatId: 'c' }), bad],
    ['accept request address', T.ACCEPT_REQUEST_ADDRESS_FOR_TRANSACTION, P.encodeAcceptRequestAddressForTransaction({ clock, id: '0x1', address: '0xabc', chatId: '' }), ok],
    ['accept request address, no id', T.ACCEPT_REQUEST_ADDRESS_FOR_TRANSACTION, P.encodeAcceptRequestAddressForTransaction({ clock, id: '', address: '0xabc', chatId: '' }), bad],
    ['accept request address, no address', T.ACCEPT_REQUEST_ADDRESS_FOR_TRANSACTION, P.encodeAcceptRequestAddressForTransaction({ clock, id: '0x1', address: '', chatId: '' }), bad],
    ['decline request address, no id', T.DECLINE_REQUEST_ADDRESS_FOR_TRANSACTION, P.encodeDeclineRequestAddressForTransaction({ clock, id: '', chatId: '' }), bad],
    ['decline request transaction, no id', T.DECLINE_REQUEST_TRANSACTION, P.encodeDeclineRequestTransaction({ clock, id: '', chatId: '' }), bad],
    ['request transaction', T.REQUEST_TRANSACTION, P.encodeRequestTransaction({ clock, address: '0xabc', value: '2', contract: '', chatId: '' }), ok],
    ['request transaction, no address', T.REQUEST_TRANSACTION, P.encodeRequestTransaction({ clock, address: '', value: '2', contract: '', chatId: '' }), bad],
    ['send transaction', T.SEND_TRANSACTION, P.encodeSendTransaction({ clock, id: '', transactionHash: '0xab', signature: Uint8Array.of(1), chatId: '' }), ok],
    ['send transaction, no signature', T.SEND_TRANSACTION, P.encodeSendTransaction({ clock, id: '', transactionHash: '0xab', signature: new Uint8Array(0), chatId: '' }), bad],
    ['send transaction, clock far ahead', T.SEND_TRANSACTION, P.encodeSendTransaction({ clock: clock + 121_000n, id: '', transactionHash: '0xab', signature: Uint8Array.of(1), chatId: '' }), P.PAYLOAD_ERROR.CLOCK_TOO_FAR_IN_FUTURE],
    ['group chat invitation', T.GROUP_CHAT_INVITATION, P.encodeGroupChatInvitation({ clock, chatId: 'x', introductionMessage: '', state: 1 }), ok],
    ['group chat invitation, no chat id', T.GROUP_CHAT_INVITATION, P.encodeGroupChatInvitation({ clock, chatId: '', introductionMessage: '', state: 1 }), bad],
  ];
  it.each(cases)('%s', (_name, type, payload, want) => {
    expect(receive(type, payload)).toBe(want);
  });
});
