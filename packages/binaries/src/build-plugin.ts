// The plugin build, one entry for every language: fctl-plugin.json's "language" picks the builder.
// TypeScript: bundle once, read the manifest, fetch and verify the runtimes, make one SEA blob, then
// per target (concurrently) inject it and sign darwin binaries. Go: src/go/build-go.ts. Both end the
// same way (release-files.ts): compressed copies, artifacts.json, checksums.txt and its signature.
// Same inputs, same bytes: nothing here depends on time or on paths.
import { availableParallelism } from 'node:os';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { KeyObject } from 'node:crypto';
import pLimit from 'p-limit';
import semver from 'semver';
import { bundlePlugin } from '@fctl-kit/bundler';
import { binaryFileName } from '@fctl-kit/artifacts';
import { type CompressionSetting } from './compress.js';
import { adhocSign, removeSignature } from './macho/index.js';
import { removeAuthenticode } from './pe/authenticode.js';
import { PLUGIN_CONFIG, pluginLanguage, readManifest, readPluginConfig, type PluginConfig, type PluginLanguage } from '@fctl-kit/plugin-config';
import { defaultCacheDir, ensureRuntime, type ResolvedRuntime } from './runtime-cache.js';
import { buildRuntimes, lockedRuntime, type RuntimeLock } from './runtime-lock.js';
import { generateSeaBlob, injectSeaBlob } from './sea.js';
import { hostTarget, TARGETS, type TargetInfo } from './targets.js';
import { artifact, compressionSetting, timer, writeReleaseFiles, type Artifact, type BuildProgress } from './release-files.js';
import { buildGoPlugin } from './go/build-go.js';

export { artifact, type Artifact, type BuildProgress, type BuildStep } from './release-files.js';

export interface BuildOptions {
  sourceDir: string;
  outDir: string;
  /** The service version: it becomes the plugin version. */
  serviceVersion: string;
  /** Target ids (default: every target the lock has for the Node version). */
  targets?: string[];
  /** The plugin's language (default: the "language" of its fctl-plugin.json, else TypeScript). */
  language?: PluginLanguage;
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

export interface BuildSummary {
  plugin: string;
  version: string;
  language: PluginLanguage;
  /** The Node version of the runtimes (TypeScript builds). */
  node?: string;
  /** The Go toolchain that built the binaries, e.g. go1.26.8 (Go builds). */
  go?: string;
  outDir: string;
  binaries: Array<Artifact & { target: string }>;
  /** The compressed copy of each binary (none with compression 'none'). */
  compressed: Array<Artifact & { target: string; contains: string }>;
  /** The bundle (TypeScript builds). */
  bundle?: Artifact;
  manifest: Artifact;
  /** The plugin's compat/scenarios.yaml, when it has one. */
  scenarios?: Artifact;
  /** artifacts.json. */
  artifacts: Artifact;
  checksums: Artifact;
  signature?: { name: string };
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

/** fctl-plugin.json of the plugin directory, or undefined when it has none (a TypeScript plugin built on its own). */
async function pluginConfigOf(sourceDir: string): Promise<PluginConfig | undefined> {
  const exists = await stat(join(sourceDir, PLUGIN_CONFIG)).then(() => true, () => false);
  return exists ? readPluginConfig(sourceDir) : undefined;
}

export async function buildPlugin(options: BuildOptions): Promise<BuildSummary> {
  const version = semver.valid(options.serviceVersion);
  if (!version || version !== options.serviceVersion) {
    throw new Error(`the service version must be a semver version like 3.2.0 (no leading "v"); got "${options.serviceVersion}"`);
  }
  const config = options.language === 'typescript' ? undefined : await pluginConfigOf(options.sourceDir);
  const language = options.language ?? (config ? pluginLanguage(config) : 'typescript');
  if (language === 'go') {
    if (!config) throw new Error(`a Go plugin is built from its fctl-plugin.json, and ${join(options.sourceDir, PLUGIN_CONFIG)} does not exist`);
    return buildGoPlugin({ ...options, serviceVersion: version }, config);
  }
  return buildTypeScriptPlugin(options, version);
}

async function buildTypeScriptPlugin(options: BuildOptions, version: string): Promise<BuildSummary> {
  const progress = options.onProgress ?? (() => {});
  const timed = timer(progress);
  const compression = compressionSetting(options.compression);
  const { nodeVersion, lock, lockName, targets } = buildRuntimes(options);
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
    const bundleArtifact = await artifact(outDir, bundleOut);
    const files = await writeReleaseFiles({
      sourceDir: options.sourceDir,
      outDir,
      plugin,
      version,
      manifest,
      binaries,
      bundle: bundleArtifact,
      compression,
      concurrency: options.concurrency,
      limit,
      signingKey: options.signingKey,
      timed,
    });
    return { plugin, version, language: 'typescript', node: nodeVersion, outDir, bundle: bundleArtifact, ...files };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

export { TARGETS };
