// The port contracts of testing.ts, run against every implementation whisper has.
import { envelopeCarrierContract, envelopeTransportContract } from '../src/testing.js';
import { envelopeTransportOver, MemoryCarrier, MemoryHub, MemoryTransport, WakuNode, WhisperNode, type EnvelopeNode, type EnvelopeTransport } from '../src/index.js';
import { connect, Resources } from './helpers/nodes.js';

envelopeTransportContract('MemoryTransport', () => {
  const hub = new MemoryHub();
  return { a: new MemoryTransport(hub), b: new MemoryTransport(hub), close: (t) => (t as MemoryTransport).close() };
});

envelopeTransportContract('envelopeTransportOver(MemoryCarrier) with Status PoW', () => {
  const hub = new MemoryHub();
  const a = envelopeTransportOver(new MemoryCarrier(hub));
  const b = envelopeTransportOver(new MemoryCarrier(hub));
  return {
    a,
    b,
    close: (t) => (t === a ? a : b).close(),
    dispose: async () => {
      await a.close();
      await b.close();
    },
  };
});

envelopeCarrierContract('MemoryCarrier', () => {
  const hub = new MemoryHub();
  return { a: new MemoryCarrier(hub), b: new MemoryCarrier(hub), close: (c) => c.close() };
});

for (const [name, make] of [
  ['WhisperNode', (o: ConstructorParameters<typeof WhisperNode>[0]) => new WhisperNode(o)],
  ['WakuNode', (o: ConstructorParameters<typeof WakuNode>[0]) => new WakuNode(o)],
] as const) {
  envelopeTransportContract(`${name} over RLPx on 127.0.0.1`, async () => {
    const res = new Resources();
    const a = await res.node<EnvelopeNode>(make);
    const b = await res.node<EnvelopeNode>(make);
    await connect(a, b);
    const pair: { a: EnvelopeTransport; b: EnvelopeTransport } = { a, b };
    return { ...pair, close: (t) => (t === a ? a : b).stop(), dispose: () => res.closeAll() };
  });
}
