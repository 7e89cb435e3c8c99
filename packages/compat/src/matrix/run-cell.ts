// One cell: its key from the core binary's digest, the protocol versions offered, the release's
// checksums.txt and its scenarios; the cached outcome when the cache has the key (the core itself is
// not fetched); else the core is fetched and a fresh fctl configuration pointed at the registry
// installs the plugin version as users do (`fctl plugin install <name> --version <v>`; a local
// plugin build from its file, `--path`) and runs the release's scenarios with that core, and the
// outcome is stored. An outcome is stored only when it is whole: not when the run was stopped, not
// an `error` (the cell could not run), not an install that failed (a download may fail for a moment).
import { runScenariosInstalled } from '../run.js';
import { cellCacheKey } from './cache-key.js';
import type { CellCache } from './cache.js';
import type { CoreProvider } from './core-provider.js';
import type { ReachableCell } from './plan.js';
import type { CellOutcome } from './results.js';
import type { ReleaseScenarios, ScenarioProvider } from './scenario-provider.js';

export interface CellInputs {
  cores: CoreProvider;
  scenarios: ScenarioProvider;
  cache: CellCache;
  /** FCTL_REGISTRY of the cell's fctl. */
  registry: string;
  /** The cells of this run being run, by key: a second cell of a key waits for the first. */
  running?: Map<string, Promise<CellRun>>;
}

export interface CellRun {
  outcome: CellOutcome;
  /** How the outcome was had: from the cache, by running the cell, from a cell of the same key that ran in this run, or neither (it could not run). */
  how: 'cached' | 'ran' | 'shared' | 'not-run';
  /** Set when a whole outcome could not be stored (the cell ran; the next run runs it again). */
  cacheProblem?: string;
}

const errorOutcome = (error: unknown, key: string | null = null): CellRun => ({
  outcome: { status: 'error', key, scenarios: [], error: error instanceof Error ? error.message : String(error) },
  how: 'not-run',
});

export async function runCell(cell: ReachableCell, inputs: CellInputs, signal: AbortSignal): Promise<CellRun> {
  let key: string;
  let release;
  const protocolVersions = inputs.cores.cores.find((candidate) => candidate.version === cell.core)?.protocolVersions;
  try {
    if (!protocolVersions) throw new Error(`no core ${cell.core}`);
    const coreDigest = await inputs.cores.digest(cell.core);
    release = await inputs.scenarios(cell.plugin, cell.version, signal);
    key = cellCacheKey({ coreDigest, protocolVersions, checksumsDigest: release.checksumsSha256, scenariosDigest: release.scenariosSha256 });
  } catch (error) {
    signal.throwIfAborted();
    return errorOutcome(error);
  }
  const same = inputs.running?.get(key);
  if (same) {
    const first = await same;
    return { outcome: first.outcome, how: first.how === 'ran' ? 'shared' : first.how };
  }
  const running = runKey(cell, inputs, key, protocolVersions, release, signal);
  inputs.running?.set(key, running);
  return running;
}

async function runKey(cell: ReachableCell, inputs: CellInputs, key: string, protocolVersions: readonly number[], release: ReleaseScenarios, signal: AbortSignal): Promise<CellRun> {
  const cached = await inputs.cache.get(key);
  if (cached.hit) return { outcome: cached.outcome, how: 'cached' };
  let core: string;
  try {
    core = (await inputs.cores.core(cell.core)).path;
  } catch (error) {
    signal.throwIfAborted();
    return errorOutcome(error, key);
  }
  let run;
  try {
    run = await runScenariosInstalled({
      plugin: cell.plugin,
      source: release.pluginFile !== undefined ? { file: release.pluginFile } : { registry: inputs.registry, version: cell.version },
      scenarios: release.scenarios,
      fctl: core,
      protocolVersions,
      signal,
    });
  } catch (error) {
    signal.throwIfAborted();
    // This machine failed the cell (no temporary directory, no port for a stub stack): the cell is
    // an error, the other cells still run.
    return errorOutcome(error, key);
  }
  signal.throwIfAborted();
  const outcome: CellOutcome = { status: run.results.every((result) => result.ok) ? 'pass' : 'fail', key, scenarios: run.results };
  if (!run.installed) return { outcome, how: 'ran' };
  const stored = await inputs.cache.put(key, outcome);
  return { outcome, how: 'ran', ...(stored.stored ? {} : { cacheProblem: stored.problem }) };
}
