// The workflows `nx g @fctl-kit/nx:plugin` writes, run step by step the way a GitHub runner would,
// for each release configuration: a product repository is generated (the generator itself, on the
// file system), committed and pushed to a bare "origin", cloned fresh, and every `run:` step of the
// workflow runs in order in bash (`bash --noprofile --norc -eo pipefail`, GitHub's bash shell) with
// the environment the workflow sets and the secrets of this test. `${{ }}` expressions are
// evaluated for the contexts the workflows use (an unknown one fails the test). `uses:` steps do
// here what they do on a runner where it matters: checkout = the fresh clone (full history),
// docker/login-action = a Docker config.json; setup-node and the caches do nothing (the machine's
// Node, a cold cache). The kit's packages come from a real Verdaccio (test/support/npm-registry.ts);
// the backends are real servers on 127.0.0.1: the Debian docker-registry with htpasswd auth, the
// GitHub emulator, moto (S3), a PUT-accepting file server. The pull-request workflow's Linux jobs run
// on an untagged commit (snapshot mode: the version of the tag behind it) and on a tagged one.
// Every generated workflow also passes actionlint and GitHub's own workflow parser.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '@fctl-kit/artifacts';
import { pluginGenerator, type PluginOptions } from '../../packages/nx/src/generators.js';
import { startMoto, type Moto } from '../../packages/backends/test/s3/moto.js';
import { actionlint } from '../support/actionlint.js';
import { GithubEmulator } from '../support/github-emulator.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { startOciRegistry, type OciRegistry } from '../support/oci-registry.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';
import { workflowSchemaErrors } from '../support/workflow-schema.js';

const run = promisify(execFile);
const { FsTree, flushChanges } = createRequire(import.meta.url)('nx/src/generators/tree') as typeof import('nx/src/generators/tree');

type Step = { name?: string; id?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, unknown> };
type Job = { 'runs-on': string; env?: Record<string, unknown>; strategy?: { matrix: Record<string, unknown[]> }; defaults?: { run?: { shell?: string } }; steps: Step[] };
type Workflow = { env?: Record<string, unknown>; jobs: Record<string, Job> };

const REPOSITORY = 'acme/ledger';
const TOKEN = 'ghs_workflow-token-of-this-test';
const RELEASE_TOKEN = 'ghp_release-token-of-this-test';
const OCI_USER = { username: 'ci', password: 'oci-password-of-this-test' };
const keys = generateSigningKey();
const git = (cwd: string, ...args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd });

let npm: NpmRegistry;
let github: GithubEmulator;
let oci: OciRegistry;
let moto: Moto;
let puts: ReleaseServer;
let work: string;
/** The root package.json and lockfile every generated repository installs with (the init generator's dev dependencies). */
let installed: { packageJson: string; lockfile: string } | undefined;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'workflow-steps-'));
  [npm, github, oci, moto, puts] = await Promise.all([
    startNpmRegistry(),
    new GithubEmulator(TOKEN).start(),
    startOciRegistry({ kind: 'basic', ...OCI_USER }),
    startMoto(['acme-fctl']),
    startReleaseServer(),
  ]);
  // The token the workflow gets writes to this repository; the release token to the others too.
  github.addRepository(REPOSITORY, { files: { 'registry.yaml': 'plugins: {}\n' } });
  github.addRepository('acme/ledger-plugins', { private: true });
  github.addRepository('acme/fctl-registry', { files: { 'registry.yaml': 'plugins: {}\n' } });
}, 900_000);

afterAll(async () => {
  await Promise.all([npm?.stop(), github?.stop(), oci?.stop(), moto?.stop(), puts?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Generates a repository with these options, installs it once (the lockfile is committed), pushes it to a bare origin with a tag behind HEAD and HEAD untagged. */
async function productRepository(label: string, options: Partial<PluginOptions>): Promise<{ origin: string; source: string }> {
  const source = join(work, label, 'source');
  mkdirSync(source, { recursive: true });
  writeFileSync(join(source, 'package.json'), `${JSON.stringify({ name: 'ledger', private: true }, null, 2)}\n`);
  writeFileSync(join(source, '.gitignore'), 'node_modules\n.nx\n');
  writeFileSync(join(source, '.npmrc'), npm.npmrc);
  const tree = new FsTree(source, false);
  await pluginGenerator(tree, { name: 'ledger', repository: REPOSITORY, ...options });
  flushChanges(source, tree.listChanges());
  const packageJson = readFileSync(join(source, 'package.json'), 'utf8');
  if (!installed) {
    await run('npm', ['install', '--no-audit', '--no-fund'], { cwd: source, env: { ...process.env, ...npm.env }, maxBuffer: 64 * 1024 * 1024 }).catch((error: Error & { stderr?: string }) => {
      throw new Error(`npm install: ${error.stderr ?? error.message}`);
    });
    installed = { packageJson, lockfile: readFileSync(join(source, 'package-lock.json'), 'utf8') };
    rmSync(join(source, 'node_modules'), { recursive: true, force: true });
  } else {
    expect(packageJson).toBe(installed.packageJson);
    writeFileSync(join(source, 'package-lock.json'), installed.lockfile);
  }
  for (const file of ['.github/workflows/fctl-plugin-ledger.yml', '.github/workflows/fctl-plugin-ledger-release.yml']) {
    expect(await workflowSchemaErrors(file, readFileSync(join(source, file), 'utf8')), file).toEqual([]);
  }
  const linted = await actionlint(source, ['.github/workflows/fctl-plugin-ledger.yml', '.github/workflows/fctl-plugin-ledger-release.yml']);
  expect(linted.code, linted.stdout + linted.stderr).toBe(0);
  await git(source, 'init', '-q');
  await git(source, 'add', '-A');
  await git(source, 'commit', '-qm', 'ledger plugin');
  await git(source, 'tag', 'v1.1.0');
  writeFileSync(join(source, 'CHANGES.md'), 'A change after v1.1.0\n');
  await git(source, 'add', 'CHANGES.md');
  await git(source, 'commit', '-qm', 'a change');
  const origin = join(work, label, 'origin.git');
  await run('git', ['clone', '-q', '--bare', source, origin]);
  return { origin, source };
}

async function tagOrigin(repo: { origin: string; source: string }, tag: string) {
  await git(repo.source, 'tag', tag);
  await git(repo.source, 'push', '-q', repo.origin, tag);
}

interface Run {
  /** The GitHub context: the ref the workflow runs for. */
  ref: string;
  secrets: Record<string, string>;
}

/** `${{ expression }}` for the contexts the generated workflows use. */
function evaluate(expression: string, context: { run: Run; stepOutputs: Record<string, Record<string, string>>; matrix: Record<string, string>; clone: string }): string {
  const { run: r } = context;
  let match: RegExpExecArray | null;
  if ((match = /^secrets\.(\w+) != ''$/.exec(expression))) return String(Boolean(r.secrets[match[1]!]));
  if ((match = /^secrets\.(\w+)$/.exec(expression))) return r.secrets[match[1]!] ?? '';
  if ((match = /^steps\.([\w-]+)\.outputs\.(\w+)$/.exec(expression))) return context.stepOutputs[match[1]!]?.[match[2]!] ?? '';
  if ((match = /^matrix\.(\w+)$/.exec(expression))) return context.matrix[match[1]!] ?? '';
  if ((match = /^hashFiles\('([^']+)'\)$/.exec(expression))) {
    const file = join(context.clone, match[1]!);
    return existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : '';
  }
  const values: Record<string, string> = {
    'github.token': TOKEN,
    'github.actor': 'release-bot',
    'github.ref': r.ref,
    'github.ref_name': r.ref.replace(/^refs\/(tags|heads)\//, ''),
    'github.event.repository.default_branch': 'main',
    'runner.os': 'Linux',
  };
  if (expression in values) return values[expression]!;
  throw new Error(`the workflow uses \${{ ${expression} }}, which this test does not know`);
}

const substitute = (text: string, context: Parameters<typeof evaluate>[1]) => text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) => evaluate(expression, context));

interface StepResult {
  step: string;
  code: number;
  output: string;
}

/** Runs one job of a workflow in a fresh clone of `origin` at `ref`; stops at the first failing step. */
async function runJob(workflowFile: string, jobName: string, origin: string, r: Run, matrix: Record<string, string> = {}): Promise<{ results: StepResult[]; clone: string }> {
  const clone = mkdtempSync(join(work, 'clone-'));
  rmSync(clone, { recursive: true });
  await run('git', ['clone', '-q', origin, clone]);
  await git(clone, 'checkout', '-q', r.ref.startsWith('refs/tags/') ? r.ref.slice('refs/'.length) : r.ref.replace(/^refs\/heads\//, ''));
  const workflow = parse(readFileSync(join(clone, workflowFile), 'utf8')) as Workflow;
  const job = workflow.jobs[jobName]!;
  expect(job['runs-on'], `${jobName} runs on Linux here`).toMatch(/ubuntu-latest|matrix\.os/);
  const temp = mkdtempSync(join(work, 'runner-temp-'));
  const dockerConfig = join(temp, 'docker');
  const stepOutputs: Record<string, Record<string, string>> = {};
  const context = { run: r, stepOutputs, matrix, clone };
  const results: StepResult[] = [];
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: REPOSITORY,
    GITHUB_REPOSITORY_OWNER: REPOSITORY.split('/')[0],
    GITHUB_REF: r.ref,
    GITHUB_REF_NAME: r.ref.replace(/^refs\/(tags|heads)\//, ''),
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: temp,
    DOCKER_CONFIG: dockerConfig,
    NX_NO_CLOUD: 'true',
    // Builds here write no .xz (the e2e project's setting: xz -6 costs minutes of CPU per binary).
    FCTL_KIT_COMPRESSION: process.env.FCTL_KIT_COMPRESSION ?? 'none',
    // The machine's npm cache, as actions/setup-node's cache would restore it; npm talks to the test registry.
    ...npm.env,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  const envOf = (values: Record<string, unknown> | undefined) => Object.fromEntries(Object.entries(values ?? {}).map(([name, value]) => [name, substitute(String(value), context)]));
  const jobEnv = { ...envOf(workflow.env), ...envOf(job.env) };
  expect(job.defaults?.run?.shell).toBe('bash');
  for (const [index, step] of job.steps.entries()) {
    const label = step.name ?? step.run ?? step.uses ?? `step ${index}`;
    if (step.uses) {
      const action = step.uses.replace(/@.*/, '');
      const inputs = envOf(step.with);
      if (action === 'actions/checkout') expect(inputs['fetch-depth'], 'the whole history (tags behind HEAD)').toBe('0');
      else if (action === 'docker/login-action') {
        if (!inputs.username || !inputs.password) {
          results.push({ step: label, code: 1, output: 'Username and password required' });
          break;
        }
        mkdirSync(dockerConfig, { recursive: true });
        writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [inputs.registry!]: { auth: Buffer.from(`${inputs.username}:${inputs.password}`).toString('base64') } } }));
      } else if (!['actions/setup-node', 'actions/cache'].includes(action)) throw new Error(`the workflow uses ${step.uses}, which this test cannot stand in for`);
      results.push({ step: label, code: 0, output: '' });
      continue;
    }
    const outputFile = join(temp, `output-${index}`);
    writeFileSync(outputFile, '');
    const script = join(temp, `step-${index}.sh`);
    writeFileSync(script, substitute(step.run!, context));
    const env = { ...base, ...jobEnv, ...envOf(step.env), GITHUB_OUTPUT: outputFile, GITHUB_ENV: join(temp, 'env') };
    const result = await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd: clone, env, maxBuffer: 256 * 1024 * 1024 }).then(
      ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
      (error: Error & { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof error.code === 'number' ? error.code : 1, output: `${error.stdout ?? ''}${error.stderr ?? error.message}` }),
    );
    results.push({ step: label, ...result });
    if (step.id) stepOutputs[step.id] = Object.fromEntries(readFileSync(outputFile, 'utf8').split('\n').filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    if (result.code !== 0) break;
  }
  return { results, clone };
}

function expectAllPassed(results: StepResult[]) {
  for (const result of results) expect(result.code, `step "${result.step}" failed:\n${result.output.slice(-6000)}`).toBe(0);
  // No secret of this test reaches a step's output.
  const output = results.map((result) => result.output).join('\n');
  for (const secret of [TOKEN, RELEASE_TOKEN, OCI_USER.password, moto?.keys.secret, keys.privateKey.split('\n')[1]!]) if (secret) expect(output).not.toContain(secret);
}

const RELEASE = '.github/workflows/fctl-plugin-ledger-release.yml';
const PULL_REQUEST = '.github/workflows/fctl-plugin-ledger.yml';
const signing = { FCTL_KIT_SIGNING_KEY: keys.privateKey };
const showOnOrigin = async (origin: string, what: string) => (await run('git', ['show', what], { cwd: origin })).stdout;

describe('every configuration the generator accepts', () => {
  // The ones this machine cannot run end to end too (ghcr.io, pnpm, yarn): actionlint and GitHub's parser.
  it.each([
    ['no release section', {}, {}],
    ['oci on ghcr.io, registry pull request here', { releaseBackend: 'oci', releaseTo: 'ghcr.io/acme/fctl-ledger', registryRepo: REPOSITORY }, {}],
    ['s3 with a public base, registry pull request elsewhere', { releaseBackend: 's3', releaseBucket: 'acme-fctl', releasePublicBase: 'https://cdn.example.com/fctl', registryRepo: 'acme/fctl-registry' }, {}],
    ['url directory, pnpm', { releaseBackend: 'url', releaseTo: 'site', releasePublicBase: 'https://acme.github.io/ledger', registryFile: 'registry.yaml' }, { 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n" }],
    ['github-releases, yarn 4', { releaseBackend: 'github-releases', releaseRepo: REPOSITORY }, { 'package.json': JSON.stringify({ name: 'ledger', private: true, packageManager: 'yarn@4.5.0' }), 'yarn.lock': '__metadata:\n  version: 8\n' }],
    ['private-releases elsewhere, yarn 1', { releaseBackend: 'private-releases', releaseRepo: 'acme/ledger-plugins' }, { 'yarn.lock': '# yarn lockfile v1\n' }],
  ] as const)('%s: the workflows pass actionlint and GitHub\'s parser', async (label, options, files) => {
    const dir = mkdtempSync(join(work, 'lint-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'ledger', private: true }));
    for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
    const tree = new FsTree(dir, false);
    await pluginGenerator(tree, { name: 'ledger', repository: REPOSITORY, skipPackageJson: true, ...options });
    flushChanges(dir, tree.listChanges());
    for (const file of [PULL_REQUEST, RELEASE]) expect(await workflowSchemaErrors(file, readFileSync(join(dir, file), 'utf8')), `${label}: ${file}`).toEqual([]);
    const linted = await actionlint(dir, [PULL_REQUEST, RELEASE]);
    expect(linted.code, linted.stdout + linted.stderr).toBe(0);
  }, 120_000);

  it('the checks can fail: a broken workflow is refused by both', async () => {
    const dir = mkdtempSync(join(work, 'lint-broken-'));
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    const broken = 'name: x\non: push\npermissions:\n  pull_requests: write\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ secrets.A != }}\n';
    writeFileSync(join(dir, '.github', 'workflows', 'broken.yml'), broken);
    expect((await workflowSchemaErrors('broken.yml', broken)).join('\n')).toContain("Unexpected value 'pull_requests'");
    expect((await actionlint(dir, ['.github/workflows/broken.yml'])).code).not.toBe(0);
  }, 120_000);
});

describe('the pull-request workflow (npm)', () => {
  let repo: { origin: string; source: string };
  beforeAll(async () => {
    repo = await productRepository('pull-request', {});
  }, 900_000);

  for (const [label, ref] of [
    ['an untagged commit (snapshot: the version of v1.1.0 behind it)', 'refs/heads/main'],
    ['a tagged commit', 'refs/tags/v1.2.0'],
  ] as const) {
    it(`runs every step of the Linux jobs on ${label}`, async () => {
      if (ref.startsWith('refs/tags/')) await tagOrigin(repo, 'v1.2.0');
      const checks = await runJob(PULL_REQUEST, 'checks', repo.origin, { ref, secrets: {} });
      expectAllPassed(checks.results);
      const verify = checks.results.find((result) => result.step.startsWith('Build every platform'))!.output;
      expect(verify).toContain(ref.startsWith('refs/tags/') ? '1.2.0' : '1.1.0');
      const compat = await runJob(PULL_REQUEST, 'compat', repo.origin, { ref, secrets: {} }, { os: 'ubuntu-latest' });
      expectAllPassed(compat.results);
    }, 1_800_000);
  }
});

describe('the release workflow, per release configuration (npm)', () => {
  const released = async (label: string, options: Partial<PluginOptions>, secrets: Record<string, string>) => {
    const repo = await productRepository(label, options);
    await tagOrigin(repo, 'v1.2.0');
    const job = await runJob(RELEASE, 'release', repo.origin, { ref: 'refs/tags/v1.2.0', secrets: { ...signing, ...secrets } });
    return { repo, ...job };
  };

  it('url to a server accepting PUT, registry file committed to the default branch', async () => {
    const { repo, results } = await released('url-put', { releaseBackend: 'url', releaseTo: `${puts.url}/fctl`, registryFile: 'registry.yaml' }, {});
    expectAllPassed(results);
    expect(puts.files.has('/fctl/ledger/1.2.0/checksums.txt')).toBe(true);
    const registry = await showOnOrigin(repo.origin, 'main:registry.yaml');
    expect(registry).toContain(`${puts.url}/fctl/{name}/{version}/{file}`);
    expect(registry).not.toContain('file:');
  }, 1_800_000);

  it('url to a directory with a public base: kept on the site branch; the registry records the public base', async () => {
    const { repo, results } = await released('url-site', { releaseBackend: 'url', releaseTo: 'site/plugins', releasePublicBase: 'https://acme.github.io/ledger/plugins', registryFile: 'registry.yaml' }, {});
    expectAllPassed(results);
    expect(await showOnOrigin(repo.origin, 'fctl-plugin-ledger-site:ledger/1.2.0/checksums.txt')).toContain('ledger');
    const registry = await showOnOrigin(repo.origin, 'main:registry.yaml');
    expect(registry).toContain('https://acme.github.io/ledger/plugins/{name}/{version}/{file}');
    expect(registry).not.toContain('file:');
  }, 1_800_000);

  it('oci on a registry with a login (docker/login-action with the secrets)', async () => {
    const { repo, results } = await released('oci', { releaseBackend: 'oci', releaseTo: `${oci.host}/fctl/ledger`, registryFile: 'registry.yaml' }, { FCTL_OCI_USERNAME: OCI_USER.username, FCTL_OCI_PASSWORD: OCI_USER.password });
    expectAllPassed(results);
    const registry = parse(await showOnOrigin(repo.origin, 'main:registry.yaml'));
    expect(registry.plugins.ledger.versions['1.2.0'].sources).toEqual([expect.objectContaining({ backend: 'oci', repository: `${oci.host}/fctl/ledger` })]);
  }, 1_800_000);

  it('github-releases of this repository and a registry pull request in it, with the workflow token', async () => {
    const { results } = await released('github-here', { releaseBackend: 'github-releases', releaseRepo: REPOSITORY, releaseApiUrl: github.url, registryRepo: REPOSITORY, registryApiUrl: github.url }, {});
    expectAllPassed(results);
    expect(github.fileOn(REPOSITORY, 'fctl-kit/ledger-1.2.0', 'registry.yaml')).toContain('1.2.0');
    expect(github.requests.filter((request) => request.authorization).every((request) => request.authorization === `token ${TOKEN}` || request.authorization === `Bearer ${TOKEN}`)).toBe(true);
  }, 1_800_000);

  it('private-releases of another repository and a registry pull request in another: FCTL_RELEASE_TOKEN, and a clear failure without it', async () => {
    const options = { releaseBackend: 'private-releases', releaseRepo: 'acme/ledger-plugins', releaseApiUrl: github.url, registryRepo: 'acme/fctl-registry', registryApiUrl: github.url };
    const missing = await released('github-elsewhere-missing', options, {});
    expect(missing.results).toHaveLength(1);
    expect(missing.results[0]!.code).toBe(1);
    expect(missing.results[0]!.output).toContain('::error::set the repository secret(s) FCTL_RELEASE_TOKEN');

    (github as unknown as { token: string }).token = RELEASE_TOKEN;
    try {
      const { results } = await released('github-elsewhere', options, { FCTL_RELEASE_TOKEN: RELEASE_TOKEN });
      expectAllPassed(results);
      expect(github.fileOn('acme/fctl-registry', 'fctl-kit/ledger-1.2.0', 'registry.yaml')).toContain('1.2.0');
    } finally {
      (github as unknown as { token: string }).token = TOKEN;
    }
  }, 1_800_000);

  it('s3 (moto) with the AWS secrets, registry file committed', async () => {
    const { repo, results } = await released('s3', { releaseBackend: 's3', releaseBucket: 'acme-fctl', releaseEndpoint: moto.endpoint, releaseRegion: 'us-east-1', registryFile: 'registry.yaml' }, { AWS_ACCESS_KEY_ID: moto.keys.id, AWS_SECRET_ACCESS_KEY: moto.keys.secret });
    expectAllPassed(results);
    const registry = parse(await showOnOrigin(repo.origin, 'main:registry.yaml'));
    expect(registry.plugins.ledger.versions['1.2.0'].sources).toEqual([expect.objectContaining({ backend: 's3', bucket: 'acme-fctl' })]);
  }, 1_800_000);
});

