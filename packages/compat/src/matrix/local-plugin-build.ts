// The plugin's gate (docs/compat.md, "The two gates"): the plugin's own local build as the one
// plugin version of a matrix. Planned with the protocol versions the build speaks, marked
// `localBuild` (reports say "(this build)"), and installed in each cell from its file for this
// machine (verified against the build's checksums.txt by whoever read the build) instead of from
// a registry backend; its scenarios are the ones the build carries or the plugin's own.
import type { Scenario } from '../scenarios.js';
import { PlanError, type PluginInput } from './plan.js';
import { CellInputError, type ReleaseScenarios, type ScenarioProvider } from './scenario-provider.js';

export interface LocalPluginBuild {
  name: string;
  version: string;
  compatibleWith: string;
  protocolVersions: readonly number[];
  /** This machine's plugin file of the build. */
  file: string;
  /** sha256 of the build's checksums.txt (lower-case hex): the plugin half of the cell key. */
  checksumsSha256: string;
  scenarios: Scenario[];
  /** sha256 of the scenarios file, lower-case hex. */
  scenariosSha256: string;
}

export function localPluginMatrix(build: LocalPluginBuild): { plugins: PluginInput[]; scenarios: ScenarioProvider } {
  if (!build.scenarios.length) throw new PlanError(`the build of ${build.name} ${build.version} has no scenarios: the matrix would have nothing to run`);
  const release: ReleaseScenarios = { scenarios: build.scenarios, scenariosSha256: build.scenariosSha256, checksumsSha256: build.checksumsSha256, pluginFile: build.file };
  return {
    plugins: [{ name: build.name, versions: [{ version: build.version, compatibleWith: build.compatibleWith, protocolVersions: build.protocolVersions, localBuild: true }] }],
    scenarios: async (plugin, version) => {
      if (plugin !== build.name || version !== build.version) throw new CellInputError(`the matrix of the local build ${build.name}@${build.version} has no ${plugin}@${version}`);
      return release;
    },
  };
}
