import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fctlBin = join(repoRoot, 'packages', 'core', 'bin', 'fctl.js');
export const fixturePlugin = (name: string) => join(repoRoot, 'test', 'fixtures', 'plugins', `${name}.mjs`);
export const examplePluginDir = join(repoRoot, 'examples', 'ledger', 'cmd', 'fctl-plugin');
export const ledgerServer = join(repoRoot, 'examples', 'ledger', 'dist', 'server.js');

/** The end-to-end tests drive the built executables; `npm test` builds them first. */
export function requireBuilt(...files: string[]): void {
  for (const file of files) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run setup" (npm test does it) before the end-to-end tests`);
  }
}
