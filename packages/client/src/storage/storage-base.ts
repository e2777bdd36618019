import { STORAGE_ERROR, StorageError } from '../errors.js';
import type {
  AccountRecord,
  ChatRecord,
  ChatType,
  ClientStorage,
  ContactRecord,
  DeliveryState,
  InstallationRecord,
  KvEntry,
  MessagePage,
  MessagePageOptions,
  MessageRecord,
} from '../types.js';

export const CHAT_TYPES: readonly ChatType[] = ['public', 'one-to-one', 'private-group'];
export const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'sent', 'delivered', 'received', 'failed'];
/** SQLite integers are signed 64-bit: clocks above this cannot be stored. */
export const MAX_CLOCK = (1n << 63n) - 1n;
export const MAX_PAGE = 10_000;

/** The synchronous operations an implementation provides; the async port, locking and transactions are shared. */
export interface StorageOps {
  putAccount(a: AccountRecord): void;
  getAccount(publicKey: string): AccountRecord | undefined;
  listAccounts(): AccountRecord[];
  getSetting(key: string): string | undefined;
  putSetting(key: string, value: string): void;
  deleteSetting(key: string): boolean;
  putChat(c: ChatRecord): void;
  getChat(id: string): ChatRecord | undefined;
  listChats(): ChatRecord[];
  deleteChat(id: string): boolean;
  insertMessage(m: MessageRecord): boolean;
  getMessage(id: string): MessageRecord | undefined;
  listMessages(chatId: string, limit: number, direction: 'forward' | 'backward', cursor: { clock: bigint; id: string } | undefined): MessageRecord[];
  countMessages(chatId: string): number;
  updateDeliveryState(id: string, state: DeliveryState): boolean;
  deleteMessage(id: string): boolean;
  putContact(c: ContactRecord): void;
  getContact(publicKey: string): ContactRecord | undefined;
  listContacts(): ContactRecord[];
  deleteContact(publicKey: string): boolean;
  putInstallation(i: InstallationRecord): void;
  getInstallation(identity: string, installationId: string): InstallationRecord | undefined;
  listInstallations(identity: string): InstallationRecord[];
  deleteInstallation(identity: string, installationId: string): boolean;
  kvGet(ns: string, key: string): Uint8Array | undefined;
  kvPut(ns: string, key: string, value: Uint8Array): void;
  kvDelete(ns: string, key: string): boolean;
  kvList(ns: string, prefix: string): KvEntry[];
  kvCount(ns: string, prefix: string): number;
  kvDeletePrefix(ns: string, prefix: string): number;

  /** Whether a transaction is open (SQLite may end one itself after SQLITE_FULL, IOERR, BUSY). */
  inTransaction(): boolean;
  begin(): void;
  commit(): void;
  rollback(): void;
  savepoint(name: string): void;
  release(name: string): void;
  rollbackTo(name: string): void;
  close(): void;
  /** Turns an implementation's error into a StorageError (or returns it unchanged if it already is one). */
  mapError(err: unknown): unknown;
}

function invalid(message: string): StorageError {
  return new StorageError(STORAGE_ERROR.INVALID_ARGUMENT, message);
}

function checkString(v: unknown, what: string, allowEmpty = false): void {
  if (typeof v !== 'string') throw invalid(`${what} must be a string, got ${typeof v}`);
  if (!allowEmpty && v.length === 0) throw invalid(`${what} must not be empty`);
}
function checkNullableString(v: unknown, what: string): void {
  if (v !== null) checkString(v, what, true);
}
function checkBool(v: unknown, what: string): void {
  if (typeof v !== 'boolean') throw invalid(`${what} must be a boolean, got ${String(v)}`);
}
function checkInt(v: unknown, what: string): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalid(`${what} must be a safe integer, got ${String(v)}`);
}
function checkClock(v: unknown, what: string): void {
  if (typeof v !== 'bigint' || v < 0n || v > MAX_CLOCK) throw invalid(`${what} must be a bigint in 0…2^63-1, got ${String(v)}`);
}

export function validateAccount(a: AccountRecord): void {
  checkString(a.publicKey, 'account.publicKey');
  checkString(a.name, 'account.name', true);
  checkInt(a.createdAt, 'account.createdAt');
}
export function validateChat(c: ChatRecord): void {
  checkString(c.id, 'chat.id');
  if (!CHAT_TYPES.includes(c.type)) throw invalid(`chat.type must be one of ${CHAT_TYPES.join(', ')}, got ${String(c.type)}`);
  checkString(c.name, 'chat.name', true);
  checkBool(c.joined, 'chat.joined');
  checkClock(c.lastClock, 'chat.lastClock');
  checkNullableString(c.members, 'chat.members');
  checkInt(c.createdAt, 'chat.createdAt');
  checkInt(c.updatedAt, 'chat.updatedAt');
}
export function validateDeliveryState(s: DeliveryState): void {
  if (!DELIVERY_STATES.includes(s)) throw invalid(`delivery state must be one of ${DELIVERY_STATES.join(', ')}, got ${String(s)}`);
}
export function validateMessage(m: MessageRecord): void {
  checkString(m.id, 'message.id');
  checkString(m.chatId, 'message.chatId');
  checkClock(m.clock, 'message.clock');
  checkInt(m.timestamp, 'message.timestamp');
  checkString(m.from, 'message.from', true);
  checkString(m.text, 'message.text', true);
  checkInt(m.contentType, 'message.contentType');
  checkNullableString(m.responseTo, 'message.responseTo');
  checkNullableString(m.content, 'message.content');
  checkBool(m.outgoing, 'message.outgoing');
  validateDeliveryState(m.deliveryState);
  if (m.payload !== null && !(m.payload instanceof Uint8Array)) throw invalid('message.payload must be a Uint8Array or null');
  checkInt(m.receivedAt, 'message.receivedAt');
}
export function validateContact(c: ContactRecord): void {
  checkString(c.publicKey, 'contact.publicKey');
  checkNullableString(c.name, 'contact.name');
  checkBool(c.added, 'contact.added');
  checkBool(c.blocked, 'contact.blocked');
  checkClock(c.lastUpdated, 'contact.lastUpdated');
}
export function validateInstallation(i: InstallationRecord): void {
  checkString(i.identity, 'installation.identity');
  checkString(i.installationId, 'installation.installationId');
  checkBool(i.enabled, 'installation.enabled');
  checkInt(i.lastSeen, 'installation.lastSeen');
  checkNullableString(i.metadata, 'installation.metadata');
}
function validateKv(ns: string, key: string): void {
  checkString(ns, 'kv namespace');
  checkString(key, 'kv key', true);
}

/** One lock per storage: plain calls run at once when free; a transaction holds it across its awaits. */
class Lock {
  private held = false;
  private readonly waiters: (() => void)[] = [];
  get free(): boolean {
    return !this.held;
  }
  async acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }
}

/** The async `ClientStorage` methods, written once over `StorageOps`; `exec` decides locking. */
abstract class StorageFacade implements ClientStorage {
  protected constructor(protected readonly ops: StorageOps) {}

  protected abstract exec<T>(fn: () => T): Promise<T>;
  /** Runs a synchronous multi-write atomically (a transaction, or a savepoint inside one). */
  protected abstract atomic<T>(fn: () => T): Promise<T>;
  abstract transaction<T>(fn: (tx: ClientStorage) => Promise<T>): Promise<T>;
  abstract close(): Promise<void>;
  abstract readonly closed: boolean;

  protected call<T>(validate: () => void, fn: () => T): Promise<T> {
    try {
      validate();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.exec(fn);
  }

  putAccount(a: AccountRecord): Promise<void> {
    return this.call(() => validateAccount(a), () => this.ops.putAccount(a));
  }
  getAccount(publicKey: string): Promise<AccountRecord | undefined> {
    return this.call(() => checkString(publicKey, 'publicKey'), () => this.ops.getAccount(publicKey));
  }
  listAccounts(): Promise<AccountRecord[]> {
    return this.exec(() => this.ops.listAccounts());
  }
  getSetting(key: string): Promise<string | undefined> {
    return this.call(() => checkString(key, 'setting key'), () => this.ops.getSetting(key));
  }
  putSetting(key: string, value: string): Promise<void> {
    return this.call(
      () => {
        checkString(key, 'setting key');
        checkString(value, 'setting value', true);
      },
      () => this.ops.putSetting(key, value),
    );
  }
  deleteSetting(key: string): Promise<boolean> {
    return this.call(() => checkString(key, 'setting key'), () => this.ops.deleteSetting(key));
  }

  putChat(chat: ChatRecord): Promise<void> {
    return this.call(() => validateChat(chat), () => this.ops.putChat(chat));
  }
  getChat(id: string): Promise<ChatRecord | undefined> {
    return this.call(() => checkString(id, 'chat id'), () => this.ops.getChat(id));
  }
  listChats(): Promise<ChatRecord[]> {
    return this.exec(() => this.ops.listChats());
  }
  deleteChat(id: string): Promise<boolean> {
    return this.call(() => checkString(id, 'chat id'), () => this.ops.deleteChat(id));
  }

  insertMessage(message: MessageRecord): Promise<boolean> {
    return this.call(() => validateMessage(message), () => this.ops.insertMessage(message));
  }
  insertMessages(messages: readonly MessageRecord[]): Promise<number> {
    try {
      if (!Array.isArray(messages)) throw invalid('messages must be an array');
      for (const m of messages) validateMessage(m);
    } catch (err) {
      return Promise.reject(err);
    }
    if (messages.length === 0) return Promise.resolve(0);
    return this.atomic(() => {
      let inserted = 0;
      for (const m of messages) if (this.ops.insertMessage(m)) inserted++;
      return inserted;
    });
  }
  getMessage(id: string): Promise<MessageRecord | undefined> {
    return this.call(() => checkString(id, 'message id'), () => this.ops.getMessage(id));
  }
  listMessages(chatId: string, options: MessagePageOptions): Promise<MessagePage> {
    const direction = options.direction ?? 'forward';
    return this.call(
      () => {
        checkString(chatId, 'chat id');
        if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > MAX_PAGE) {
          throw invalid(`limit must be an integer in 1…${MAX_PAGE}, got ${String(options.limit)}`);
        }
        if (direction !== 'forward' && direction !== 'backward') throw invalid(`direction must be forward or backward, got ${String(direction)}`);
        if (options.cursor !== undefined) {
          checkClock(options.cursor.clock, 'cursor.clock');
          checkString(options.cursor.id, 'cursor.id', true);
        }
      },
      () => {
        const rows = this.ops.listMessages(chatId, options.limit + 1, direction, options.cursor);
        const more = rows.length > options.limit;
        const page = more ? rows.slice(0, options.limit) : rows;
        if (direction === 'backward') page.reverse();
        const edge = direction === 'forward' ? page[page.length - 1] : page[0];
        return more && edge ? { messages: page, next: { clock: edge.clock, id: edge.id } } : { messages: page };
      },
    );
  }
  countMessages(chatId: string): Promise<number> {
    return this.call(() => checkString(chatId, 'chat id'), () => this.ops.countMessages(chatId));
  }
  updateDeliveryState(id: string, state: DeliveryState): Promise<boolean> {
    return this.call(
      () => {
        checkString(id, 'message id');
        validateDeliveryState(state);
      },
      () => this.ops.updateDeliveryState(id, state),
    );
  }
  deleteMessage(id: string): Promise<boolean> {
    return this.call(() => checkString(id, 'message id'), () => this.ops.deleteMessage(id));
  }

  putContact(contact: ContactRecord): Promise<void> {
    return this.call(() => validateContact(contact), () => this.ops.putContact(contact));
  }
  getContact(publicKey: string): Promise<ContactRecord | undefined> {
    return this.call(() => checkString(publicKey, 'publicKey'), () => this.ops.getContact(publicKey));
  }
  listContacts(): Promise<ContactRecord[]> {
    return this.exec(() => this.ops.listContacts());
  }
  deleteContact(publicKey: string): Promise<boolean> {
    return this.call(() => checkString(publicKey, 'publicKey'), () => this.ops.deleteContact(publicKey));
  }

  putInstallation(installation: InstallationRecord): Promise<void> {
    return this.call(() => validateInstallation(installation), () => this.ops.putInstallation(installation));
  }
  getInstallation(identity: string, installationId: string): Promise<InstallationRecord | undefined> {
    return this.call(
      () => {
        checkString(identity, 'identity');
        checkString(installationId, 'installationId');
      },
      () => this.ops.getInstallation(identity, installationId),
    );
  }
  listInstallations(identity: string): Promise<InstallationRecord[]> {
    return this.call(() => checkString(identity, 'identity'), () => this.ops.listInstallations(identity));
  }
  deleteInstallation(identity: string, installationId: string): Promise<boolean> {
    return this.call(
      () => {
        checkString(identity, 'identity');
        checkString(installationId, 'installationId');
      },
      () => this.ops.deleteInstallation(identity, installationId),
    );
  }

  kvGet(ns: string, key: string): Promise<Uint8Array | undefined> {
    return this.call(() => validateKv(ns, key), () => this.ops.kvGet(ns, key));
  }
  kvPut(ns: string, key: string, value: Uint8Array): Promise<void> {
    return this.call(
      () => {
        validateKv(ns, key);
        if (!(value instanceof Uint8Array)) throw invalid('kv value must be a Uint8Array');
      },
      () => this.ops.kvPut(ns, key, value),
    );
  }
  kvDelete(ns: string, key: string): Promise<boolean> {
    return this.call(() => validateKv(ns, key), () => this.ops.kvDelete(ns, key));
  }
  kvList(ns: string, prefix = ''): Promise<KvEntry[]> {
    return this.call(() => validateKv(ns, prefix), () => this.ops.kvList(ns, prefix));
  }
  kvCount(ns: string, prefix = ''): Promise<number> {
    return this.call(() => validateKv(ns, prefix), () => this.ops.kvCount(ns, prefix));
  }
  kvDeletePrefix(ns: string, prefix: string): Promise<number> {
    return this.call(() => validateKv(ns, prefix), () => this.ops.kvDeletePrefix(ns, prefix));
  }
}

/** The handle a transaction's callback receives: runs directly (the transaction holds the lock). */
class TransactionHandle extends StorageFacade {
  private active = true;
  private savepoints = 0;

  constructor(
    ops: StorageOps,
    private readonly owner: LockedStorage,
    private readonly depth: number,
  ) {
    super(ops);
  }

  get closed(): boolean {
    return this.owner.closed;
  }

  end(): void {
    this.active = false;
  }

  private check(): void {
    if (!this.active) throw new StorageError(STORAGE_ERROR.INVALID_ARGUMENT, 'this transaction has already ended; use the storage itself');
    if (this.owner.closed) throw new StorageError(STORAGE_ERROR.CLOSED, 'storage is closed');
    // Without this, writes after an engine-side rollback would each commit on their own.
    if (!this.ops.inTransaction()) {
      throw new StorageError(STORAGE_ERROR.INTERNAL, 'the transaction was rolled back by the storage engine after an earlier error; nothing of it was written');
    }
  }

  protected exec<T>(fn: () => T): Promise<T> {
    try {
      this.check();
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(this.ops.mapError(err));
    }
  }

  protected atomic<T>(fn: () => T): Promise<T> {
    return this.exec(() => {
      const name = `sp_${this.depth}_${this.savepoints++}`;
      this.ops.savepoint(name);
      try {
        const result = fn();
        this.ops.release(name);
        return result;
      } catch (err) {
        this.ops.rollbackTo(name);
        throw err;
      }
    });
  }

  async transaction<T>(fn: (tx: ClientStorage) => Promise<T>): Promise<T> {
    const name = `sp_${this.depth}_${this.savepoints++}`;
    await this.exec(() => this.ops.savepoint(name));
    const inner = new TransactionHandle(this.ops, this.owner, this.depth + 1);
    try {
      const result = await fn(inner);
      inner.end();
      await this.exec(() => this.ops.release(name));
      return result;
    } catch (err) {
      inner.end();
      try {
        this.check();
        this.ops.rollbackTo(name);
      } catch {
        // The outer transaction reports the failure when it tries to commit.
      }
      throw this.ops.mapError(err);
    }
  }

  close(): Promise<void> {
    return Promise.reject(new StorageError(STORAGE_ERROR.INVALID_ARGUMENT, 'cannot close the storage from inside a transaction'));
  }
}

/** Base of both implementations: async port over synchronous ops, one lock, transactions. */
export abstract class LockedStorage extends StorageFacade {
  private readonly lock = new Lock();
  private isClosed = false;

  protected constructor(ops: StorageOps) {
    super(ops);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  private run<T>(fn: () => T): T {
    if (this.isClosed) throw new StorageError(STORAGE_ERROR.CLOSED, 'storage is closed');
    try {
      return fn();
    } catch (err) {
      throw this.ops.mapError(err);
    }
  }

  protected async exec<T>(fn: () => T): Promise<T> {
    if (!this.lock.free) {
      await this.lock.acquire();
      try {
        return this.run(fn);
      } finally {
        this.lock.release();
      }
    }
    return this.run(fn);
  }

  protected atomic<T>(fn: () => T): Promise<T> {
    return this.exec(() => {
      this.ops.begin();
      try {
        const result = fn();
        this.ops.commit();
        return result;
      } catch (err) {
        this.ops.rollback();
        throw err;
      }
    });
  }

  async transaction<T>(fn: (tx: ClientStorage) => Promise<T>): Promise<T> {
    await this.lock.acquire();
    try {
      this.run(() => this.ops.begin());
      const tx = new TransactionHandle(this.ops, this, 0);
      let result: T;
      try {
        result = await fn(tx);
      } catch (err) {
        tx.end();
        if (!this.isClosed) {
          try {
            this.ops.rollback();
          } catch {
            // Already rolled back by the engine; the original error matters.
          }
        }
        throw this.ops.mapError(err);
      }
      tx.end();
      this.run(() => this.ops.commit());
      return result;
    } finally {
      this.lock.release();
    }
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    await this.lock.acquire();
    try {
      if (!this.isClosed) {
        this.isClosed = true;
        this.ops.close();
      }
    } finally {
      this.lock.release();
    }
  }
}
