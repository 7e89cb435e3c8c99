// What a release carries for compatibility checks (issue 15 item 1): the protocol versions the built
// plugin speaks, asked of the build's bundle (a Go build has none: its binary for this machine)
// through the handshake and recorded in the registry,
// and its compat scenarios, which the build copies in as scenarios.yaml (listed in checksums.txt,
// so signed) and which must be the plugin's own.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { platformOf } from '@fctl-kit/artifacts';
import { readReleaseFile, type ReleaseArtifacts } from '@fctl-kit/backends';
import { parseScenarios } from '@fctl-kit/compat';
import { readProtocolVersions } from '@fctl-kit/plugin-config';

export class CompatibilityError extends Error {}

/**
 * The protocol versions the build speaks: its bundle run as fctl runs a bundle (with this Node), or,
 * for a build without one (a Go plugin), its binary for this machine.
 */
export async function builtProtocolVersions(release: ReleaseArtifacts): Promise<number[]> {
  const bundle = release.files.find((file) => file.kind === 'bundle');
  const host = platformOf();
  const binary = bundle ? undefined : release.files.find((file) => file.kind === 'binary' && host && file.os === host.os && file.arch === host.arch);
  if (!bundle && !binary) {
    throw new CompatibilityError(`${release.dir} has no bundle (fctl-plugin-${release.name}.cjs): the protocol versions the plugin speaks cannot be read (nor is there a binary for this machine to ask, as in a Go build)`);
  }
  const path = join(release.dir, (bundle ?? binary)!.name);
  return (bundle ? readProtocolVersions(process.execPath, [path]) : readProtocolVersions(path)).catch((error: Error) => {
    throw new CompatibilityError(`${path} ${error.message}`);
  });
}

export const SCENARIOS_SOURCE = join('compat', 'scenarios.yaml');

/**
 * The build's scenarios.yaml is the plugin's compat/scenarios.yaml, byte for byte, and parses as
 * `fctl-kit compat` reads it; a plugin without scenarios releases without the file. Returns how
 * many scenarios the release carries (0: none).
 */
export async function checkBuiltScenarios(pluginDir: string, release: ReleaseArtifacts): Promise<number> {
  const source = join(pluginDir, SCENARIOS_SOURCE);
  const expected = await readFile(source).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new CompatibilityError(`cannot read ${source}: ${error.message}`);
  });
  const built = release.files.find((file) => file.kind === 'scenarios');
  if (!built) {
    if (expected) throw new CompatibilityError(`the build ${release.dir} carries no scenarios file, but ${source} exists: rebuild it (fctl-kit build copies the scenarios into the release)`);
    return 0;
  }
  const path = join(release.dir, built.name);
  if (!expected) throw new CompatibilityError(`the build carries ${path}, but the plugin has no ${source}: the build is not of these sources`);
  // The size first: a build file is read only when it can be the plugin's (whose size is known).
  const text = built.size === expected.length ? await readReleaseFile(release, built.name) : undefined;
  if (!text?.equals(expected)) throw new CompatibilityError(`${path} differs from ${source}: the build is not of these sources (rebuild it)`);
  try {
    return parseScenarios(text.toString('utf8'), path).length;
  } catch (error) {
    throw new CompatibilityError(`the release would carry scenarios fctl-kit compat refuses: ${(error as Error).message}`);
  }
}
