// Creating or extending a runtime lock: download each runtime once, record what was found.
// Trust on first use, made explicit: the change to the lock file is reviewed like code.
import { ensureRuntime, npmPack, type RuntimeDownload } from './runtime-cache.js';
import type { RuntimeLock } from './runtime-lock.js';
import type { TargetInfo } from './targets.js';

export async function lockRuntimes(
  lock: RuntimeLock,
  nodeVersion: string,
  targets: readonly TargetInfo[],
  cacheDir: string,
  download: RuntimeDownload = npmPack,
): Promise<RuntimeLock> {
  const entries = await Promise.all(
    targets.map(async (target) => {
      const runtime = await ensureRuntime(target, nodeVersion, undefined, cacheDir, async (name, version, directory) => download(name, version, directory));
      // A runtime already cached has no fresh integrity: ask npm for it without keeping the tarball.
      const integrity = runtime.integrity ?? lock.runtimes[nodeVersion]?.[target.id]?.integrity ?? (await integrityOf(target, nodeVersion, cacheDir, download));
      return [target.id, { package: target.npmPackage, integrity, sha256: runtime.sha256 }] as const;
    }),
  );
  return { lockfileVersion: 1, runtimes: { ...lock.runtimes, [nodeVersion]: { ...lock.runtimes[nodeVersion], ...Object.fromEntries(entries) } } };
}

async function integrityOf(target: TargetInfo, nodeVersion: string, cacheDir: string, download: RuntimeDownload): Promise<string> {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const work = await mkdtemp(join(cacheDir, '.integrity-'));
  try {
    return (await download(target.npmPackage, nodeVersion, work)).integrity;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
