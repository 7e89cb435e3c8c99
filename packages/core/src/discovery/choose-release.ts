// Which registry version to install: an exact --version, or the one resolution picks for the
// stack's service version; with the RFC's messages when there is none. Versions whose recorded
// protocol versions meet none this fctl offers are passed over before anything is downloaded: the
// one that would otherwise have been chosen is named in a warning, the others in --debug lines;
// when nothing is left, or --version names such a version, the error says why and what to do.
import semver from 'semver';
import { lookupVersion, resolveVersion, speakableVersions, type ProtocolSkip, type Resolution } from '@fctl-kit/registry';
import { EXIT } from '../host/failure.js';
import { HOST_PROTOCOL_VERSIONS, offeredProtocolVersions, PROTOCOL_VERSIONS_ENV } from '../host/protocol-offer.js';
import { UserError } from '../errors.js';
import type { Reporter } from '../session/reporter.js';
import type { LoadedRegistry } from './registry-client.js';

export type FoundRelease = Extract<Resolution, { kind: 'found' }>;

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** What this fctl offers in its hello (as the plugin process computes it), and how messages name it. */
function thisFctl(report?: Pick<Reporter, 'debug'>): { speaks: readonly number[]; core: string; pinned: boolean } {
  const speaks = offeredProtocolVersions(undefined, process.env, report?.debug);
  // Narrower than the host's default only when FCTL_PROTOCOL_VERSIONS took effect.
  const pinned = speaks.join(',') !== HOST_PROTOCOL_VERSIONS.join(',');
  return { speaks, core: pinned ? `this fctl (${PROTOCOL_VERSIONS_ENV}=${speaks.join(',')})` : 'this fctl', pinned };
}

export function chooseRelease(
  registry: LoadedRegistry,
  name: string,
  wanted: { version?: string; serviceVersion?: string },
  report?: Pick<Reporter, 'debug' | 'warn'>,
): FoundRelease {
  const fctl = thisFctl(report);
  const options = { speaks: fctl.speaks, core: fctl.core };
  const resolution = wanted.version
    ? lookupVersion(registry.index, name, wanted.version, options)
    : resolveVersion(registry.index, name, wanted.serviceVersion ?? '', options);
  const skipped = resolution.kind === 'unknown-plugin' ? [] : (resolution.skipped ?? []);
  if (resolution.kind === 'found') {
    const [passedOver, ...others] = skipped;
    if (passedOver) {
      report?.warn(`fctl-plugin-${name} ${passedOver.version} serves this stack but cannot run here: ${passedOver.reason}.\n  Using fctl-plugin-${name} ${resolution.version}. ${upgradeAdvice(fctl.pinned)}`);
    }
    for (const skip of others) report?.debug(`registry: skipped ${skip.reason}`);
    return resolution;
  }
  if (resolution.kind === 'unknown-plugin') {
    throw new UserError(
      `the plugin registry ${registry.location.display} has no plugin named "${name}".\n\n  Install one from a file or directory: fctl plugin install ${name} --path <binary | source directory>`,
      EXIT.failed,
    );
  }
  if (wanted.version && skipped.length) throw unspeakableVersionError(name, skipped[0]!, resolution.plugin, fctl);
  if (wanted.version) {
    throw new UserError(
      `the plugin registry has no version ${wanted.version} of "${name}" (versions: ${resolution.versions.join(', ') || 'none'})`,
      EXIT.failed,
    );
  }
  if (skipped.length) throw noSpeakableVersionError(name, wanted.serviceVersion ?? '', skipped, fctl);
  throw retirementError(name, wanted.serviceVersion ?? '', resolution.versions, resolution.plugin);
}

function upgradeAdvice(pinned: boolean): string {
  return pinned ? `Unset ${PROTOCOL_VERSIONS_ENV} to let fctl speak every protocol version it can.` : 'A newer fctl can run it: upgrade fctl.';
}

/** `--version V` names a version this fctl cannot talk to. */
function unspeakableVersionError(name: string, skip: ProtocolSkip, plugin: FoundRelease['plugin'], fctl: ReturnType<typeof thisFctl>): UserError {
  const usable = speakableVersions(name, plugin.versions, fctl.speaks, { core: fctl.core }).usable.filter((v) => !semver.prerelease(v));
  const other = usable.length
    ? `\n    - Install a version this fctl can run (the newest: ${usable[0]}): fctl plugin install ${name} --version ${usable[0]}`
    : '';
  return new UserError(
    `fctl-plugin-${name} ${skip.version} cannot run with this fctl: ${skip.reason}. Nothing was downloaded.\n\n  Options:\n    - ${upgradeAdvice(fctl.pinned)}${other}`,
    EXIT.failed,
  );
}

/** Versions serve the stack, but every one of them speaks only protocols this fctl does not. */
function noSpeakableVersionError(name: string, serviceVersion: string, skipped: ProtocolSkip[], fctl: ReturnType<typeof thisFctl>): UserError {
  const service = capitalize(name);
  const shown = skipped.slice(0, LISTED).map((skip) => `         ${skip.reason}`);
  if (skipped.length > LISTED) shown.push(`         ... and ${skipped.length - LISTED} more`);
  return new UserError(
    `no version of the "${name}" plugin that serves ${service} v${serviceVersion} can run with ${fctl.core}:\n${shown.join('\n')}\n       Nothing was downloaded.\n\n  Options:\n    - ${upgradeAdvice(fctl.pinned)}\n    - Install a plugin build you have for ${service} v${serviceVersion}:\n      fctl plugin install ${name} --path <binary | source directory> --compatible-with ${serviceVersion}`,
    EXIT.failed,
  );
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
