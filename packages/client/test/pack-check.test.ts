// scripts/pack-check.mjs (run by .ci/run) judges each packed tarball and builds the isolated-layout
// smoke application; these cases check that its rules catch what they are for.
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- plain JavaScript tooling without declarations
import { smokeAppManifest, tarballProblems } from '../../../scripts/pack-check.mjs';

type Problems = (name: string, files: string[], manifest: Record<string, unknown>, readme?: string) => string[];
const check = tarballProblems as Problems;

const FILES = ['package.json', 'LICENSE', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'proto/a.proto'];
const MANIFEST = {
  name: '@status-stack/x',
  version: '0.1.0',
  description: 'x',
  license: 'MIT',
  keywords: ['status'],
  homepage: 'https://example.org',
  repository: { type: 'git', url: 'git+https://example.org/x.git', directory: 'packages/x' },
  bugs: { url: 'https://example.org/issues' },
  engines: { node: '>=20' },
  exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
};

describe('pack check', () => {
  it('a complete tarball has no problems', () => {
    expect(check('x', FILES, MANIFEST, 'See [the proto](proto/a.proto), [docs](https://example.org/docs) and [below](#api).')).toEqual([]);
  });

  it('finds build info, tests, a missing LICENSE and missing metadata', () => {
    const { keywords: _k, ...noKeywords } = MANIFEST;
    const problems = check('x', [...FILES.filter((f) => f !== 'LICENSE'), '.tsbuildinfo', 'test/a.test.js'], noKeywords);
    expect(problems).toEqual(['x: ships .tsbuildinfo', 'x: ships a test: test/a.test.js', 'x: has no LICENSE', 'x: package.json lacks "keywords"']);
  });

  it('finds a source-only export condition and an export target missing from the tarball', () => {
    const problems = check('x', FILES, { ...MANIFEST, exports: { '.': { typescript: './src/index.ts', import: './dist/index.js' } } });
    expect(problems).toEqual(['x: exports /. keeps the source-only condition "typescript"', 'x: exports /./typescript points at ./src/index.ts, which is not in the tarball']);
  });

  it('finds a README link that leaves the package', () => {
    expect(check('x', FILES, MANIFEST, 'The [guide](../../docs/operators.md#flags).')).toEqual(['x: README links to ../../docs/operators.md#flags, which is not in the tarball']);
  });

  it('the smoke application depends on, and forces, every tarball', () => {
    const m = (smokeAppManifest as (t: Array<{ name: string; filename: string }>) => { dependencies: Record<string, string>; overrides: Record<string, string> })([
      { name: '@status-stack/a', filename: 'status-stack-a-0.1.0.tgz' },
      { name: '@status-stack/b', filename: 'status-stack-b-0.1.0.tgz' },
    ]);
    expect(m.dependencies).toMatchObject({ '@status-stack/a': 'file:./tarballs/status-stack-a-0.1.0.tgz', '@status-stack/b': 'file:./tarballs/status-stack-b-0.1.0.tgz' });
    expect(m.overrides).toEqual({ '@status-stack/a': 'file:./tarballs/status-stack-a-0.1.0.tgz', '@status-stack/b': 'file:./tarballs/status-stack-b-0.1.0.tgz' });
  });
});
