import { bytesToHex } from '@status-stack/crypto';
import type { MvdsMessage } from './payload.js';
import { RECORD_TYPE, type PeerId, type RecordType, type Store, type SyncRecord } from './types.js';

type Counts = Record<RecordType, number>;

function zeroCounts(): Counts {
  return { OFFER: 0, REQUEST: 0, MESSAGE: 0 };
}

function isOutgoing(r: SyncRecord): boolean {
  return (r.type === RECORD_TYPE.OFFER || r.type === RECORD_TYPE.MESSAGE) && r.unsolicited !== true;
}

/**
 * In-memory Store: a real implementation (tests, simulations, light clients). Keep the instance
 * to "restart": a new MvdsNode on the same MemoryStore resumes its epoch, state and messages.
 * Records are copied in and out, as a database would, so callers cannot alias its state.
 */
export class MemoryStore implements Store {
  private epoch = 0;
  private readonly messages = new Map<string, MvdsMessage>();
  private readonly groups = new Map<string, Set<PeerId>>();
  private readonly records = new Map<string, SyncRecord>();
  /** sendEpoch -> record keys: dueRecords visits only due buckets. */
  private readonly byEpoch = new Map<number, Set<string>>();
  private readonly counts = new Map<PeerId, Counts>();
  private readonly outgoing = new Map<string, number>();

  getEpoch(): number {
    return this.epoch;
  }

  setEpoch(epoch: number): void {
    this.epoch = epoch;
  }

  hasMessage(id: Uint8Array): boolean {
    return this.messages.has(bytesToHex(id));
  }

  getMessage(id: Uint8Array): MvdsMessage | undefined {
    return this.messages.get(bytesToHex(id));
  }

  putMessage(id: Uint8Array, message: MvdsMessage): void {
    const key = bytesToHex(id);
    if (!this.messages.has(key)) this.messages.set(key, message);
  }

  /** Number of messages held. */
  get messageCount(): number {
    return this.messages.size;
  }

  addPeer(groupId: Uint8Array, peer: PeerId): void {
    const key = bytesToHex(groupId);
    let peers = this.groups.get(key);
    if (peers === undefined) {
      peers = new Set();
      this.groups.set(key, peers);
    }
    peers.add(peer);
  }

  removePeer(groupId: Uint8Array, peer: PeerId): void {
    this.groups.get(bytesToHex(groupId))?.delete(peer);
  }

  getPeers(groupId: Uint8Array): PeerId[] {
    return [...(this.groups.get(bytesToHex(groupId)) ?? [])];
  }

  isPeerInGroup(groupId: Uint8Array, peer: PeerId): boolean {
    return this.groups.get(bytesToHex(groupId))?.has(peer) ?? false;
  }

  private key(peer: PeerId, messageId: Uint8Array): string {
    return `${peer}\u0000${bytesToHex(messageId)}`;
  }

  getRecord(peer: PeerId, messageId: Uint8Array): SyncRecord | undefined {
    const r = this.records.get(this.key(peer, messageId));
    return r === undefined ? undefined : { ...r };
  }

  putRecord(record: SyncRecord): void {
    const key = this.key(record.peer, record.messageId);
    this.unindex(key);
    const copy = { ...record, messageId: record.messageId.slice() };
    this.records.set(key, copy);
    let bucket = this.byEpoch.get(copy.sendEpoch);
    if (bucket === undefined) {
      bucket = new Set();
      this.byEpoch.set(copy.sendEpoch, bucket);
    }
    bucket.add(key);
    const counts = this.counts.get(copy.peer) ?? zeroCounts();
    counts[copy.type]++;
    this.counts.set(copy.peer, counts);
    if (isOutgoing(copy)) {
      const id = bytesToHex(copy.messageId);
      this.outgoing.set(id, (this.outgoing.get(id) ?? 0) + 1);
    }
  }

  removeRecord(peer: PeerId, messageId: Uint8Array): SyncRecord | undefined {
    const key = this.key(peer, messageId);
    const r = this.unindex(key);
    if (r !== undefined) this.records.delete(key);
    return r;
  }

  private unindex(key: string): SyncRecord | undefined {
    const old = this.records.get(key);
    if (old === undefined) return undefined;
    const bucket = this.byEpoch.get(old.sendEpoch);
    bucket?.delete(key);
    if (bucket !== undefined && bucket.size === 0) this.byEpoch.delete(old.sendEpoch);
    const counts = this.counts.get(old.peer);
    if (counts !== undefined) counts[old.type]--;
    if (isOutgoing(old)) {
      const id = bytesToHex(old.messageId);
      const n = (this.outgoing.get(id) ?? 1) - 1;
      if (n <= 0) this.outgoing.delete(id);
      else this.outgoing.set(id, n);
    }
    return old;
  }

  dueRecords(epoch: number): SyncRecord[] {
    const epochs = [...this.byEpoch.keys()].filter((e) => e <= epoch).sort((a, b) => a - b);
    const out: SyncRecord[] = [];
    for (const e of epochs) {
      for (const key of this.byEpoch.get(e) ?? []) {
        const r = this.records.get(key);
        if (r !== undefined) out.push({ ...r });
      }
    }
    return out;
  }

  countRecords(peer?: PeerId, type?: RecordType): number {
    if (peer === undefined && type === undefined) return this.records.size;
    let n = 0;
    for (const [p, counts] of this.counts) {
      if (peer !== undefined && p !== peer) continue;
      n += type === undefined ? counts.OFFER + counts.REQUEST + counts.MESSAGE : counts[type];
    }
    return n;
  }

  hasOutgoingRecords(messageId: Uint8Array): boolean {
    return this.outgoing.has(bytesToHex(messageId));
  }
}
