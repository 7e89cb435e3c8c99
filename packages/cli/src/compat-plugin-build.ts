// `fctl-kit compat matrix --plugin-build <dir>`: the plugin's gate (docs/compat.md, "The two gates").
// The build directory (`fctl-kit build`'s output, e.g. the pull request's dist/release) is read as
// a release is published: manifest.json, artifacts.json and every file checked against
// checksums.txt (readBuildRelease). Its name and version are the manifest's; its protocol versions
// are asked of its bundle (as `fctl-kit release` records them); its scenarios are the
// scenarios.yaml it carries (which must be the plugin's compat/scenarios.yaml when --plugin-dir
// is given), else the plugin directory's; each cell installs this machine's binary of the build.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { binaryFileName, currentPlatform } from '@fctl-kit/artifacts';
import { readBuildRelease, readReleaseFile } from '@fctl-kit/backends';
import { parseScenarios, type LocalPluginBuild } from '@fctl-kit/compat';
import { builtProtocolVersions, checkBuiltScenarios, SCENARIOS_SOURCE } from './release/compatibility.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function buildScenarios(release: Awaited<ReturnType<typeof readBuildRelease>>, pluginDir: string | undefined): Promise<Pick<LocalPluginBuild, 'scenarios' | 'scenariosSha256'>> {
  const built = release.files.find((file) => file.kind === 'scenarios');
  if (built) {
    if (pluginDir !== undefined) await checkBuiltScenarios(pluginDir, release);
    const text = await readReleaseFile(release, built.name);
    return { scenarios: parseScenarios(text.toString('utf8'), join(release.dir, built.name)), scenariosSha256: built.sha256 };
  }
  if (pluginDir === undefined) {
    throw new Error(`the build ${release.dir} carries no scenarios.yaml: give the plugin directory (--plugin-dir cmd/fctl-plugin) to run its ${SCENARIOS_SOURCE}`);
  }
  const path = join(pluginDir, SCENARIOS_SOURCE);
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'ENOENT' ? `neither the build ${release.dir} nor ${pluginDir} has compatibility scenarios (${path} does not exist)` : `cannot read ${path}: ${error.message}`);
  });
  return { scenarios: parseScenarios(bytes.toString('utf8'), path), scenariosSha256: sha256(bytes) };
}

export async function readLocalPluginBuild(buildDir: string, pluginDir?: string): Promise<LocalPluginBuild> {
  const release = await readBuildRelease(resolve(buildDir));
  const binary = binaryFileName(release.name, currentPlatform());
  const file = release.files.find((entry) => entry.kind === 'binary' && entry.name === binary);
  if (!file) throw new Error(`the build ${release.dir} has no binary for this machine (${binary}): build it with this machine's target (fctl-kit build --targets host, or every target)`);
  const checksums = release.files.find((entry) => entry.kind === 'checksums')!;
  return {
    name: release.name,
    version: release.version,
    compatibleWith: release.compatibleWith ?? '*',
    protocolVersions: await builtProtocolVersions(release),
    file: join(release.dir, file.name),
    checksumsSha256: checksums.sha256,
    ...(await buildScenarios(release, pluginDir === undefined ? undefined : resolve(pluginDir))),
  };
}
