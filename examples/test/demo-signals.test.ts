// `npm start` as a user runs it: `--keep-running` prints a status-chat command that works when
// pasted as is, and SIGINT or SIGTERM sent to `npm start` stops the demo and everything it started
// at once (its relay port closes, its folder is removed), whether it is waiting or mid-transcript.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { createAccountIn, dataPaths } from '../../packages/client/src/cli/chat-account.js';
import { repoRoot } from './run-example.js';

class Proc {
  out = '';
  err = '';
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.err += d));
    this.exited = new Promise((r) => child.on('close', (code) => r(code)));
  }

  async waitFor(re: RegExp, what: string, timeoutMs = 90_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.out);
      if (m) return m;
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`no ${what}\nstdout:\n${this.out}\nstderr:\n${this.err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const running: Proc[] = [];
afterEach(() => {
  for (const p of running.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
});

function start(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Proc {
  const p = new Proc(spawn(command, args, { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'pipe'] }));
  running.push(p);
  return p;
}

/** True when nothing listens on 127.0.0.1:port any more. */
function portClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

async function stopsAtOnce(p: Proc, signal: NodeJS.Signals, port: number, dir: string): Promise<void> {
  const sent = Date.now();
  p.child.kill(signal);
  await p.exited;
  expect(Date.now() - sent, `npm start took ${Date.now() - sent} ms to stop`).toBeLessThan(6000);
  expect(await portClosed(port)).toBe(true);
  expect(existsSync(dir)).toBe(false);
}

it('npm start -- --keep-running prints a status-chat command that works pasted as is; SIGINT to npm start stops it all at once', async () => {
  const demo = start('npm', ['start', '--', '--keep-running']);
  const dir = (await demo.waitFor(/data in (\S+)\)/, 'data folder'))[1];
  const line = (await demo.waitFor(/^.*npx status-chat.*$/m, 'the status-chat command'))[0];
  await demo.waitFor(/Ctrl-C here stops the network/, 'the end of the hint');
  expect(line).not.toMatch(/[<>]/);
  const command = line.trim();
  expect(command).toMatch(/^npx status-chat --data-dir \S+ --connect enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+ --mailserver enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+$/);
  const dataDir = /--data-dir (\S+)/.exec(command)![1];
  const port = Number(/@127\.0\.0\.1:(\d+)/.exec(command)![1]);

  // Pasted into a shell (the account made beforehand: in a terminal the first run asks for one).
  await createAccountIn(dataPaths(dataDir), 'demo visitor', { kdf: { N: 1024 } });
  const chat = start('sh', ['-c', command], { ...process.env, STATUS_CHAT_PASSWORD: 'demo visitor' });
  chat.child.stdin?.write('/join #status-stack-demo\n');
  await chat.waitFor(/-- connected to /, 'a connection to the relay', 60_000);
  // Alice's first message comes from the mailserver's history.
  await chat.waitFor(/Hello everyone on #status-stack-demo!/, 'the demo conversation', 60_000);
  chat.child.stdin?.end('/quit\n');
  expect(await chat.exited).toBe(0);

  await stopsAtOnce(demo, 'SIGINT', port, dir);
  expect(demo.out.trimEnd().endsWith('demo complete')).toBe(true);
});

it('SIGTERM to npm start in the middle of the transcript stops the demo and its relay at once', async () => {
  const demo = start('npm', ['start']);
  const dir = (await demo.waitFor(/data in (\S+)\)/, 'data folder'))[1];
  const port = Number((await demo.waitFor(/^relay enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:(\d+)$/m, 'the relay'))[1]);
  await stopsAtOnce(demo, 'SIGTERM', port, dir);
  expect(demo.out).not.toContain('demo complete');
});
