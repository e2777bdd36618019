import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  compressPublicKey,
  concatBytes,
  generatePrivateKey,
  getPublicKey,
  hexToBytes,
  sha256,
  toHex0x,
  utf8ToBytes,
} from '@status-stack/crypto';
import { MVDS_ERROR, assertGroupId, decodePayload, messageId, oneToOneGroupId } from '../src/index.js';
import { messageFromJson, readVector, type CodecVectors } from './helpers.js';

const vectors = readVector<CodecVectors>('mvds-codec.json');

interface Capture {
  identities: { A: { public_key: string }; B: { public_key: string } };
  envelopes: { decoded_by: { A: { decrypted_payload: string } } }[];
}
const capture = readVector<Capture>('status-fullstack-captured-waku1.json');

describe('message id (status-im/mvds Message.ID)', () => {
  for (const [i, v] of vectors.messages.entries()) {
    it(`known answer ${i} (timestamp ${v.timestamp})`, () => {
      expect(toHex0x(messageId(messageFromJson(v)))).toBe(v.id);
    });
  }

  it('hashes the timestamp little-endian, not big-endian', () => {
    const m = messageFromJson(vectors.messages[1]);
    const be = new Uint8Array(8);
    new DataView(be.buffer).setBigUint64(0, m.timestamp, false);
    const bigEndianId = sha256(concatBytes(utf8ToBytes('MESSAGE_ID'), m.groupId, be, m.body));
    expect(toHex0x(messageId(m))).not.toBe(toHex0x(bigEndianId));
  });
});

describe('1:1 group id (status-go ToOneToOneGroupID)', () => {
  const a = hexToBytes(capture.identities.A.public_key);
  const b = hexToBytes(capture.identities.B.public_key);
  const captured = decodePayload(hexToBytes(capture.envelopes[1].decoded_by.A.decrypted_payload)).messages[0];

  it('equals the group id of the captured first-contact 1:1 between A and B', () => {
    expect(toHex0x(oneToOneGroupId(a, b))).toBe(toHex0x(captured.groupId));
    expect(toHex0x(captured.groupId)).toMatch(/^0xdc89de8d/);
  });

  it('is symmetric and accepts 65-, 64- and 33-byte keys', () => {
    const expected = toHex0x(captured.groupId);
    expect(toHex0x(oneToOneGroupId(b, a))).toBe(expected);
    expect(toHex0x(oneToOneGroupId(a.subarray(1), compressPublicKey(b)))).toBe(expected);
  });

  it('is symmetric for random keys', () => {
    fc.assert(
      fc.property(fc.integer(), () => {
        const x = getPublicKey(generatePrivateKey());
        const y = getPublicKey(generatePrivateKey());
        expect(oneToOneGroupId(x, y)).toEqual(oneToOneGroupId(y, x));
        expect(oneToOneGroupId(x, y)).toHaveLength(32);
      }),
      { numRuns: 20 },
    );
  });

  it('rejects group ids that are not 32 bytes', () => {
    expect(() => assertGroupId(new Uint8Array(31))).toThrowError(expect.objectContaining({ code: MVDS_ERROR.INVALID_GROUP_ID }));
    expect(() => assertGroupId(new Uint8Array(32))).not.toThrow();
  });
});
