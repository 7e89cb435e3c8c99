// What `fctl-kit registry validate` reports beyond what the loader refuses: the naming policy, and
// warnings for ranges that make resolution surprising.
import semver from 'semver';
import { RESERVED_COMMAND_NAMES } from '@fctl-kit/protocol';
import type { RegistryDocument } from './schema.js';

export interface Finding {
  level: 'error' | 'warning';
  message: string;
}

const RANGE_OPTIONS = { includePrerelease: true };

export function lintRegistry(document: RegistryDocument): Finding[] {
  const findings: Finding[] = [];
  for (const [name, plugin] of Object.entries(document.plugins)) {
    if (RESERVED_COMMAND_NAMES.includes(name)) findings.push({ level: 'error', message: `plugins.${name}: "${name}" is a command of fctl itself and cannot be a plugin name` });
    const versions = Object.entries(plugin.versions).sort(([a], [b]) => semver.compare(a, b));
    for (const [version, entry] of versions) {
      if (!semver.satisfies(version, entry.compatibleWith, RANGE_OPTIONS)) {
        findings.push({ level: 'warning', message: `plugins.${name}.versions.${version}: the version is outside its own compatibleWith range ${JSON.stringify(entry.compatibleWith)}` });
      }
    }
    for (let i = 0; i < versions.length; i++) {
      for (let j = i + 1; j < versions.length; j++) {
        const [a, first] = versions[i]!;
        const [b, second] = versions[j]!;
        if (semver.intersects(first.compatibleWith, second.compatibleWith, RANGE_OPTIONS)) {
          findings.push({
            level: 'warning',
            message: `plugins.${name}: the ranges of ${a} (${first.compatibleWith}) and ${b} (${second.compatibleWith}) overlap; ${b} wins where both match`,
          });
        }
      }
    }
  }
  if (document.cores && !document.cores.publicKey && Object.keys(document.cores.versions).length) {
    findings.push({ level: 'warning', message: 'cores: no publicKey; released cores are verified by their checksumsSha256 pins alone' });
  }
  return findings;
}

/** Two plugins whose releases report the same service (known once their manifests are read). */
export function duplicateServices(services: Map<string, string>): Finding[] {
  const byService = new Map<string, string[]>();
  for (const [plugin, service] of services) byService.set(service, [...(byService.get(service) ?? []), plugin]);
  return [...byService]
    .filter(([, plugins]) => plugins.length > 1)
    .map(([service, plugins]) => ({ level: 'error' as const, message: `plugins ${plugins.join(' and ')} both claim the service "${service}"` }));
}
