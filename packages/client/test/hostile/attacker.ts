// An attacker process for the hostile-peer tests and the soak: `attacker.ts KIND PORT NODE_ID PARAMS`.
// Prints one JSON line {name, load} once started, attacks 127.0.0.1:PORT until its stdin closes,
// then prints its report {connections, reasons} as the last line and exits.
import { connect, type Socket } from 'node:net';
import { generatePrivateKey, getPublicKey, hexToBytes, randomBytes } from '@status-stack/crypto';
import { HandshakeInitiator, RlpxSession, type Capability } from '@status-stack/p2p-overlay';
import { encodeEnvelope, encodeMessagesRequest, encodeP2PMessages, encodeWakuStatus, sealEnvelope, WAKU_PACKET, type Envelope } from '@status-stack/whisper';

const WAKU1: Capability = { name: 'waku', version: 1, length: 128 };

interface AttackReport {
  connections: number;
  reasons: Map<string, number>;
}

interface NodeProcess {
  port: number;
  nodeId: string;
}

let running = true;

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

const open = new Set<Socket>();

/** Resolves once the socket connected, or closed (when the attack is stopped meanwhile). */
function connected(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve();
    s.once('connect', () => resolve());
    s.once('close', () => resolve());
  });
}

function raw(port: number, localAddress?: string): Socket {
  const s = connect({ port, host: '127.0.0.1', localAddress });
  s.on('error', () => {});
  open.add(s);
  s.once('close', () => open.delete(s));
  return s;
}

/** Keeps `count` attackers alive: `open` starts one and resolves when the node dropped it. */
interface Attack {
  name: string;
  load: string;
  stop(): Promise<AttackReport>;
}

function sustain(name: string, load: string, count: number, open: (report: AttackReport) => Promise<void>, pauseMs = 5): Attack {
  const report: AttackReport = { connections: 0, reasons: new Map() };
  const loops = Array.from({ length: count }, async () => {
    while (running) {
      report.connections++;
      await open(report).catch(() => bump(report.reasons, 'error'));
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  });
  return {
    name,
    load,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return report;
    },
  };
}

/** Resolves when the socket closes (or after `maxMs`, destroying it). */
function closed(s: Socket, maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      s.destroy();
      resolve();
    }, maxMs);
    s.once('close', () => {
      clearTimeout(t);
      resolve();
    });
    s.resume();
  });
}

/** A valid auth and trailing zero bytes in one write (froze the node before). */
function freezeAttack(node: NodeProcess, parallel = 4): Attack {
  return sustain('auth + trailing bytes in one write', `${parallel} sockets, reopened`, parallel, async (report) => {
    const s = raw(node.port);
    await connected(s);
    s.write(Uint8Array.of(...new HandshakeInitiator(generatePrivateKey(), hexToBytes(node.nodeId)).auth, ...new Uint8Array(64)));
    await closed(s, 5_000);
    bump(report.reasons, s.destroyed ? 'closed' : 'open');
  });
}

/** Sockets from another loopback address announcing an auth they never send (slowloris). */
function slowlorisAttack(node: NodeProcess, sockets = 60): Attack {
  return sustain('slowloris from one IP', `${sockets} sockets from 127.0.0.2`, sockets, async (report) => {
    const s = raw(node.port, '127.0.0.2');
    s.once('connect', () => s.write(Uint8Array.of(0x01, 0x90)));
    await closed(s, 30_000);
    bump(report.reasons, 'closed');
  });
}

/** An RLPx peer of our own making (our session), speaking waku/1, for attacks above the handshake. */
async function wakuPeer(node: NodeProcess, onReason: (r: string) => void): Promise<{ session: RlpxSession; socket: Socket; done: Promise<void> }> {
  // From another loopback address than the honest clients (127.0.0.1): per-IP limits tell them apart.
  const socket = raw(node.port, '127.0.0.3');
  const key = generatePrivateKey();
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const session = new RlpxSession(
    { privateKey: key, nodeId: getPublicKey(key).subarray(1), remoteId: hexToBytes(node.nodeId), clientId: 'attacker', listenPort: 0, capabilities: [WAKU1] },
    {
      write: (c) => void (socket.destroyed ? undefined : socket.write(c)),
      onReady: () => ready(),
      onMessage: () => {},
      onDisconnect: (reason) => onReason(reason === undefined ? 'disconnect' : `0x${reason.toString(16).padStart(2, '0')}`),
      onPong: () => {},
    },
  );
  const done = new Promise<void>((r) => socket.once('close', () => r()));
  await connected(socket);
  socket.on('data', (d: Buffer) => {
    try {
      session.receive(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    } catch {
      socket.destroy();
    }
  });
  await Promise.race([isReady, done]);
  if (session.ready) session.send(0x10 + WAKU_PACKET.STATUS, encodeWakuStatus({ powRequirement: 0, lightNode: false, confirmationsEnabled: false }));
  return { session, socket, done };
}

/** Peers each sending one 15 MiB frame: refused from its header, never buffered. */
function oversizedFrameAttack(node: NodeProcess, peers = 20): Attack {
  const big = randomBytes(15 * 1024 * 1024);
  return sustain('oversized frames', `${peers} peers × 15 MiB frames`, peers, async (report) => {
    let reason = 'closed';
    const p = await wakuPeer(node, (r) => (reason = r));
    if (p.session.ready) p.session.send(0x10 + WAKU_PACKET.MESSAGES, big);
    await Promise.race([p.done, new Promise((r) => setTimeout(r, 10_000))]);
    p.socket.destroy();
    bump(report.reasons, reason);
  }, 200);
}

/** One connection sending packets of many envelopes with random topics, as fast as it can. */
function envelopeFloodAttack(node: NodeProcess, envelopesPerPacket = 200, packetsPerSecond = 10): Attack {
  return sustain('envelope flood', `${packetsPerSecond} packets/s × ${envelopesPerPacket} envelopes, random topics`, 1, async (report) => {
    let reason = 'closed';
    const p = await wakuPeer(node, (r) => (reason = r));
    const expiry = Math.floor(Date.now() / 1000) + 10;
    while (running && p.session.ready && !p.socket.destroyed) {
      const envelopes: Envelope[] = Array.from({ length: envelopesPerPacket }, () => ({
        expiry,
        ttl: 10,
        topic: randomBytes(4),
        data: randomBytes(64),
        nonce: 0n,
      }));
      const items = envelopes.map((e) => encodeEnvelope(e));
      // RLP list of envelopes: concatenate the items under one list header.
      const body = Uint8Array.from(items.flatMap((i) => [...i]));
      const header = body.length < 56 ? [0xc0 + body.length] : [0xf7 + byteLength(body.length), ...beBytes(body.length)];
      try {
        p.session.send(0x10 + WAKU_PACKET.MESSAGES, Uint8Array.of(...header, ...body));
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 1000 / packetsPerSecond));
    }
    await Promise.race([p.done, new Promise((r) => setTimeout(r, 5_000))]);
    p.socket.destroy();
    bump(report.reasons, reason);
  });
}

/** Fills the mailserver's archive with `count` 1 KB envelopes, once. */
async function fillArchive(node: NodeProcess, count: number): Promise<void> {
  const p = await wakuPeer(node, () => {});
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < count && p.session.ready; i += 100) {
    const batch: Uint8Array[] = [];
    for (let j = 0; j < 100; j++) {
      batch.push(encodeEnvelope(sealEnvelope({ expiry: now + 3600, ttl: 3600, topic: randomBytes(4), data: randomBytes(1000) }, { powTarget: 0.00001, powTime: 1 })));
    }
    p.session.send(0x10 + WAKU_PACKET.MESSAGES, encodeP2PMessages(batch));
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 500));
  p.socket.destroy();
}

/** Peers each asking for the whole archive `requests` times at once, then never reading the answers. */
function greedyAttack(node: NodeProcess, peers = 20, requests = 2): Attack {
  const filled = fillArchive(node, 3000);
  return sustain('greedy mailserver peers', `${peers} peers × ${requests} full-range requests, never reading; 3,000 × 1 KB archived`, peers, async (report) => {
    await filled;
    let reason = 'closed';
    const p = await wakuPeer(node, (r) => (reason = r));
    if (p.session.ready) {
      for (let i = 0; i < requests; i++) {
        const request = encodeMessagesRequest({ id: randomBytes(32), from: 0, to: Math.floor(Date.now() / 1000) + 60, limit: 1000, cursor: new Uint8Array(0), bloom: new Uint8Array(64).fill(0xff), topics: [] });
        p.session.send(0x10 + WAKU_PACKET.P2P_REQUEST, request);
      }
      p.session.flush();
      // Never read: the node's answers pile up on its side of the socket.
      setTimeout(() => p.socket.pause(), 50);
    }
    await Promise.race([p.done, new Promise((r) => setTimeout(r, 15_000))]);
    p.socket.destroy();
    bump(report.reasons, reason);
  }, 100);
}

function byteLength(n: number): number {
  return n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
}

function beBytes(n: number): number[] {
  const out: number[] = [];
  for (let i = byteLength(n) - 1; i >= 0; i--) out.push((n >>> (8 * i)) & 0xff);
  return out;
}

const [kind, port, nodeId, params] = process.argv.slice(2);
const node: NodeProcess = { port: Number(port), nodeId };
const p = JSON.parse(params ?? '{}') as Record<string, number>;
const attack =
  kind === 'freeze'
    ? freezeAttack(node, p.parallel)
    : kind === 'slowloris'
      ? slowlorisAttack(node, p.sockets)
      : kind === 'oversized'
        ? oversizedFrameAttack(node, p.peers)
        : kind === 'flood'
          ? envelopeFloodAttack(node, p.envelopesPerPacket, p.packetsPerSecond)
          : kind === 'greedy'
            ? greedyAttack(node, p.peers, p.requests)
            : undefined;
if (!attack) {
  process.stderr.write(`unknown attack ${kind}\n`);
  process.exit(2);
}
process.stdout.write(`${JSON.stringify({ name: attack.name, load: attack.load })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  running = false;
  // Sockets still open (slowloris) are dropped now, so that the loops end.
  for (const s of open) s.destroy();
  void attack.stop().then((r) => {
    process.stdout.write(`${JSON.stringify({ connections: r.connections, reasons: Object.fromEntries(r.reasons) })}\n`, () => process.exit(0));
  });
});
