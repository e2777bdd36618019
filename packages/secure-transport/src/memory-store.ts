import { bytesToHex, hexToBytes } from '@status-stack/crypto';
import { SECURE_TRANSPORT_ERROR, SecureTransportError } from './errors.js';
import type {
  InstallationRecord,
  OurPrekeyRecord,
  PublicPrekeyRecord,
  SessionRecord,
  SessionStore,
  StoreBatch,
} from './types.js';

interface StoredKey {
  mk: Uint8Array;
  seq: number;
}

interface MemoryState {
  sessions: Map<string, SessionRecord>;
  skipped: Map<string, Map<string, StoredKey>>;
  publicPrekeys: Map<string, Map<string, PublicPrekeyRecord>>;
  installations: Map<string, Map<string, InstallationRecord>>;
  ourPrekeys: Map<string, OurPrekeyRecord>;
}

const SNAPSHOT_VERSION = 1;

function emptyState(): MemoryState {
  return { sessions: new Map(), skipped: new Map(), publicPrekeys: new Map(), installations: new Map(), ourPrekeys: new Map() };
}

// Snapshot encoding: JSON with bytes as {"$b": hex} and bigints as {"$n": decimal}.
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { $b: bytesToHex(value) };
  if (typeof value === 'bigint') return { $n: value.toString() };
  if (value instanceof Map) return { $m: [...value.entries()] };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    if (typeof o.$b === 'string') return hexToBytes(o.$b);
    if (typeof o.$n === 'string') return BigInt(o.$n);
    if (Array.isArray(o.$m)) return new Map(o.$m as [string, unknown][]);
  }
  return value;
}

/**
 * The in-memory SessionStore: a real implementation (tests, simulations, short-lived clients), with
 * `snapshot()`/`MemorySessionStore.restore()` to serialise all state and bring it back.
 * Records are copied in and out, so callers never alias stored state.
 */
export class MemorySessionStore implements SessionStore {
  private s: MemoryState;

  constructor(state?: MemoryState) {
    this.s = state ?? emptyState();
  }

  getSession(id: string): SessionRecord | undefined {
    const r = this.s.sessions.get(id);
    return r && structuredClone(r);
  }

  getSessionsFor(identityHex: string, installationId: string): SessionRecord[] {
    const out: SessionRecord[] = [];
    for (const r of this.s.sessions.values()) {
      if (r.installationId === installationId && bytesToHex(r.identity) === identityHex) out.push(structuredClone(r));
    }
    return out;
  }

  getSkippedKey(sessionId: string, dh: string, n: number): Uint8Array | undefined {
    return this.s.skipped.get(sessionId)?.get(`${dh}:${n}`)?.mk.slice();
  }

  countSkippedKeys(sessionId: string): number {
    return this.s.skipped.get(sessionId)?.size ?? 0;
  }

  /** Skipped keys across all sessions (for memory-bound checks). */
  totalSkippedKeys(): number {
    let n = 0;
    for (const m of this.s.skipped.values()) n += m.size;
    return n;
  }

  getPublicPrekeys(identityHex: string): PublicPrekeyRecord[] {
    return [...(this.s.publicPrekeys.get(identityHex)?.values() ?? [])].map((r) => structuredClone(r));
  }

  getInstallations(identityHex: string): InstallationRecord[] {
    return [...(this.s.installations.get(identityHex)?.values() ?? [])].map((r) => structuredClone(r));
  }

  getOurPrekeys(): OurPrekeyRecord[] {
    return [...this.s.ourPrekeys.values()].map((r) => structuredClone(r));
  }

  apply(batch: StoreBatch): void {
    // Build on a copy of what changes, then swap in: a throw part-way leaves the store as it was.
    const next: MemoryState = {
      sessions: new Map(this.s.sessions),
      skipped: new Map(this.s.skipped),
      publicPrekeys: new Map(this.s.publicPrekeys),
      installations: new Map(this.s.installations),
      ourPrekeys: new Map(this.s.ourPrekeys),
    };
    const touchedSkipped = new Set<string>();
    const skippedFor = (id: string): Map<string, StoredKey> => {
      if (!touchedSkipped.has(id)) {
        next.skipped.set(id, new Map(next.skipped.get(id) ?? []));
        touchedSkipped.add(id);
      }
      return next.skipped.get(id)!;
    };
    for (const r of batch.sessions ?? []) next.sessions.set(r.id, structuredClone(r));
    for (const id of batch.deleteSessions ?? []) {
      next.sessions.delete(id);
      next.skipped.delete(id);
    }
    for (const k of batch.putSkippedKeys ?? []) skippedFor(k.sessionId).set(`${k.dh}:${k.n}`, { mk: k.mk.slice(), seq: k.seq });
    for (const k of batch.deleteSkippedKeys ?? []) skippedFor(k.sessionId).delete(`${k.dh}:${k.n}`);
    for (const p of batch.pruneSkippedKeys ?? []) {
      const m = skippedFor(p.sessionId);
      for (const [k, v] of m) if (v.seq <= p.deleteUpToSeq) m.delete(k);
      if (m.size > p.maxKeys) {
        const bySeq = [...m.entries()].sort((a, b) => a[1].seq - b[1].seq);
        for (const [k] of bySeq.slice(0, m.size - p.maxKeys)) m.delete(k);
      }
    }
    for (const r of batch.publicPrekeys ?? []) {
      const id = bytesToHex(r.identity);
      const m = new Map(next.publicPrekeys.get(id) ?? []);
      m.set(r.installationId, structuredClone(r));
      next.publicPrekeys.set(id, m);
    }
    for (const r of batch.installations ?? []) {
      const id = bytesToHex(r.identity);
      const m = new Map(next.installations.get(id) ?? []);
      m.set(r.installationId, structuredClone(r));
      next.installations.set(id, m);
    }
    for (const r of batch.ourPrekeys ?? []) next.ourPrekeys.set(bytesToHex(r.publicKey), structuredClone(r));
    for (const id of batch.deleteOurPrekeys ?? []) next.ourPrekeys.delete(id);
    for (const id of touchedSkipped) if (next.skipped.get(id)!.size === 0) next.skipped.delete(id);
    this.s = next;
  }

  /** All state as a JSON string (contains private keys: protect it like the key store). */
  snapshot(): string {
    const plain = {
      version: SNAPSHOT_VERSION,
      sessions: this.s.sessions,
      skipped: new Map([...this.s.skipped].map(([k, v]) => [k, v])),
      publicPrekeys: this.s.publicPrekeys,
      installations: this.s.installations,
      ourPrekeys: this.s.ourPrekeys,
    };
    return JSON.stringify(plain, replacer);
  }

  /** A new store holding the state of a `snapshot()`. */
  static restore(snapshot: string): MemorySessionStore {
    let parsed: unknown;
    try {
      parsed = JSON.parse(snapshot, reviver);
    } catch (e) {
      throw new SecureTransportError(SECURE_TRANSPORT_ERROR.INVALID_ARGUMENT, `snapshot is not valid JSON: ${(e as Error).message}`);
    }
    const o = parsed as Partial<MemoryState> & { version?: number };
    if (!o || o.version !== SNAPSHOT_VERSION || !(o.sessions instanceof Map) || !(o.ourPrekeys instanceof Map)) {
      throw new SecureTransportError(SECURE_TRANSPORT_ERROR.INVALID_ARGUMENT, `unsupported snapshot (version ${String(o?.version)})`);
    }
    return new MemorySessionStore({
      sessions: o.sessions,
      skipped: o.skipped ?? new Map(),
      publicPrekeys: o.publicPrekeys ?? new Map(),
      installations: o.installations ?? new Map(),
      ourPrekeys: o.ourPrekeys,
    });
  }
}
