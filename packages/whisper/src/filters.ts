import createDebug from 'debug';
import { bytesToHex, equalBytes, getPublicKey, normalizePublicKey } from '@status-stack/crypto';
import type { Envelope } from './envelope.js';
import { WhisperError, WHISPER_ERROR } from './errors.js';
import { assertSymKey, type DecodedPlaintext } from './message.js';
import { openAsymmetric, openSymmetric } from './wrap.js';
import { assertTopic, topicKey, type Topic } from './topic.js';
import type { Filter, OpenedWith, ReceivedMessage } from './types.js';

const log = createDebug('status:whisper:filters');

interface Entry {
  id: number;
  filter: Filter;
  topicKeys: Set<number> | null;
  keyId: string;
  signer: Uint8Array | undefined;
  handler: (m: ReceivedMessage) => void;
}

export interface DeliverInput {
  envelope: Envelope;
  hash: Uint8Array;
  pow: number;
  p2p: boolean;
}

/** The subscriptions of one node: matches envelopes to filters, opens each once per key, and delivers. */
export class FilterSet {
  private readonly entries = new Map<number, Entry>();
  private nextId = 1;
  /** Messages opened and delivered. */
  delivered = 0;

  add(filter: Filter, handler: (m: ReceivedMessage) => void): number {
    if ((filter.symKey === undefined) === (filter.privateKey === undefined)) {
      throw new WhisperError(WHISPER_ERROR.INVALID_ARGUMENT, 'a filter needs exactly one of symKey and privateKey');
    }
    if (filter.symKey) assertSymKey(filter.symKey);
    else {
      try {
        getPublicKey(filter.privateKey!);
      } catch (e) {
        throw new WhisperError(WHISPER_ERROR.INVALID_KEY, `filter private key invalid: ${(e as Error).message}`, { cause: e });
      }
    }
    for (const t of filter.topics) assertTopic(t, 'filter topic');
    const id = this.nextId++;
    const keyId = filter.symKey ? `s${bytesToHex(filter.symKey)}` : `a${bytesToHex(filter.privateKey!)}`;
    let signer: Uint8Array | undefined;
    if (filter.signer) {
      try {
        signer = normalizePublicKey(filter.signer);
      } catch (e) {
        throw new WhisperError(WHISPER_ERROR.INVALID_KEY, `filter signer key invalid: ${(e as Error).message}`, { cause: e });
      }
    }
    const topicKeys = filter.topics.length === 0 ? null : new Set(filter.topics.map(topicKey));
    this.entries.set(id, { id, filter: { ...filter, topics: filter.topics.map((t) => t.slice()) }, topicKeys, keyId, signer, handler });
    return id;
  }

  remove(id: number): boolean {
    return this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Topics of all filters; null when some filter watches every topic. */
  topics(): Topic[] | null {
    const out = new Map<number, Topic>();
    for (const e of this.entries.values()) {
      if (e.topicKeys === null) return null;
      for (const t of e.filter.topics) out.set(topicKey(t), t);
    }
    return [...out.values()];
  }

  /** Opens the envelope with every matching filter's key (once per distinct key) and calls their handlers. */
  deliver(input: DeliverInput): number {
    const tk = topicKey(input.envelope.topic);
    const opened = new Map<string, DecodedPlaintext | null>();
    let count = 0;
    for (const e of this.entries.values()) {
      if (e.topicKeys !== null && !e.topicKeys.has(tk)) continue;
      if (input.p2p && e.filter.allowP2P === false) continue;
      if (e.filter.minPow !== undefined && input.pow < e.filter.minPow && !input.p2p) continue;
      let msg = opened.get(e.keyId);
      if (msg === undefined) {
        msg = tryOpen(input.envelope, e.filter);
        opened.set(e.keyId, msg);
      }
      if (msg === null) continue;
      if (e.signer && !(msg.signer && equalBytes(msg.signer, e.signer))) continue;
      const openedWith: OpenedWith = e.filter.symKey ? { kind: 'symmetric', symKey: e.filter.symKey } : { kind: 'asymmetric', privateKey: e.filter.privateKey! };
      const env = input.envelope;
      const received: ReceivedMessage = {
        payload: msg.payload,
        topic: env.topic,
        signer: msg.signer,
        signature: msg.signature,
        sent: env.expiry - env.ttl,
        ttl: env.ttl,
        expiry: env.expiry,
        hash: input.hash,
        padding: msg.padding,
        pow: input.pow,
        openedWith,
        p2p: input.p2p,
        envelope: env,
      };
      count++;
      this.delivered++;
      try {
        e.handler(received);
      } catch (err) {
        log('filter %d handler threw: %s', e.id, (err as Error).message);
      }
    }
    return count;
  }
}

function tryOpen(env: Envelope, filter: Filter): DecodedPlaintext | null {
  try {
    return filter.symKey ? openSymmetric(env, filter.symKey) : openAsymmetric(env, filter.privateKey!);
  } catch (e) {
    if (e instanceof WhisperError) return null;
    throw e;
  }
}
