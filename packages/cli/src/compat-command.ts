// `fctl-kit compat <plugin-dir>`: the plugin's compatibility scenarios (compat/scenarios.yaml), run
// by the fctl core against the built plugin and a stub stack. Exit 1 when one fails, with what
// differed and what the plugin asked the stack.
// `fctl-kit compat matrix`: every core × plugin version of a registry (docs/compat.md, "The matrix");
// `--plugin-build <dir>`: the plugin's gate, its local build against the supported released cores
// (compat-plugin-build.ts); `fctl-kit compat merge`: shard results joined; `fctl-kit compat compare`: the core's gate
// (compat-compare-command.ts). Exit 1 when a cell failed or could not run, 2 for a
// bad flag, 130 when interrupted.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { binaryFileName, currentPlatform } from '@fctl-kit/artifacts';
import { readPluginConfig } from '@fctl-kit/plugin-config';
import {
  defaultJobs,
  formatShard,
  githubMatrix,
  combineCores,
  localCores,
  localPluginMatrix,
  mergeResults,
  parseCoreSelection,
  parseCoreSpec,
  parseResults,
  parseShard,
  PlanError,
  planMatrix,
  pluginsFromRegistry,
  readMatrixRegistry,
  readScenarios,
  referenceFctl,
  releasedCores,
  releaseScenarios,
  reportedCoreVersion,
  runMatrix,
  runScenarios,
  selectCores,
  shardCells,
  summarize,
  SYMBOLS,
  writeReports,
  type CoreProvider,
  type CoreSpec,
  type LocalPluginBuild,
  type MatrixRegistry,
  type MatrixResults,
  type Plan,
  type Shard,
} from '@fctl-kit/compat';
import { terminalText } from '@fctl-kit/protocol';
import { addCompareCommand } from './compat-compare-command.js';
import { readLocalPluginBuild } from './compat-plugin-build.js';
import { usage, UsageError, usageExit } from './compat-usage.js';

export function addCompatCommand(program: Command): void {
  const compat = program
    .command('compat')
    .description("Run the plugin's compatibility scenarios: fctl installs the built plugin and runs each command against a stub stack")
    .argument('<plugin-dir>', 'The plugin directory, e.g. cmd/fctl-plugin')
    .option('--build-dir <dir>', "A build directory holding this machine's binary (default: <plugin-dir>/dist/host)")
    .option('--plugin <file>', 'The plugin file to test instead (a binary or a .cjs bundle)')
    .option('--scenarios <file>', 'The scenarios (default: <plugin-dir>/compat/scenarios.yaml)')
    .option('--fctl <file>', 'The fctl to test with (default: the reference fctl of @fctl-kit/core)')
    .action(async (dir: string, options: { buildDir?: string; plugin?: string; scenarios?: string; fctl?: string }) => {
      const pluginDir = resolve(dir);
      const { name } = await readPluginConfig(pluginDir);
      const file = options.plugin ? resolve(options.plugin) : join(resolve(options.buildDir ?? join(pluginDir, 'dist', 'host')), binaryFileName(name, currentPlatform()));
      if (!existsSync(file)) {
        const build = options.plugin || options.buildDir ? '' : `\n  Build it first: fctl-kit build ${dir} --targets host`;
        throw new Error(`no plugin to test: ${file} does not exist${build}`);
      }
      const scenariosFile = resolve(options.scenarios ?? join(pluginDir, 'compat', 'scenarios.yaml'));
      const scenarios = await readScenarios(scenariosFile);
      const results = await runScenarios({ plugin: name, file, scenarios, ...(options.fctl ? { fctl: resolve(options.fctl) } : {}) });
      for (const result of results) {
        process.stdout.write(`${result.ok ? 'ok  ' : 'FAIL'} ${terminalText(result.name)}\n`);
        if (result.ok) continue;
        for (const problem of result.problems) process.stdout.write(`${terminalText(problem, { multiline: true }).replace(/^/gm, '       ')}\n`);
        if (result.requests.length) process.stdout.write(`       the stub stack answered:\n${result.requests.map((r) => `         ${terminalText(r)}`).join('\n')}\n`);
      }
      const failed = results.filter((result) => !result.ok).length;
      process.stdout.write(`${results.length} scenarios, ${failed} failed (${name}: ${file})\n`);
      if (failed) process.exitCode = 1;
    });
  addMatrixCommand(compat);
  addMergeCommand(compat);
  addCompareCommand(compat);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface MatrixOptions {
  registry: string;
  cores?: string;
  core?: string[];
  coreBuild?: string;
  plugin?: string;
  pluginBuild?: string;
  pluginDir?: string;
  plan?: boolean;
  githubMatrix?: boolean;
  shard?: string;
  jobs?: string;
  cacheDir?: string;
  out: string;
}

function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'fctl-kit', 'compat-cells');
}

function parseJobs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d{0,3}$/.test(text)) throw new UsageError(`--jobs takes a number of cells to run at once, from 1 to 9999; got ${JSON.stringify(text)}`);
  return Number(text);
}

/** The flags that need no file or process, checked before anything is read. */
function checkFlags(options: MatrixOptions): { shard?: Shard; jobs?: number; specs: CoreSpec[]; build?: CoreSpec } {
  if (options.plan && options.githubMatrix) throw new UsageError('--plan and --github-matrix print two different things: choose one');
  if (options.githubMatrix && options.shard) throw new UsageError('--github-matrix prints every shard: it does not combine with --shard');
  if (options.pluginDir !== undefined && options.pluginBuild === undefined) throw new UsageError('--plugin-dir goes with --plugin-build: it gives the scenarios of that build when the build carries none');
  if (options.pluginBuild !== undefined && options.plugin !== undefined) throw new UsageError("--plugin-build runs that build, whose manifest names its plugin: --plugin selects among the registry's plugins, which the build replaces");
  if (options.pluginBuild !== undefined && options.coreBuild !== undefined) {
    throw new UsageError("--plugin-build and --core-build are two gates: a plugin's build against released cores, or a core's build against released plugins; run one matrix for each");
  }
  try {
    const specs = (options.core ?? []).map((text) => parseCoreSpec(text, '--core'));
    if (options.cores !== undefined) parseCoreSelection(options.cores);
    return {
      specs,
      ...(options.coreBuild !== undefined ? { build: parseCoreSpec(options.coreBuild, '--core-build') } : {}),
      ...(options.shard !== undefined ? { shard: parseShard(options.shard) } : {}),
      ...(options.jobs !== undefined ? { jobs: parseJobs(options.jobs) } : {}),
    };
  } catch (error) {
    if (error instanceof PlanError) throw new UsageError(error.message);
    throw error;
  }
}

function planLine(cell: Plan['cells'][number]): string {
  if (cell.status === 'unreachable') return `${cell.id}  unreachable: ${cell.reasons.map((reason) => reason.message).join('; ')}`;
  return `${cell.id}  reachable, protocol ${cell.protocolVersion ?? 'unknown (the handshake tells)'}${cell.deprecated !== undefined ? `, deprecated: ${cell.deprecated}` : ''}`;
}

function summaryLine(results: MatrixResults): string {
  const s = summarize(results);
  return `${s.cells} cells: ${s.pass} passed, ${s.fail} failed, ${s.error} could not run, ${s.unreachable} unreachable${s.notRun ? `, ${s.notRun} not run${results.shard ? ' (other shards)' : ''}` : ''}`;
}

function addMatrixCommand(compat: Command): void {
  compat
    .command('matrix')
    .description("Run every core version against every plugin version of a registry, each release's own scenarios; reports matrix.json, junit.xml, matrix.md, matrix.html")
    .requiredOption('--registry <file|url>', 'The registry document: a file, or an https URL (http to loopback only)')
    .option('--core <version=path>', "A core to test: its version and its executable or Node script (repeatable; default: the registry's released cores, else the reference fctl)", collect)
    .option('--cores <selection>', "Which cores: of the --core versions, else of the registry's released cores; a list (0.1.0,0.2.0), a semver range, last-minors:N, or supported (the default with --plugin-build)")
    .option('--core-build <[version=]path>', "A local core build, e.g. the pull request's (labelled 0.0.0-local unless named)")
    .option('--plugin <name>', 'Only this plugin of the registry')
    .option('--plugin-build <dir>', "A local plugin build (fctl-kit build's output, e.g. dist/release): the matrix's one plugin version, against the supported released cores (the plugin's gate)")
    .option('--plugin-dir <dir>', "With --plugin-build: the plugin directory, whose compat/scenarios.yaml the build's scenarios.yaml must be (its scenarios when the build carries none)")
    .option('--plan', 'Print the cells and whether each is reachable; run nothing')
    .option('--github-matrix', 'Print the JSON for strategy.matrix (one job per shard); run nothing')
    .option('--shard <i/n>', 'Run the i-th of n slices of the reachable cells')
    .option('--jobs <n>', `Cells run at once (default: the CPUs available, here ${defaultJobs()})`)
    .option('--cache-dir <dir>', 'The cell cache (default: $XDG_CACHE_HOME/fctl-kit/compat-cells)')
    .option('--out <dir>', 'Where the reports are written', 'compat-matrix')
    .exitOverride(usageExit)
    .action((options: MatrixOptions) => usage(() => matrix(options)));
}

/**
 * The cores of a matrix: the --core files when given; else the registry's released cores when it
 * lists any (fetched on demand into <cache-dir>/cores); else the reference fctl. --cores selects
 * among them; --core-build adds the local build (beside released cores only when --cores names them).
 * With --plugin-build (the plugin's gate) the released cores are selected "supported" unless --cores
 * says otherwise, and a registry without cores gives the reference fctl, said on stderr.
 */
async function chooseCores(options: MatrixOptions, flags: ReturnType<typeof checkFlags>, registry: MatrixRegistry, cacheDir: string, signal: AbortSignal): Promise<CoreProvider> {
  const fromRegistry = !flags.specs.length && Object.keys(registry.document.cores?.versions ?? {}).length > 0;
  if (options.pluginBuild !== undefined && !flags.specs.length) {
    if (!fromRegistry) {
      // A registry before its first released core (or before the plugin's first release): the gate still runs, with the one fctl at hand.
      const version = await reportedCoreVersion(referenceFctl());
      process.stderr.write(`The registry lists no released cores: the build runs with the reference fctl ${version} of @fctl-kit/core only${options.cores !== undefined ? ` (--cores ${terminalText(options.cores)} has nothing to select)` : ''}.\n`);
      return localCores([{ version, path: referenceFctl() }]);
    }
    options = { ...options, cores: options.cores ?? 'supported' };
  }
  if (!fromRegistry && options.cores !== undefined && !flags.specs.length) {
    throw new UsageError("--cores selects among the registry's released cores or the cores given with --core <version>=<path>; the registry lists no cores: give them with --core");
  }
  const available = fromRegistry
    ? releasedCores(registry.document, { cacheDir, signal, onDownload: (line) => process.stderr.write(`${terminalText(line)}\n`) })
    : await localCores(flags.specs.length || flags.build ? flags.specs : [{ version: await reportedCoreVersion(referenceFctl()), path: referenceFctl() }]);
  let chosen = available.cores;
  try {
    if (options.cores !== undefined) chosen = selectCores(available.cores, parseCoreSelection(options.cores));
  } catch (error) {
    if (error instanceof PlanError) throw new UsageError(error.message);
    throw error;
  }
  // A pull request's build is tested alone unless --cores asks for released cores beside it (the
  // core's gate compares builds; every released core would only add cells that cannot change).
  if (flags.build && fromRegistry && options.cores === undefined) chosen = [];
  const kept = new Set(chosen.map((core) => core.version));
  if (!flags.build) return combineCores([available], (version) => kept.has(version));
  if (kept.has(flags.build.version)) throw new UsageError(`--core-build is labelled ${flags.build.version}, as a ${fromRegistry ? 'released core' : '--core'} is: name it another version`);
  return combineCores([available, await localCores([flags.build])], (version) => kept.has(version) || version === flags.build!.version);
}

async function matrix(options: MatrixOptions): Promise<void> {
  const flags = checkFlags(options);
  const registry = await readMatrixRegistry(options.registry);
  const cacheDir = resolve(options.cacheDir ?? defaultCacheDir());
  // Ctrl-C during the run also stops a released core's download.
  const controller = new AbortController();
  const build: LocalPluginBuild | undefined = options.pluginBuild !== undefined ? await readLocalPluginBuild(options.pluginBuild, options.pluginDir) : undefined;
  const local = build ? localPluginMatrix(build) : undefined;
  const cores = await chooseCores(options, flags, registry, cacheDir, controller.signal);
  let plan: Plan;
  try {
    plan = planMatrix({ cores: cores.cores, plugins: local?.plugins ?? pluginsFromRegistry(registry.document, options.plugin !== undefined ? { plugin: options.plugin } : {}) });
  } catch (error) {
    if (error instanceof PlanError && options.plugin !== undefined && error.message.startsWith('the registry has no plugin')) throw new UsageError(error.message);
    throw error;
  }
  if (options.githubMatrix) {
    process.stdout.write(`${JSON.stringify(githubMatrix(plan))}\n`);
    return;
  }
  if (options.plan) {
    const inShard = flags.shard ? new Set(shardCells(plan, flags.shard).map((cell) => cell.id)) : undefined;
    const cells = inShard ? plan.cells.filter((cell) => inShard.has(cell.id)) : plan.cells;
    process.stdout.write(cells.map((cell) => `${terminalText(planLine(cell))}\n`).join(''));
    process.stdout.write(`${cells.length} cells${flags.shard ? ` in shard ${formatShard(flags.shard)}` : ''}, ${cells.filter((cell) => cell.status === 'reachable').length} reachable\n`);
    return;
  }
  const interrupt = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  let run;
  try {
    run = await runMatrix({
      plan,
      ...(flags.shard ? { shard: flags.shard } : {}),
      cores,
      scenarios: local?.scenarios ?? releaseScenarios(registry.document),
      cacheDir,
      registry: registry.location,
      ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
      signal: controller.signal,
      onCell: (cell, done) => {
        const state = done.outcome.status === 'pass' ? SYMBOLS.pass : SYMBOLS.fail;
        const how = done.how === 'ran' ? 'ran' : done.how === 'cached' ? 'cached' : done.how === 'shared' ? 'same key as a cell run now' : 'could not run';
        process.stderr.write(terminalText(`${state} ${cell.id} (${done.outcome.status}, ${how})${done.outcome.error ? `: ${done.outcome.error.split('\n')[0]}` : ''}${done.cacheProblem ? `; not cached: ${done.cacheProblem}` : ''}`) + '\n');
      },
    });
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    process.stderr.write('Interrupted: no reports written; the cells that finished are in the cache.\n');
    process.exitCode = 130;
    return;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
  await writeReports(run.results, options.out);
  const ran = run.cells.filter((cell) => cell.how === 'ran').length;
  process.stdout.write(`${summaryLine(run.results)}; ${ran} run, ${run.cells.length - ran} not run again; reports in ${terminalText(resolve(options.out))}\n`);
  const summary = summarize(run.results);
  if (summary.fail || summary.error || (!run.results.shard && summary.notRun)) process.exitCode = 1;
}

function addMergeCommand(compat: Command): void {
  compat
    .command('merge')
    .description('Join the matrix.json of several shards of one plan into one results set and its reports')
    .argument('<results...>', "Each shard's matrix.json")
    .option('--out <dir>', 'Where the reports are written', 'compat-matrix')
    .exitOverride(usageExit)
    .action((files: string[], options: { out: string }) =>
      usage(async () => {
        const shards: MatrixResults[] = [];
        for (const file of files) {
          const path = resolve(file);
          const bytes = await readFile(path).catch(() => {
            throw new UsageError(`${path} cannot be read`);
          });
          shards.push(parseResults(bytes, path));
        }
        const merged = mergeResults(shards);
        await writeReports(merged, options.out);
        const summary = summarize(merged);
        process.stdout.write(`${summaryLine(merged)}; reports in ${terminalText(resolve(options.out))}\n`);
        if (summary.fail || summary.error || summary.notRun) process.exitCode = 1;
      }),
    );
}
