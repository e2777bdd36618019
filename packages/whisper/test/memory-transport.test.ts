import { describe, expect, it } from 'vitest';
import { utf8ToBytes } from '@status-stack/crypto';
import { envelopeHash, MemoryHub, MemoryTransport, negotiatedSecret, partitionedTopic, publicChatKey, publicChatTopic, WhisperError, type EnvelopeTransport } from '../src/index.js';
import { collector, identity, until } from './harness.js';

describe('MemoryTransport: a real in-process EnvelopeTransport', () => {
  it('delivers between transports on one hub, encrypting for real, with the poster’s own filters too', async () => {
    const hub = new MemoryHub();
    const alice: EnvelopeTransport = new MemoryTransport(hub);
    const bob: EnvelopeTransport = new MemoryTransport(hub);
    const topic = publicChatTopic('memory');
    const symKey = publicChatKey('memory');
    const atBob = collector();
    const atAlice = collector();
    bob.subscribe({ topics: [topic], symKey }, atBob.handler);
    alice.subscribe({ topics: [topic], symKey }, atAlice.handler);
    const signer = identity();
    const hash = await alice.post({ topic, payload: utf8ToBytes('hi'), symKey, sign: signer.privateKey, ttl: 10 });
    await until(() => atBob.messages.length === 1 && atAlice.messages.length === 1, 'deliveries');
    expect(atBob.messages[0].payload).toEqual(utf8ToBytes('hi'));
    expect(atBob.messages[0].signer).toEqual(signer.publicKey);
    expect(atBob.messages[0].hash).toEqual(hash);
    expect(envelopeHash(hub.log[0])).toEqual(hash);
    // The envelope on the hub is ciphertext: the payload is nowhere in it.
    expect(Buffer.from(hub.log[0].data).includes(Buffer.from('hi'))).toBe(false);
  });

  it('asymmetric on a partitioned topic reaches only the recipient; unsubscribe stops delivery', async () => {
    const hub = new MemoryHub();
    const a = new MemoryTransport(hub);
    const b = new MemoryTransport(hub);
    const c = new MemoryTransport(hub);
    const bobId = identity();
    const carolId = identity();
    const atB = collector();
    const atC = collector();
    const unsub = b.subscribe({ topics: [partitionedTopic(bobId.publicKey)], privateKey: bobId.privateKey }, atB.handler);
    c.subscribe({ topics: [partitionedTopic(bobId.publicKey)], privateKey: carolId.privateKey }, atC.handler);
    await a.post({ topic: partitionedTopic(bobId.publicKey), payload: utf8ToBytes('first contact'), publicKey: bobId.publicKey });
    await until(() => atB.messages.length === 1, 'asymmetric delivery');
    expect(atB.messages[0].openedWith.kind).toBe('asymmetric');
    unsub();
    const n = negotiatedSecret(bobId.privateKey, carolId.publicKey);
    const control = collector();
    b.subscribe({ topics: [n.topic], symKey: n.symKey }, control.handler);
    await a.post({ topic: partitionedTopic(bobId.publicKey), payload: utf8ToBytes('second'), publicKey: bobId.publicKey });
    await a.post({ topic: n.topic, payload: utf8ToBytes('control'), symKey: negotiatedSecret(carolId.privateKey, bobId.publicKey).symKey });
    await until(() => control.messages.length === 1, 'control');
    expect(atB.messages).toHaveLength(1);
    expect(atC.messages).toHaveLength(0);
  });

  it('rejects bad posts and filters with typed errors; a closed transport gets nothing', async () => {
    const hub = new MemoryHub();
    const t = new MemoryTransport(hub);
    const topic = publicChatTopic('x');
    await expect(t.post({ topic, payload: new Uint8Array(1) })).rejects.toBeInstanceOf(WhisperError);
    await expect(t.post({ topic: new Uint8Array(3), payload: new Uint8Array(1), symKey: new Uint8Array(32).fill(1) })).rejects.toBeInstanceOf(WhisperError);
    expect(() => t.subscribe({ topics: [topic], symKey: new Uint8Array(32) }, () => {})).toThrow(WhisperError);
    expect(() => t.subscribe({ topics: [topic], symKey: new Uint8Array(16).fill(1) }, () => {})).toThrow(WhisperError);
    const other = new MemoryTransport(hub);
    const got = collector();
    other.subscribe({ topics: [topic], symKey: publicChatKey('x') }, got.handler);
    other.close();
    const seen = collector();
    t.subscribe({ topics: [topic], symKey: publicChatKey('x') }, seen.handler);
    await t.post({ topic, payload: new Uint8Array(1), symKey: publicChatKey('x') });
    await until(() => seen.messages.length === 1, 'own delivery');
    expect(got.messages).toHaveLength(0);
  });
});
