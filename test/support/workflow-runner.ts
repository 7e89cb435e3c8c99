// One job of a generated GitHub Actions workflow, run the way a GitHub runner would on this Linux
// machine: a fresh clone of the repository's origin at the run's ref, then every step in order, each
// `run:` in bash (`bash --noprofile --norc -eo pipefail`, GitHub's bash shell) with the environment
// the workflow, the job and the step set; `${{ }}` expressions are evaluated for the contexts the
// generated workflows use (an unknown one is an error, not an empty string). `uses:` steps do here
// what they do on a runner where it matters: checkout = the clone (full history), setup-node = the
// machine's Node with corepack in a writable directory on PATH (as in the runner's tool cache),
// docker/login-action = a Docker config.json, upload/download-artifact = workflow-artifacts.ts; the
// caches do nothing (a cold cache). A job runs only once the jobs it needs have passed in its run.
// A step's $GITHUB_STEP_SUMMARY is kept and returned as the job's summary; `expressions` gives the
// values of contexts a test knows for this job (`inputs.*` of a reusable workflow, `github.run_id`...).
// With WORKFLOW_STEPS_TIMINGS=<file> in the runner's environment, each step appends "job, step, ms".
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { downloadArtifact, uploadArtifact } from './workflow-artifacts.js';

const run = promisify(execFile);

type Step = { name?: string; id?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, unknown> };
type Job = { 'runs-on': string; needs?: string | string[]; env?: Record<string, unknown>; defaults?: { run?: { shell?: string } }; steps: Step[] };
type Workflow = { env?: Record<string, unknown>; jobs: Record<string, Job> };

/** What every job of the test's runs shares: where runners work, and what GitHub would provide. */
export interface Runner {
  /** Clones and runner temp directories go under it. */
  work: string;
  /** owner/name: $GITHUB_REPOSITORY. */
  repository: string;
  /** github.token */
  token: string;
  /** The machine's environment as the steps get it (PATH, HOME, registries, caches). */
  env: NodeJS.ProcessEnv;
}

/** One workflow run: the ref it runs for, its secrets, its artifacts, the jobs that passed in it. */
export interface WorkflowRun {
  ref: string;
  secrets: Record<string, string>;
  artifacts: string;
  passed: Set<string>;
  /** More of the machine's environment for the jobs run from now on (e.g. a cache directory of this run's own). */
  env?: Record<string, string>;
}

export interface StepResult {
  step: string;
  code: number;
  output: string;
  ms: number;
}

export function newRun(runner: Runner, ref: string, secrets: Record<string, string> = {}): WorkflowRun {
  return { ref, secrets, artifacts: mkdtempSync(join(runner.work, 'artifacts-')), passed: new Set() };
}

/** download-artifact's `pattern` (without merge-multiple): each artifact whose name matches, into `<path>/<name>`; none is an error. */
function downloadArtifacts(store: string, pattern: string, path: string): void {
  const glob = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`);
  const names = existsSync(store) ? readdirSync(store).filter((name) => glob.test(name)) : [];
  if (!names.length) throw new Error(`Unable to download artifact(s): no artifact matches the pattern ${pattern}`);
  for (const name of names) downloadArtifact(store, name, join(path, name));
}

const refName = (ref: string) => ref.replace(/^refs\/(tags|heads)\//, '');

interface Context {
  runner: Runner;
  run: WorkflowRun;
  stepOutputs: Record<string, Record<string, string>>;
  matrix: Record<string, string>;
  expressions: Record<string, string>;
  clone: string;
}

/** `${{ expression }}` for the contexts the generated workflows use. */
function evaluate(expression: string, context: Context): string {
  const { run: r } = context;
  let match: RegExpExecArray | null;
  if (expression in context.expressions) return context.expressions[expression]!;
  if ((match = /^secrets\.(\w+) != ''$/.exec(expression))) return String(Boolean(r.secrets[match[1]!]));
  if ((match = /^secrets\.(\w+)$/.exec(expression))) return r.secrets[match[1]!] ?? '';
  if ((match = /^steps\.([\w-]+)\.outputs\.(\w+)$/.exec(expression))) return context.stepOutputs[match[1]!]?.[match[2]!] ?? '';
  if ((match = /^matrix\.(\w+)$/.exec(expression))) return context.matrix[match[1]!] ?? '';
  if ((match = /^hashFiles\('([^']+)'\)$/.exec(expression))) {
    const file = join(context.clone, match[1]!);
    return existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : '';
  }
  const values: Record<string, string> = {
    'github.token': context.runner.token,
    'github.actor': 'release-bot',
    'github.ref': r.ref,
    'github.ref_name': refName(r.ref),
    'github.event.repository.default_branch': 'main',
    'runner.os': 'Linux',
  };
  if (expression in values) return values[expression]!;
  throw new Error(`the workflow uses \${{ ${expression} }}, which this test does not know`);
}

const substitute = (text: string, context: Context) => text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) => evaluate(expression, context));

/** A directory holding corepack, first on PATH: `corepack enable` puts the pnpm and yarn shims beside it. */
function toolDirectory(temp: string, path: string): string {
  const corepack = path.split(delimiter).map((dir) => join(dir, 'corepack')).find((file) => existsSync(file));
  if (!corepack) throw new Error('corepack is not on PATH (it ships with Node)');
  const dir = join(temp, 'node-bin');
  mkdirSync(dir, { recursive: true });
  symlinkSync(corepack, join(dir, 'corepack'));
  return dir;
}

/** Runs job `jobName` of `workflowFile` in a fresh clone of `origin` at the run's ref; stops at the first failing step. */
export async function runJob(
  runner: Runner,
  workflowFile: string,
  jobName: string,
  origin: string,
  r: WorkflowRun,
  matrix: Record<string, string> = {},
  expressions: Record<string, string> = {},
): Promise<{ results: StepResult[]; clone: string; summary: string }> {
  const clone = mkdtempSync(join(runner.work, 'clone-'));
  rmSync(clone, { recursive: true });
  await run('git', ['clone', '-q', origin, clone], { env: runner.env });
  await run('git', ['checkout', '-q', r.ref.startsWith('refs/tags/') ? r.ref.slice('refs/'.length) : refName(r.ref)], { cwd: clone, env: runner.env });
  const workflow = parse(readFileSync(join(clone, workflowFile), 'utf8')) as Workflow;
  const job = workflow.jobs[jobName];
  if (!job) throw new Error(`${workflowFile} has no job ${jobName}`);
  if (!/ubuntu-latest|matrix\.os/.test(job['runs-on'])) throw new Error(`${jobName} runs on ${job['runs-on']}, and this machine is Linux`);
  if (job.defaults?.run?.shell !== 'bash') throw new Error(`${jobName}: run steps are expected in bash (defaults.run.shell)`);
  const waiting = [job.needs ?? []].flat().filter((needed) => !r.passed.has(needed));
  if (waiting.length) throw new Error(`${jobName} needs ${waiting.join(', ')}, which did not pass in this run`);

  const temp = mkdtempSync(join(runner.work, 'runner-temp-'));
  const dockerConfig = join(temp, 'docker');
  const stepOutputs: Record<string, Record<string, string>> = {};
  const context: Context = { runner, run: r, stepOutputs, matrix, expressions, clone };
  const summaryFile = join(temp, 'step-summary.md');
  writeFileSync(summaryFile, '');
  const results: StepResult[] = [];
  let path = runner.env.PATH ?? '';
  const base: NodeJS.ProcessEnv = {
    ...runner.env,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: runner.repository,
    GITHUB_REPOSITORY_OWNER: runner.repository.split('/')[0],
    GITHUB_REF: r.ref,
    GITHUB_REF_NAME: refName(r.ref),
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: temp,
    DOCKER_CONFIG: dockerConfig,
    GITHUB_STEP_SUMMARY: summaryFile,
    ...r.env,
  };
  const envOf = (values: Record<string, unknown> | undefined) => Object.fromEntries(Object.entries(values ?? {}).map(([name, value]) => [name, substitute(String(value), context)]));
  const jobEnv = { ...envOf(workflow.env), ...envOf(job.env) };
  const record = (result: StepResult) => {
    results.push(result);
    if (runner.env.WORKFLOW_STEPS_TIMINGS) appendFileSync(runner.env.WORKFLOW_STEPS_TIMINGS, `${jobName}\t${result.step.split('\n')[0]}\t${result.ms}\n`);
  };

  for (const [index, step] of job.steps.entries()) {
    const label = step.name ?? step.run ?? step.uses ?? `step ${index}`;
    const started = Date.now();
    if (step.uses) {
      const action = step.uses.replace(/@.*/, '');
      const inputs = envOf(step.with);
      let failure: string | undefined;
      if (action === 'actions/checkout') {
        if (inputs['fetch-depth'] !== '0') failure = 'the checkout must fetch the whole history (fetch-depth: 0): the version comes from the tags behind HEAD';
      } else if (action === 'actions/setup-node') path = `${toolDirectory(temp, path)}${delimiter}${path}`;
      else if (action === 'docker/login-action') {
        if (!inputs.username || !inputs.password) failure = 'Username and password required';
        else {
          mkdirSync(dockerConfig, { recursive: true });
          writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [inputs.registry!]: { auth: Buffer.from(`${inputs.username}:${inputs.password}`).toString('base64') } } }));
        }
      } else if (action === 'actions/upload-artifact' || action === 'actions/download-artifact') {
        try {
          if (action === 'actions/upload-artifact') uploadArtifact(r.artifacts, inputs.name!, join(clone, inputs.path!), inputs['if-no-files-found']);
          else if (inputs.pattern !== undefined) downloadArtifacts(r.artifacts, inputs.pattern, join(clone, inputs.path!));
          else downloadArtifact(r.artifacts, inputs.name!, join(clone, inputs.path!));
        } catch (error) {
          failure = (error as Error).message;
        }
      } else if (action !== 'actions/cache') throw new Error(`the workflow uses ${step.uses}, which this test cannot stand in for`);
      record({ step: label, code: failure ? 1 : 0, output: failure ?? '', ms: Date.now() - started });
      if (failure) break;
      continue;
    }
    const outputFile = join(temp, `output-${index}`);
    writeFileSync(outputFile, '');
    const script = join(temp, `step-${index}.sh`);
    writeFileSync(script, substitute(step.run!, context));
    const env = { ...base, PATH: path, ...jobEnv, ...envOf(step.env), GITHUB_OUTPUT: outputFile, GITHUB_ENV: join(temp, 'env') };
    const result = await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd: clone, env, maxBuffer: 256 * 1024 * 1024 }).then(
      ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
      (error: Error & { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof error.code === 'number' ? error.code : 1, output: `${error.stdout ?? ''}${error.stderr ?? error.message}` }),
    );
    record({ step: label, ...result, ms: Date.now() - started });
    if (step.id) stepOutputs[step.id] = Object.fromEntries(readFileSync(outputFile, 'utf8').split('\n').filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    if (result.code !== 0) break;
  }
  if (results.length === job.steps.length && results.every((result) => result.code === 0)) r.passed.add(jobName);
  return { results, clone, summary: readFileSync(summaryFile, 'utf8') };
}
