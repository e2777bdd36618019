// A transport of your own: StatusClient talks to the network only through the `EnvelopeTransport`
// port of @status-stack/whisper (`post` a message, `subscribe` with a filter), so anything that
// can carry envelopes will do: a Whisper/Waku node over RLPx, a WebSocket, a message queue...
//
// Ours is an in-process broadcast bus. It does what a Whisper node does to a message, minus the
// network: `post` signs, encrypts and seals a real envelope (`wrapMessage`); every transport on the
// bus then opens it with the key of each filter whose topic matches (`openSymmetric` /
// `openAsymmetric`) and hands the opened message to the filter's handler, its sender's own
// filters included, as a node delivers its own posts. (The whisper package's `FilterSet` does this
// matching and opening for you, as `MemoryTransport` uses it; here it is spelled out.) Two clients
// with in-memory storage then chat over the bus: a public chat and a 1:1 conversation (X3DH,
// Double Ratchet, MVDS acks).
//
//   npx tsx --conditions=typescript examples/custom-transport.ts
import { equalBytes, normalizePublicKey } from '@status-stack/crypto';
import {
  computePow,
  envelopeHash,
  openAsymmetric,
  openSymmetric,
  wrapMessage,
  type Envelope,
  type EnvelopeTransport,
  type Filter,
  type OutgoingMessage,
  type ReceivedMessage,
} from '@status-stack/whisper';
import { MemoryStorage, StatusClient, createAccount } from '@status-stack/client';

// ---- the transport (under 50 lines) ----
type Subscription = { filter: Filter; handler: (message: ReceivedMessage) => void };

class BusTransport implements EnvelopeTransport {
  private readonly subscriptions = new Set<Subscription>();

  constructor(private readonly bus: Set<BusTransport>) {
    bus.add(this);
  }

  async post(m: OutgoingMessage): Promise<Uint8Array> {
    // No proof of work: PoW is spam protection for a shared network, and this bus is ours alone.
    const envelope = wrapMessage({ topic: m.topic, payload: m.payload, symKey: m.symKey, publicKey: m.publicKey, signingKey: m.sign, padding: m.padding, ttl: m.ttl, powTarget: 0 });
    const hash = envelopeHash(envelope);
    // Deliver later, never inside post(): a node hands messages over asynchronously, and clients rely on it.
    for (const member of this.bus) setImmediate(() => member.deliver(envelope, hash));
    return hash;
  }

  subscribe(filter: Filter, handler: (message: ReceivedMessage) => void): () => void {
    const subscription = { filter, handler };
    this.subscriptions.add(subscription);
    return () => this.subscriptions.delete(subscription);
  }

  close(): void {
    this.bus.delete(this);
  }

  private deliver(envelope: Envelope, hash: Uint8Array): void {
    for (const { filter, handler } of this.subscriptions) {
      if (filter.topics.length > 0 && !filter.topics.some((t) => equalBytes(t, envelope.topic))) continue;
      let opened;
      try {
        opened = filter.symKey ? openSymmetric(envelope, filter.symKey) : openAsymmetric(envelope, filter.privateKey!);
      } catch {
        continue; // not encrypted with this filter's key: not for it
      }
      if (filter.signer && !(opened.signer && equalBytes(opened.signer, normalizePublicKey(filter.signer)))) continue;
      const openedWith = filter.symKey ? { kind: 'symmetric' as const, symKey: filter.symKey } : { kind: 'asymmetric' as const, privateKey: filter.privateKey! };
      const { expiry, ttl, topic } = envelope;
      handler({ ...opened, topic, expiry, ttl, sent: expiry - ttl, hash, pow: computePow(envelope), openedWith, p2p: false, envelope });
    }
  }
}
// ---- end of the transport ----

async function main(): Promise<void> {
  const bus = new Set<BusTransport>();
  const transports = [new BusTransport(bus), new BusTransport(bus)];
  // A transport passed in is the caller's: the client uses it but never closes it.
  const [alice, bob] = transports.map((transport) => new StatusClient({ identity: createAccount(), storage: new MemoryStorage(), transport }));
  const name = (c: StatusClient): string => (c === alice ? 'Alice' : 'Bob');
  try {
    await alice.start();
    await bob.start();
    console.log(`Alice is ${alice.alias}, Bob is ${bob.alias}, both on a BusTransport`);

    console.log('\n# public chat #bus-riders');
    await alice.joinPublicChat('bus-riders');
    await bob.joinPublicChat('bus-riders');
    for (const [from, to, text] of [[alice, bob, 'Anyone on this bus?'], [bob, alice, 'Me! It is a short ride.']] as const) {
      const arrived = to.waitForMessage((m) => m.text === text && !m.outgoing, { signal: AbortSignal.timeout(10_000) });
      await from.sendMessage('bus-riders', text);
      const got = await arrived;
      console.log(`  [#bus-riders] ${name(from)} → ${name(to)}: ${got.text}  (via ${got.via?.channel})`);
    }

    console.log('\n# one-to-one');
    for (const [from, to, text] of [[alice, bob, 'Psst, Bob.'], [bob, alice, 'Hi Alice, only you can read this.'], [alice, bob, 'Ratchet and all, on our own bus.']] as const) {
      const arrived = to.waitForMessage((m) => m.chatId === from.publicKeyHex && m.text === text, { signal: AbortSignal.timeout(10_000) });
      const sent = await from.sendMessage(to.publicKeyHex, text);
      const got = await arrived;
      await from.waitForDelivery(sent.id, 'delivered', { signal: AbortSignal.timeout(10_000) });
      console.log(`  [1:1] ${name(from)} → ${name(to)}: ${got.text}  (via ${got.via?.channel}/${got.via?.method}, delivered)`);
    }
    console.log('\ncustom transport done');
  } finally {
    await alice.stop();
    await bob.stop();
    for (const t of transports) t.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
