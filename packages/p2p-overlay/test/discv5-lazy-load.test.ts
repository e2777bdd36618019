// discv5 is loaded on the first Discv5Discovery.start() only. Each case runs a fresh `node` with a
// resolve hook that refuses the discv5 modules, as an isolated install layout does for
// @chainsafe/discv5 11.0.0's undeclared 'ethereum-cryptography' and '@libp2p/peer-id': importing the overlay must
// still work, and starting discv5 must fail with a typed, explained error, not a crash.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REFUSE = `
export async function resolve(specifier, context, next) {
  if (/^@chainsafe\\/(discv5|enr)/.test(specifier)) {
    const e = new Error("Cannot find package 'ethereum-cryptography' imported from " + specifier);
    e.code = 'ERR_MODULE_NOT_FOUND';
    throw e;
  }
  return next(specifier, context);
}`;
const HOOK = `import { register } from 'node:module'; register(${JSON.stringify('data:text/javascript,' + encodeURIComponent(REFUSE))});`;

function run(program: string): string {
  return execFileSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=typescript', '--import', 'data:text/javascript,' + encodeURIComponent(HOOK), '--input-type=module', '-e', program],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
  );
}

describe('discv5 is loaded lazily', () => {
  it('importing @status-stack/p2p-overlay does not load @chainsafe/discv5 or @chainsafe/enr', () => {
    const out = run("const m = await import('@status-stack/p2p-overlay'); console.log('loaded', typeof m.Discv5Discovery, typeof m.RlpxOverlay);");
    expect(out.trim()).toBe('loaded function function');
  });

  it('the hook does refuse discv5: importing it directly fails', () => {
    const out = run("try { await import('@chainsafe/discv5'); console.log('imported'); } catch (e) { console.log('refused', e.code); }");
    expect(out.trim()).toBe('refused ERR_MODULE_NOT_FOUND');
  });

  it('Discv5Discovery.start() then rejects with DISCOVERY_FAILED naming the missing package and the fix', () => {
    const out = run(
      "const { Discv5Discovery, OverlayError } = await import('@status-stack/p2p-overlay');" +
        "const d = new Discv5Discovery({ host: '127.0.0.1' });" +
        "try { await d.start(() => {}); console.log('started'); } catch (e) { console.log(JSON.stringify({ typed: e instanceof OverlayError, code: e.code, message: e.message })); }" +
        "await d.stop();",
    );
    const r = JSON.parse(out.trim()) as { typed: boolean; code: string; message: string };
    expect(r.typed).toBe(true);
    expect(r.code).toBe('DISCOVERY_FAILED');
    expect(r.message).toContain("'ethereum-cryptography'");
    expect(r.message).toContain("add 'ethereum-cryptography@^2' and '@libp2p/peer-id@^5' to the application's dependencies");
  });
});
