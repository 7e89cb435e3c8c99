// Cores from the registry's `cores` section (docs/compat.md, "Released cores"): each version's
// fctl binary for this platform, fetched through the backends fctl installs with, verified, and kept
// in a content-addressed store shared by every cell and every matrix process on the machine:
// `<cache>/cores/sha256/<hex>` holds the file whose sha256 is <hex>, checksums.txt files (by the
// registry's pin) and binaries (by their line in checksums.txt) alike. A version costs one download
// per machine. A cell's key needs only the binary's digest, which the stored (verified) checksums.txt
// gives without a request or a read of the binary; a cell that runs gets the binary, hashed again
// first to prove the file is still the one.
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CHECKSUMS_FILE, currentPlatform, parseChecksums, sha256File, SIGNATURE_FILE, SIGSTORE_BUNDLE_FILE, verifySignedChecksums, type ChecksumsSignatures, type Platform } from '@fctl-kit/artifacts';
import { BACKEND_KINDS, backendNamed, coreBinaryName, CORE_RELEASE_NAME, downloadFile, type SourceFiles } from '@fctl-kit/backends';
import { syncDirectory, withFileLock, writeFileAtomic, type LockOptions } from '@fctl-kit/files';
import type { RegistryCores, RegistryDocument, RegistrySource } from '@fctl-kit/registry';
import semver from 'semver';
import type { CoreBinary, CoreProvider } from './core-provider.js';
import { quoteInput } from './escape.js';
import { PlanError } from './plan.js';

const MAX_CHECKSUMS_BYTES = 1024 * 1024;
const MAX_SIGNATURE_BYTES = 64 * 1024;
/** As fctl bounds a plugin binary. */
const MAX_CORE_BYTES = 512 * 1024 * 1024;

export interface ReleasedCoresOptions {
  /** The matrix cache directory: cores are stored in `<cacheDir>/cores/sha256/`. */
  cacheDir: string;
  env?: NodeJS.ProcessEnv;
  /** The platform whose binary is fetched (default: this one). */
  platform?: Platform;
  signal?: AbortSignal;
  lock?: LockOptions;
  /** One line per download, for the matrix's progress output. */
  onDownload?: (line: string) => void;
}

/** Why a released core cannot be used: a cell needing it is an `error` with this message. */
export class CoreFetchError extends Error {
  override name = 'CoreFetchError';
}

const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The bytes of `<store>/<hex>` (a checksums.txt) when it holds exactly those; a file that does not (corrupted, truncated) is removed. */
async function cached(path: string, hex: string): Promise<Buffer | undefined> {
  const bytes = await readFile(path).catch(() => undefined);
  if (!bytes) return undefined;
  if (sha256Of(bytes) === hex) return bytes;
  await rm(path, { force: true });
  return undefined;
}

/** Whether `<store>/<hex>` (a binary, hashed as it streams) holds exactly those bytes; one that does not is removed. */
async function isCached(path: string, hex: string): Promise<boolean> {
  const actual = await sha256File(path).catch(() => undefined);
  if (actual === hex) return true;
  if (actual !== undefined) await rm(path, { force: true });
  return false;
}

/**
 * A source a registry gives for a core, refused when it names a local path: the registry is
 * untrusted, and a released core comes from where it was published, not from a file on this machine.
 */
function localPathProblem(source: RegistrySource): string | undefined {
  if (source.backend !== 'url' || typeof source.url !== 'string') return undefined;
  if (/^file:/i.test(source.url) || !/^[a-z][a-z0-9+.-]*:/i.test(source.url)) return `its url ${quoteInput(source.url)} is a local path; a released core is fetched from where it was published (http(s))`;
  return undefined;
}

const STAGING = /^\.staging-(\d+)-/;

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Staging directories of fetches whose process is gone (killed mid-download): removed. */
async function removeStaleStaging(coresDir: string): Promise<void> {
  for (const entry of await readdir(coresDir).catch(() => [])) {
    const pid = STAGING.exec(entry)?.[1];
    if (pid && Number(pid) !== process.pid && !isAlive(Number(pid))) await rm(join(coresDir, entry), { recursive: true, force: true });
  }
}

/** The registry's cores, fetched on demand for this platform, verified, into the shared store. */
export function releasedCores(document: RegistryDocument, options: ReleasedCoresOptions): CoreProvider {
  const section: RegistryCores | undefined = document.cores;
  if (!section || !Object.keys(section.versions).length) throw new PlanError('the registry lists no released cores (its "cores" section is absent or empty): give cores with --core <version>=<path>');
  const platform = options.platform ?? currentPlatform();
  const env = options.env ?? process.env;
  const store = join(options.cacheDir, 'cores', 'sha256');
  const signal = options.signal ?? new AbortController().signal;
  const binaryName = coreBinaryName(platform);
  const cores = Object.entries(section.versions)
    .sort(([a], [b]) => semver.compare(a, b))
    .map(([version, entry]) => ({ version, protocolVersions: entry.protocolVersions, ...(entry.deprecated !== undefined ? { deprecated: entry.deprecated } : {}) }));

  const download = async (files: SourceFiles, file: string, dir: string, maxBytes: number) => {
    const path = join(dir, file);
    await downloadFile(files, file, path, { maxBytes, signal, retries: 2 });
    return readFile(path);
  };

  /** The binary from `files` into `<store>/<hex>` when its bytes have that sha256 (hashed as they arrive). */
  const downloadBinary = async (files: SourceFiles, dir: string, hex: string, path: string) => {
    const staged = join(dir, binaryName);
    const received = await downloadFile(files, binaryName, staged, { maxBytes: MAX_CORE_BYTES, signal, retries: 2 });
    if (received.sha256 !== hex) throw new CoreFetchError(`${binaryName} from ${files.describe(binaryName)} has sha256 ${received.sha256}, but ${CHECKSUMS_FILE} says ${hex}`);
    const handle = await open(staged, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(staged, 0o755);
    // The staging directory is in the store's parent: the same file system, so a rename.
    await rename(staged, path);
    await syncDirectory(store);
  };

  /** checksums.txt of `version` from one source: the pinned bytes, signed by the key when there is one. */
  const fetchChecksums = async (files: SourceFiles, pin: string, dir: string): Promise<Buffer> => {
    const bytes = await download(files, CHECKSUMS_FILE, dir, MAX_CHECKSUMS_BYTES);
    if (sha256Of(bytes) !== pin) throw new CoreFetchError(`${CHECKSUMS_FILE} from ${files.describe(CHECKSUMS_FILE)} has sha256 ${sha256Of(bytes)}, but the registry pins ${pin}`);
    if (section.publicKey) {
      const signatures: ChecksumsSignatures = {};
      try {
        signatures.signature = (await download(files, SIGNATURE_FILE, dir, MAX_SIGNATURE_BYTES)).toString('utf8');
      } catch {
        signatures.bundle = (
          await download(files, SIGSTORE_BUNDLE_FILE, dir, MAX_SIGNATURE_BYTES).catch((error: Error) => {
            throw new CoreFetchError(`the registry gives a key for cores, but neither ${SIGNATURE_FILE} nor ${SIGSTORE_BUNDLE_FILE} can be fetched (${error.message})`);
          })
        ).toString('utf8');
      }
      await verifySignedChecksums(bytes.toString('utf8'), signatures, section.publicKey).catch((error: Error) => {
        throw new CoreFetchError(error.message);
      });
    }
    return bytes;
  };

  const expectedBinary = (checksums: Buffer, where: string): string => {
    let listed: Map<string, string>;
    try {
      listed = parseChecksums(checksums.toString('utf8'));
    } catch (error) {
      throw new CoreFetchError(`${CHECKSUMS_FILE} of ${where}: ${(error as Error).message}`);
    }
    const hex = listed.get(binaryName);
    if (!hex) throw new CoreFetchError(`the release ${where} has no build for ${platform.os}/${platform.arch} (its ${CHECKSUMS_FILE} does not list ${binaryName})`);
    return hex;
  };

  /** The core from one source into the store; what was downloaded and not verified is removed. */
  const fromSource = async (files: SourceFiles, version: string, pin: string): Promise<CoreBinary> => {
    const dir = await mkdtemp(join(options.cacheDir, 'cores', `.staging-${process.pid}-`));
    try {
      const where = `fctl@${version}`;
      const checksums = (await cached(join(store, pin), pin)) ?? (await fetchChecksums(files, pin, dir));
      const hex = expectedBinary(checksums, where);
      const path = join(store, hex);
      if (!(await isCached(path, hex))) {
        options.onDownload?.(`Downloading fctl ${version} (${platform.os}/${platform.arch}) from ${files.describe(binaryName)}`);
        await downloadBinary(files, dir, hex, path);
      }
      // Stored once the binary is: a release that failed any check leaves nothing behind.
      await writeFileAtomic(join(store, pin), checksums);
      return { path, sha256: hex };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  /** Cached without a request when the store has it; else from the version's sources, in order. */
  const fetchCore = async (version: string): Promise<CoreBinary> => {
    const entry = Object.hasOwn(section.versions, version) ? section.versions[version]! : undefined;
    if (!entry) throw new CoreFetchError(`the registry has no released core ${quoteInput(version)}`);
    const pin = entry.checksumsSha256;
    await mkdir(store, { recursive: true });
    // One process at a time per release: a second one waits, then finds it in the store.
    return withFileLock(
      join(store, pin),
      async () => {
        const checksums = await cached(join(store, pin), pin);
        if (checksums) {
          const hex = expectedBinary(checksums, `fctl@${version}`);
          if (await isCached(join(store, hex), hex)) return { path: join(store, hex), sha256: hex };
        }
        await removeStaleStaging(join(options.cacheDir, 'cores'));
        const failures: string[] = [];
        for (const [index, source] of (entry.sources ?? section.sources ?? []).entries()) {
          const label = `source ${index + 1} (${String(source.backend)})`;
          const refused = localPathProblem(source);
          if (refused) {
            failures.push(`${label}: ${refused}`);
            continue;
          }
          if (!BACKEND_KINDS.includes(String(source.backend))) {
            failures.push(`${label}: not a backend this fctl-kit knows`);
            continue;
          }
          try {
            return await fromSource(backendNamed(String(source.backend)).files(source, { name: CORE_RELEASE_NAME, version, platform }, env), version, pin);
          } catch (error) {
            signal.throwIfAborted();
            failures.push(`${label}: ${(error as Error).message}`);
          }
        }
        throw new CoreFetchError(
          failures.length === 1 ? `cannot fetch the core fctl@${version}: ${failures[0]!.replace(/^source 1 \([^)]*\): /, '')}` : `cannot fetch the core fctl@${version} from any of its sources:\n  ${failures.join('\n  ')}`,
        );
      },
      options.lock,
    );
  };

  const core = remembered(fetchCore);
  return {
    cores,
    core,
    // The stored checksums.txt (the registry's pin; stored once the release passed every check)
    // names the binary's digest: a cached cell costs no request and no read of a 100 MB binary.
    digest: remembered(async (version) => {
      const pin = Object.hasOwn(section.versions, version) ? section.versions[version]!.checksumsSha256 : undefined;
      const checksums = pin ? await cached(join(store, pin), pin) : undefined;
      return checksums ? expectedBinary(checksums, `fctl@${version}`) : (await core(version)).sha256;
    }),
  };
}

/** `get` once per version at a time; a failure is not remembered: the next cell asks again. */
function remembered<T>(get: (version: string) => Promise<T>): (version: string) => Promise<T> {
  const known = new Map<string, Promise<T>>();
  return (version) => {
    let promise = known.get(version);
    if (!promise) {
      promise = get(version);
      promise.catch(() => known.delete(version));
      known.set(version, promise);
    }
    return promise;
  };
}
