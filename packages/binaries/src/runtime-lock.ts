// The runtime lock file: for each Node version and target, the npm package that carries it and the
// sha256 of its binary. A runtime whose hash differs from the lock is refused.
import { readFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import defaultLock from '../runtime-lock.json' with { type: 'json' };

export interface LockedRuntime {
  package: string;
  /** npm's integrity of the package tarball (sha512), checked by npm when it downloads. */
  integrity: string;
  /** sha256 of the extracted Node binary. */
  sha256: string;
}

export interface RuntimeLock {
  lockfileVersion: 1;
  runtimes: Record<string, Record<string, LockedRuntime>>;
}

/** The lock shipped with this package (packages/binaries/runtime-lock.json), covering the default Node version. */
export const DEFAULT_RUNTIME_LOCK = defaultLock as RuntimeLock;
export const DEFAULT_RUNTIME_LOCK_NAME = '@fctl-kit/binaries/runtime-lock.json';

export async function readRuntimeLock(path: string): Promise<RuntimeLock> {
  let value: RuntimeLock;
  try {
    value = JSON.parse(await readFile(path, 'utf8')) as RuntimeLock;
  } catch (error) {
    throw new Error(`cannot read the runtime lock ${path}: ${(error as Error).message}`);
  }
  if (value.lockfileVersion !== 1 || typeof value.runtimes !== 'object') throw new Error(`${path} is not a runtime lock (lockfileVersion 1)`);
  return value;
}

export function lockedRuntime(lock: RuntimeLock, lockPath: string, nodeVersion: string, target: string): LockedRuntime {
  const entry = lock.runtimes[nodeVersion]?.[target];
  if (!entry) {
    throw new Error(`the runtime lock ${lockPath} has no Node ${nodeVersion} for ${target}: add it with "fctl-kit runtime lock --node ${nodeVersion}" and review the change`);
  }
  return entry;
}

export function writeRuntimeLock(path: string, lock: RuntimeLock): void {
  const sorted: RuntimeLock = {
    lockfileVersion: 1,
    runtimes: Object.fromEntries(
      Object.entries(lock.runtimes)
        .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
        .map(([version, targets]) => [version, Object.fromEntries(Object.entries(targets).sort(([a], [b]) => a.localeCompare(b)))]),
    ),
  };
  writeFileSync(path, `${JSON.stringify(sorted, null, 2)}\n`);
}
