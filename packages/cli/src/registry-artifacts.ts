// `fctl-kit registry validate --check-artifacts`: every release the registry references must exist
// at every one of its sources (mirrors included) for every platform, and match its checksums (pin,
// signature, sha256; artifacts.json and the compressed binaries it lists), and its manifest must
// name the plugin and the registry version. A finding names the source when a version has several.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ARTIFACTS_FILE,
  binaryFileName,
  CHECKSUMS_FILE,
  MAX_ARTIFACT_LIST_BYTES,
  parseArtifactList,
  parseChecksums,
  SIGNATURE_FILE,
  SIGSTORE_BUNDLE_FILE,
  verifySignedChecksums,
  type ArtifactEntry,
  type Platform,
} from '@fctl-kit/artifacts';
import { BACKEND_KINDS, backendNamed, decodingFor, downloadFile, type RegistrySource, type SourceFiles } from '@fctl-kit/backends';
import { sourcesOf, type Finding, type RegistryDocument, type RegistryPlugin, type RegistryVersion } from '@fctl-kit/registry';

export const ALL_PLATFORMS: Platform[] = (['linux', 'darwin', 'windows'] as const).flatMap((os) => (['amd64', 'arm64'] as const).map((arch) => ({ os, arch })));

export interface ArtifactCheck {
  findings: Finding[];
  /** plugin -> the service its manifests report. */
  services: Map<string, string>;
  checked: number;
}

const LIMIT = 512 * 1024 * 1024;

interface ReleaseAt {
  name: string;
  version: string;
  plugin: RegistryPlugin;
  entry: RegistryVersion;
  /** The files of the release at one source, for one platform. */
  files: (platform: Platform) => SourceFiles;
  /** The place findings name: the version, and the source when it has several. */
  where: string;
}

async function checkRelease(base: ReleaseAt, work: string, platforms: Platform[]): Promise<{ findings: Finding[]; service?: string; checked: number }> {
  const { where } = base;
  const findings: Finding[] = [];
  const release = base.files(platforms[0]!);
  const options = { maxBytes: LIMIT, retries: 2 };
  const checksumsPath = join(work, CHECKSUMS_FILE);
  const checksums = await downloadFile(release, CHECKSUMS_FILE, checksumsPath, { ...options, maxBytes: 1024 * 1024 }).catch((error: Error) => error);
  if (checksums instanceof Error) return { findings: [{ level: 'error', message: `${where}: ${checksums.message}` }], checked: 0 };
  if (base.entry.checksumsSha256 && checksums.sha256 !== base.entry.checksumsSha256) {
    return { findings: [{ level: 'error', message: `${where}: checksums.txt has sha256 ${checksums.sha256}, but the registry pins ${base.entry.checksumsSha256}` }], checked: 0 };
  }
  const text = await readFile(checksumsPath, 'utf8');
  if (base.plugin.publicKey) {
    // Either form of the signature may be there (checksums.txt.sig, checksums.txt.sigstore.json):
    // each one that is must verify, and at least one must be.
    const fetchText = (name: string) =>
      downloadFile(release, name, join(work, name), { ...options, maxBytes: 16 * 1024 }).then(
        () => readFile(join(work, name), 'utf8'),
        (error: Error) => error,
      );
    const [signature, bundle] = [await fetchText(SIGNATURE_FILE), await fetchText(SIGSTORE_BUNDLE_FILE)];
    const problem =
      signature instanceof Error && bundle instanceof Error
        ? `neither ${SIGNATURE_FILE} (${signature.message}) nor ${SIGSTORE_BUNDLE_FILE} (${bundle.message}) can be fetched, and the publisher signs its checksums`
        : await verifySignedChecksums(text, { ...(typeof signature === 'string' ? { signature } : {}), ...(typeof bundle === 'string' ? { bundle } : {}) }, base.plugin.publicKey).then(
            () => undefined,
            (error: Error) => error.message,
          );
    if (problem) findings.push({ level: 'error', message: `${where}: ${problem}` });
  }
  let listed: Map<string, string>;
  try {
    listed = parseChecksums(text);
  } catch (error) {
    return { findings: [...findings, { level: 'error', message: `${where}: ${(error as Error).message}` }], checked: 0 };
  }
  // The compressed binaries artifacts.json lists (what fctl downloads): the compressed bytes and what they decode to.
  const compressed = new Map<string, ArtifactEntry>();
  const sizes = new Map<string, number>();
  if (listed.has(ARTIFACTS_FILE)) {
    const path = join(work, ARTIFACTS_FILE);
    const got = await downloadFile(release, ARTIFACTS_FILE, path, { ...options, maxBytes: MAX_ARTIFACT_LIST_BYTES }).catch((error: Error) => error);
    if (got instanceof Error) findings.push({ level: 'error', message: `${where}: ${got.message}` });
    else if (got.sha256 !== listed.get(ARTIFACTS_FILE)) findings.push({ level: 'error', message: `${where}: ${ARTIFACTS_FILE} has sha256 ${got.sha256}, but checksums.txt says ${listed.get(ARTIFACTS_FILE)}` });
    else {
      try {
        const list = parseArtifactList(await readFile(path), release.describe(ARTIFACTS_FILE));
        if (list.name !== base.name || list.version !== base.version) findings.push({ level: 'error', message: `${where}: ${ARTIFACTS_FILE} is the list of ${list.name} ${list.version}` });
        for (const entry of list.artifacts) {
          if (entry.kind === 'compressed-binary' && entry.contains) compressed.set(entry.contains, entry);
          if (entry.kind === 'binary' && entry.size !== undefined) sizes.set(entry.name, entry.size);
        }
      } catch (error) {
        findings.push({ level: 'error', message: `${where}: ${(error as Error).message}` });
      }
    }
  }
  let checked = 0;
  for (const platform of platforms) {
    const binary = binaryFileName(base.name, platform);
    const packed = compressed.get(binary);
    for (const file of [binary, ...(packed ? [packed.name] : [])]) {
      const expected = listed.get(file);
      if (!expected) {
        findings.push({ level: 'error', message: `${where}: checksums.txt has no ${file}` });
        continue;
      }
      const decoding = file === binary ? undefined : decodingFor(packed!, Math.min(sizes.get(binary) ?? LIMIT, LIMIT));
      const got = await downloadFile(base.files(platform), file, join(work, file), { ...options, ...(decoding ? { decoding } : {}) }).catch((error: Error) => error);
      if (got instanceof Error) findings.push({ level: 'error', message: `${where}: ${got.message}` });
      else if (got.sha256 !== expected) findings.push({ level: 'error', message: `${where}: ${file} has sha256 ${got.sha256}, but checksums.txt says ${expected}` });
      else if (got.decoded && got.decoded.sha256 !== listed.get(binary)) findings.push({ level: 'error', message: `${where}: ${file} decompresses to sha256 ${got.decoded.sha256}, but checksums.txt says ${listed.get(binary)} for ${binary}` });
      else if (file === binary) checked++;
      await rm(join(work, file), { force: true });
    }
  }
  let service: string | undefined;
  if (listed.has('manifest.json')) {
    const got = await downloadFile(release, 'manifest.json', join(work, 'manifest.json'), { ...options, maxBytes: 1024 * 1024 }).catch((error: Error) => error);
    if (!(got instanceof Error) && got.sha256 === listed.get('manifest.json')) {
      const manifest = JSON.parse(await readFile(join(work, 'manifest.json'), 'utf8')) as { name?: string; version?: string; service?: string };
      if (manifest.name !== base.name) findings.push({ level: 'error', message: `${where}: manifest.json names the plugin "${manifest.name}"` });
      if (manifest.version !== base.version) findings.push({ level: 'error', message: `${where}: manifest.json reports version ${manifest.version} (plugin version = service version)` });
      service = manifest.service;
    } else findings.push({ level: 'error', message: `${where}: manifest.json ${got instanceof Error ? got.message : 'does not match checksums.txt'}` });
  }
  return { findings, ...(service ? { service } : {}), checked };
}

/** A version's sources, each as the files checkRelease reads (a kind this fctl-kit does not know: a warning). */
function sourcesToCheck(name: string, version: string, plugin: RegistryPlugin, entry: RegistryVersion, findings: Finding[]): ReleaseAt[] {
  const sources: RegistrySource[] = sourcesOf(plugin, entry);
  const at = `plugins.${name}.versions.${version}`;
  return sources.flatMap((source, index) => {
    const label = `source ${index + 1} of ${sources.length} (${source.backend})`;
    if (!BACKEND_KINDS.includes(source.backend)) {
      findings.push({ level: 'warning', message: `${at} ${label}: this fctl-kit does not know the backend ${JSON.stringify(source.backend)}; not checked` });
      return [];
    }
    const backend = backendNamed(source.backend);
    const files = (platform: Platform) => backend.files(source, { name, version, platform }, process.env);
    let where = at;
    try {
      if (sources.length > 1) where = `${at} source ${index + 1} of ${sources.length} (${source.backend} ${files(ALL_PLATFORMS[0]!).describe(CHECKSUMS_FILE)})`;
    } catch (error) {
      findings.push({ level: 'error', message: `${at} ${label}: ${(error as Error).message}` });
      return [];
    }
    return [{ name, version, plugin, entry, files, where }];
  });
}

export async function checkArtifacts(document: RegistryDocument, platforms: Platform[] = ALL_PLATFORMS, onRelease?: (name: string, version: string) => void): Promise<ArtifactCheck> {
  const result: ArtifactCheck = { findings: [], services: new Map(), checked: 0 };
  const work = await mkdtemp(join(tmpdir(), 'fctl-kit-check-'));
  try {
    for (const [name, plugin] of Object.entries(document.plugins)) {
      for (const [version, entry] of Object.entries(plugin.versions)) {
        onRelease?.(name, version);
        for (const release of sourcesToCheck(name, version, plugin, entry, result.findings)) {
          const checked = await checkRelease(release, work, platforms).catch((error: Error) => ({ findings: [{ level: 'error' as const, message: `${release.where}: ${error.message}` }], checked: 0, service: undefined }));
          result.findings.push(...checked.findings);
          result.checked += checked.checked;
          if (checked.service) result.services.set(name, checked.service);
        }
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return result;
}
