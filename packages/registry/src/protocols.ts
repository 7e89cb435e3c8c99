// Which registered versions of a plugin a core can talk to: a version's protocolVersions must meet
// the versions the core speaks (docs/protocol.md 2.1). A version that records none (registered
// before the field existed) is unknown and kept: the handshake after the install tells, as it did
// before. Pure, so fctl can decide before downloading anything, and the compat matrix likewise.
import semver from 'semver';
import { pickProtocolVersion } from '@fctl-kit/protocol';
import type { RegistryVersion } from './schema.js';

export interface ProtocolSkip {
  version: string;
  /** What the version speaks. */
  protocolVersions: number[];
  /** One line for the user, e.g. `ledger 5.0.0 speaks protocol version 2; this fctl speaks 1`. */
  reason: string;
}

export interface SpeakableVersions {
  /** Versions the core can talk to or whose protocols are unknown, highest first. */
  usable: string[];
  /** The usable versions that record no protocolVersions, highest first. */
  unknown: string[];
  /** Versions whose protocols do not meet the core's, highest first, each with why. */
  skipped: ProtocolSkip[];
}

export interface SpeaksOptions {
  /** How the reasons name the core (default "this fctl"). */
  core?: string;
}

const listed = (versions: readonly number[]) => `protocol version${versions.length > 1 ? 's' : ''} ${versions.join(', ')}`;

function checkSpeaks(speaks: readonly number[]): void {
  if (!Array.isArray(speaks) || speaks.length === 0 || !speaks.every((v) => Number.isSafeInteger(v) && v >= 1)) {
    throw new TypeError(`the protocol versions a core speaks must be a non-empty list of positive integers; got ${JSON.stringify(speaks)}`);
  }
}

/** Why `version` is skipped by a core speaking `speaks`, or undefined when it is usable (or its protocols are unknown). */
export function protocolSkip(name: string, version: string, entry: Pick<RegistryVersion, 'protocolVersions'>, speaks: readonly number[], options: SpeaksOptions = {}): ProtocolSkip | undefined {
  checkSpeaks(speaks);
  const theirs = entry.protocolVersions;
  if (!theirs || pickProtocolVersion(speaks, theirs) !== undefined) return undefined;
  return { version, protocolVersions: [...theirs], reason: `${name} ${version} speaks ${listed(theirs)}; ${options.core ?? 'this fctl'} speaks ${speaks.join(', ')}` };
}

/** The versions of plugin `name` a core speaking `speaks` can use, and why each other one is skipped. */
export function speakableVersions(
  name: string,
  versions: Readonly<Record<string, Pick<RegistryVersion, 'protocolVersions'>>>,
  speaks: readonly number[],
  options: SpeaksOptions = {},
): SpeakableVersions {
  checkSpeaks(speaks);
  const result: SpeakableVersions = { usable: [], unknown: [], skipped: [] };
  for (const version of Object.keys(versions).sort(semver.rcompare)) {
    const entry = versions[version]!;
    const skip = protocolSkip(name, version, entry, speaks, options);
    if (skip) {
      result.skipped.push(skip);
      continue;
    }
    result.usable.push(version);
    if (!entry.protocolVersions) result.unknown.push(version);
  }
  return result;
}
