import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The one `vectors/` tree of the repository; each file in it exists once. */
export const VECTORS_ROOT = fileURLToPath(new URL('../vectors/', import.meta.url));

/** Absolute path of a file under `vectors/` (for readers of non-JSON files, e.g. `.jsonl`). */
export function vectorPath(relative: string): string {
  if (relative.startsWith('/') || relative.split('/').includes('..')) throw new Error(`vector path must stay inside vectors/: ${relative}`);
  return VECTORS_ROOT + relative;
}

/** Reads and parses one JSON vector file, typed by the caller's shape of it. */
export function loadVector<T>(relative: string): T {
  return JSON.parse(readFileSync(vectorPath(relative), 'utf8')) as T;
}
