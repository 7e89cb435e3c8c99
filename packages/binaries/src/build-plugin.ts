// The plugin build: bundle once, read the manifest, fetch and verify the runtimes, make one SEA
// blob, then per target (concurrently) inject it, sign darwin binaries and compress the binary;
// finally artifacts.json (the typed list of the release's files), checksums.txt (covering it) and
// its signature. Same inputs, same bytes: nothing here depends on time or on paths.
import { availableParallelism } from 'node:os';
import { chmod, copyFile, mkdir, mkdtemp, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { constants } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import pLimit from 'p-limit';
import semver from 'semver';
import { bundlePlugin } from '@fctl-kit/bundler';
import {
  ARTIFACT_LIST_FORMAT,
  ARTIFACTS_FILE,
  binaryFileName,
  checksumsOf,
  CHECKSUMS_FILE,
  compressedFileName,
  formatArtifactList,
  sha256File,
  SIGNATURE_FILE,
  signChecksums,
  SIGSTORE_BUNDLE_FILE,
  type ArtifactEntry,
} from '@fctl-kit/artifacts';
import { compressFile, DEFAULT_COMPRESSION, parseCompression, type CompressionSetting } from './compress.js';
import { adhocSign, removeSignature } from './macho/index.js';
import { removeAuthenticode } from './pe/authenticode.js';
import { readManifest } from '@fctl-kit/plugin-config';
import { defaultCacheDir, ensureRuntime, type ResolvedRuntime } from './runtime-cache.js';
import { DEFAULT_RUNTIME_LOCK, DEFAULT_RUNTIME_LOCK_NAME, lockedRuntime, type RuntimeLock } from './runtime-lock.js';
import { generateSeaBlob, injectSeaBlob } from './sea.js';
import { DEFAULT_NODE_VERSION, hostTarget, TARGETS, targetInfo, type TargetInfo } from './targets.js';

export interface BuildOptions {
  sourceDir: string;
  outDir: string;
  /** The service version: it becomes the plugin version. */
  serviceVersion: string;
  /** Target ids (default: every target the lock has for the Node version). */
  targets?: string[];
  nodeVersion?: string;
  lock?: { lock: RuntimeLock; name: string };
  cacheDir?: string;
  signingKey?: KeyObject;
  concurrency?: number;
  /**
   * The compressed copy of each binary (<binary>.xz): an xz preset, or 'none'. Default: the
   * FCTL_KIT_COMPRESSION environment variable ("0".."9" or "none"), else DEFAULT_COMPRESSION.
   */
  compression?: CompressionSetting;
  onProgress?: (event: BuildProgress) => void;
}

export type BuildStep = { step: 'bundle' | 'runtimes' | 'blob' | 'checksums' } | { step: 'target' | 'compress'; target: string };
export type BuildProgress = BuildStep & { state: 'start' | 'done'; ms?: number };

export interface Artifact {
  name: string;
  size: number;
  sha256: string;
}

export interface BuildSummary {
  plugin: string;
  version: string;
  node: string;
  outDir: string;
  binaries: Array<Artifact & { target: string }>;
  /** The compressed copy of each binary (none with compression 'none'). */
  compressed: Array<Artifact & { target: string; contains: string }>;
  bundle: Artifact;
  manifest: Artifact;
  /** The plugin's compat/scenarios.yaml, when it has one. */
  scenarios?: Artifact;
  /** artifacts.json. */
  artifacts: Artifact;
  checksums: Artifact;
  signature?: { name: string };
}

/** The compatibility scenarios of the plugin, published with the release under this name. */
const SCENARIOS_FILE = 'scenarios.yaml';

/** The plugin's compat/scenarios.yaml, copied to the release when it is a regular file; false when there is none. */
async function copyScenarios(sourceDir: string, outDir: string): Promise<boolean> {
  const source = join(sourceDir, 'compat', SCENARIOS_FILE);
  const handle = await open(source, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!handle) return false;
  try {
    if (!(await handle.stat()).isFile()) throw new Error(`${source} is not a regular file`);
    await writeFile(join(outDir, SCENARIOS_FILE), await handle.readFile());
    return true;
  } finally {
    await handle.close();
  }
}

function compressionSetting(options: BuildOptions): CompressionSetting {
  if (options.compression) return options.compression;
  const fromEnv = process.env.FCTL_KIT_COMPRESSION;
  return fromEnv ? parseCompression(fromEnv, 'FCTL_KIT_COMPRESSION') : DEFAULT_COMPRESSION;
}

export async function artifact(directory: string, name: string): Promise<Artifact> {
  const path = join(directory, name);
  return { name, size: (await stat(path)).size, sha256: await sha256File(path) };
}

/** What injection needs from the runtime: signatures out (they would be invalid after it). */
export async function unsignedRuntime(target: TargetInfo, runtime: string): Promise<Buffer> {
  const bytes = await readFile(runtime);
  if (target.format === 'pe') return removeAuthenticode(bytes);
  if (target.format === 'macho') return removeSignature(bytes);
  return bytes;
}

/**
 * The bundle under its published name, with its source map link and the map's `file` following;
 * the map's sources become relative to the plugin directory (its contents are embedded), so no
 * build path leaks into it.
 */
async function nameBundle(sourceDir: string, outFile: string, sourceMap: string, target: string): Promise<{ outFile: string; sourceMap: string }> {
  const name = basename(target);
  const code = await readFile(outFile, 'utf8');
  const link = `//# sourceMappingURL=${basename(sourceMap)}`;
  if (!code.trimEnd().endsWith(link)) throw new Error(`the bundle ${outFile} does not end with its source map link`);
  await writeFile(target, `${code.trimEnd().slice(0, -link.length)}//# sourceMappingURL=${name}.map\n`);
  const map = JSON.parse(await readFile(sourceMap, 'utf8')) as { file?: string; sources: string[] };
  const sources = map.sources.map((source) => relative(resolve(sourceDir), resolve(dirname(sourceMap), source)).split(sep).join('/'));
  await writeFile(`${target}.map`, JSON.stringify({ ...map, file: name, sourceRoot: '', sources }));
  return { outFile: target, sourceMap: `${target}.map` };
}

export async function buildPlugin(options: BuildOptions): Promise<BuildSummary> {
  const progress = options.onProgress ?? (() => {});
  const timed = async <T>(step: BuildStep, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    progress({ ...step, state: 'start' });
    const result = await work();
    progress({ ...step, state: 'done', ms: Date.now() - started });
    return result;
  };
  const version = semver.valid(options.serviceVersion);
  if (!version || version !== options.serviceVersion) {
    throw new Error(`the service version must be a semver version like 3.2.0 (no leading "v"); got "${options.serviceVersion}"`);
  }
  const compression = compressionSetting(options);
  const nodeVersion = options.nodeVersion ?? DEFAULT_NODE_VERSION;
  const { lock, name: lockName } = options.lock ?? { lock: DEFAULT_RUNTIME_LOCK, name: DEFAULT_RUNTIME_LOCK_NAME };
  const targets = (options.targets ?? Object.keys(lock.runtimes[nodeVersion] ?? {})).map(targetInfo);
  if (!targets.length) throw new Error(`no targets: the runtime lock ${lockName} has no runtimes for Node ${nodeVersion}`);
  const host = hostTarget();
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const outDir = options.outDir;
  await mkdir(outDir, { recursive: true });
  const workDir = await mkdtemp(join(tmpdir(), 'fctl-kit-build-'));
  try {
    const runtimes = await timed({ step: 'runtimes' }, async () => {
      const wanted = [...new Map([...targets, host].map((t) => [t.id, t])).values()];
      const resolved = await Promise.all(
        wanted.map(async (t) => [t.id, await ensureRuntime(t, nodeVersion, lockedRuntime(lock, lockName, nodeVersion, t.id), cacheDir)] as const),
      );
      return new Map<string, ResolvedRuntime>(resolved);
    });
    const hostNode = runtimes.get(host.id)!.path;

    const bundleName = 'plugin.cjs';
    const { manifest, bundle } = await timed({ step: 'bundle' }, async () => {
      const built = await bundlePlugin({ sourceDir: options.sourceDir, outFile: join(workDir, bundleName), version, minify: true, nodeTarget: `node${nodeVersion.split('.')[0]}` });
      return { bundle: built, manifest: await readManifest(hostNode, [built.outFile]) };
    });
    if (manifest.version !== version) throw new Error(`the bundle reports version ${manifest.version}, not the service version ${version}`);
    const plugin = manifest.name;
    const bundleOut = `fctl-plugin-${plugin}.cjs`;
    const named = await nameBundle(options.sourceDir, bundle.outFile, bundle.sourceMap, join(workDir, bundleOut));
    await copyFile(named.outFile, join(outDir, bundleOut));
    await copyFile(named.sourceMap, join(outDir, `${bundleOut}.map`));
    const blob = await timed({ step: 'blob' }, () => generateSeaBlob(hostNode, named.outFile, workDir));

    const limit = pLimit(options.concurrency ?? Math.max(1, availableParallelism()));
    // Longest first (postject on Mach-O, then ELF; PE is quick), so the last job to start is short.
    const cost = { macho: 2, elf: 1, pe: 0 } as const;
    const scheduled = [...targets].sort((a, b) => cost[b.format] - cost[a.format]);
    const binaries = await Promise.all(
      scheduled.map((target) =>
        limit(() =>
          timed({ step: 'target', target: target.id }, async () => {
            const name = binaryFileName(plugin, target);
            const staging = join(workDir, name);
            await writeFile(staging, await unsignedRuntime(target, runtimes.get(target.id)!.path));
            await injectSeaBlob(staging, blob, target.format);
            if (target.format === 'macho') await writeFile(staging, adhocSign(await readFile(staging), name));
            await chmod(staging, 0o755);
            await rename(staging, join(outDir, name)).catch(async () => {
              await copyFile(staging, join(outDir, name));
            });
            return { target: target.id, ...(await artifact(outDir, name)) };
          }),
        ),
      ),
    );
    // The binaries compressed in parallel, sharing the CPUs (the bytes do not depend on the threads).
    const threads = Math.max(1, Math.floor(availableParallelism() / Math.min(options.concurrency ?? availableParallelism(), binaries.length)));
    const compressed =
      compression === 'none'
        ? []
        : await Promise.all(
            binaries.map((binary) =>
              limit(() =>
                timed({ step: 'compress', target: binary.target }, async () => {
                  const name = compressedFileName(binary.name, 'xz');
                  await compressFile(join(outDir, binary.name), join(outDir, name), compression.preset, threads);
                  return { target: binary.target, contains: binary.name, ...(await artifact(outDir, name)) };
                }),
              ),
            ),
          );

    const manifestName = 'manifest.json';
    await writeFile(join(outDir, manifestName), `${JSON.stringify(manifest, null, 2)}\n`);
    const scenarios = (await copyScenarios(options.sourceDir, outDir)) ? await artifact(outDir, SCENARIOS_FILE) : undefined;
    const bundleArtifact = await artifact(outDir, bundleOut);
    const manifestArtifact = await artifact(outDir, manifestName);
    binaries.sort((a, b) => a.target.localeCompare(b.target));
    compressed.sort((a, b) => a.target.localeCompare(b.target));
    const platform = (target: string) => {
      const { os, arch } = targetInfo(target);
      return { os, arch };
    };
    // Both forms signChecksums writes below.
    const signatures: ArtifactEntry[] = options.signingKey ? [{ name: SIGNATURE_FILE, kind: 'signature' }, { name: SIGSTORE_BUNDLE_FILE, kind: 'sigstore-bundle' }] : [];
    const hashed: ArtifactEntry[] = [
      ...binaries.map((b): ArtifactEntry => ({ name: b.name, kind: 'binary', ...platform(b.target), size: b.size, sha256: b.sha256 })),
      ...compressed.map((c): ArtifactEntry => ({ name: c.name, kind: 'compressed-binary', ...platform(c.target), size: c.size, sha256: c.sha256, compression: 'xz', contains: c.contains })),
      { name: bundleOut, kind: 'bundle', size: bundleArtifact.size, sha256: bundleArtifact.sha256 },
      { name: manifestName, kind: 'manifest', size: manifestArtifact.size, sha256: manifestArtifact.sha256 },
      ...(scenarios ? [{ name: SCENARIOS_FILE, kind: 'scenarios' as const, size: scenarios.size, sha256: scenarios.sha256 }] : []),
    ];
    const list = [...hashed, { name: ARTIFACTS_FILE, kind: 'artifact-list' as const }, { name: CHECKSUMS_FILE, kind: 'checksums' as const }, ...signatures];
    await writeFile(join(outDir, ARTIFACTS_FILE), formatArtifactList({ format: ARTIFACT_LIST_FORMAT, name: plugin, version, artifacts: list }));
    const { checksums, signature } = await timed({ step: 'checksums' }, async () => {
      const text = await checksumsOf(outDir, [...hashed.map((entry) => entry.name), ARTIFACTS_FILE]);
      await writeFile(join(outDir, CHECKSUMS_FILE), text);
      if (options.signingKey) for (const file of signChecksums(text, options.signingKey)) await writeFile(join(outDir, file.name), file.contents);
      return { checksums: await artifact(outDir, CHECKSUMS_FILE), signature: options.signingKey ? { name: SIGNATURE_FILE } : undefined };
    });
    return {
      plugin,
      version,
      node: nodeVersion,
      outDir,
      binaries,
      compressed,
      bundle: bundleArtifact,
      manifest: manifestArtifact,
      ...(scenarios ? { scenarios } : {}),
      artifacts: await artifact(outDir, ARTIFACTS_FILE),
      checksums,
      ...(signature ? { signature } : {}),
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

export { TARGETS };
