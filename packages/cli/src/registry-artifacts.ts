// `fctl-kit registry validate --check-artifacts`: every release the registry references must exist
// on its backend for every platform, and match its checksums (pin, signature, sha256), and its
// manifest must name the plugin and the registry version.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaryFileName, CHECKSUMS_FILE, parseChecksums, SIGNATURE_FILE, verifyChecksumsSignature, type Platform } from '@fctl-kit/artifacts';
import { backendFor, downloadFile, type DistributionBackend, type Release } from '@fctl-kit/backends';
import type { Finding, RegistryDocument } from '@fctl-kit/registry';

export const ALL_PLATFORMS: Platform[] = (['linux', 'darwin', 'windows'] as const).flatMap((os) => (['amd64', 'arm64'] as const).map((arch) => ({ os, arch })));

export interface ArtifactCheck {
  findings: Finding[];
  /** plugin -> the service its manifests report. */
  services: Map<string, string>;
  checked: number;
}

const LIMIT = 512 * 1024 * 1024;

async function checkRelease(backend: DistributionBackend, base: Omit<Release, 'platform'>, work: string, platforms: Platform[]): Promise<{ findings: Finding[]; service?: string; checked: number }> {
  const where = `plugins.${base.name}.versions.${base.version}`;
  const findings: Finding[] = [];
  const release: Release = { ...base, platform: platforms[0]! };
  const options = { maxBytes: LIMIT, retries: 2 };
  const checksumsPath = join(work, CHECKSUMS_FILE);
  const checksums = await downloadFile(backend, release, CHECKSUMS_FILE, checksumsPath, { ...options, maxBytes: 1024 * 1024 }).catch((error: Error) => error);
  if (checksums instanceof Error) return { findings: [{ level: 'error', message: `${where}: ${checksums.message}` }], checked: 0 };
  if (base.entry.checksumsSha256 && checksums.sha256 !== base.entry.checksumsSha256) {
    return { findings: [{ level: 'error', message: `${where}: checksums.txt has sha256 ${checksums.sha256}, but the registry pins ${base.entry.checksumsSha256}` }], checked: 0 };
  }
  const text = await readFile(checksumsPath, 'utf8');
  if (base.plugin.publicKey) {
    const signaturePath = join(work, SIGNATURE_FILE);
    const problem = await downloadFile(backend, release, SIGNATURE_FILE, signaturePath, { ...options, maxBytes: 16 * 1024 })
      .then(async () => verifyChecksumsSignature(text, await readFile(signaturePath, 'utf8'), base.plugin.publicKey!))
      .then(() => undefined, (error: Error) => error.message);
    if (problem) findings.push({ level: 'error', message: `${where}: ${problem}` });
  }
  let listed: Map<string, string>;
  try {
    listed = parseChecksums(text);
  } catch (error) {
    return { findings: [...findings, { level: 'error', message: `${where}: ${(error as Error).message}` }], checked: 0 };
  }
  let checked = 0;
  for (const platform of platforms) {
    const file = binaryFileName(base.name, platform);
    const expected = listed.get(file);
    if (!expected) {
      findings.push({ level: 'error', message: `${where}: checksums.txt has no ${file}` });
      continue;
    }
    const got = await downloadFile(backend, { ...base, platform }, file, join(work, file), options).catch((error: Error) => error);
    if (got instanceof Error) findings.push({ level: 'error', message: `${where}: ${got.message}` });
    else if (got.sha256 !== expected) findings.push({ level: 'error', message: `${where}: ${file} has sha256 ${got.sha256}, but checksums.txt says ${expected}` });
    else checked++;
    await rm(join(work, file), { force: true });
  }
  let service: string | undefined;
  if (listed.has('manifest.json')) {
    const got = await downloadFile(backend, release, 'manifest.json', join(work, 'manifest.json'), { ...options, maxBytes: 1024 * 1024 }).catch((error: Error) => error);
    if (!(got instanceof Error) && got.sha256 === listed.get('manifest.json')) {
      const manifest = JSON.parse(await readFile(join(work, 'manifest.json'), 'utf8')) as { name?: string; version?: string; service?: string };
      if (manifest.name !== base.name) findings.push({ level: 'error', message: `${where}: manifest.json names the plugin "${manifest.name}"` });
      if (manifest.version !== base.version) findings.push({ level: 'error', message: `${where}: manifest.json reports version ${manifest.version} (plugin version = service version)` });
      service = manifest.service;
    } else findings.push({ level: 'error', message: `${where}: manifest.json ${got instanceof Error ? got.message : 'does not match checksums.txt'}` });
  }
  return { findings, ...(service ? { service } : {}), checked };
}

export async function checkArtifacts(document: RegistryDocument, platforms: Platform[] = ALL_PLATFORMS, onRelease?: (name: string, version: string) => void): Promise<ArtifactCheck> {
  const result: ArtifactCheck = { findings: [], services: new Map(), checked: 0 };
  const work = await mkdtemp(join(tmpdir(), 'fctl-kit-check-'));
  try {
    for (const [name, plugin] of Object.entries(document.plugins)) {
      let backend: DistributionBackend;
      try {
        backend = backendFor(plugin);
      } catch (error) {
        result.findings.push({ level: 'error', message: `plugins.${name}: ${(error as Error).message}` });
        continue;
      }
      for (const [version, entry] of Object.entries(plugin.versions)) {
        onRelease?.(name, version);
        const checked = await checkRelease(backend, { name, version, plugin, entry }, work, platforms);
        result.findings.push(...checked.findings);
        result.checked += checked.checked;
        if (checked.service) result.services.set(name, checked.service);
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return result;
}
