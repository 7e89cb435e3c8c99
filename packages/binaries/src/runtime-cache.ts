// Stock Node runtimes from the npm registry, downloaded once into a cache keyed by version and
// target, and checked against the runtime lock every time they are used.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { extract } from 'tar';
import { sha256File } from '@fctl-kit/artifacts';
import type { LockedRuntime } from './runtime-lock.js';
import type { TargetInfo } from './targets.js';

const run = promisify(execFile);

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FCTL_KIT_CACHE_DIR) return env.FCTL_KIT_CACHE_DIR;
  const base = process.platform === 'win32' ? env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local') : env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'fctl-kit');
}

export class RuntimeIntegrityError extends Error {}

export interface RuntimeDownload {
  /** Downloads `package@version` as a tarball into `directory`; returns the tarball's path and npm integrity. */
  (npmPackage: string, version: string, directory: string): Promise<{ tarball: string; integrity: string }>;
}

/** `npm pack`: uses the user's npm configuration (registry, proxy, auth) and checks npm's integrity. */
export const npmPack: RuntimeDownload = async (npmPackage, version, directory) => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const { stdout } = await run(npm, ['pack', `${npmPackage}@${version}`, '--json', '--pack-destination', directory], {
    cwd: directory,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [info] = JSON.parse(stdout) as Array<{ filename: string; integrity: string }>;
  if (!info) throw new Error(`npm pack ${npmPackage}@${version} printed nothing`);
  return { tarball: join(directory, info.filename), integrity: info.integrity };
};

export interface ResolvedRuntime {
  path: string;
  sha256: string;
  downloaded: boolean;
}

/**
 * The cached runtime for `target`, downloaded first if missing. With `locked`, its sha256 must
 * match; without (when creating a lock), the hash found is returned for the caller to record.
 */
export async function ensureRuntime(
  target: TargetInfo,
  nodeVersion: string,
  locked: LockedRuntime | undefined,
  cacheDir: string,
  download: RuntimeDownload = npmPack,
): Promise<ResolvedRuntime & { integrity?: string }> {
  const directory = join(cacheDir, 'runtimes', `node-${nodeVersion}-${target.id}`);
  const path = join(directory, target.os === 'windows' ? 'node.exe' : 'node');
  let downloaded = false;
  let integrity: string | undefined;
  if (!(await stat(path).catch(() => undefined))) {
    await mkdir(cacheDir, { recursive: true });
    const work = await mkdtemp(join(cacheDir, '.download-'));
    try {
      const tarball = await download(target.npmPackage, nodeVersion, work);
      integrity = tarball.integrity;
      if (locked && tarball.integrity !== locked.integrity) {
        throw new RuntimeIntegrityError(`${target.npmPackage}@${nodeVersion} from the registry has integrity ${tarball.integrity}, the runtime lock says ${locked.integrity}: refusing it`);
      }
      await extract({ file: tarball.tarball, cwd: work, filter: (entry) => entry === target.binaryInPackage });
      await chmod(join(work, target.binaryInPackage), 0o755);
      await mkdir(directory, { recursive: true });
      await rename(join(work, target.binaryInPackage), path);
      downloaded = true;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  const sha256 = await sha256File(path);
  if (locked && sha256 !== locked.sha256) {
    throw new RuntimeIntegrityError(
      `the Node ${nodeVersion} runtime for ${target.id} (${path}) has sha256 ${sha256}, but the runtime lock says ${locked.sha256}: refusing it. If the cache is damaged, delete that file to download it again.`,
    );
  }
  return { path, sha256, downloaded, ...(integrity ? { integrity } : {}) };
}
