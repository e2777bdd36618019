// Topic interest (vac 6/WAKU1 "Topic Interest Field"): the exact topics a peer wants. When a peer
// has advertised one, it replaces its bloom filter for deciding what we send it.
import { topicKey, topicToHex, type Topic } from '../topic.js';
import { WAKU } from './constants.js';
import { WhisperError, WHISPER_ERROR } from '../errors.js';

export class TopicInterest {
  private readonly keys: Set<number>;

  constructor(topics: Iterable<Topic>) {
    this.keys = new Set();
    for (const t of topics) this.keys.add(topicKey(t));
    if (this.keys.size > WAKU.MAX_TOPIC_INTEREST) {
      throw new WhisperError(WHISPER_ERROR.INVALID_ARGUMENT, `topic interest of ${this.keys.size} topics exceeds ${WAKU.MAX_TOPIC_INTEREST}`);
    }
  }

  /** An empty interest wants nothing. */
  has(topic: Topic): boolean {
    return this.keys.has(topicKey(topic));
  }

  get size(): number {
    return this.keys.size;
  }

  /** The topics, sorted (a stable form to compare and advertise). */
  topics(): Topic[] {
    return [...this.keys].sort((a, b) => a - b).map((k) => Uint8Array.of((k >>> 24) & 0xff, (k >>> 16) & 0xff, (k >>> 8) & 0xff, k & 0xff));
  }

  /** A string equal for equal sets. */
  fingerprint(): string {
    return this.topics().map(topicToHex).join(',');
  }
}
