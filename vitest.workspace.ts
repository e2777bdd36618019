// The project list: one vitest project per package. vitest 4 ignores a bare
// workspace file, so vitest.config.ts imports this list into `test.projects`.
import { defineProject } from 'vitest/config';

export const packageNames = [
  'crypto',
  'protobuf',
  'p2p-overlay',
  'whisper',
  'secure-transport',
  'mvds',
  'payloads',
  'client',
  'node',
] as const;

// Tests import the TypeScript sources through the `typescript` export condition:
// no build step is needed before testing.
const conditions = ['typescript', 'node'];

export const projects = [
  ...packageNames.map((name) =>
    defineProject({
      resolve: { conditions },
      ssr: { resolve: { conditions } },
      test: {
        name,
        root: `packages/${name}`,
        include: ['test/**/*.test.ts'],
        environment: 'node',
        testTimeout: 60_000,
        hookTimeout: 60_000,
      },
    }),
  ),
  defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      name: 'examples',
      root: 'examples',
      include: ['test/**/*.test.ts'],
      environment: 'node',
      testTimeout: 120_000,
      hookTimeout: 60_000,
    },
  }),
];
