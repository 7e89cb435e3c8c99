// Turning what the user asked for into a release to install: from the registry (the version's
// sources, in order), or from a local directory (air-gapped), with or without a registry. Every
// source goes through its backend's download side (backendNamed(kind).files).
import { readFile, stat } from 'node:fs/promises';
import semver from 'semver';
import { join, resolve } from 'node:path';
import { CHECKSUMS_FILE } from '@fctl-kit/artifacts';
import { BACKEND_KINDS, backendNamed, type RegistrySource, type ReleaseRef, type SourceFiles } from '@fctl-kit/backends';
import { sourcesOf, type RegistryPlugin, type RegistryVersion } from '@fctl-kit/registry';
import { EXIT } from '../host/failure.js';
import { UserError } from '../errors.js';
import type { Session } from '../session/session.js';
import type { FoundRelease } from './choose-release.js';
import type { LoadedRegistry } from './registry-client.js';
import type { ReleaseToInstall } from './install-release.js';

const isFile = (path: string) => stat(path).then((info) => info.isFile(), () => false);

/** One place to try: its files, or why it cannot be tried (a kind this fctl does not know, a source its backend refuses). */
export type Candidate = { label: string; files: SourceFiles } | { label: string; skipped: string } | { label: string; unusable: string };

/**
 * The release's sources in the order they are tried, each through its backend's download side.
 * A source is untrusted (it comes from the registry): what it serves is verified by the installer.
 */
export function candidatesFor(sources: readonly RegistrySource[], release: ReleaseRef, env: NodeJS.ProcessEnv): Candidate[] {
  return sources.map((source, index) => {
    const kind = typeof source.backend === 'string' ? source.backend : String(source.backend);
    const numbered = `source ${index + 1} of ${sources.length} (${kind}`;
    if (!BACKEND_KINDS.includes(kind)) {
      return { label: `${numbered})`, skipped: `this fctl does not know the backend ${JSON.stringify(kind)} (a newer fctl may); the backends it knows are ${BACKEND_KINDS.join(', ')}` };
    }
    try {
      const files = backendNamed(kind).files(source, release, env);
      return { label: `${numbered} ${files.describe(CHECKSUMS_FILE)})`, files };
    } catch (error) {
      return { label: `${numbered})`, unusable: (error as Error).message };
    }
  });
}

/** A release directory: flat as `fctl-kit build` writes it, or laid out as <name>/<version>/ (static hosting). */
async function directorySource(directory: string, name: string, version: string | undefined): Promise<{ source: RegistrySource; root: string }> {
  const root = resolve(directory);
  if (version && (await isFile(join(root, name, version, CHECKSUMS_FILE)))) return { source: { backend: 'url', url: `${root}/{name}/{version}/{file}` }, root: join(root, name, version) };
  if (await isFile(join(root, CHECKSUMS_FILE))) return { source: { backend: 'url', url: `${root}/{file}` }, root };
  throw new UserError(`${root} holds no release: expected ${CHECKSUMS_FILE} in it${version ? ` or in ${join(root, name, version)}` : ''}`, EXIT.failed);
}

export function fromRegistry(registry: LoadedRegistry, found: FoundRelease, options: { insecureSkipSignature?: boolean } = {}): ReleaseToInstall {
  return {
    name: found.name,
    version: found.version,
    plugin: found.plugin,
    entry: found.entry,
    sources: sourcesOf(found.plugin, found.entry),
    source: `registry:${registry.location.display}`,
    ...(found.plugin.publicKey ? { publicKey: found.plugin.publicKey } : {}),
    ...(options.insecureSkipSignature ? { insecureSkipSignature: true } : {}),
  };
}

/** --from DIR: the registry (when there is one) still decides the version, pin and key. */
export async function fromDirectory(
  directory: string,
  name: string,
  found: FoundRelease | undefined,
  options: { version?: string; publicKey?: string; insecureSkipSignature?: boolean },
): Promise<ReleaseToInstall> {
  const version = found?.version ?? options.version;
  const { source, root } = await directorySource(directory, name, version);
  let entry: RegistryVersion;
  let resolvedVersion = version;
  if (found) entry = found.entry;
  else {
    // No registry: the directory's manifest.json says which version it holds; the binary's own
    // manifest must then agree, as with a registry.
    // That manifest is untrusted like the rest of the directory.
    const path = join(root, 'manifest.json');
    let manifest: { version?: unknown; compatibleWith?: unknown };
    try {
      manifest = JSON.parse(await readFile(path, 'utf8').catch(() => '{}')) as typeof manifest;
    } catch (error) {
      throw new UserError(`${path} is not JSON: ${(error as Error).message}`, EXIT.failed);
    }
    if (!manifest || typeof manifest !== 'object') throw new UserError(`${path} is not a JSON object`, EXIT.failed);
    if (!resolvedVersion && manifest.version !== undefined && (typeof manifest.version !== 'string' || semver.valid(manifest.version) !== manifest.version)) {
      throw new UserError(`${path} names version ${JSON.stringify(manifest.version)}, which is not a released version like 3.2.0: pass --version`, EXIT.failed);
    }
    resolvedVersion ??= manifest.version as string | undefined;
    if (!resolvedVersion) throw new UserError(`${root} has no manifest.json saying which version it holds: pass --version`, EXIT.usage);
    const range = manifest.compatibleWith ?? '*';
    if (typeof range !== 'string' || range.length > 256 || semver.validRange(range) === null) {
      throw new UserError(`${path} has compatibleWith ${JSON.stringify(range)}, which is not a semver range`, EXIT.failed);
    }
    entry = { compatibleWith: range };
  }
  const plugin: RegistryPlugin = found?.plugin ?? { distribution: 'url', versions: {} };
  const publicKey = options.publicKey ?? found?.plugin.publicKey;
  return {
    name,
    version: resolvedVersion!,
    plugin,
    entry,
    sources: [source],
    source: `dir:${root}`,
    ...(publicKey ? { publicKey } : {}),
    ...(options.insecureSkipSignature ? { insecureSkipSignature: true } : {}),
  };
}

/** Keeps the deprecation marks of installed versions in step with the registry; warns on install. */
export async function syncDeprecations(session: Session, registry: LoadedRegistry, name: string): Promise<void> {
  const found = registry.index.plugins.get(name);
  const stored = await session.plugins.get(name);
  if (!found || !stored) return;
  const marks = new Map(Object.keys(stored.versions).filter((v) => found.plugin.versions[v]).map((v) => [v, found.plugin.versions[v]!.deprecated] as const));
  await session.plugins.refreshDeprecations(name, marks);
}
