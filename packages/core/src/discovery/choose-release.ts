// Which registry version to install: an exact --version, or the one resolution picks for the
// stack's service version; with the RFC's messages when there is none.
import semver from 'semver';
import { lookupVersion, resolveVersion, type Resolution } from '@fctl-kit/registry';
import { EXIT } from '../host/failure.js';
import { CliError } from '../cli/context.js';
import type { LoadedRegistry } from './registry-client.js';

export type FoundRelease = Extract<Resolution, { kind: 'found' }>;

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export function chooseRelease(registry: LoadedRegistry, name: string, wanted: { version?: string; serviceVersion?: string }): FoundRelease {
  const resolution = wanted.version
    ? lookupVersion(registry.index, name, wanted.version)
    : resolveVersion(registry.index, name, wanted.serviceVersion ?? '');
  if (resolution.kind === 'found') return resolution;
  if (resolution.kind === 'unknown-plugin') {
    throw new CliError(
      `the plugin registry ${registry.location.display} has no plugin named "${name}".\n\n  Install one from a file or directory: fctl plugin install ${name} --path <binary | source directory>`,
      EXIT.failed,
    );
  }
  if (wanted.version) {
    throw new CliError(
      `the plugin registry has no version ${wanted.version} of "${name}" (versions: ${resolution.versions.join(', ') || 'none'})`,
      EXIT.failed,
    );
  }
  throw retirementError(name, wanted.serviceVersion ?? '', resolution.versions);
}

/** RFC 0002 journey 7: the service version is below every version the registry still lists. */
function retirementError(name: string, serviceVersion: string, versions: string[]): CliError {
  const service = capitalize(name);
  const stable = versions.filter((v) => !semver.prerelease(v));
  const lowest = stable.length ? semver.minVersion(`>=${stable.at(-1)}`) : null;
  const parsed = semver.parse(serviceVersion);
  const manual = `    - Install a specific version manually:\n      fctl plugin install ${name} --path /path/to/binary`;
  if (parsed && lowest && semver.lt(serviceVersion, lowest.version)) {
    return new CliError(
      `no compatible plugin version found for ${service} v${serviceVersion}.\n       ${service} v${parsed.major}.x has reached end-of-life.\n\n  Options:\n    - Upgrade your stack to ${service} v${lowest.major}.x or later\n${manual}`,
      EXIT.failed,
    );
  }
  return new CliError(
    `no compatible plugin version found for ${service} v${serviceVersion}${versions.length ? ` (the registry lists ${versions.join(', ')})` : ''}.\n\n  Options:\n${manual}`,
    EXIT.failed,
  );
}
