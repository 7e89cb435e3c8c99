// fctl itself as a release, built like a plugin (one SEA blob, injected per target): the compat
// matrix fetches it at any released version (docs/compat.md, "Released cores"). The release holds
// fctl-OS-ARCH[.exe] per target, checksums.txt listing them, and, with a key, its signature.
import { availableParallelism, tmpdir } from 'node:os';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { build, type Plugin } from 'esbuild';
import pLimit from 'p-limit';
import semver from 'semver';
import { checksumsOf, CHECKSUMS_FILE, platformId, signChecksums, SIGNATURE_FILE, type Platform } from '@fctl-kit/artifacts';
import { artifact, unsignedRuntime, type Artifact } from './build-plugin.js';
import { adhocSign } from './macho/index.js';
import { defaultCacheDir, ensureRuntime } from './runtime-cache.js';
import { buildRuntimes, lockedRuntime, type RuntimeLock } from './runtime-lock.js';
import { generateSeaBlob, injectSeaBlob } from './sea.js';
import { hostTarget } from './targets.js';


export interface BuildCoreOptions {
  /** packages/core of this repository: its src/cli/main.ts is the entry. */
  coreDir: string;
  outDir: string;
  /** The version the binary reports (`fctl version`); default: packages/core's package.json. */
  version?: string;
  /**
   * The protocol versions the binary speaks, e.g. [1] for an fctl as it was before v2 (tests, the
   * matrix): they replace what packages/core/src/host/protocol-offer.ts implements, so the binary
   * behaves as that older fctl does, and FCTL_PROTOCOL_VERSIONS can narrow them, not widen them.
   * Default: fctl's own.
   */
  protocolVersions?: readonly number[];
  targets?: string[];
  nodeVersion?: string;
  lock?: { lock: RuntimeLock; name: string };
  cacheDir?: string;
  signingKey?: KeyObject;
  concurrency?: number;
}

export interface CoreBuildSummary {
  version: string;
  node: string;
  outDir: string;
  binaries: Array<Artifact & { target: string }>;
  checksums: Artifact;
  signature?: { name: string };
}

/** `fctl-linux-x64`, `fctl-windows-x64.exe`: a core release's binary for a platform. */
export const coreBinaryFileName = (platform: Platform): string => `fctl-${platformId(platform)}${platform.os === 'windows' ? '.exe' : ''}`;

/** packages/core's package.json with another version: what `fctl version` reports. */
function versionPlugin(coreDir: string, version: string): Plugin {
  const manifest = resolve(coreDir, 'package.json');
  return {
    name: 'fctl-core-version',
    setup(esbuild) {
      esbuild.onLoad({ filter: /package\.json$/ }, async (args) => {
        if (resolve(args.path) !== manifest) return undefined;
        const json = JSON.parse(await readFile(manifest, 'utf8')) as Record<string, unknown>;
        return { contents: JSON.stringify({ ...json, version }), loader: 'json' };
      });
    },
  };
}

async function bundleCore(options: BuildCoreOptions, version: string, nodeMajor: string, outFile: string): Promise<void> {
  await build({
    entryPoints: [join(resolve(options.coreDir), 'src', 'cli', 'main.ts')],
    outfile: outFile,
    absWorkingDir: resolve(options.coreDir),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${nodeMajor}`,
    minify: true,
    conditions: ['@fctl-kit/source'],
    // Loaded only to build a plugin from its sources (fctl says how to get it when it is missing).
    external: ['@fctl-kit/bundler', 'esbuild'],
    banner: { js: 'var __fctlImportMetaUrl=require("node:url").pathToFileURL(__filename).href;' },
    define: {
      'import.meta.url': '__fctlImportMetaUrl',
      ...(options.protocolVersions ? { __FCTL_BUILT_PROTOCOL_VERSIONS__: JSON.stringify([...new Set(options.protocolVersions)].sort((a, b) => a - b)) } : {}),
    },
    plugins: [versionPlugin(options.coreDir, version)],
    legalComments: 'none',
    logLevel: 'silent',
  });
}

/** Builds fctl for each target: the binaries, checksums.txt and (with a key) its signatures. */
export async function buildCore(options: BuildCoreOptions): Promise<CoreBuildSummary> {
  const packageVersion = (JSON.parse(await readFile(join(options.coreDir, 'package.json'), 'utf8')) as { version: string }).version;
  const version = options.version ?? packageVersion;
  if (semver.valid(version) !== version) throw new Error(`the core version must be a semver version like 0.2.0 (no leading "v"); got "${version}"`);
  const { nodeVersion, lock, lockName, targets } = buildRuntimes(options);
  const host = hostTarget();
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  await mkdir(options.outDir, { recursive: true });
  const workDir = await mkdtemp(join(tmpdir(), 'fctl-kit-core-'));
  try {
    const wanted = [...new Map([...targets, host].map((t) => [t.id, t])).values()];
    const runtimes = new Map(await Promise.all(wanted.map(async (t) => [t.id, (await ensureRuntime(t, nodeVersion, lockedRuntime(lock, lockName, nodeVersion, t.id), cacheDir)).path] as const)));
    const bundle = join(workDir, 'fctl.cjs');
    await bundleCore(options, version, nodeVersion.split('.')[0]!, bundle);
    const blob = await generateSeaBlob(runtimes.get(host.id)!, bundle, workDir);
    const limit = pLimit(options.concurrency ?? Math.max(1, availableParallelism()));
    const binaries = await Promise.all(
      targets.map((target) =>
        limit(async () => {
          const name = coreBinaryFileName(target);
          const staging = join(workDir, name);
          await writeFile(staging, await unsignedRuntime(target, runtimes.get(target.id)!));
          await injectSeaBlob(staging, blob, target.format);
          if (target.format === 'macho') await writeFile(staging, adhocSign(await readFile(staging), name));
          await chmod(staging, 0o755);
          await rename(staging, join(options.outDir, name)).catch(() => copyFile(staging, join(options.outDir, name)));
          return { target: target.id, ...(await artifact(options.outDir, name)) };
        }),
      ),
    );
    binaries.sort((a, b) => a.target.localeCompare(b.target));
    const text = await checksumsOf(options.outDir, binaries.map((binary) => binary.name));
    await writeFile(join(options.outDir, CHECKSUMS_FILE), text);
    if (options.signingKey) for (const file of signChecksums(text, options.signingKey)) await writeFile(join(options.outDir, file.name), file.contents);
    return {
      version,
      node: nodeVersion,
      outDir: options.outDir,
      binaries,
      checksums: await artifact(options.outDir, CHECKSUMS_FILE),
      ...(options.signingKey ? { signature: { name: SIGNATURE_FILE } } : {}),
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
