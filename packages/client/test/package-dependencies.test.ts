// Every workspace package declares exactly what its shipped code (src/, generated/, bin/) imports:
// scripts/deps-check.mjs scans the imports and compares them with each package.json.
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- plain JavaScript tooling without declarations
import { checkDependencies, importsOf, packageOf } from '../../../scripts/deps-check.mjs';

type Imports = (text: string) => { runtime: Set<string>; types: Set<string> };

describe('package dependencies', () => {
  it('match the imports of every package', () => {
    expect((checkDependencies as () => string[])()).toEqual([]);
  });

  it('the scanner finds static, dynamic, type-only and constant-named imports', () => {
    const { runtime, types } = (importsOf as Imports)(`
      // import nope from 'commented-out';
      /* import alsoNope from 'block-comment'; see proto/*.proto */
      import a from 'pkg-a';
      import { b, type C } from '@scope/pkg-b/sub.js';
      import type { D } from 'pkg-d';
      import { type E } from 'pkg-e';
      export { f } from 'pkg-f';
      import 'pkg-side-effect';
      const MOD: string = 'pkg-g';
      await import(MOD);
      await import('pkg-h');
      type T = typeof import('pkg-i');
      const s = 'https://example.org/x';
    `);
    expect([...runtime].sort()).toEqual(['@scope/pkg-b/sub.js', 'pkg-a', 'pkg-f', 'pkg-g', 'pkg-h', 'pkg-side-effect']);
    expect([...types].sort()).toEqual(['pkg-d', 'pkg-e', 'pkg-i']);
    expect((packageOf as (s: string) => string | undefined)('@scope/pkg-b/sub.js')).toBe('@scope/pkg-b');
    expect((packageOf as (s: string) => string | undefined)('pg/lib/client.js')).toBe('pg');
    expect((packageOf as (s: string) => string | undefined)('node:fs')).toBeUndefined();
    expect((packageOf as (s: string) => string | undefined)('./x.js')).toBeUndefined();
  });
});
