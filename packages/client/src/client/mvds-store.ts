import { bytesToHex, bytesToUtf8, utf8ToBytes } from '@status-stack/crypto';
import { decodeMessage, encodeMessage, RECORD_TYPE, type MvdsMessage, type PeerId, type RecordType, type Store, type SyncRecord } from '@status-stack/mvds';
import type { ClientStorage } from '../types.js';
import { decodeRecord, encodeRecord } from './json-codec.js';

/** Key/value namespaces of the MVDS state. */
export const MVDS_NS = {
  META: 'mvds.meta',
  MESSAGE: 'mvds.message',
  GROUP: 'mvds.group',
  RECORD: 'mvds.record',
  /** message id / peer of every record that still waits for an ACK (OFFER or MESSAGE, not unsolicited). */
  OUTGOING: 'mvds.outgoing',
} as const;

const EMPTY = new Uint8Array(0);
const isOutgoing = (r: SyncRecord): boolean => (r.type === RECORD_TYPE.OFFER || r.type === RECORD_TYPE.MESSAGE) && r.unsolicited !== true;
const recordKey = (peer: PeerId, id: Uint8Array): string => `${peer}/${bytesToHex(id)}`;
const outgoingKey = (peer: PeerId, id: Uint8Array): string => `${bytesToHex(id)}/${peer}`;

/**
 * The MVDS Store over ClientStorage: epoch, messages, group peers and sync records (with their send
 * counts and epochs) survive a restart, so unacknowledged messages are retransmitted by the next run.
 */
export class StorageMvdsStore implements Store {
  /**
   * Write-through copy of the sync records: MVDS asks for the due ones on every flush, and only the
   * one MvdsNode on this storage writes them, so reads never need the database after the first load.
   */
  private records: Map<string, SyncRecord> | undefined;

  constructor(private readonly storage: ClientStorage) {}

  private async cache(): Promise<Map<string, SyncRecord>> {
    if (!this.records) {
      const entries = await this.storage.kvList(MVDS_NS.RECORD);
      this.records = new Map(entries.map((e) => [e.key, decodeRecord<SyncRecord>(e.value, 'MVDS record')]));
    }
    return this.records;
  }

  async getEpoch(): Promise<number> {
    const v = await this.storage.kvGet(MVDS_NS.META, 'epoch');
    return v ? Number(bytesToUtf8(v)) : 0;
  }

  async setEpoch(epoch: number): Promise<void> {
    await this.storage.kvPut(MVDS_NS.META, 'epoch', utf8ToBytes(String(epoch)));
  }

  async hasMessage(id: Uint8Array): Promise<boolean> {
    return (await this.storage.kvGet(MVDS_NS.MESSAGE, bytesToHex(id))) !== undefined;
  }

  async getMessage(id: Uint8Array): Promise<MvdsMessage | undefined> {
    const v = await this.storage.kvGet(MVDS_NS.MESSAGE, bytesToHex(id));
    return v && decodeMessage(v);
  }

  async putMessage(id: Uint8Array, message: MvdsMessage): Promise<void> {
    const key = bytesToHex(id);
    await this.storage.transaction(async (tx) => {
      if ((await tx.kvGet(MVDS_NS.MESSAGE, key)) === undefined) await tx.kvPut(MVDS_NS.MESSAGE, key, encodeMessage(message));
    });
  }

  async addPeer(groupId: Uint8Array, peer: PeerId): Promise<void> {
    await this.storage.kvPut(MVDS_NS.GROUP, `${bytesToHex(groupId)}/${peer}`, EMPTY);
  }

  async removePeer(groupId: Uint8Array, peer: PeerId): Promise<void> {
    await this.storage.kvDelete(MVDS_NS.GROUP, `${bytesToHex(groupId)}/${peer}`);
  }

  async getPeers(groupId: Uint8Array): Promise<PeerId[]> {
    const prefix = `${bytesToHex(groupId)}/`;
    return (await this.storage.kvList(MVDS_NS.GROUP, prefix)).map((e) => e.key.slice(prefix.length));
  }

  async isPeerInGroup(groupId: Uint8Array, peer: PeerId): Promise<boolean> {
    return (await this.storage.kvGet(MVDS_NS.GROUP, `${bytesToHex(groupId)}/${peer}`)) !== undefined;
  }

  async getRecord(peer: PeerId, messageId: Uint8Array): Promise<SyncRecord | undefined> {
    const r = (await this.cache()).get(recordKey(peer, messageId));
    return r && { ...r, messageId: r.messageId.slice() };
  }

  async putRecord(record: SyncRecord): Promise<void> {
    const records = await this.cache();
    const key = recordKey(record.peer, record.messageId);
    await this.storage.transaction(async (tx) => {
      await tx.kvPut(MVDS_NS.RECORD, key, encodeRecord(record));
      if (isOutgoing(record)) await tx.kvPut(MVDS_NS.OUTGOING, outgoingKey(record.peer, record.messageId), EMPTY);
      else await tx.kvDelete(MVDS_NS.OUTGOING, outgoingKey(record.peer, record.messageId));
    });
    records.set(key, { ...record, messageId: record.messageId.slice() });
  }

  async removeRecord(peer: PeerId, messageId: Uint8Array): Promise<SyncRecord | undefined> {
    const records = await this.cache();
    const key = recordKey(peer, messageId);
    const r = records.get(key);
    if (r === undefined) return undefined;
    await this.storage.transaction(async (tx) => {
      await tx.kvDelete(MVDS_NS.RECORD, key);
      await tx.kvDelete(MVDS_NS.OUTGOING, outgoingKey(peer, messageId));
    });
    records.delete(key);
    return r;
  }

  async dueRecords(epoch: number): Promise<SyncRecord[]> {
    const out: SyncRecord[] = [];
    for (const r of (await this.cache()).values()) if (r.sendEpoch <= epoch) out.push({ ...r, messageId: r.messageId.slice() });
    return out.sort((a, b) => a.sendEpoch - b.sendEpoch);
  }

  async countRecords(peer?: PeerId, type?: RecordType): Promise<number> {
    let n = 0;
    for (const r of (await this.cache()).values()) if ((peer === undefined || r.peer === peer) && (type === undefined || r.type === type)) n++;
    return n;
  }

  async hasOutgoingRecords(messageId: Uint8Array): Promise<boolean> {
    const id = bytesToHex(messageId);
    for (const r of (await this.cache()).values()) if (isOutgoing(r) && bytesToHex(r.messageId) === id) return true;
    return false;
  }
}
