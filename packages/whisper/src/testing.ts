/**
 * The behaviour every EnvelopeTransport and EnvelopeCarrier promises (types.ts), as vitest suites an
 * implementer runs with one import:
 *
 *   import { envelopeTransportContract, envelopeCarrierContract } from '@status-stack/whisper/testing';
 *   envelopeTransportContract('my transport', async () => {
 *     const [a, b] = await startTwoConnected();
 *     return { a, b, close: (t) => t.stop(), dispose: () => stopAll() };
 *   });
 *
 * The factory returns two fresh implementations on one network (`a` and `b` reach each other),
 * `close(x)` closes one of them (its `close`/`stop`), and `dispose` releases everything; the suite
 * calls it after each test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex, getPublicKey, randomBytes, utf8ToBytes } from '@status-stack/crypto';
import type { Envelope } from './envelope.js';
import { topicFromString, type Topic } from './topic.js';
import type { EnvelopeCarrier, EnvelopeTransport, ReceivedMessage } from './types.js';
import { wrapMessage } from './wrap.js';

type MaybePromise<T> = T | Promise<T>;

export interface ContractPair<T> {
  a: T;
  b: T;
  /** Closes one of the two (its `close` or `stop`). */
  close(which: T): MaybePromise<void>;
  /** Releases everything the factory started. */
  dispose?(): MaybePromise<void>;
}

export interface ContractOptions {
  /** How long a delivery may take, in ms (default 5000). */
  deliveryTimeoutMs?: number;
  /** How long the suite waits to be sure something is not delivered, in ms (default 300). */
  quietMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** A fresh topic per test, so nothing left over from another test or run can match. */
function freshTopic(): Topic {
  return topicFromString(`contract ${bytesToHex(randomBytes(8))}`);
}

function useFactory<T>(factory: () => MaybePromise<ContractPair<T>>): () => Promise<ContractPair<T>> {
  const open: ContractPair<T>[] = [];
  afterEach(async () => {
    for (const p of open.splice(0)) await p.dispose?.();
  });
  return async () => {
    const p = await factory();
    open.push(p);
    return p;
  };
}

export function envelopeTransportContract(name: string, factory: () => MaybePromise<ContractPair<EnvelopeTransport>>, options: ContractOptions = {}): void {
  const timeout = options.deliveryTimeoutMs ?? 5000;
  const quiet = options.quietMs ?? 300;
  describe(`EnvelopeTransport contract: ${name}`, () => {
    const pair = useFactory(factory);
    const text = (m: ReceivedMessage) => new TextDecoder().decode(m.payload);

    it('post resolves with the envelope hash; the message reaches the other side and the poster’s own filter', async () => {
      const { a, b } = await pair();
      const topic = freshTopic();
      const symKey = randomBytes(32);
      const atA: ReceivedMessage[] = [];
      const atB: ReceivedMessage[] = [];
      a.subscribe({ topics: [topic], symKey }, (m) => atA.push(m));
      b.subscribe({ topics: [topic], symKey }, (m) => atB.push(m));
      const hash = await a.post({ topic, payload: utf8ToBytes('hello'), symKey, ttl: 30 });
      expect(hash).toBeInstanceOf(Uint8Array);
      expect(hash).toHaveLength(32);
      await waitFor('both deliveries', () => atA.length > 0 && atB.length > 0, timeout);
      for (const m of [atA[0], atB[0]]) {
        expect(text(m)).toBe('hello');
        expect(bytesToHex(m.hash)).toBe(bytesToHex(hash));
        expect(bytesToHex(m.topic)).toBe(bytesToHex(topic));
        expect(m.openedWith.kind).toBe('symmetric');
      }
      await sleep(quiet);
      expect(atA).toHaveLength(1);
      expect(atB).toHaveLength(1);
    });

    it('delivers asynchronously: no handler runs inside post', async () => {
      const { a, b } = await pair();
      const topic = freshTopic();
      const symKey = randomBytes(32);
      let inPost = false;
      const calls: boolean[] = [];
      a.subscribe({ topics: [topic], symKey }, () => calls.push(inPost));
      b.subscribe({ topics: [topic], symKey }, () => calls.push(inPost));
      inPost = true;
      const posted = a.post({ topic, payload: utf8ToBytes('async'), symKey, ttl: 30 });
      inPost = false;
      await posted;
      await waitFor('both deliveries', () => calls.length === 2, timeout);
      expect(calls).toEqual([false, false]);
    });

    it('a filter gets only its topics and what its key opens; an empty topic list means every topic', async () => {
      const { a, b } = await pair();
      const [wanted, other] = [freshTopic(), freshTopic()];
      const symKey = randomBytes(32);
      const onWanted: string[] = [];
      const wrongKey: string[] = [];
      const everything: string[] = [];
      b.subscribe({ topics: [wanted], symKey }, (m) => onWanted.push(text(m)));
      b.subscribe({ topics: [wanted], symKey: randomBytes(32) }, (m) => wrongKey.push(text(m)));
      b.subscribe({ topics: [], symKey }, (m) => everything.push(text(m)));
      await a.post({ topic: other, payload: utf8ToBytes('other'), symKey, ttl: 30 });
      await a.post({ topic: wanted, payload: utf8ToBytes('wanted'), symKey, ttl: 30 });
      await waitFor('the wanted message and the catch-all', () => onWanted.length === 1 && everything.length === 2, timeout);
      await sleep(quiet);
      expect(onWanted).toEqual(['wanted']);
      expect(everything.sort()).toEqual(['other', 'wanted']);
      expect(wrongKey).toEqual([]);
    });

    it('an asymmetric message reaches only the holder of the private key', async () => {
      const { a, b } = await pair();
      const topic = freshTopic();
      const bob = randomBytes(32);
      const carol = randomBytes(32);
      const atBob: string[] = [];
      const atCarol: string[] = [];
      b.subscribe({ topics: [topic], privateKey: bob }, (m) => atBob.push(text(m)));
      b.subscribe({ topics: [topic], privateKey: carol }, (m) => atCarol.push(text(m)));
      await a.post({ topic, payload: utf8ToBytes('for bob'), publicKey: getPublicKey(bob, false), ttl: 30 });
      await waitFor('delivery to bob', () => atBob.length === 1, timeout);
      await sleep(quiet);
      expect(atBob).toEqual(['for bob']);
      expect(atCarol).toEqual([]);
    });

    it('unsubscribing stops delivery, at once and for good', async () => {
      const { a, b } = await pair();
      const topic = freshTopic();
      const symKey = randomBytes(32);
      const gone: string[] = [];
      const control: string[] = [];
      const off = b.subscribe({ topics: [topic], symKey }, (m) => gone.push(text(m)));
      b.subscribe({ topics: [topic], symKey }, (m) => control.push(text(m)));
      await a.post({ topic, payload: utf8ToBytes('one'), symKey, ttl: 30 });
      await waitFor('first delivery', () => gone.length === 1 && control.length === 1, timeout);
      off();
      off();
      await a.post({ topic, payload: utf8ToBytes('two'), symKey, ttl: 30 });
      await waitFor('second delivery to the other filter', () => control.length === 2, timeout);
      await sleep(quiet);
      expect(gone).toEqual(['one']);
      expect(control).toEqual(['one', 'two']);
    });

    it('once closed, none of its handlers runs again; the other side goes on', async () => {
      const { a, b, close } = await pair();
      const topic = freshTopic();
      const symKey = randomBytes(32);
      const atA: string[] = [];
      const atB: string[] = [];
      a.subscribe({ topics: [topic], symKey }, (m) => atA.push(text(m)));
      b.subscribe({ topics: [topic], symKey }, (m) => atB.push(text(m)));
      await a.post({ topic, payload: utf8ToBytes('before'), symKey, ttl: 30 });
      await waitFor('deliveries before closing', () => atA.length === 1 && atB.length === 1, timeout);
      // Posted, then closed before anything could be delivered.
      const last = a.post({ topic, payload: utf8ToBytes('in flight'), symKey, ttl: 30 });
      await close(b);
      await last;
      await a.post({ topic, payload: utf8ToBytes('after'), symKey, ttl: 30 });
      await waitFor('the open side’s own deliveries', () => atA.length === 3, timeout);
      await sleep(quiet);
      expect(atB).toEqual(['before']);
      expect(atA.sort()).toEqual(['after', 'before', 'in flight']);
    });
  });
}

export function envelopeCarrierContract(name: string, factory: () => MaybePromise<ContractPair<EnvelopeCarrier>>, options: ContractOptions = {}): void {
  const timeout = options.deliveryTimeoutMs ?? 5000;
  const quiet = options.quietMs ?? 300;
  describe(`EnvelopeCarrier contract: ${name}`, () => {
    const pair = useFactory(factory);
    const symKey = randomBytes(32);
    /** A real sealed envelope (low PoW: what nodes accept), its payload `label`. */
    const envelope = (topic: Topic, label: string): Envelope => wrapMessage({ topic, payload: utf8ToBytes(label), symKey, ttl: 30, powTarget: 0.001, powTime: 2 });
    const id = (e: Envelope) => bytesToHex(e.data);

    it('carries an envelope field for field to the other carrier and back to the poster', async () => {
      const { a, b } = await pair();
      const topic = freshTopic();
      const atA: Envelope[] = [];
      const atB: Envelope[] = [];
      a.subscribe([topic], (e) => atA.push(e));
      b.subscribe([topic], (e) => atB.push(e));
      const sent = envelope(topic, 'carried');
      await a.post(sent);
      await waitFor('both deliveries', () => atA.length > 0 && atB.length > 0, timeout);
      for (const got of [atA[0], atB[0]]) {
        expect({ ...got, topic: bytesToHex(got.topic), data: bytesToHex(got.data) }).toEqual({ ...sent, topic: bytesToHex(sent.topic), data: bytesToHex(sent.data) });
      }
    });

    it('delivers asynchronously: deliver never runs inside post', async () => {
      const { a, b } = await pair();
      const topic = freshTopic();
      let inPost = false;
      const calls: boolean[] = [];
      a.subscribe([topic], () => calls.push(inPost));
      b.subscribe([topic], () => calls.push(inPost));
      const sent = envelope(topic, 'async');
      inPost = true;
      const posted = a.post(sent);
      inPost = false;
      await posted;
      await waitFor('both deliveries', () => calls.length >= 2, timeout);
      expect(calls.every((c) => !c)).toBe(true);
    });

    it('a subscription gets only its topics; an empty list means every topic', async () => {
      const { a, b } = await pair();
      const [wanted, other] = [freshTopic(), freshTopic()];
      const onWanted = new Set<string>();
      const everything = new Set<string>();
      b.subscribe([wanted], (e) => {
        expect(bytesToHex(e.topic)).toBe(bytesToHex(wanted));
        onWanted.add(id(e));
      });
      b.subscribe([], (e) => everything.add(id(e)));
      const w = envelope(wanted, 'wanted');
      const o = envelope(other, 'other');
      await a.post(o);
      await a.post(w);
      await waitFor('the wanted envelope and the catch-all', () => onWanted.size === 1 && everything.has(id(o)) && everything.has(id(w)), timeout);
      await sleep(quiet);
      expect([...onWanted]).toEqual([id(w)]);
    });

    it('unsubscribing stops delivery', async () => {
      const { a, b } = await pair();
      const topic = freshTopic();
      const gone = new Set<string>();
      const control = new Set<string>();
      const off = b.subscribe([topic], (e) => gone.add(id(e)));
      b.subscribe([topic], (e) => control.add(id(e)));
      const first = envelope(topic, 'one');
      await a.post(first);
      await waitFor('first delivery', () => gone.size === 1 && control.size === 1, timeout);
      off();
      off();
      const second = envelope(topic, 'two');
      await a.post(second);
      await waitFor('second delivery to the other subscription', () => control.has(id(second)), timeout);
      await sleep(quiet);
      expect([...gone]).toEqual([id(first)]);
    });

    it('once closed, nothing more is delivered to it (not even what was on its way); close may be called twice', async () => {
      const { a, b, close } = await pair();
      const topic = freshTopic();
      const atA = new Set<string>();
      const atB = new Set<string>();
      a.subscribe([topic], (e) => atA.add(id(e)));
      b.subscribe([topic], (e) => atB.add(id(e)));
      const before = envelope(topic, 'before');
      await a.post(before);
      await waitFor('deliveries before closing', () => atA.size === 1 && atB.size === 1, timeout);
      const inFlight = envelope(topic, 'in flight');
      const posted = a.post(inFlight);
      await close(b);
      await close(b);
      await posted;
      const after = envelope(topic, 'after');
      await a.post(after);
      await waitFor('the open side’s own deliveries', () => atA.has(id(after)) && atA.has(id(inFlight)), timeout);
      await sleep(quiet);
      expect([...atB]).toEqual([id(before)]);
    });
  });
}
