// The checked-in protobuf code (generated/codec.generated.*) must be what
// `npm run proto` makes of proto/*.proto today: a schema edited without regenerating fails here.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('generated protobuf code', () => {
  it('is up to date with proto/*.proto (npm run proto)', () => {
    const script = fileURLToPath(new URL('../../../scripts/proto/generate.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [script, '--check', 'mvds'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
