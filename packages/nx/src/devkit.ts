// @nx/devkit is CommonJS whose exports Node cannot list for ESM named imports: load it with require.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const devkit = createRequire(import.meta.url)('@nx/devkit') as typeof import('@nx/devkit');
export type { Tree, CreateNodes, TargetConfiguration } from '@nx/devkit';

/** This package's directory, from its sources or from dist/ alike. */
export function packageRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!(existsSync(join(directory, 'package.json')) && JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')).name === '@fctl-kit/nx')) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('cannot find the @fctl-kit/nx package directory');
    directory = parent;
  }
  return directory;
}
