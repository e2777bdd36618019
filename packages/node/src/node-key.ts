// The node key file: 64 hex characters, created 0600 when missing so the enode survives restarts;
// and the mailserver's asymmetric key file, in the same format.
import { existsSync } from 'node:fs';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { bytesToHex, generatePrivateKey } from '@status-stack/crypto';
import { NODE_CONFIG_ERROR, NodeConfigError } from './errors.js';
import { parseNodeKeyHex } from './options.js';
import { mkdirPrivate } from './private-files.js';

/**
 * Reads the node key from `path`, or creates one there (mode 0600, directory created) when the
 * file does not exist. Throws NodeConfigError INVALID_NODE_KEY / NODE_KEY_IO.
 */
export async function loadOrCreateNodeKey(
  path: string,
  options: { createDir?: boolean } = {},
): Promise<{ privateKey: Uint8Array; created: boolean; warning?: string }> {
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new NodeConfigError(NODE_CONFIG_ERROR.NODE_KEY_IO, `cannot read node key ${path}: ${(e as Error).message}`, { cause: e });
    }
  }
  if (text !== undefined) {
    const privateKey = parseNodeKeyHex(text, `node key file ${path}`);
    let warning: string | undefined;
    try {
      const mode = (await stat(path)).mode & 0o777;
      if ((mode & 0o077) !== 0) warning = `node key ${path} is readable by others (mode ${mode.toString(8)}): chmod 600 it`;
    } catch {
      // the key was just read: a failing stat only loses the warning
    }
    return { privateKey, created: false, warning };
  }
  const privateKey = generatePrivateKey();
  if (options.createDir === false && !existsSync(dirname(path))) {
    throw new NodeConfigError(
      NODE_CONFIG_ERROR.NODE_KEY_IO,
      `node key ${path}: its folder ${dirname(path)} does not exist (a mistyped path would become a new identity); create it, or pass --create`,
    );
  }
  try {
    mkdirPrivate(dirname(path));
    // 'wx': never overwrite a key another process created meanwhile.
    await writeFile(path, `${bytesToHex(privateKey)}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(path, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateNodeKey(path, options);
    throw new NodeConfigError(NODE_CONFIG_ERROR.NODE_KEY_IO, `cannot create node key ${path}: ${(e as Error).message}`, { cause: e });
  }
  return { privateKey, created: true };
}

/** The mailserver's asymmetric key from its file (hex, as a node key file). */
export async function readMailserverKey(path: string): Promise<Uint8Array> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new NodeConfigError(NODE_CONFIG_ERROR.NODE_KEY_IO, `--mailserver-key ${path}: ${(e as Error).message}`);
  }
  return parseNodeKeyHex(text, `--mailserver-key ${path}`);
}
