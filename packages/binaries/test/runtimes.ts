// The real runtimes of the default lock, for tests (downloaded from the npm registry on first use).
import { DEFAULT_NODE_VERSION, DEFAULT_RUNTIME_LOCK, defaultCacheDir, ensureRuntime, lockedRuntime, targetInfo } from '../src/index.js';

export async function lockedRuntimePath(target: string): Promise<string> {
  const locked = lockedRuntime(DEFAULT_RUNTIME_LOCK, 'default lock', DEFAULT_NODE_VERSION, target);
  return (await ensureRuntime(targetInfo(target), DEFAULT_NODE_VERSION, locked, defaultCacheDir())).path;
}

/** Each of these tests reads, rewrites, hashes or runs a 60-120 MB runtime: seconds on a loaded 2-core machine, more than vitest's 5 s default. */
export const HEAVY_TEST_MS = 120_000;
