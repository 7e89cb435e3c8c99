import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const at = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const packages = ['protocol', 'http', 'files', 'artifacts', 'bundler', 'binaries', 'plugin-sdk', 'registry', 'backends', 'core', 'plugin-config', 'compat', 'cli', 'nx'];

// One project per package, plus the examples and the end-to-end suite, so that `npm test` runs
// everything in one report and `nx test <package>` runs one project. Workspace packages resolve to
// their TypeScript sources through the "@fctl-kit/source" condition.
export default defineConfig({
  resolve: { conditions: ['@fctl-kit/source'] },
  ssr: { resolve: { conditions: ['@fctl-kit/source'], externalConditions: ['@fctl-kit/source'] } },
  test: {
    // Nx 23 keeps a git workspace's cache in ~/.nx/<workspace id>, shared by its checkouts, and
    // every workspace a test makes (its own first commit) is a new id: each one would leave its
    // builds there, gigabytes a run. A cache directory of its own keeps them inside the workspace,
    // which the test removes.
    env: { NX_CACHE_DIRECTORY: '.nx/cache' },
    setupFiles: [at('./test/support/temp-dir-setup.ts')],
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: { name, root: at(`./packages/${name}`), include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
      })),
      { extends: true as const, test: { name: 'examples', root: at('./examples'), include: ['**/*.test.ts'], exclude: ['**/node_modules/**'] } },
      // Builds in tests write no <binary>.xz unless a test asks for it (--compression): at the
      // release default, each binary costs minutes of CPU.
      { extends: true as const, test: { name: 'e2e', root: at('./test'), include: ['**/*.test.ts'], setupFiles: [at('./test/support/cleanup-setup.ts')], testTimeout: 60_000, hookTimeout: 120_000, env: { FCTL_KIT_COMPRESSION: 'none' } } },
    ],
  },
});
