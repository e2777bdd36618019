// Files and folders a node writes (node key, archive, peer cache) are its operator's only: 0600 files in 0700
// folders, whatever the process umask. A umask only ever clears bits, so creating with these modes
// is enough under 022 or 077; the explicit chmod after creating makes the mode exact under any umask.
import { chmodSync, closeSync, constants, fchmodSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';

/** Mode of every data file the stack writes: owner read/write only. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of every data folder the stack creates: owner only. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Creates `dir` and any missing parents with mode 0700 (exact, whatever the umask). Folders that
 * already exist are left as they are: they may be the user's own (a home folder, /tmp).
 */
export function mkdirPrivate(dir: string): void {
  const target = resolve(dir);
  const first = mkdirSync(target, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return;
  // `first` is the top folder this call created; every folder from it down to `target` is new.
  const parts = relative(first, target).split(sep).filter((p) => p !== '');
  let d = first;
  chmodSync(d, PRIVATE_DIR_MODE);
  for (const p of parts) {
    d = `${d}${sep}${p}`;
    chmodSync(d, PRIVATE_DIR_MODE);
  }
}

/**
 * Creates `path` empty with mode 0600 unless it exists; an existing file that group or others can
 * read or write (one from an older version, made 0644 under umask 022) loses those bits. Never
 * follows a symbolic link at `path`. Throws the fs error (ENOENT when the folder is missing).
 */
export function ensurePrivateFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, PRIVATE_FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    tightenIfExists(path);
    return;
  }
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    closeSync(fd);
  }
}

/** Takes group and other bits off an existing file; a missing file is fine. Never follows a symbolic link. */
export function tightenIfExists(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    const mode = fstatSync(fd).mode & 0o777;
    if ((mode & 0o077) !== 0) fchmodSync(fd, mode & 0o700);
  } finally {
    closeSync(fd);
  }
}
