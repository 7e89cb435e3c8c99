// What a publisher accepts from a build directory as the name, version and files of a release: the
// installer's rules (the registry's plugin names and semver versions, @fctl-kit/artifacts' release
// file names), since each becomes a path component on disk and in URLs.
import semver from 'semver';
import { isReleaseFileName } from '@fctl-kit/artifacts';
import { PLUGIN_NAME_PATTERN } from '@fctl-kit/registry';

const PLUGIN_NAME = new RegExp(PLUGIN_NAME_PATTERN);

export function pluginNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || !PLUGIN_NAME.test(name)) {
    return `${JSON.stringify(name)} is not a plugin name: names use only a-z, 0-9 and "-" (at most 63 characters, not starting with "-")`;
  }
  return undefined;
}

/** The registry's rule for released versions: semver exactly, no "v", no build metadata, not "dev". */
export function releaseVersionProblem(version: unknown): string | undefined {
  if (typeof version !== 'string' || semver.valid(version) !== version) return `${JSON.stringify(version)} is not a released version like 3.2.0 (semver, no "v")`;
  return undefined;
}

/** A service name (manifest.json "service") as the registry's plugin names: it lands in artifact annotations and registry entries. */
export const serviceNameProblem = (service: unknown): string | undefined =>
  pluginNameProblem(service) && `${JSON.stringify(service)} is not a service name (a-z, 0-9 and "-")`;

/** A compatibleWith range as the registry accepts it: a semver range of at most 256 characters. */
export function rangeProblem(range: unknown): string | undefined {
  if (typeof range !== 'string' || !range || range.length > 256 || semver.validRange(range) === null) return `${JSON.stringify(range)} is not a semver range like ">=3.0.0 <4.0.0"`;
  return undefined;
}

export function releaseFileNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || !isReleaseFileName(name)) {
    return `${JSON.stringify(name)} is not a release file name: one path segment of letters, digits, ".", "_", "+" and "-", starting with a letter or digit, not a Windows device name`;
  }
  return undefined;
}
