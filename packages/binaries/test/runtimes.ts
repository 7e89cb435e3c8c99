// The real runtimes of the default lock, for tests (downloaded from the npm registry on first use).
import { DEFAULT_NODE_VERSION, DEFAULT_RUNTIME_LOCK, defaultCacheDir, ensureRuntime, lockedRuntime, targetInfo } from '../src/index.js';

export async function lockedRuntimePath(target: string): Promise<string> {
  const locked = lockedRuntime(DEFAULT_RUNTIME_LOCK, 'default lock', DEFAULT_NODE_VERSION, target);
  return (await ensureRuntime(targetInfo(target), DEFAULT_NODE_VERSION, locked, defaultCacheDir())).path;
}
