import { afterEach, describe, it } from 'vitest';
import { SqliteEnvelopeArchive } from '../src/archive-sqlite.js';
import { Resources } from './helpers/nodes.js';
import { offlineClientGetsHistory } from './helpers/mailserver-scenario.js';

const res = new Resources();
afterEach(() => res.closeAll());

describe('mailserver with the SQLite archive, over RlpxOverlay on 127.0.0.1', () => {
  for (const kind of ['waku', 'whisper'] as const) {
    it(`${kind}: an offline client gets exactly its topics' 334 of 500 envelopes in pages of 100`, async () => {
      const archive = new SqliteEnvelopeArchive();
      res.add(() => archive.close());
      await offlineClientGetsHistory(res, kind, archive);
    });
  }
});
