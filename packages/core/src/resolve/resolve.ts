// Which implementation runs a service's commands (RFC 0002 resolution order):
// an installed plugin whose compatibleWith contains the service version (a "dev" build first,
// else the highest version) -> built-in commands covering that version -> not available.
import semver from 'semver';
import type { BuiltinService } from '../builtins/index.js';
import type { InstalledVersion, StoredPlugin } from '../store/plugin-store.js';

export type Resolution =
  | { kind: 'plugin'; version: string; installed: InstalledVersion }
  | { kind: 'builtin'; builtin: BuiltinService }
  | { kind: 'missing' };

/** Prerelease service versions (3.2.0-rc.1) match ranges like >=3.0.0: a stack on an rc still needs its plugin. */
const RANGE_OPTIONS = { includePrerelease: true };

export function compatibleVersions(stored: StoredPlugin | undefined, serviceVersion: string): string[] {
  if (!stored) return [];
  return Object.entries(stored.versions)
    .filter(([, entry]) => semver.satisfies(serviceVersion, entry.compatibleWith, RANGE_OPTIONS))
    .map(([version]) => version)
    .sort((a, b) => (a === 'dev' ? -1 : b === 'dev' ? 1 : semver.rcompare(a, b)));
}

export function resolveService(
  service: string,
  serviceVersion: string,
  stored: StoredPlugin | undefined,
  builtins: readonly BuiltinService[],
): Resolution {
  const [best] = compatibleVersions(stored, serviceVersion);
  if (best) return { kind: 'plugin', version: best, installed: stored!.versions[best]! };
  const builtin = builtins.find((b) => b.service === service && semver.satisfies(serviceVersion, b.covers, RANGE_OPTIONS));
  if (builtin) return { kind: 'builtin', builtin };
  return { kind: 'missing' };
}
