import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes, bytesToHex } from '@status-stack/crypto';
import { OverlayError, OVERLAY_ERROR } from './errors.js';
import { parseEnode } from './enode.js';
import type { PeerCacheStore } from './types.js';

/** Keeps the cache in memory (tests, or a caller that persists it elsewhere). */
export class MemoryPeerCache implements PeerCacheStore {
  private enodes: string[] = [];
  constructor(initial: readonly string[] = []) {
    this.enodes = [...initial];
  }
  async load(): Promise<string[]> {
    return [...this.enodes];
  }
  async save(enodes: readonly string[]): Promise<void> {
    this.enodes = [...enodes];
  }
}

/**
 * A JSON file `{"version":1,"peers":[enode...]}`, written atomically (temp file + rename), so a
 * crash mid-write leaves the previous cache. A missing file is an empty cache; a corrupt one
 * is reported as CACHE_FAILED rather than silently dropped. The file (and its temp file) is 0600
 * and a folder it creates 0700, whatever the umask: who a node talks to is the operator's business.
 */
export class JsonFilePeerCache implements PeerCacheStore {
  constructor(readonly file: string) {}

  async load(): Promise<string[]> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new OverlayError(OVERLAY_ERROR.CACHE_FAILED, `cannot read ${this.file}: ${(e as Error).message}`);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new OverlayError(OVERLAY_ERROR.CACHE_FAILED, `${this.file} is not JSON: ${text.slice(0, 40)}`);
    }
    const peers = (data as { peers?: unknown }).peers;
    if (!Array.isArray(peers)) throw new OverlayError(OVERLAY_ERROR.CACHE_FAILED, `${this.file} has no "peers" list`);
    return peers.filter((p): p is string => {
      if (typeof p !== 'string') return false;
      try {
        parseEnode(p);
        return true;
      } catch {
        return false;
      }
    });
  }

  async save(enodes: readonly string[]): Promise<void> {
    const tmp = path.join(path.dirname(this.file), `.${path.basename(this.file)}.${bytesToHex(randomBytes(6))}.tmp`);
    try {
      const dir = path.dirname(this.file);
      const created = await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      if (created !== undefined) await fs.chmod(dir, 0o700);
      const fh = await fs.open(tmp, 'wx', 0o600);
      try {
        await fh.chmod(0o600);
        await fh.writeFile(`${JSON.stringify({ version: 1, peers: enodes }, null, 2)}\n`);
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, this.file);
    } catch (e) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw new OverlayError(OVERLAY_ERROR.CACHE_FAILED, `cannot write ${this.file}: ${(e as Error).message}`);
    }
  }
}
