import { WHISPER } from './constants.js';
import { WhisperError, WHISPER_ERROR } from './errors.js';
import { assertTopic, type Topic } from './topic.js';

/** A 64-byte Whisper bloom filter. */
export type Bloom = Uint8Array;

/**
 * EIP-627 topic bloom: three 9-bit indices, the ninth bit of index j taken from bit j of topic[3].
 * go-ethereum assigns `b[i] = 1 << bit` rather than OR-ing, so when two indices share a byte only the
 * last survives; we do the same so blooms are byte-identical.
 */
export function topicToBloom(topic: Topic): Bloom {
  assertTopic(topic);
  const b = new Uint8Array(WHISPER.BLOOM_SIZE);
  for (let j = 0; j < 3; j++) {
    let index = topic[j];
    if ((topic[3] & (1 << j)) !== 0) index += 256;
    b[index >> 3] = 1 << (index & 7);
  }
  return b;
}

/** The union of the blooms of `topics`; all zeros for none. */
export function topicsToBloom(topics: Iterable<Topic>): Bloom {
  const out = new Uint8Array(WHISPER.BLOOM_SIZE);
  for (const t of topics) orInto(out, topicToBloom(t));
  return out;
}

export function mergeBlooms(a: Bloom, b: Bloom): Bloom {
  const out = a.slice();
  orInto(out, b);
  return out;
}

function orInto(target: Uint8Array, src: Uint8Array): void {
  for (let i = 0; i < WHISPER.BLOOM_SIZE; i++) target[i] |= src[i];
}

/** Every bit set: a node that wants everything. */
export function fullBloom(): Bloom {
  return new Uint8Array(WHISPER.BLOOM_SIZE).fill(0xff);
}

export function isFullBloom(bloom: Bloom | undefined): boolean {
  if (bloom === undefined) return true;
  for (const x of bloom) if (x !== 0xff) return false;
  return true;
}

/** True when every bit of `sample` is in `filter`; an absent filter matches everything. */
export function bloomMatch(filter: Bloom | undefined, sample: Bloom): boolean {
  if (filter === undefined) return true;
  for (let i = 0; i < WHISPER.BLOOM_SIZE; i++) if ((filter[i] | sample[i]) !== filter[i]) return false;
  return true;
}

export function assertBloom(bloom: Uint8Array, what = 'bloom'): void {
  if (bloom.length !== WHISPER.BLOOM_SIZE) {
    throw new WhisperError(WHISPER_ERROR.INVALID_BLOOM, `${what} must be ${WHISPER.BLOOM_SIZE} bytes, got ${bloom.length}`);
  }
}
