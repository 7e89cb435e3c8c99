// Which registry version to install: an exact --version, or the one resolution picks for the
// stack's service version; with the RFC's messages when there is none.
import semver from 'semver';
import { lookupVersion, resolveVersion, type Resolution } from '@fctl-kit/registry';
import { EXIT } from '../host/failure.js';
import { UserError } from '../errors.js';
import type { LoadedRegistry } from './registry-client.js';

export type FoundRelease = Extract<Resolution, { kind: 'found' }>;

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export function chooseRelease(registry: LoadedRegistry, name: string, wanted: { version?: string; serviceVersion?: string }): FoundRelease {
  const resolution = wanted.version
    ? lookupVersion(registry.index, name, wanted.version)
    : resolveVersion(registry.index, name, wanted.serviceVersion ?? '');
  if (resolution.kind === 'found') return resolution;
  if (resolution.kind === 'unknown-plugin') {
    throw new UserError(
      `the plugin registry ${registry.location.display} has no plugin named "${name}".\n\n  Install one from a file or directory: fctl plugin install ${name} --path <binary | source directory>`,
      EXIT.failed,
    );
  }
  if (wanted.version) {
    throw new UserError(
      `the plugin registry has no version ${wanted.version} of "${name}" (versions: ${resolution.versions.join(', ') || 'none'})`,
      EXIT.failed,
    );
  }
  throw retirementError(name, wanted.serviceVersion ?? '', resolution.versions, resolution.plugin);
}

/** How many served versions a retirement error lists (a registry may list dozens per plugin). */
const LISTED = 8;

/**
 * RFC 0002 journey 7, and its neighbours: no registry version serves the stack's service version.
 * Says which service versions are still served (and by which plugin versions), whether the stack's
 * version was retired (below everything served) or is not served yet (above), and what to do.
 */
function retirementError(name: string, serviceVersion: string, versions: string[], plugin: { versions: Record<string, { compatibleWith: string }> }): UserError {
  const service = capitalize(name);
  const parsed = semver.parse(serviceVersion);
  // A stable stack is never offered a prerelease plugin version: listing one would mislead.
  const offered = versions.filter((v) => !semver.prerelease(v) || (parsed !== null && parsed.prerelease.length > 0));
  const served = offered.map((version) => ({ version, range: plugin.versions[version]!.compatibleWith })).reverse();
  const manual = `    - Install a plugin build you have for ${service} v${serviceVersion}:\n      fctl plugin install ${name} --path <binary | source directory> --compatible-with ${serviceVersion}`;
  if (!served.length) {
    return new UserError(`the registry lists no released version of the "${name}" plugin, so none serves ${service} v${serviceVersion}.\n\n  Options:\n${manual}`, EXIT.failed);
  }
  const shown = served.slice(0, LISTED).map(({ version, range }) => `         ${service} ${range}: fctl-plugin-${name} ${version}`);
  if (served.length > LISTED) shown.push(`         ... and ${served.length - LISTED} more, up to fctl-plugin-${name} ${served.at(-1)!.version}`);
  const options = { includePrerelease: true };
  const below = parsed !== null && served.every(({ range }) => semver.ltr(parsed, range, options));
  const above = parsed !== null && served.every(({ range }) => semver.gtr(parsed, range, options));
  const lowest = served.map(({ range }) => semver.minVersion(range)).filter((v): v is semver.SemVer => v !== null).sort(semver.compare)[0];
  let why = '';
  if (below && parsed) {
    const majorServed = served.some(({ range }) => semver.intersects(range, `${parsed.major}.x`, options));
    why = majorServed
      ? `\n       ${service} versions below ${lowest?.version ?? served[0]!.version} are no longer served.`
      : `\n       ${service} v${parsed.major}.x has reached end-of-life.`;
  } else if (above) {
    why = `\n       ${service} v${serviceVersion} is newer than every version served: its plugin may not be released yet.`;
  }
  const upgrade = above
    ? `    - Check again once the publisher has released a plugin for ${service} v${serviceVersion}: fctl plugin install ${name}`
    : `    - ${below ? 'Upgrade' : 'Move'} your stack to a ${service} version served above, then: fctl plugin install ${name}`;
  return new UserError(
    `no version of the "${name}" plugin serves ${service} v${serviceVersion}.${why}\n       The registry serves:\n${shown.join('\n')}\n\n  Options:\n${upgrade}\n${manual}`,
    EXIT.failed,
  );
}
