import { bytesToHex } from '@status-stack/crypto';
import type {
  InstallationRecord,
  OurPrekeyRecord,
  PublicPrekeyRecord,
  SessionRecord,
  SessionStore,
  StoreBatch,
} from '@status-stack/secure-transport';
import type { ClientStorage } from '../types.js';
import { decodeRecord, encodeRecord } from './json-codec.js';

/** Key/value namespaces of the secure transport's state. */
export const SESSION_NS = {
  SESSION: 'st.session',
  SESSION_INDEX: 'st.session-by-device',
  SKIPPED: 'st.skipped',
  PUBLIC_PREKEY: 'st.public-prekey',
  INSTALLATION: 'st.installation',
  OUR_PREKEY: 'st.our-prekey',
} as const;

interface StoredSkipped {
  mk: Uint8Array;
  seq: number;
}

const EMPTY = new Uint8Array(0);
const deviceKey = (identityHex: string, installationId: string): string => `${identityHex}/${installationId}/`;
const skippedKey = (sessionId: string, dh: string, n: number): string => `${sessionId}|${dh}|${n}`;

/**
 * The secure transport's SessionStore over ClientStorage: ratchet sessions, skipped message keys,
 * prekeys and installations in the storage's key/value space; every `apply(batch)` in one storage
 * transaction, so a crash never leaves a ratchet half-advanced and a restarted client continues its sessions.
 */
export class StorageSessionStore implements SessionStore {
  constructor(private readonly storage: ClientStorage) {}

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const v = await this.storage.kvGet(SESSION_NS.SESSION, id);
    return v && decodeRecord<SessionRecord>(v, `session ${id}`);
  }

  async getSessionsFor(identityHex: string, installationId: string): Promise<SessionRecord[]> {
    const ids = await this.storage.kvList(SESSION_NS.SESSION_INDEX, deviceKey(identityHex, installationId));
    const out: SessionRecord[] = [];
    for (const e of ids) {
      const s = await this.getSession(e.key.slice(deviceKey(identityHex, installationId).length));
      if (s) out.push(s);
    }
    return out;
  }

  async getSkippedKey(sessionId: string, dh: string, n: number): Promise<Uint8Array | undefined> {
    const v = await this.storage.kvGet(SESSION_NS.SKIPPED, skippedKey(sessionId, dh, n));
    return v && decodeRecord<StoredSkipped>(v, 'skipped key').mk;
  }

  countSkippedKeys(sessionId: string): Promise<number> {
    return this.storage.kvCount(SESSION_NS.SKIPPED, `${sessionId}|`);
  }

  async getPublicPrekeys(identityHex: string): Promise<PublicPrekeyRecord[]> {
    const entries = await this.storage.kvList(SESSION_NS.PUBLIC_PREKEY, `${identityHex}/`);
    return entries.map((e) => decodeRecord<PublicPrekeyRecord>(e.value, `prekey ${e.key}`));
  }

  async getInstallations(identityHex: string): Promise<InstallationRecord[]> {
    const entries = await this.storage.kvList(SESSION_NS.INSTALLATION, `${identityHex}/`);
    return entries.map((e) => decodeRecord<InstallationRecord>(e.value, `installation ${e.key}`));
  }

  async getOurPrekeys(): Promise<OurPrekeyRecord[]> {
    const entries = await this.storage.kvList(SESSION_NS.OUR_PREKEY);
    return entries.map((e) => decodeRecord<OurPrekeyRecord>(e.value, `our prekey ${e.key}`));
  }

  apply(batch: StoreBatch): Promise<void> {
    return this.storage.transaction(async (tx) => {
      for (const r of batch.sessions ?? []) {
        await tx.kvPut(SESSION_NS.SESSION, r.id, encodeRecord(r));
        await tx.kvPut(SESSION_NS.SESSION_INDEX, deviceKey(bytesToHex(r.identity), r.installationId) + r.id, EMPTY);
      }
      for (const id of batch.deleteSessions ?? []) {
        const v = await tx.kvGet(SESSION_NS.SESSION, id);
        if (v) {
          const r = decodeRecord<SessionRecord>(v, `session ${id}`);
          await tx.kvDelete(SESSION_NS.SESSION_INDEX, deviceKey(bytesToHex(r.identity), r.installationId) + id);
        }
        await tx.kvDelete(SESSION_NS.SESSION, id);
        await tx.kvDeletePrefix(SESSION_NS.SKIPPED, `${id}|`);
      }
      for (const k of batch.putSkippedKeys ?? []) {
        await tx.kvPut(SESSION_NS.SKIPPED, skippedKey(k.sessionId, k.dh, k.n), encodeRecord({ mk: k.mk, seq: k.seq }));
      }
      for (const k of batch.deleteSkippedKeys ?? []) await tx.kvDelete(SESSION_NS.SKIPPED, skippedKey(k.sessionId, k.dh, k.n));
      for (const p of batch.pruneSkippedKeys ?? []) {
        const entries = (await tx.kvList(SESSION_NS.SKIPPED, `${p.sessionId}|`)).map((e) => ({
          key: e.key,
          seq: decodeRecord<StoredSkipped>(e.value, 'skipped key').seq,
        }));
        const keep = entries.filter((e) => e.seq > p.deleteUpToSeq).sort((a, b) => a.seq - b.seq);
        const drop = entries.filter((e) => e.seq <= p.deleteUpToSeq);
        if (keep.length > p.maxKeys) drop.push(...keep.slice(0, keep.length - p.maxKeys));
        for (const d of drop) await tx.kvDelete(SESSION_NS.SKIPPED, d.key);
      }
      for (const r of batch.publicPrekeys ?? []) {
        await tx.kvPut(SESSION_NS.PUBLIC_PREKEY, `${bytesToHex(r.identity)}/${r.installationId}`, encodeRecord(r));
      }
      for (const r of batch.installations ?? []) {
        await tx.kvPut(SESSION_NS.INSTALLATION, `${bytesToHex(r.identity)}/${r.installationId}`, encodeRecord(r));
      }
      for (const r of batch.ourPrekeys ?? []) await tx.kvPut(SESSION_NS.OUR_PREKEY, bytesToHex(r.publicKey), encodeRecord(r));
      for (const id of batch.deleteOurPrekeys ?? []) await tx.kvDelete(SESSION_NS.OUR_PREKEY, id);
    });
  }
}
