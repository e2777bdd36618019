import { STORAGE_ERROR, StorageError } from '../errors.js';
import type {
  AccountRecord,
  ChatRecord,
  ContactRecord,
  DeliveryState,
  InstallationRecord,
  KvEntry,
  MessageRecord,
} from '../types.js';
import { LockedStorage, type StorageOps } from './storage-base.js';

/** Compares strings in UTF-8 byte order (= code point order), the order SQLite's BINARY collation gives. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // A surrogate stands for a code point above U+FFFF: above every other UTF-16 unit in code point order.
    const sa = ca >= 0xd800 && ca <= 0xdfff;
    const sb = cb >= 0xd800 && cb <= 0xdfff;
    if (sa !== sb) return sa ? 1 : -1;
    return ca - cb;
  }
  return a.length - b.length;
}

function compareOrder(clockA: bigint, idA: string, clockB: bigint, idB: string): number {
  if (clockA !== clockB) return clockA < clockB ? -1 : 1;
  return compareUtf8(idA, idB);
}

const copyMessage = (m: MessageRecord): MessageRecord => ({ ...m, payload: m.payload ? Uint8Array.from(m.payload) : null });

class MemoryOps implements StorageOps {
  private accounts = new Map<string, AccountRecord>();
  private settings = new Map<string, string>();
  private chats = new Map<string, ChatRecord>();
  private messages = new Map<string, MessageRecord>();
  /** Per chat, messages sorted by (clock, id). */
  private byChat = new Map<string, MessageRecord[]>();
  private contacts = new Map<string, ContactRecord>();
  private installations = new Map<string, InstallationRecord>();
  private kv = new Map<string, Map<string, Uint8Array>>();

  /** Undo log of the open transaction; null outside one. */
  private undo: (() => void)[] | null = null;
  private readonly savepoints = new Map<string, number>();

  private record(fn: () => void): void {
    if (this.undo) this.undo.push(fn);
  }

  private setIn<K, V>(map: Map<K, V>, key: K, value: V): void {
    const had = map.has(key);
    const prev = map.get(key);
    map.set(key, value);
    this.record(() => (had ? map.set(key, prev as V) : map.delete(key)));
  }

  private deleteIn<K, V>(map: Map<K, V>, key: K): boolean {
    if (!map.has(key)) return false;
    const prev = map.get(key) as V;
    map.delete(key);
    this.record(() => map.set(key, prev));
    return true;
  }

  putAccount(a: AccountRecord): void {
    this.setIn(this.accounts, a.publicKey, { ...a });
  }
  getAccount(publicKey: string): AccountRecord | undefined {
    const a = this.accounts.get(publicKey);
    return a ? { ...a } : undefined;
  }
  listAccounts(): AccountRecord[] {
    return [...this.accounts.values()].sort((x, y) => compareUtf8(x.publicKey, y.publicKey)).map((a) => ({ ...a }));
  }
  getSetting(key: string): string | undefined {
    return this.settings.get(key);
  }
  putSetting(key: string, value: string): void {
    this.setIn(this.settings, key, value);
  }
  deleteSetting(key: string): boolean {
    return this.deleteIn(this.settings, key);
  }

  putChat(c: ChatRecord): void {
    this.setIn(this.chats, c.id, { ...c });
  }
  getChat(id: string): ChatRecord | undefined {
    const c = this.chats.get(id);
    return c ? { ...c } : undefined;
  }
  listChats(): ChatRecord[] {
    return [...this.chats.values()].sort((x, y) => compareUtf8(x.id, y.id)).map((c) => ({ ...c }));
  }
  deleteChat(id: string): boolean {
    return this.deleteIn(this.chats, id);
  }

  /** Index of the first message in `list` at or after (clock, id). */
  private lowerBound(list: MessageRecord[], clock: bigint, id: string): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareOrder(list[mid].clock, list[mid].id, clock, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insertMessage(m: MessageRecord): boolean {
    if (this.messages.has(m.id)) return false;
    const stored = copyMessage(m);
    this.messages.set(m.id, stored);
    let list = this.byChat.get(m.chatId);
    if (!list) {
      list = [];
      this.byChat.set(m.chatId, list);
    }
    const chatList = list;
    chatList.splice(this.lowerBound(chatList, m.clock, m.id), 0, stored);
    this.record(() => {
      this.messages.delete(m.id);
      chatList.splice(this.lowerBound(chatList, m.clock, m.id), 1);
    });
    return true;
  }
  getMessage(id: string): MessageRecord | undefined {
    const m = this.messages.get(id);
    return m ? copyMessage(m) : undefined;
  }
  listMessages(chatId: string, limit: number, direction: 'forward' | 'backward', cursor: { clock: bigint; id: string } | undefined): MessageRecord[] {
    const list = this.byChat.get(chatId) ?? [];
    const out: MessageRecord[] = [];
    if (direction === 'forward') {
      let i = 0;
      if (cursor) {
        i = this.lowerBound(list, cursor.clock, cursor.id);
        if (i < list.length && list[i].clock === cursor.clock && list[i].id === cursor.id) i++;
      }
      for (; i < list.length && out.length < limit; i++) out.push(copyMessage(list[i]));
    } else {
      let i = cursor ? this.lowerBound(list, cursor.clock, cursor.id) - 1 : list.length - 1;
      for (; i >= 0 && out.length < limit; i--) out.push(copyMessage(list[i]));
    }
    return out;
  }
  countMessages(chatId: string): number {
    return this.byChat.get(chatId)?.length ?? 0;
  }
  updateDeliveryState(id: string, state: DeliveryState): boolean {
    const m = this.messages.get(id);
    if (!m) return false;
    const prev = m.deliveryState;
    m.deliveryState = state;
    this.record(() => {
      m.deliveryState = prev;
    });
    return true;
  }
  deleteMessage(id: string): boolean {
    const m = this.messages.get(id);
    if (!m) return false;
    this.messages.delete(id);
    const list = this.byChat.get(m.chatId) as MessageRecord[];
    list.splice(this.lowerBound(list, m.clock, m.id), 1);
    this.record(() => {
      this.messages.set(id, m);
      list.splice(this.lowerBound(list, m.clock, m.id), 0, m);
    });
    return true;
  }

  putContact(c: ContactRecord): void {
    this.setIn(this.contacts, c.publicKey, { ...c });
  }
  getContact(publicKey: string): ContactRecord | undefined {
    const c = this.contacts.get(publicKey);
    return c ? { ...c } : undefined;
  }
  listContacts(): ContactRecord[] {
    return [...this.contacts.values()].sort((x, y) => compareUtf8(x.publicKey, y.publicKey)).map((c) => ({ ...c }));
  }
  deleteContact(publicKey: string): boolean {
    return this.deleteIn(this.contacts, publicKey);
  }

  private static installationKey(identity: string, installationId: string): string {
    return JSON.stringify([identity, installationId]);
  }
  putInstallation(i: InstallationRecord): void {
    this.setIn(this.installations, MemoryOps.installationKey(i.identity, i.installationId), { ...i });
  }
  getInstallation(identity: string, installationId: string): InstallationRecord | undefined {
    const i = this.installations.get(MemoryOps.installationKey(identity, installationId));
    return i ? { ...i } : undefined;
  }
  listInstallations(identity: string): InstallationRecord[] {
    return [...this.installations.values()]
      .filter((i) => i.identity === identity)
      .sort((x, y) => compareUtf8(x.installationId, y.installationId))
      .map((i) => ({ ...i }));
  }
  deleteInstallation(identity: string, installationId: string): boolean {
    return this.deleteIn(this.installations, MemoryOps.installationKey(identity, installationId));
  }

  kvGet(ns: string, key: string): Uint8Array | undefined {
    const v = this.kv.get(ns)?.get(key);
    return v ? Uint8Array.from(v) : undefined;
  }
  kvPut(ns: string, key: string, value: Uint8Array): void {
    let space = this.kv.get(ns);
    if (!space) {
      space = new Map();
      this.kv.set(ns, space);
    }
    this.setIn(space, key, Uint8Array.from(value));
  }
  kvDelete(ns: string, key: string): boolean {
    const space = this.kv.get(ns);
    return space ? this.deleteIn(space, key) : false;
  }
  kvList(ns: string, prefix: string): KvEntry[] {
    const space = this.kv.get(ns);
    if (!space) return [];
    const out: KvEntry[] = [];
    for (const [key, value] of space) if (key.startsWith(prefix)) out.push({ key, value: Uint8Array.from(value) });
    return out.sort((a, b) => compareUtf8(a.key, b.key));
  }

  kvCount(ns: string, prefix: string): number {
    const space = this.kv.get(ns);
    if (!space) return 0;
    let count = 0;
    for (const key of space.keys()) if (key.startsWith(prefix)) count++;
    return count;
  }
  kvDeletePrefix(ns: string, prefix: string): number {
    const space = this.kv.get(ns);
    if (!space) return 0;
    let count = 0;
    for (const key of [...space.keys()]) if (key.startsWith(prefix) && this.deleteIn(space, key)) count++;
    return count;
  }

  inTransaction(): boolean {
    return this.undo !== null;
  }
  begin(): void {
    if (this.undo) throw new StorageError(STORAGE_ERROR.INTERNAL, 'a transaction is already open');
    this.undo = [];
  }
  commit(): void {
    this.undo = null;
    this.savepoints.clear();
  }
  rollback(): void {
    if (!this.undo) return;
    const log = this.undo;
    this.undo = null;
    this.savepoints.clear();
    for (let i = log.length - 1; i >= 0; i--) log[i]();
  }
  savepoint(name: string): void {
    if (!this.undo) throw new StorageError(STORAGE_ERROR.INTERNAL, `savepoint ${name} outside a transaction`);
    this.savepoints.set(name, this.undo.length);
  }
  release(name: string): void {
    this.savepoints.delete(name);
  }
  rollbackTo(name: string): void {
    const mark = this.savepoints.get(name);
    if (!this.undo || mark === undefined) return;
    while (this.undo.length > mark) (this.undo.pop() as () => void)();
    this.savepoints.delete(name);
  }
  close(): void {
    // Nothing to release.
  }
  mapError(err: unknown): unknown {
    return err;
  }
}

/** In-memory `ClientStorage`: the same contract as `SqliteStorage`, nothing persisted. */
export class MemoryStorage extends LockedStorage {
  constructor() {
    super(new MemoryOps());
  }
}
