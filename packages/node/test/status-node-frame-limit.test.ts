// status-node caps frames at what a 1 MiB Whisper/Waku packet needs, so a peer's partial frame
// costs at most ~1.2 MB: a larger frame is refused from its header (PROTOCOL_ERROR), before its
// body is buffered. Before, the overlay's 16 MiB default let 20 peers hold 15 MiB each.
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey, getPublicKey, hexToBytes, randomBytes } from '@status-stack/crypto';
import { DISCONNECT_REASON, RlpxSession, frameSizeFor } from '@status-stack/p2p-overlay';
import { WAKU_PACKET, encodeWakuStatus } from '@status-stack/whisper';
import { parseNodeOptions, startStatusNode } from '../src/index.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
});

describe('status-node frame limit', () => {
  it('refuses a frame above frameSizeFor(1 MiB) with PROTOCOL_ERROR, from its header', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'frame-limit-'));
    closers.push(() => rm(dataDir, { recursive: true, force: true }));
    const node = await startStatusNode(parseNodeOptions({ listen: '127.0.0.1:0', dataDir, waku: true }), { logger: () => {} });
    closers.push(() => node.stop());
    const [, id, port] = /^enode:\/\/([0-9a-f]{128})@127\.0\.0\.1:(\d+)$/.exec(node.enode)!;
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => {});
    closers.push(async () => socket.destroy());
    const key = generatePrivateKey();
    let reason: number | undefined;
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    const session = new RlpxSession(
      { privateKey: key, nodeId: getPublicKey(key).subarray(1), remoteId: hexToBytes(id), clientId: 'big', listenPort: 0, capabilities: [{ name: 'waku', version: 1, length: 128 }] },
      { write: (c) => void socket.write(c), onReady: () => ready(), onMessage: () => {}, onDisconnect: (r) => (reason = r), onPong: () => {} },
    );
    socket.on('data', (d: Buffer) => session.receive(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)));
    await isReady;
    session.send(0x10 + WAKU_PACKET.STATUS, encodeWakuStatus({ powRequirement: 0 }));
    // Incompressible, so the frame is as large as the payload: 2 MiB, above the node's limit.
    session.send(0x10 + WAKU_PACKET.MESSAGES, randomBytes(2 * 1024 * 1024));
    expect(frameSizeFor(1024 * 1024)).toBeLessThan(2 * 1024 * 1024);
    await closed;
    expect(reason).toBe(DISCONNECT_REASON.PROTOCOL_ERROR);
  });
});
