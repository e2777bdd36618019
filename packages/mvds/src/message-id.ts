import { compareBytes, compressPublicKey, concatBytes, keccak256, normalizePublicKey, sha256, utf8ToBytes } from '@status-stack/crypto';
import { MVDS_ERROR, MvdsError } from './errors.js';
import { GROUP_ID_LENGTH, type MvdsMessage } from './payload.js';

const MESSAGE_ID_PREFIX = utf8ToBytes('MESSAGE_ID');

/**
 * MVDS message id as status-im/mvds `Message.ID()` computes it:
 * sha256("MESSAGE_ID" ‖ group_id ‖ uint64(timestamp) little-endian ‖ body).
 * The spec's prose says HASH("MESSAGE_ID", group_id, timestamp, body) without the byte order;
 * status-go's is little-endian (NOTES.md, MVDS).
 */
export function messageId(m: Pick<MvdsMessage, 'groupId' | 'timestamp' | 'body'>): Uint8Array {
  const ts = new Uint8Array(8);
  new DataView(ts.buffer).setBigUint64(0, BigInt.asUintN(64, m.timestamp), true);
  return sha256(concatBytes(MESSAGE_ID_PREFIX, m.groupId, ts, m.body));
}

/**
 * status-go's group id of a 1:1 chat (`datasync.ToOneToOneGroupID`): keccak256 of the two
 * compressed keys, the one with the smaller X coordinate first. Symmetric in its arguments.
 * Accepts 33-, 64- or 65-byte public keys.
 */
export function oneToOneGroupId(keyA: Uint8Array, keyB: Uint8Array): Uint8Array {
  const a = compressPublicKey(normalizePublicKey(keyA));
  const b = compressPublicKey(normalizePublicKey(keyB));
  // X is bytes 1..33 of a compressed key, big-endian: byte order equals numeric order.
  const aFirst = compareBytes(a.subarray(1), b.subarray(1)) < 0;
  return keccak256(aFirst ? concatBytes(a, b) : concatBytes(b, a));
}

/** Throws unless `groupId` is the 32 bytes status-go's `state.GroupID` holds. */
export function assertGroupId(groupId: Uint8Array): void {
  if (!(groupId instanceof Uint8Array) || groupId.length !== GROUP_ID_LENGTH) {
    const len = groupId instanceof Uint8Array ? groupId.length : typeof groupId;
    throw new MvdsError(MVDS_ERROR.INVALID_GROUP_ID, `group id must be ${GROUP_ID_LENGTH} bytes, got ${len}`);
  }
}
