// The status-inspect executable, run as a real process (a few cases: spawning is slow).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hexToBytes } from '@status-stack/crypto';
import { INSPECT_ERROR, inspectEnvelope, type InspectResult } from '../src/cli/inspect.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const entry = 'packages/client/src/cli/status-inspect.ts';

interface Capture {
  identities: Record<'A' | 'B', { private_key: string; public_key: string }>;
  envelopes: Array<{ envelope_rlp: string; envelope: { hash: string }; decoded_by: Record<'A' | 'B', { application_messages?: Array<{ message_id: string }> }> }>;
}
interface Geth {
  vectors: Array<{ sym_key?: string; messages_packet_rlp: string; envelope_hash: string; decoded_payload: string }>;
}
const capture = JSON.parse(readFileSync(new URL('../../../vectors/inspect/status-fullstack-captured-waku1.json', import.meta.url), 'utf8')) as Capture;
const geth = JSON.parse(readFileSync(new URL('../../../vectors/inspect/whisper6-envelopes.geth-v1.9.7.json', import.meta.url), 'utf8')) as Geth;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=typescript', entry, ...args], { cwd: repoRoot, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const lines = (out: string): Array<Record<string, unknown>> =>
  out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('status-inspect executable', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'status-inspect-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens a file of captured envelopes and a messages packet; JSON per envelope equals the pure function', async () => {
    const symVector = geth.vectors.find((v) => v.sym_key !== undefined)!;
    const file = join(dir, 'capture.txt');
    const body = ['# status-go capture, decoded as A', ...capture.envelopes.map((e) => e.envelope_rlp), '', symVector.messages_packet_rlp.slice(2)].join('\n');
    await writeFile(file, body);
    const now = 1_795_592_990;
    const r = await run([
      '--file',
      file,
      '--chat',
      'interop-test',
      '--private-key',
      capture.identities.A.private_key,
      '--peer',
      capture.identities.B.public_key,
      '--sym-key',
      symVector.sym_key!,
      '--now',
      String(now),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out).toHaveLength(capture.envelopes.length + 1);
    const keys = {
      chats: ['interop-test'],
      privateKey: hexToBytes(capture.identities.A.private_key),
      peers: [hexToBytes(capture.identities.B.public_key)],
      symKeys: [hexToBytes(symVector.sym_key!)],
    };
    capture.envelopes.forEach((e, i) => {
      const expected: InspectResult = inspectEnvelope(hexToBytes(e.envelope_rlp), keys, { now });
      expect(out[i]).toEqual({ input: `${file}:${i + 2}`, ...JSON.parse(JSON.stringify(expected)) });
      const ids = ((out[i].applicationMessages ?? []) as Array<{ messageId: string }>).map((m) => m.messageId);
      expect(ids).toEqual((e.decoded_by.A.application_messages ?? []).map((m) => m.message_id));
    });
    const last = out[capture.envelopes.length] as { input: string; packetIndex: number; envelope: { hash: string }; whisper: { payload: string } };
    expect(last.input).toBe(`${file}:${capture.envelopes.length + 3}`);
    expect(last.packetIndex).toBe(0);
    expect(last.envelope.hash).toBe(symVector.envelope_hash);
    expect(last.whisper.payload).toBe(symVector.decoded_payload);
  });

  it('reads stdin; an unusable line gets an error object and exit code 1, the others are still printed', async () => {
    const stdin = `${capture.envelopes[0].envelope_rlp}\nnot-hex\n0x83616263\n`;
    const r = await run(['--chat', 'interop-test'], stdin);
    expect(r.code).toBe(1);
    const out = lines(r.stdout);
    expect(out).toHaveLength(3);
    expect((out[0].envelope as { hash: string }).hash).toBe(capture.envelopes[0].envelope.hash);
    expect((out[0].whisper as { openedWith: string }).openedWith).toBe('public-chat:interop-test');
    expect(out[1]).toMatchObject({ input: 'stdin:2', error: { code: INSPECT_ERROR.INVALID_INPUT } });
    expect(out[2]).toMatchObject({ input: 'stdin:3', error: { code: INSPECT_ERROR.INVALID_INPUT } });
  });

  it('a malformed key is a usage error (exit 2) with a message, and nothing on stdout', async () => {
    const r = await run(['--private-key', `0x${'00'.repeat(32)}`, capture.envelopes[0].envelope_rlp]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('private key');
  });
});
