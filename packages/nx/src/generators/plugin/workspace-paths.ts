// Options naming files are paths inside the repository: the generator writes them into
// fctl-plugin.json and the workflows, and a release writes there. A path outside it (.., or an
// absolute path elsewhere) and a file:// URL (which would reach the registry) are refused, naming
// the option. An absolute path inside the workspace is made relative to it.
import { isAbsolute, posix, relative } from 'node:path';
import { PluginGeneratorError } from './errors.js';

const toPosix = (path: string) => path.replace(/\\/g, '/');

/** `path` (from `base`, a directory of the workspace) as a normalised path from the workspace root; refused outside it. */
export function insideWorkspace(option: string, path: string, workspaceRoot: string, base = '.'): string {
  if (/^file:/i.test(path)) throw new PluginGeneratorError(`--${option} ${JSON.stringify(path)}: a file:// URL cannot be published to nor recorded in a registry; give a path inside the repository`);
  let candidate = toPosix(path);
  if (isAbsolute(path) || /^[a-z]:\//i.test(candidate)) {
    const fromRoot = toPosix(relative(workspaceRoot, path));
    if (!fromRoot || fromRoot.startsWith('..') || isAbsolute(fromRoot)) throw new PluginGeneratorError(`--${option} ${JSON.stringify(path)} is outside the repository (${workspaceRoot}): give a path inside it`);
    candidate = fromRoot;
    base = '.';
  }
  const normalised = posix.normalize(posix.join(toPosix(base), candidate));
  if (normalised === '..' || normalised.startsWith('../')) {
    throw new PluginGeneratorError(`--${option} ${JSON.stringify(path)} is outside the repository${base === '.' ? '' : ` (it is read from ${base})`}: give a path inside it`);
  }
  return normalised === '' ? '.' : normalised;
}

/** A path inside another repository (the registry repository's file): relative, no "..". */
export function insideRepository(option: string, path: string): string {
  const normalised = posix.normalize(toPosix(path));
  if (posix.isAbsolute(normalised) || normalised === '..' || normalised.startsWith('../') || /^[a-z]:\//i.test(normalised) || /^[a-z][a-z0-9+.-]*:/i.test(path)) {
    throw new PluginGeneratorError(`--${option} ${JSON.stringify(path)} must be a path inside the registry repository, like registry.yaml`);
  }
  return normalised;
}
