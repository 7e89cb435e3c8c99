// Finds a plugin's entry point inside its source directory (cmd/fctl-plugin).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ENTRY_CANDIDATES = ['src/main.ts', 'main.ts', 'src/main.js', 'main.js', 'src/main.mjs', 'main.mjs'];

export function findPluginEntry(sourceDir: string): string {
  if (existsSync(join(sourceDir, 'go.mod'))) {
    throw new Error(`${sourceDir} is a Go module; Go plugins are built with "go build" (TypeScript sources are built here)`);
  }
  for (const candidate of ENTRY_CANDIDATES) {
    const path = join(sourceDir, candidate);
    if (existsSync(path)) return path;
  }
  throw new Error(`no plugin entry point in ${sourceDir}: looked for ${ENTRY_CANDIDATES.join(', ')}`);
}
