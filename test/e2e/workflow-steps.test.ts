// The workflows `nx g @fctl-kit/nx:plugin` writes, run step by step the way a GitHub runner would,
// for each release configuration and package manager: a product repository is generated (the
// generator itself, on the file system), committed and pushed to a bare "origin", and each job runs
// in a fresh clone, every `run:` step in order in bash with the environment the workflow sets and
// the secrets of this test (test/support/workflow-runner.ts; artifacts travel between the jobs of a
// run as zip files would, without file modes: workflow-artifacts.ts). The kit's packages come from
// a real Verdaccio (test/support/npm-registry.ts), and so do pnpm and yarn (corepack downloads them
// from it); the backends are real servers on 127.0.0.1: the Debian docker-registry with htpasswd
// auth, GitHub emulators, moto (S3), a PUT-accepting file server. The pull-request workflow runs
// its checks job and then its compat job (the ubuntu-latest entry of the matrix, on the binaries
// checks built) on an untagged commit (snapshot mode: the version of the tag behind it) and on a
// tagged one with npm, and on an untagged one with pnpm and with yarn; and, for a plugin releasing to
// a registry file whose cores section lists two released fctl cores (built with buildCore for this
// machine, 0.1.0 pinned to protocol v1, published to the PUT server), the compat job's matrix runs
// the pull request's build against both, with its table in the step summary, and fails on a ✗ (a
// core that cannot be downloaded). Every generated workflow also passes actionlint and GitHub's
// own workflow parser.
// Independent cases run two at a time (the machine has two cores; each case installs and builds).
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, loadPrivateKey, sha256File } from '@fctl-kit/artifacts';
import { publishCoreRelease } from '@fctl-kit/backends';
import { buildCore, coreBinaryFileName, hostTarget } from '@fctl-kit/binaries';
import { registerCoreRelease } from '@fctl-kit/registry';
import { pluginGenerator, type PluginOptions } from '../../packages/nx/src/generators.js';
import { startMoto, type Moto } from '../../packages/backends/test/s3/moto.js';
import { actionlint } from '../support/actionlint.js';
import { GithubEmulator } from '../support/github-emulator.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { startOciRegistry, type OciRegistry } from '../support/oci-registry.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';
import { newRun, runJob, type Runner, type StepResult } from '../support/workflow-runner.js';
import { productRepositories, WORKFLOW_FILES, type PackageManagerName, type ProductRepository } from '../support/workflow-repository.js';
import { workflowSchemaErrors } from '../support/workflow-schema.js';
import { repoRoot } from '../support/paths.js';

const run = promisify(execFile);
const { FsTree, flushChanges } = createRequire(import.meta.url)('nx/src/generators/tree') as typeof import('nx/src/generators/tree');

const REPOSITORY = 'acme/ledger';
const TOKEN = 'ghs_workflow-token-of-this-test';
const RELEASE_TOKEN = 'ghp_release-token-of-this-test';
const OCI_USER = { username: 'ci', password: 'oci-password-of-this-test' };
const keys = generateSigningKey();

let npm: NpmRegistry;
/** GitHub as the workflow's own token reaches it (this repository), and as FCTL_RELEASE_TOKEN does (other repositories). */
let github: GithubEmulator;
let githubElsewhere: GithubEmulator;
let oci: OciRegistry;
let moto: Moto;
let puts: ReleaseServer;
let work: string;
let runner: Runner;
let repositories: ReturnType<typeof productRepositories>;

/** At most `size` of the calls at a time: the cases install and build, and the machine has two cores. */
function pool(size: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
const heavy = pool(2);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'workflow-steps-'));
  [npm, github, githubElsewhere, oci, moto, puts] = await Promise.all([
    startNpmRegistry(),
    new GithubEmulator(TOKEN).start(),
    new GithubEmulator(RELEASE_TOKEN).start(),
    startOciRegistry({ kind: 'basic', ...OCI_USER }),
    startMoto(['acme-fctl']),
    startReleaseServer(),
  ]);
  github.addRepository(REPOSITORY, { files: { 'registry.yaml': 'plugins: {}\n' } });
  githubElsewhere.addRepository('acme/ledger-plugins', { private: true });
  githubElsewhere.addRepository('acme/fctl-registry', { files: { 'registry.yaml': 'plugins: {}\n' } });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    // This test file's own temporary directory (test/support/temp-dir-setup.ts): yarn leaves files there.
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    NX_NO_CLOUD: 'true',
    // Nx 23 keeps a git workspace's cache in ~/.nx/<workspace id> (a runner's home is thrown away
    // after the job; this machine's is not): each product repository here is a new id, 600 MB each.
    NX_CACHE_DIRECTORY: '.nx/cache',
    // Builds here write no .xz (the e2e project's setting: xz -6 costs minutes of CPU per binary).
    FCTL_KIT_COMPRESSION: process.env.FCTL_KIT_COMPRESSION ?? 'none',
    // The machine's npm cache, as actions/setup-node's cache would restore it; npm talks to the test registry.
    ...npm.env,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    // corepack downloads pnpm and yarn from the test registry, once per test run, and pnpm and yarn
    // keep their packages in this run's caches (what actions/cache would restore on a runner).
    COREPACK_NPM_REGISTRY: npm.url.replace(/\/$/, ''),
    COREPACK_HOME: join(work, 'corepack'),
    COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
    npm_config_store_dir: join(work, 'pnpm-store'),
    YARN_CACHE_FOLDER: join(work, 'yarn-cache'),
    // The workflows run Node 22 (setup-node), this machine Node 20: yarn 1 refuses packages whose
    // engines say >=22 (content-type 3.1.1, a dependency of a dependency); npm and pnpm only warn.
    YARN_IGNORE_ENGINES: 'true',
    // git without zlib and without delta search on big files: pushing the published site (hundreds of
    // MB of binaries) to the bare origin otherwise spends minutes compressing what a local disk keeps.
    GIT_CONFIG_COUNT: '2',
    GIT_CONFIG_KEY_0: 'core.compression',
    GIT_CONFIG_VALUE_0: '0',
    GIT_CONFIG_KEY_1: 'core.bigFileThreshold',
    GIT_CONFIG_VALUE_1: '16m',
    ...(process.env.WORKFLOW_STEPS_TIMINGS ? { WORKFLOW_STEPS_TIMINGS: process.env.WORKFLOW_STEPS_TIMINGS } : {}),
  };
  runner = { work, repository: REPOSITORY, token: TOKEN, env };
  repositories = productRepositories({ work, repository: REPOSITORY, npmrc: readFileSync(npm.npmrc, 'utf8'), env });
}, 900_000);

// Cleanup stops six servers and deletes the product repositories with their installs (gigabytes):
// on a loaded two-core machine this took over the default 120 s once (a fresh-clone CI run).
afterAll(async () => {
  await Promise.all([npm?.stop(), github?.stop(), githubElsewhere?.stop(), oci?.stop(), moto?.stop(), puts?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
}, 600_000);

function expectAllPassed(results: StepResult[]) {
  for (const result of results) expect(result.code, `step "${result.step}" failed:\n${result.output.slice(-6000)}`).toBe(0);
  // No secret of this test reaches a step's output.
  const output = results.map((result) => result.output).join('\n');
  for (const secret of [TOKEN, RELEASE_TOKEN, OCI_USER.password, moto?.keys.secret, keys.privateKey.split('\n')[1]!]) if (secret) expect(output).not.toContain(secret);
}

const RELEASE = WORKFLOW_FILES.release;
const PULL_REQUEST = WORKFLOW_FILES.pullRequest;
const signing = { FCTL_KIT_SIGNING_KEY: keys.privateKey };
const showOnOrigin = async (origin: string, what: string) => (await run('git', ['show', what], { cwd: origin })).stdout;

describe('every configuration the generator accepts', () => {
  // The ones not run end to end below too (ghcr.io, a release with pnpm or yarn, yarn 4): actionlint and GitHub's parser.
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

describe.concurrent('the pull-request workflow: checks, then compat on the binaries checks built', () => {
  /** Runs checks, then the compat job on this machine's entry of the matrix, in one workflow run. */
  const pullRequest = async (repo: ProductRepository, ref: string) => {
    const workflowRun = newRun(runner, ref);
    const checks = await runJob(runner, PULL_REQUEST, 'checks', repo.origin, workflowRun);
    expectAllPassed(checks.results);
    const compat = await runJob(runner, PULL_REQUEST, 'compat', repo.origin, workflowRun, { os: 'ubuntu-latest' });
    expectAllPassed(compat.results);
    return { workflowRun, checks, compat };
  };
  const output = (results: StepResult[], step: string) => results.find((result) => result.step.startsWith(step))!.output;

  /** A registry listing no plugin and two released cores: 0.1.0 (protocol v1 only) and 0.2.0 (v1, v2), served by the PUT server. */
  const coresRegistry = async () => {
    let text = 'plugins: {}\n';
    for (const [version, protocolVersions] of [['0.1.0', [1]], ['0.2.0', [1, 2]]] as const) {
      const dir = join(work, 'cores', version);
      await buildCore({ coreDir: join(repoRoot, 'packages', 'core'), outDir: dir, version, targets: [hostTarget().id], signingKey: loadPrivateKey(keys.privateKey, 'test key'), ...(version === '0.1.0' ? { protocolVersions: [1] } : {}) });
      const runs = await publishCoreRelease(dir, version, [{ backend: 'url', to: puts.url }], { env: {} });
      text = registerCoreRelease(text, 'registry.yaml', version, { checksumsSha256: await sha256File(join(dir, 'checksums.txt')), protocolVersions: [...protocolVersions], sources: runs.map((run) => run.plan.source) }, { publicKey: keys.publicKey }).text;
    }
    return text;
  };

  it("npm, a registry with two released cores (one v1-pinned): the compat job's matrix runs the build against both, the table in the step summary; a ✗ fails the job", async () => {
    const options = { releaseBackend: 'url', releaseTo: `${puts.url}/fctl`, registryFile: 'registry.yaml' } as const;
    const repo = await heavy(async () => repositories.create('pull-request-cores', options, 'npm', { 'registry.yaml': await coresRegistry() }));
    const workflowRun = newRun(runner, 'refs/heads/main');
    const { checks, compat } = await heavy(async () => {
      const checks = await runJob(runner, PULL_REQUEST, 'checks', repo.origin, workflowRun);
      expectAllPassed(checks.results);
      // The cell cache and the released cores of this run's own (actions/cache is a cold cache here).
      workflowRun.env = { XDG_CACHE_HOME: join(work, 'compat-cache-pass') };
      const compat = await runJob(runner, PULL_REQUEST, 'compat', repo.origin, workflowRun, { os: 'ubuntu-latest' });
      expectAllPassed(compat.results);
      return { checks, compat };
    });
    const gate = output(compat.results, 'Compatibility gate');
    expect(gate).toContain('2 cells: 2 passed, 0 failed, 0 could not run, 0 unreachable');
    expect(gate).toContain(`Downloading fctl 0.1.0 (${hostTarget().os}/${hostTarget().arch}) from ${puts.url}/fctl/0.1.0/${coreBinaryFileName(hostTarget())}`);
    expect(gate).not.toContain('reference fctl');
    // The build of this pull request (the snapshot version of v1.1.0), against each supported core.
    expect(compat.summary).toContain('| fctl | `ledger@1.1.0 (this build)` |');
    expect(compat.summary).toContain('| `0.1.0` | [✓](matrix.html#cell-0) |');
    expect(compat.summary).toContain('| `0.2.0` | [✓](matrix.html#cell-1) |');
    const reports = join(workflowRun.artifacts, 'fctl-plugin-ledger-compat-ubuntu-latest');
    expect(readdirSync(reports).sort()).toEqual(['junit.xml', 'matrix.html', 'matrix.json', 'matrix.md']);
    const results = JSON.parse(readFileSync(join(reports, 'matrix.json'), 'utf8')) as { plan: { cells: Array<{ id: string; protocolVersion: number }> } };
    expect(results.plan.cells.map((cell) => [cell.id, cell.protocolVersion])).toEqual([
      ['fctl@0.1.0 ledger@1.1.0', 1],
      ['fctl@0.2.0 ledger@1.1.0', 2],
    ]);

    // The same job when core 0.1.0 cannot be downloaded: its cell is ✗ (could not run); the reports are kept, the last step fails.
    const failing = newRun(runner, 'refs/heads/main');
    failing.passed.add('checks');
    cpSync(workflowRun.artifacts, failing.artifacts, { recursive: true, filter: (path) => !path.includes('-compat-') });
    failing.env = { XDG_CACHE_HOME: join(work, 'compat-cache-fail') };
    puts.faults.set(`/fctl/0.1.0/${coreBinaryFileName(hostTarget())}`, Array.from({ length: 10 }, () => ({ kind: 'status' as const, status: 503 })));
    const refused = await heavy(() => runJob(runner, PULL_REQUEST, 'compat', repo.origin, failing, { os: 'ubuntu-latest' }));
    puts.faults.delete(`/fctl/0.1.0/${coreBinaryFileName(hostTarget())}`);
    expect(refused.results.at(-1)!.step, refused.results.at(-1)!.output.slice(-6000)).toBe('Fail on a ✗ (a scenario failed, or a cell could not run)');
    expect(refused.results.at(-1)!.code).toBe(1);
    expect(refused.results.at(-1)!.output).toContain('::error::the compatibility gate failed (exit 1)');
    expect(refused.results.slice(0, -1).every((result) => result.code === 0)).toBe(true);
    expect(refused.summary).toContain('| `0.1.0` | [✗](matrix.html#cell-0) |');
    expect(refused.summary).toContain('| `0.2.0` | [✓](matrix.html#cell-1) |');
    expect(readdirSync(join(failing.artifacts, 'fctl-plugin-ledger-compat-ubuntu-latest'))).toContain('matrix.html');
    // Each clone holds an install: free the disk for the cases still running.
    for (const job of [checks, compat, refused]) rmSync(job.clone, { recursive: true, force: true });
  }, 1_800_000);

  it('npm, an untagged commit (snapshot: the version of v1.1.0 behind it); a build that differs from its checksums is refused', async () => {
    const repo = await heavy(() => repositories.create('pull-request-npm', {}));
    const { workflowRun, checks, compat } = await heavy(() => pullRequest(repo, 'refs/heads/main'));
    expect(output(checks.results, 'Build every platform')).toContain('1.1.0');
    // The downloaded files were checked, and the Linux binary of the checks job is the one fctl ran.
    expect(output(compat.results, 'Check the build')).toMatch(/fctl-plugin-ledger-darwin-arm64: OK[\s\S]*fctl-plugin-ledger-windows-amd64\.exe: OK/);
    expect(output(compat.results, 'Compatibility gate')).toMatch(/scenarios, 0 failed \(ledger: .*\/cmd\/fctl-plugin\/dist\/release\/fctl-plugin-ledger-linux-amd64\)/);

    // The same compat job on an artifact changed after checks built it.
    const tampered = newRun(runner, 'refs/heads/main');
    tampered.passed.add('checks');
    cpSync(workflowRun.artifacts, tampered.artifacts, { recursive: true });
    writeFileSync(join(tampered.artifacts, 'fctl-plugin-ledger-release', 'manifest.json'), '{}\n');
    const refused = await heavy(() => runJob(runner, PULL_REQUEST, 'compat', repo.origin, tampered, { os: 'ubuntu-latest' }));
    expect(refused.results.at(-1)!.step).toBe('Check the build against its checksums.txt; make the binaries executable again');
    expect(refused.results.at(-1)!.code).not.toBe(0);
    expect(refused.results.at(-1)!.output).toContain('manifest.json: FAILED');
  }, 1_800_000);

  it('npm, a tagged commit', async () => {
    const { checks } = await heavy(async () => {
      const repo = await repositories.create('pull-request-npm-tagged', {});
      await repositories.tag(repo, 'v1.2.0');
      return pullRequest(repo, 'refs/tags/v1.2.0');
    });
    expect(output(checks.results, 'Build every platform')).toContain('1.2.0');
  }, 1_800_000);

  it.each([['pnpm'], ['yarn']] as const)('%s, an untagged commit', async (packageManager: PackageManagerName) => {
    const { checks, compat } = await heavy(async () => pullRequest(await repositories.create(`pull-request-${packageManager}`, {}, packageManager), 'refs/heads/main'));
    const ran = [...checks.results, ...compat.results].map((result) => result.step);
    expect(ran).toContain(packageManager === 'pnpm' ? 'pnpm install --frozen-lockfile' : 'yarn install --frozen-lockfile');
    // corepack ran the version package.json names.
    expect(output(checks.results, `${packageManager} through corepack`)).toContain(packageManager === 'pnpm' ? '9.15.9' : '1.22.22');
    expect(output(compat.results, 'Compatibility gate')).toMatch(/scenarios, 0 failed \(ledger: .*fctl-plugin-ledger-linux-amd64\)/);
  }, 1_800_000);
});

describe.concurrent('the release workflow, per release configuration (npm)', () => {
  const released = (label: string, options: Partial<PluginOptions>, secrets: Record<string, string>) =>
    heavy(async () => {
      const repo = await repositories.create(label, options);
      await repositories.tag(repo, 'v1.2.0');
      const job = await runJob(runner, RELEASE, 'release', repo.origin, newRun(runner, 'refs/tags/v1.2.0', { ...signing, ...secrets }));
      return { repo, ...job };
    });

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
    const options = { releaseBackend: 'private-releases', releaseRepo: 'acme/ledger-plugins', releaseApiUrl: githubElsewhere.url, registryRepo: 'acme/fctl-registry', registryApiUrl: githubElsewhere.url };
    const missing = await released('github-elsewhere-missing', options, {});
    expect(missing.results).toHaveLength(1);
    expect(missing.results[0]!.code).toBe(1);
    expect(missing.results[0]!.output).toContain('::error::set the repository secret(s) FCTL_RELEASE_TOKEN');

    // That emulator accepts only the release token: the workflow's own token would be refused there.
    const { results } = await released('github-elsewhere', options, { FCTL_RELEASE_TOKEN: RELEASE_TOKEN });
    expectAllPassed(results);
    expect(githubElsewhere.fileOn('acme/fctl-registry', 'fctl-kit/ledger-1.2.0', 'registry.yaml')).toContain('1.2.0');
  }, 1_800_000);

  it('s3 (moto) with the AWS secrets, registry file committed', async () => {
    const { repo, results } = await released('s3', { releaseBackend: 's3', releaseBucket: 'acme-fctl', releaseEndpoint: moto.endpoint, releaseRegion: 'us-east-1', registryFile: 'registry.yaml' }, { AWS_ACCESS_KEY_ID: moto.keys.id, AWS_SECRET_ACCESS_KEY: moto.keys.secret });
    expectAllPassed(results);
    const registry = parse(await showOnOrigin(repo.origin, 'main:registry.yaml'));
    expect(registry.plugins.ledger.versions['1.2.0'].sources).toEqual([expect.objectContaining({ backend: 's3', bucket: 'acme-fctl' })]);
  }, 1_800_000);
});
