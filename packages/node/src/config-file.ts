// `status-node --config FILE`: a JSON object whose keys are the flags' names in camelCase
// (`--max-peers 50` is `"maxPeers": 50`), typed as JSON (numbers, booleans, arrays of strings).
// Flags given on the command line override the file's value for the same key; the merged options
// are then checked as the command line's are (parseNodeOptions). docs/operators.md documents it.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { NODE_CONFIG_ERROR, NodeConfigError } from './errors.js';
import { parseNodeOptions } from './options.js';
import type { RawNodeOptions } from './types.js';

/** `path`: a string; relative paths are taken from the config file's folder, not the working directory. */
export type ConfigValueType = 'string' | 'path' | 'number' | 'boolean' | 'string[]';

/** The config file schema: every key and its JSON type. Every flag but `--config` has a key. */
export const CONFIG_SCHEMA = {
  listen: 'string',
  announceHost: 'string',
  nodeKey: 'path',
  create: 'boolean',
  nodeKeyHex: 'string',
  whisper: 'boolean',
  waku: 'boolean',
  minPow: 'number',
  rateLimitIp: 'number',
  rateLimitPeer: 'number',
  rateLimitTopic: 'number',
  light: 'boolean',
  mailserver: 'boolean',
  mailserverPassword: 'string',
  mailserverKey: 'path',
  archive: 'string',
  retentionDays: 'number',
  static: 'string[]',
  bootstrap: 'string[]',
  discovery: 'string[]',
  maxPeers: 'number',
  dataDir: 'path',
  logLevel: 'string',
  logFormat: 'string',
  metrics: 'string',
} as const satisfies Record<Exclude<keyof RawNodeOptions, 'config'>, ConfigValueType>;

export type ConfigKey = keyof typeof CONFIG_SCHEMA;
const KEYS = Object.keys(CONFIG_SCHEMA) as ConfigKey[];

/** `maxPeers` → `--max-peers`. */
export function flagOf(key: ConfigKey): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return `an array ${JSON.stringify(value)}`;
  if (value === null) return 'null';
  return `${typeof value === 'string' ? 'a string' : typeof value === 'object' ? 'an object' : `a ${typeof value}`} ${JSON.stringify(value)}`;
}

function suggestion(key: string): string {
  const camel = key.replace(/[-_]+([a-z])/gi, (_, c: string) => c.toUpperCase()).replace(/^-+/, '');
  const near = KEYS.find((k) => k.toLowerCase() === camel.toLowerCase());
  return near ? ` (did you mean "${near}"?)` : '';
}

/** One value of the file as the command line would have given it (a string, a list, a boolean). */
function toRaw(key: ConfigKey, value: unknown, file: string, base: string): string | string[] | boolean {
  const type = CONFIG_SCHEMA[key];
  const bad = (expected: string) =>
    new NodeConfigError(NODE_CONFIG_ERROR.INVALID_CONFIG_VALUE, `config file ${file}: "${key}" must be ${expected}, got ${describeValue(value)}`, { key });
  switch (type) {
    case 'boolean':
      if (typeof value !== 'boolean') throw bad('true or false');
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad('a number');
      return String(value);
    case 'string[]':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw bad('an array of strings');
      return value as string[];
    case 'path':
      if (typeof value !== 'string' || value.trim() === '') throw bad('a file path (a non-empty string)');
      return resolve(base, value);
    case 'string':
      if (typeof value !== 'string') throw bad('a string');
      return value;
  }
}

/**
 * Reads and checks a config file: JSON, an object, known keys, JSON types, and each value as its
 * flag would be checked. Throws NodeConfigError (INVALID_CONFIG_FILE, UNKNOWN_CONFIG_KEY,
 * INVALID_CONFIG_VALUE, or the flag's own code such as INVALID_NUMBER) whose `key` names the key.
 */
export function loadConfigFile(path: string): RawNodeOptions {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_CONFIG_FILE, `config file ${file}: ${(e as Error).message}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_CONFIG_FILE, `config file ${file} is not JSON: ${(e as Error).message}`, { cause: e });
  }
  return parseConfigObject(json, file);
}

/** The checks of {@link loadConfigFile} on an already parsed value; `file` names it in messages and anchors relative paths. */
export function parseConfigObject(json: unknown, file: string): RawNodeOptions {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new NodeConfigError(NODE_CONFIG_ERROR.INVALID_CONFIG_FILE, `config file ${file} must hold a JSON object ({ "listen": "0.0.0.0:30303", … }), got ${describeValue(json)}`);
  }
  const base = dirname(resolve(file));
  const raw: Record<string, string | string[] | boolean> = {};
  for (const [key, value] of Object.entries(json)) {
    if (!Object.hasOwn(CONFIG_SCHEMA, key)) {
      throw new NodeConfigError(NODE_CONFIG_ERROR.UNKNOWN_CONFIG_KEY, `config file ${file}: unknown key "${key}"${suggestion(key)}; known keys: ${KEYS.join(', ')}`, { key });
    }
    raw[key] = toRaw(key as ConfigKey, value, file, base);
  }
  // Each value alone, as its flag would be checked, so that an error names the key that holds it.
  for (const key of Object.keys(raw) as ConfigKey[]) {
    try {
      parseNodeOptions({ [key]: raw[key] } as RawNodeOptions);
    } catch (e) {
      if (!(e instanceof NodeConfigError)) throw e;
      const message = e.message.split(flagOf(key)).join(`"${key}"`);
      throw new NodeConfigError(e.code, `config file ${file}: ${message.startsWith(`"${key}"`) ? message : `"${key}": ${message}`}`, { cause: e, key });
    }
  }
  return raw as RawNodeOptions;
}

/**
 * The file's options with the command line's on top: a key takes the flag's value when
 * `fromCommandLine(key)` (the flag was given), else the file's, else the flag's default. Lists
 * (`static`, `bootstrap`, `discovery`) given as flags replace the file's list.
 */
export function mergeConfig(file: RawNodeOptions, commandLine: RawNodeOptions, fromCommandLine: (key: ConfigKey) => boolean): RawNodeOptions {
  const merged: Record<string, unknown> = { ...commandLine };
  for (const key of KEYS) {
    if (file[key] !== undefined && !fromCommandLine(key)) merged[key] = file[key];
  }
  return merged as RawNodeOptions;
}
