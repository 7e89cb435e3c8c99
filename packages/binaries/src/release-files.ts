// What every plugin build ends with, whatever the language built its binaries: the compressed copy
// of each binary, manifest.json, the plugin's scenarios, artifacts.json (the typed list of the
// release's files), checksums.txt covering it, and its signature. Same inputs, same bytes.
import { availableParallelism } from 'node:os';
import { open, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { constants } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import type { LimitFunction } from 'p-limit';
import type { readManifest } from '@fctl-kit/plugin-config';
import {
  ARTIFACT_LIST_FORMAT,
  ARTIFACTS_FILE,
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
import { targetInfo } from './targets.js';

export interface Artifact {
  name: string;
  size: number;
  sha256: string;
}

export type BuildStep = { step: 'bundle' | 'runtimes' | 'toolchain' | 'blob' | 'checksums' } | { step: 'target' | 'compress'; target: string };
export type BuildProgress = BuildStep & { state: 'start' | 'done'; ms?: number };
/** What a built plugin reports in the handshake (manifest.json). */
export type Manifest = Awaited<ReturnType<typeof readManifest>>;
export type Timed = <T>(step: BuildStep, work: () => Promise<T>) => Promise<T>;

/** Runs `work` between a start and a done event (the latter with its duration). */
export function timer(progress: (event: BuildProgress) => void): Timed {
  return async (step, work) => {
    const started = Date.now();
    progress({ ...step, state: 'start' });
    const result = await work();
    progress({ ...step, state: 'done', ms: Date.now() - started });
    return result;
  };
}

export async function artifact(directory: string, name: string): Promise<Artifact> {
  const path = join(directory, name);
  return { name, size: (await stat(path)).size, sha256: await sha256File(path) };
}

/** The option if given, else FCTL_KIT_COMPRESSION ("0".."9" or "none"), else DEFAULT_COMPRESSION. */
export function compressionSetting(compression: CompressionSetting | undefined): CompressionSetting {
  if (compression) return compression;
  const fromEnv = process.env.FCTL_KIT_COMPRESSION;
  return fromEnv ? parseCompression(fromEnv, 'FCTL_KIT_COMPRESSION') : DEFAULT_COMPRESSION;
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

export interface ReleaseFilesInput {
  sourceDir: string;
  outDir: string;
  plugin: string;
  version: string;
  manifest: Manifest;
  /** The binaries, already in outDir. */
  binaries: Array<Artifact & { target: string }>;
  /** The bundle (TypeScript builds), already in outDir. */
  bundle?: Artifact;
  compression: CompressionSetting;
  concurrency?: number;
  limit: LimitFunction;
  signingKey?: KeyObject;
  timed: Timed;
}

export interface ReleaseFiles {
  binaries: Array<Artifact & { target: string }>;
  compressed: Array<Artifact & { target: string; contains: string }>;
  manifest: Artifact;
  scenarios?: Artifact;
  artifacts: Artifact;
  checksums: Artifact;
  signature?: { name: string };
}

export async function writeReleaseFiles(input: ReleaseFilesInput): Promise<ReleaseFiles> {
  const { outDir, limit, timed, compression } = input;
  const binaries = [...input.binaries];
  // The binaries compressed in parallel, sharing the CPUs (the bytes do not depend on the threads).
  const threads = Math.max(1, Math.floor(availableParallelism() / Math.min(input.concurrency ?? availableParallelism(), binaries.length)));
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
  await writeFile(join(outDir, manifestName), `${JSON.stringify(input.manifest, null, 2)}\n`);
  const scenarios = (await copyScenarios(input.sourceDir, outDir)) ? await artifact(outDir, SCENARIOS_FILE) : undefined;
  const manifestArtifact = await artifact(outDir, manifestName);
  binaries.sort((a, b) => a.target.localeCompare(b.target));
  compressed.sort((a, b) => a.target.localeCompare(b.target));
  const platform = (target: string) => {
    const { os, arch } = targetInfo(target);
    return { os, arch };
  };
  // Both forms signChecksums writes below.
  const signatures: ArtifactEntry[] = input.signingKey ? [{ name: SIGNATURE_FILE, kind: 'signature' }, { name: SIGSTORE_BUNDLE_FILE, kind: 'sigstore-bundle' }] : [];
  const hashed: ArtifactEntry[] = [
    ...binaries.map((b): ArtifactEntry => ({ name: b.name, kind: 'binary', ...platform(b.target), size: b.size, sha256: b.sha256 })),
    ...compressed.map((c): ArtifactEntry => ({ name: c.name, kind: 'compressed-binary', ...platform(c.target), size: c.size, sha256: c.sha256, compression: 'xz', contains: c.contains })),
    ...(input.bundle ? [{ name: input.bundle.name, kind: 'bundle' as const, size: input.bundle.size, sha256: input.bundle.sha256 }] : []),
    { name: manifestName, kind: 'manifest', size: manifestArtifact.size, sha256: manifestArtifact.sha256 },
    ...(scenarios ? [{ name: SCENARIOS_FILE, kind: 'scenarios' as const, size: scenarios.size, sha256: scenarios.sha256 }] : []),
  ];
  const list = [...hashed, { name: ARTIFACTS_FILE, kind: 'artifact-list' as const }, { name: CHECKSUMS_FILE, kind: 'checksums' as const }, ...signatures];
  await writeFile(join(outDir, ARTIFACTS_FILE), formatArtifactList({ format: ARTIFACT_LIST_FORMAT, name: input.plugin, version: input.version, artifacts: list }));
  const { checksums, signature } = await timed({ step: 'checksums' }, async () => {
    const text = await checksumsOf(outDir, [...hashed.map((entry) => entry.name), ARTIFACTS_FILE]);
    await writeFile(join(outDir, CHECKSUMS_FILE), text);
    if (input.signingKey) for (const file of signChecksums(text, input.signingKey)) await writeFile(join(outDir, file.name), file.contents);
    return { checksums: await artifact(outDir, CHECKSUMS_FILE), signature: input.signingKey ? { name: SIGNATURE_FILE } : undefined };
  });
  return {
    binaries,
    compressed,
    manifest: manifestArtifact,
    ...(scenarios ? { scenarios } : {}),
    artifacts: await artifact(outDir, ARTIFACTS_FILE),
    checksums,
    ...(signature ? { signature } : {}),
  };
}
