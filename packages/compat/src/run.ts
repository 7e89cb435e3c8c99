// Runs compatibility scenarios: the fctl core (this kit's reference `fctl`, or another build) installs
// the plugin into a fresh configuration - a built file (`--path`), or a release from a registry
// (`--version`, exactly as users install) - so its handshake, manifest and compatibleWith go through
// the same checks as a user's install; then, for each scenario, points a profile at a stub stack, runs
// the command (with `-o json` for expected JSON, plainly for expected output) and compares.
import { execFile } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Scenario } from './scenarios.js';
import { startStubStack } from './stub-stack.js';

export interface ScenarioResult {
  name: string;
  ok: boolean;
  /** What differed, one entry per check that failed. */
  problems: string[];
  /** The stub stack's log, for failures. */
  requests: string[];
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The reference fctl of @fctl-kit/core, next to the package this module was loaded from. */
export function referenceFctl(): string {
  return join(dirname(createRequire(import.meta.url).resolve('@fctl-kit/core')), '..', 'bin', 'fctl.js');
}

/** How to start a core: a Node script (.js, .mjs, .cjs) with this Node, anything else as an executable. */
export function coreCommand(fctl: string): [string, string[]] {
  return /\.(c|m)?js$/i.test(fctl) ? [process.execPath, [fctl]] : [fctl, []];
}

function fctlRunner(fctl: string, configDir: string, extraEnv: Record<string, string>, signal: AbortSignal | undefined) {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', FCTL_CONFIG_DIR: configDir, NO_COLOR: '1', ...extraEnv };
  const [command, prefix] = coreCommand(fctl);
  return (args: string[], only: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      execFile(command, [...prefix, ...args], { env: { ...env, ...only }, maxBuffer: 16 * 1024 * 1024, timeout: 60_000, ...(signal ? { signal } : {}) }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });
}

function check(scenario: Scenario, json: Run | undefined, plain: Run | undefined): string[] {
  const problems: string[] = [];
  const runs = [json, plain].filter((run): run is Run => run !== undefined);
  for (const run of runs) {
    if (run.code !== scenario.expect.exitCode) problems.push(`exit code ${run.code}, expected ${scenario.expect.exitCode}${run.stderr ? `; stderr:\n${run.stderr.trimEnd()}` : ''}`);
    if (scenario.expect.stderrContains && !run.stderr.includes(scenario.expect.stderrContains)) {
      problems.push(`stderr does not contain ${JSON.stringify(scenario.expect.stderrContains)}; stderr:\n${run.stderr.trimEnd()}`);
    }
  }
  if (json && 'json' in scenario.expect) {
    let got: unknown;
    try {
      got = JSON.parse(json.stdout);
    } catch {
      problems.push(`-o json printed something that is not JSON:\n${json.stdout.trimEnd()}`);
    }
    if (got !== undefined && !isDeepStrictEqual(got, scenario.expect.json)) {
      problems.push(`-o json printed:\n${JSON.stringify(got, null, 2)}\nexpected:\n${JSON.stringify(scenario.expect.json, null, 2)}`);
    }
  }
  if (plain && scenario.expect.output !== undefined && plain.stdout !== scenario.expect.output) {
    problems.push(`printed:\n${plain.stdout}expected:\n${scenario.expect.output}`);
  }
  return problems;
}

/** Where the plugin comes from: a built file (`fctl plugin install --path`) or a registry release (`--version`). */
export type PluginSource = { file: string } | { registry: string; version: string };

export interface RunScenariosOptions {
  plugin: string;
  /** A built plugin file (kept for `fctl-kit compat`); or give `source`. */
  file?: string;
  source?: PluginSource;
  scenarios: Scenario[];
  /** The core: a Node script or an executable (default: the reference fctl of @fctl-kit/core). */
  fctl?: string;
  /** The protocol versions the core offers (FCTL_PROTOCOL_VERSIONS); default: the core's own. */
  protocolVersions?: readonly number[];
  /** Stops the run: fctl's processes are killed. */
  signal?: AbortSignal;
}

export interface ScenariosRun {
  /** false when fctl refused or failed to install the plugin: every scenario failed with its reason. */
  installed: boolean;
  results: ScenarioResult[];
}

export async function runScenarios(options: RunScenariosOptions): Promise<ScenarioResult[]> {
  return (await runScenariosInstalled(options)).results;
}

export async function runScenariosInstalled(options: RunScenariosOptions): Promise<ScenariosRun> {
  const source: PluginSource | undefined = options.source ?? (options.file !== undefined ? { file: options.file } : undefined);
  if (!source) throw new Error('runScenarios needs the plugin: a file or a registry release');
  const configDir = await mkdtemp(join(tmpdir(), 'fctl-compat-'));
  const env: Record<string, string> = options.protocolVersions ? { FCTL_PROTOCOL_VERSIONS: options.protocolVersions.join(',') } : {};
  const fctl = fctlRunner(options.fctl ?? referenceFctl(), configDir, env, options.signal);
  try {
    // The registry is fctl's for the install only: the scenarios then run with none configured, so
    // what fctl prints depends on the release and the core, not on what else the registry lists
    // (its other versions appear in fctl's "no version serves" message), as the cell's key says.
    const installed = await fctl(
      ['plugin', 'install', options.plugin, ...('file' in source ? ['--path', source.file] : ['--version', source.version])],
      'registry' in source ? { FCTL_REGISTRY: source.registry } : {},
    );
    if (installed.code !== 0) {
      const what = 'file' in source ? source.file : `${options.plugin} ${source.version} from the registry ${source.registry}`;
      return {
        installed: false,
        results: options.scenarios.map((scenario) => ({ name: scenario.name, ok: false, problems: [`fctl could not install ${what}:\n${installed.stderr.trimEnd()}`], requests: [] })),
      };
    }
    const results: ScenarioResult[] = [];
    for (const [index, scenario] of options.scenarios.entries()) {
      options.signal?.throwIfAborted();
      const stack = await startStubStack(scenario);
      try {
        const profile = `scenario-${index + 1}`;
        await fctl(['profile', 'add', profile, '--stack-url', stack.url, '--use']);
        const command = [options.plugin, ...scenario.command];
        const json = 'json' in scenario.expect ? await fctl([...command, '-o', 'json']) : undefined;
        const plain = scenario.expect.output !== undefined || !json ? await fctl(command) : undefined;
        const problems = check(scenario, json, plain);
        results.push({ name: scenario.name, ok: problems.length === 0, problems, requests: [...stack.requests] });
      } finally {
        await stack.stop();
      }
    }
    options.signal?.throwIfAborted();
    return { installed: true, results };
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
}
