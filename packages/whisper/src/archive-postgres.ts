/**
 * The PostgreSQL mailserver archive for operators, kept out of the package's main entry so that
 * importing `@status-stack/whisper` never loads a database driver. Needs the optional peer
 * dependencies `pg` and `pg-pool`.
 *
 *   import { PostgresEnvelopeArchive } from '@status-stack/whisper/archive-postgres';
 */
export { PostgresEnvelopeArchive, type PostgresArchiveOptions } from './mailserver/archive-postgres.js';
