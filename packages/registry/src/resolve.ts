// Which plugin version serves a service version: the highest version whose compatibleWith range
// contains it. Ranges match prerelease service versions too (a stack on 3.2.0-rc.1 is served by
// ">=3.0.0"), but a prerelease plugin version is offered only to a prerelease service version:
// stable stacks never get release candidates. Given the protocol versions the core speaks, versions
// whose recorded protocols do not meet them are passed over, each with its reason (protocols.ts).
import semver from 'semver';
import { protocolSkip, type ProtocolSkip, type SpeaksOptions } from './protocols.js';
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

/**
 * `skipped` (only when the core's protocol versions were given): the versions passed over because
 * they speak no protocol version the core does, highest first - for `found`, those above the one
 * found; for `no-compatible-version`, every one that would have served (none left: protocols are why).
 */
export type Resolution =
  | { kind: 'found'; name: string; version: string; entry: RegistryVersion; plugin: RegistryPlugin; skipped?: ProtocolSkip[] }
  | { kind: 'unknown-plugin'; name: string }
  /** The plugin exists but no version serves the service version (retired, or not released yet). */
  | { kind: 'no-compatible-version'; name: string; plugin: RegistryPlugin; versions: string[]; skipped?: ProtocolSkip[] };

export interface ResolveOptions extends SpeaksOptions {
  /** The protocol versions the core speaks (what it offers): versions speaking none of them are skipped. */
  speaks?: readonly number[];
}

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

export function resolveVersion(index: RegistryIndex, name: string, serviceVersion: string, options: ResolveOptions = {}): Resolution {
  const found = index.plugins.get(name);
  if (!found) return { kind: 'unknown-plugin', name };
  const { speaks } = options;
  const skipped: ProtocolSkip[] = [];
  const withSkipped = speaks ? { skipped } : {};
  const service = semver.parse(serviceVersion);
  if (service) {
    const servicePrerelease = service.prerelease.length > 0;
    for (const candidate of found.versions) {
      if (candidate.prerelease && !servicePrerelease) continue;
      if (!candidate.range.test(service)) continue;
      const skip = speaks && protocolSkip(name, candidate.version, candidate.entry, speaks, options);
      if (skip) {
        skipped.push(skip);
        continue;
      }
      return { kind: 'found', name, version: candidate.version, entry: candidate.entry, plugin: found.plugin, ...withSkipped };
    }
  }
  return { kind: 'no-compatible-version', name, plugin: found.plugin, versions: found.versions.map((v) => v.version), ...withSkipped };
}

/** A specific version, as `fctl plugin install NAME --version V` asks for (not found, with `skipped`, when it speaks none of `speaks`). */
export function lookupVersion(index: RegistryIndex, name: string, version: string, options: ResolveOptions = {}): Resolution {
  const found = index.plugins.get(name);
  if (!found) return { kind: 'unknown-plugin', name };
  const entry = Object.hasOwn(found.plugin.versions, version) ? found.plugin.versions[version] : undefined;
  const versions = () => found.versions.map((v) => v.version);
  if (!entry) return { kind: 'no-compatible-version', name, plugin: found.plugin, versions: versions(), ...(options.speaks ? { skipped: [] } : {}) };
  const skip = options.speaks && protocolSkip(name, version, entry, options.speaks, options);
  if (skip) return { kind: 'no-compatible-version', name, plugin: found.plugin, versions: versions(), skipped: [skip] };
  return { kind: 'found', name, version, entry, plugin: found.plugin, ...(options.speaks ? { skipped: [] } : {}) };
}
