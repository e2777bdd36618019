// The tests drive @ethereumjs/devp2p as an independent oracle, and a few of them (the evil peer,
// the mixed-handshake frame test) reach members devp2p does not publish. devp2p is therefore pinned
// exactly, and this test names each member we rely on, so an upgrade that renames or reshapes one
// fails here, loudly and by name, rather than as a hang or an odd failure somewhere else.
import * as net from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey, getPublicKey, utf8ToBytes } from '@status-stack/crypto';
import { ECIES, Peer } from './devp2p.js';

const PEER_METHODS = ['_sendMessage'] as const;
const PEER_FIELDS = ['_eciesSession', '_closed', '_pingIntervalId', '_disconnectReason'] as const;
const SESSION_METHODS = ['parseBody', 'createBlockHeader', 'createAuthEIP8', 'parseAuthEIP8', 'createAckEIP8', 'parseAckEIP8'] as const;
const ECIES_FIELDS = ['_gotEIP8Auth', '_gotEIP8Ack'] as const;

describe('the devp2p members our tests rely on', () => {
  let server: net.Server;
  let client: net.Socket;
  const accepted: net.Socket[] = [];
  beforeAll(async () => {
    server = net.createServer((s) => {
      accepted.push(s);
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    client = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    client.on('error', () => {});
  });
  afterAll(async () => {
    client.destroy();
    for (const s of accepted) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('devp2p is pinned to one exact version', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { devDependencies: Record<string, string> };
    expect(manifest.devDependencies['@ethereumjs/devp2p']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('Peer and its ECIES session have each member, with the shape we use', () => {
    const key = generatePrivateKey();
    const remote = generatePrivateKey();
    const peer = new Peer({
      socket: client,
      remoteId: getPublicKey(remote).subarray(1),
      privateKey: key,
      id: getPublicKey(key).subarray(1),
      timeout: 10_000,
      clientId: utf8ToBytes('shape/1.0'),
      capabilities: [],
      common: undefined,
      port: 0,
    });
    peer.events.on('error', () => {});
    const record = peer as unknown as Record<string, unknown>;
    for (const m of PEER_METHODS) expect(typeof record[m], `devp2p Peer.${m} is no longer a method`).toBe('function');
    for (const f of PEER_FIELDS) expect(f in record, `devp2p Peer.${f} is gone`).toBe(true);
    expect(typeof record._closed, 'devp2p Peer._closed is no longer a boolean').toBe('boolean');
    const session = record._eciesSession as Record<string, unknown>;
    for (const m of SESSION_METHODS) expect(typeof session[m], `devp2p ECIES.${m} is no longer a method`).toBe('function');
    if (record._pingIntervalId) clearInterval(record._pingIntervalId as NodeJS.Timeout);
    record._closed = true;
  });

  it('a bare ECIES has the EIP-8 flags the mixed-handshake test sets', () => {
    const k = generatePrivateKey();
    const ecies = new ECIES(k, getPublicKey(k).subarray(1), null) as unknown as Record<string, unknown>;
    for (const f of ECIES_FIELDS) expect(typeof ecies[f], `devp2p ECIES.${f} is no longer a boolean`).toBe('boolean');
  });
});
