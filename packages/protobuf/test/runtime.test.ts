// The runtime over real pbjs static code (mvds' generated codec, whose Message has an int64 and
// bytes fields): bigint out and in, unknown fields kept and written back, malformations named.
import { describe, expect, it } from 'vitest';
import { WireFormatError, WireValueError, decodeMessage, encodeMessage, encodedLength, type GeneratedMessage } from '../src/index.js';
import { vac } from '../../mvds/generated/codec.generated.js';

const Message = vac.mvds.Message as unknown as GeneratedMessage;
const keep = { keepUnknownFields: true, copyBytes: true };

describe('@status-stack/protobuf runtime', () => {
  it('round-trips an int64 as bigint, beyond 2^53', () => {
    const value = { groupId: new Uint8Array(32).fill(7), timestamp: 2n ** 62n + 5n, body: Uint8Array.of(1, 2, 3) };
    const bytes = encodeMessage(Message, value, keep);
    expect(encodedLength(Message, value, keep)).toBe(bytes.length);
    const back = decodeMessage<{ timestamp: bigint; body: Uint8Array }>(Message, bytes, keep);
    expect(back.timestamp).toBe(2n ** 62n + 5n);
    expect([...back.body]).toEqual([1, 2, 3]);
  });

  it('keeps a field the schema does not know and writes it back', () => {
    const known = encodeMessage(Message, { body: Uint8Array.of(9) }, keep);
    // Field 9 (varint 300), appended by a newer peer.
    const withUnknown = Uint8Array.of(...known, 0x48, 0xac, 0x02);
    const decoded = decodeMessage<object>(Message, withUnknown, keep);
    expect([...encodeMessage(Message, decoded, keep)]).toEqual([...withUnknown]);
  });

  it('names malformed input with WireFormatError, and a value its field cannot hold with WireValueError', () => {
    // Field 6002 (timestamp) as a varint of 10 bytes whose last is above 1: an overflow.
    const tag = [0x90, 0xee, 0x02];
    expect(() => decodeMessage(Message, Uint8Array.of(...tag, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), keep)).toThrowError(WireFormatError);
    // A length-delimited field claiming more bytes than there are.
    expect(() => decodeMessage(Message, Uint8Array.of(0x8a, 0xee, 0x02, 0x05, 0x01), keep)).toThrowError(WireFormatError);
    expect(() => encodeMessage(Message, { timestamp: 2n ** 64n }, keep)).toThrowError(WireValueError);
  });
});
