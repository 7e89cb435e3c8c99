// Which plugin version serves a service version: the highest version whose compatibleWith range
// contains it. Ranges match prerelease service versions too (a stack on 3.2.0-rc.1 is served by
// ">=3.0.0"), but a prerelease plugin version is offered only to a prerelease service version:
// stable stacks never get release candidates.
import semver from 'semver';
import type { RegistryDocument, RegistryPlugin, RegistryVersion } from './schema.js';

const RANGE_OPTIONS = { includePrerelease: true };

interface IndexedVersion {
  version: string;
  prerelease: boolean;
  range: semver.Range;
  entry: RegistryVersion;
}

export interface RegistryIndex {
  document: RegistryDocument;
  plugins: Map<string, { plugin: RegistryPlugin; versions: IndexedVersion[] }>;
}

export type Resolution =
  | { kind: 'found'; name: string; version: string; entry: RegistryVersion; plugin: RegistryPlugin }
  | { kind: 'unknown-plugin'; name: string }
  /** The plugin exists but no version serves the service version (retired, or not released yet). */
  | { kind: 'no-compatible-version'; name: string; plugin: RegistryPlugin; versions: string[] };

/**
 * Parses a plugin's ranges once, and sorts its versions highest first, so that each resolution is
 * cheap; only for the plugins asked about (a command looks up one plugin of a registry of thousands).
 */
export function indexRegistry(document: RegistryDocument): RegistryIndex {
  const plugins = new Map<string, { plugin: RegistryPlugin; versions: IndexedVersion[] }>();
  for (const [name, plugin] of Object.entries(document.plugins)) {
    let versions: IndexedVersion[] | undefined;
    plugins.set(name, {
      plugin,
      get versions() {
        versions ??= Object.entries(plugin.versions)
          .map(([version, entry]) => ({ version, prerelease: semver.prerelease(version) !== null, range: new semver.Range(entry.compatibleWith, RANGE_OPTIONS), entry }))
          .sort((a, b) => semver.rcompare(a.version, b.version));
        return versions;
      },
    });
  }
  return { document, plugins };
}

export function resolveVersion(index: RegistryIndex, name: string, serviceVersion: string): Resolution {
  const found = index.plugins.get(name);
  if (!found) return { kind: 'unknown-plugin', name };
  const service = semver.parse(serviceVersion);
  if (service) {
    const servicePrerelease = service.prerelease.length > 0;
    for (const candidate of found.versions) {
      if (candidate.prerelease && !servicePrerelease) continue;
      if (candidate.range.test(service)) return { kind: 'found', name, version: candidate.version, entry: candidate.entry, plugin: found.plugin };
    }
  }
  return { kind: 'no-compatible-version', name, plugin: found.plugin, versions: found.versions.map((v) => v.version) };
}

/** A specific version, as `fctl plugin install NAME --version V` asks for. */
export function lookupVersion(index: RegistryIndex, name: string, version: string): Resolution {
  const found = index.plugins.get(name);
  if (!found) return { kind: 'unknown-plugin', name };
  const entry = found.plugin.versions[version];
  if (!entry) return { kind: 'no-compatible-version', name, plugin: found.plugin, versions: found.versions.map((v) => v.version) };
  return { kind: 'found', name, version, entry, plugin: found.plugin };
}
