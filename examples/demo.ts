// The main job (`npm start`): a local demo network with no internet.
// Stage 1 of the stack: two overlay nodes connect, negotiate a capability and exchange a message.
import { bytesToUtf8, utf8ToBytes } from '@status-stack/crypto';
import { RlpxOverlay } from '@status-stack/p2p-overlay';

const capability = { name: 'demo', version: 1, length: 1 };

async function main(): Promise<void> {
  const alice = new RlpxOverlay({ host: '127.0.0.1', port: 0, clientId: 'status-stack-demo/alice' });
  const bob = new RlpxOverlay({ host: '127.0.0.1', port: 0, clientId: 'status-stack-demo/bob' });
  const received = new Promise<string>((resolve) => {
    bob.register(capability, (link) => {
      link.onMessage((_code, payload) => {
        const text = bytesToUtf8(payload);
        console.log(`bob   <- ${link.peerId.slice(0, 12)}…: ${text}`);
        link.send(0, utf8ToBytes(`hello alice, got "${text}"`));
        resolve(text);
      });
    });
  });
  const replied = new Promise<string>((resolve) => {
    alice.register(capability, (link) => {
      link.onMessage((_code, payload) => {
        const text = bytesToUtf8(payload);
        console.log(`alice <- ${link.peerId.slice(0, 12)}…: ${text}`);
        resolve(text);
      });
      link.send(0, utf8ToBytes('hello bob'));
    });
  });
  await alice.start();
  await bob.start();
  console.log('two nodes over RLPx v5 (EIP-8 handshake, snappy) on 127.0.0.1');
  console.log(`alice ${alice.enode}`);
  console.log(`bob   ${bob.enode}`);
  await alice.connect(bob.enode);
  await Promise.all([received, replied]);
  await alice.stop();
  await bob.stop();
  console.log('demo complete');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
