/**
 * The embedded SQLite mailserver archive, kept out of the package's main entry so that importing
 * `@status-stack/whisper` never loads a native driver. Needs the optional peer dependency
 * `better-sqlite3`.
 *
 *   import { SqliteEnvelopeArchive } from '@status-stack/whisper/archive-sqlite';
 */
export { SqliteEnvelopeArchive, type SqliteArchiveOptions } from './mailserver/archive-sqlite.js';
