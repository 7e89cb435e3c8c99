// The runtime lock file: for each Node version and target, the npm package that carries it and the
// sha256 of its binary. A runtime whose hash differs from the lock is refused.
import { readFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import defaultLock from '../runtime-lock.json' with { type: 'json' };
import { DEFAULT_NODE_VERSION, targetInfo, type TargetInfo } from './targets.js';

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

/** What a Node SEA build (a plugin's or fctl's) runs on: the Node version, its lock, and the targets. */
export interface BuildRuntimes {
  nodeVersion: string;
  lock: RuntimeLock;
  lockName: string;
  targets: TargetInfo[];
}

/** The targets named, else every target the lock has a runtime for at that Node version (none is an error). */
export function buildRuntimes(options: { nodeVersion?: string; lock?: { lock: RuntimeLock; name: string }; targets?: readonly string[] }): BuildRuntimes {
  const nodeVersion = options.nodeVersion ?? DEFAULT_NODE_VERSION;
  const { lock, name: lockName } = options.lock ?? { lock: DEFAULT_RUNTIME_LOCK, name: DEFAULT_RUNTIME_LOCK_NAME };
  const targets = (options.targets ?? Object.keys(lock.runtimes[nodeVersion] ?? {})).map(targetInfo);
  if (!targets.length) throw new Error(`no targets: the runtime lock ${lockName} has no runtimes for Node ${nodeVersion}`);
  return { nodeVersion, lock, lockName, targets };
}
