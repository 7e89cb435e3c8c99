import { defineConfig } from 'vitest/config';

const source = { conditions: ['@fctl-kit/source'] };

// One project per package plus the end-to-end suite, so `npm test` runs everything in one report.
export default defineConfig({
  resolve: source,
  ssr: { resolve: { conditions: ['@fctl-kit/source'], externalConditions: ['@fctl-kit/source'] } },
  test: {
    projects: ['protocol', 'plugin-sdk', 'core', 'build', 'cli'].map((name) => ({
      extends: true,
      test: { name, root: `packages/${name}`, include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
    })).concat([
      { extends: true, test: { name: 'examples', root: 'examples', include: ['**/*.test.ts'], exclude: ['**/node_modules/**'] } },
      { extends: true, test: { name: 'e2e', root: 'test', include: ['**/*.test.ts'], testTimeout: 60_000, hookTimeout: 120_000 } },
    ] as never[]),
  },
});
