// The core's gate, .github/workflows/compat-core.yml: checked by actionlint (with shellcheck) and
// GitHub's own parser, and its `run:` steps run job by job the way a runner would
// (test/support/workflow-runner.ts), for a small core repository pushed to a bare origin: `main`
// holds a core (the reference fctl, as a Node script), a pull-request branch changes it. The
// registry serves three releases of the example plugin over loopback HTTP (3.1.0 without
// scenarios.yaml: could not run; 3.2.0 passes with the base's core; 3.3.0 carries a scenario its
// build fails). plan → every shard of its GitHub matrix → merge → the base's matrix → compare:
// a pull request whose core drops the table's header line fails the gate on ledger@3.2.0, with the
// comparison and the matrix in the step summary; one that does not touch the core passes it.
// The comment job runs with a stand-in gh that records what it is asked (a first comment is
// posted, a marked one updated); the caller docs/ci.md shows is checked by actionlint against
// this workflow's inputs and by GitHub's parser.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '@fctl-kit/artifacts';
import { actionlint } from '../support/actionlint.js';
import { fctlKitBin } from '../support/exec.js';
import { ledgerMatrixReleases } from '../support/matrix-releases.js';
import { fctlBin, repoRoot, requireBuilt } from '../support/paths.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';
import { newRun, runJob, type Runner, type StepResult, type WorkflowRun } from '../support/workflow-runner.js';
import { workflowSchemaErrors } from '../support/workflow-schema.js';

const run = promisify(execFile);
const WORKFLOW = '.github/workflows/compat-core.yml';
const TOKEN = 'ghs_compat-core-token-of-this-test';
const keys = generateSigningKey();

let work: string;
let server: ReleaseServer;
let origin: string;
let runner: Runner;
let baseSha: string;

const dist = join(repoRoot, 'packages', 'core', 'dist', 'fctl.js');
const baseCore = `// the core of the base branch\nimport ${JSON.stringify(dist)};\n`;
// A change to the core that drops the header line of every table it renders.
const brokenCore = [
  '// a pull request: tables lose their header line',
  'const write = process.stdout.write.bind(process.stdout);',
  "process.stdout.write = (chunk, ...rest) => write(typeof chunk === 'string' ? chunk.replace(/^ID {3}TIMESTAMP.*\\n/m, '') : chunk, ...rest);",
  `await import(${JSON.stringify(dist)});`,
  '',
].join('\n');

const git = (cwd: string, ...args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd });

beforeAll(async () => {
  requireBuilt(fctlBin, dist, fctlKitBin);
  work = mkdtempSync(join(tmpdir(), 'compat-core-workflow-'));
  server = await startReleaseServer();
  server.files.set('/registry.yaml', Buffer.from((await ledgerMatrixReleases(work, server, keys)).registry));

  // The core's repository: the workflow (as the caller would have it called) and the core, on main and on two pull-request branches.
  const source = join(work, 'source');
  origin = join(work, 'origin.git');
  mkdirSync(dirname(join(source, WORKFLOW)), { recursive: true });
  await run('git', ['init', '-q', '--bare', origin]);
  await git(work, 'init', '-q', source);
  writeFileSync(join(source, WORKFLOW), readFileSync(join(repoRoot, WORKFLOW)));
  writeFileSync(join(source, 'fctl.mjs'), baseCore);
  await git(source, 'add', '-A');
  await git(source, 'commit', '-qm', 'the core');
  baseSha = (await git(source, 'rev-parse', 'HEAD')).stdout.trim();
  await git(source, 'checkout', '-qb', 'pr-breaks');
  writeFileSync(join(source, 'fctl.mjs'), brokenCore);
  await git(source, 'commit', '-qam', 'tables without a header');
  await git(source, 'checkout', '-q', 'main');
  await git(source, 'checkout', '-qb', 'pr-docs');
  writeFileSync(join(source, 'README.md'), 'The core.\n');
  await git(source, 'add', 'README.md');
  await git(source, 'commit', '-qm', 'a readme');
  await git(source, 'push', '-q', origin, 'main', 'pr-breaks', 'pr-docs');

  // The jobs' home (where the cell cache goes) is this test's: the cells of every job share it, as a warm actions/cache would.
  mkdirSync(join(work, 'home'));
  runner = { work, repository: 'acme/fctl', token: TOKEN, env: { PATH: process.env.PATH, HOME: join(work, 'home') } };
}, 180_000);

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function expectPassed(job: string, results: StepResult[]) {
  for (const result of results) expect(result.code, `${job}: step "${result.step}" failed:\n${result.output.slice(-6000)}`).toBe(0);
  expect(results.map((result) => result.output).join('\n')).not.toContain(TOKEN);
}

describe('compat-core.yml', () => {
  it('passes actionlint and GitHub\'s workflow parser, with contents: read everywhere and pull-requests: write on the comment job only', async () => {
    const lint = await actionlint(repoRoot, [WORKFLOW]);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    expect(await workflowSchemaErrors(WORKFLOW, readFileSync(join(repoRoot, WORKFLOW), 'utf8'))).toEqual([]);
    const workflow = parse(readFileSync(join(repoRoot, WORKFLOW), 'utf8'));
    expect(Object.keys(workflow.on)).toEqual(['workflow_call']);
    expect(workflow.permissions).toEqual({ contents: 'read' });
    const permissions = Object.fromEntries(Object.entries(workflow.jobs as Record<string, { permissions: unknown }>).map(([name, job]) => [name, job.permissions]));
    expect(permissions).toEqual({
      plan: { contents: 'read' },
      shard: { contents: 'read' },
      merge: { contents: 'read' },
      base: { contents: 'read' },
      compare: { contents: 'read' },
      comment: { 'pull-requests': 'write' },
    });
  });

  it('is called as docs/ci.md shows: its caller passes actionlint against the inputs and GitHub\'s parser', async () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'ci.md'), 'utf8');
    const section = doc.slice(doc.indexOf("## The core's gate (a core repository)"));
    const caller = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    expect(caller).toContain('uses: OWNER/fctl-plugin-kit/.github/workflows/compat-core.yml@COMMIT_SHA');
    expect(await workflowSchemaErrors('compat.yml', caller)).toEqual([]);
    // The same caller with the workflow beside it, so actionlint checks the inputs it passes.
    const repository = join(work, 'caller');
    mkdirSync(join(repository, '.github', 'workflows'), { recursive: true });
    await git(work, 'init', '-q', repository);
    writeFileSync(join(repository, WORKFLOW), readFileSync(join(repoRoot, WORKFLOW)));
    writeFileSync(join(repository, '.github', 'workflows', 'compat.yml'), caller.replace('OWNER/fctl-plugin-kit/.github/workflows/compat-core.yml@COMMIT_SHA', './.github/workflows/compat-core.yml'));
    const lint = await actionlint(repository, ['.github/workflows/compat.yml']);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    writeFileSync(join(repository, '.github', 'workflows', 'compat.yml'), caller.replace('OWNER/fctl-plugin-kit/.github/workflows/compat-core.yml@COMMIT_SHA', './.github/workflows/compat-core.yml').replace('core-build:', 'core-bulid:'));
    const misspelt = await actionlint(repository, ['.github/workflows/compat.yml']);
    expect(misspelt.code).toBe(1);
    expect(misspelt.stdout).toContain('input "core-bulid" is not defined');
  });

  /** What the caller passes (inputs) and the pull request's event: the values of the workflow's expressions. */
  const gateExpressions = () => ({
    'inputs.fctl-kit': `${process.execPath} ${fctlKitBin}`,
    'inputs.registry': `${server.url}/registry.yaml`,
    'inputs.core-build': 'fctl.mjs',
    'inputs.install': 'true',
    'inputs.build': 'test -f fctl.mjs',
    'inputs.cores': '',
    'inputs.core-args': '',
    'inputs.node-version': '22',
    'github.run_id': '7',
    'github.event.pull_request.base.sha': baseSha,
    'github.event.pull_request.number': '12',
    'github.server_url': 'https://github.com',
    'github.repository': 'acme/fctl',
  });

  /** The gate's jobs for a pull request from `branch` onto main; returns the compare job. */
  async function gate(branch: string) {
    const head: WorkflowRun = newRun(runner, `refs/heads/${branch}`);
    const expressions = gateExpressions();
    const plan = await runJob(runner, WORKFLOW, 'plan', origin, head, {}, expressions);
    expectPassed('plan', plan.results);
    const matrix = JSON.parse(plan.results.at(-1)!.output.trim().split('\n').at(-1)!) as { include: Array<{ shard: string; name: string; cells: string[] }> };
    expect(matrix.include.map((job) => job.cells)).toEqual([['fctl@0.0.0-local ledger@3.1.0'], ['fctl@0.0.0-local ledger@3.2.0'], ['fctl@0.0.0-local ledger@3.3.0']]);
    for (const [index, job] of matrix.include.entries()) {
      const shard = await runJob(runner, WORKFLOW, 'shard', origin, head, { shard: job.shard, name: job.name }, { ...expressions, 'strategy.job-index': String(index) });
      expectPassed(`shard ${job.shard}`, shard.results);
    }
    const merge = await runJob(runner, WORKFLOW, 'merge', origin, head, {}, expressions);
    expectPassed('merge', merge.results);
    // The base job checks out the base commit: in this run, main.
    const base = await runJob(runner, WORKFLOW, 'base', origin, { ...head, ref: 'refs/heads/main' }, {}, expressions);
    expectPassed('base', base.results);
    expect((await run('git', ['rev-parse', 'HEAD'], { cwd: base.clone })).stdout.trim()).toBe(baseSha);
    return { compare: await runJob(runner, WORKFLOW, 'compare', origin, head, {}, expressions), head };
  }

  it('fails a pull request whose core breaks a plugin version that passes with the base, the comparison and the matrix in the step summary', async () => {
    const { compare, head } = await gate('pr-breaks');
    const steps = compare.results;
    expectPassed('compare', steps.slice(0, -1));
    const last = steps.at(-1)!;
    expect(last.step).toBe('Fail on a new failure');
    expect(last.code).toBe(1);
    expect(last.output).toContain("::error::the pull request's core fails a plugin version that passes with the base branch's core");
    expect(compare.summary).toContain('**1 new failure**: the gate fails. 0 fixed · 2 still failing');
    expect(compare.summary).toContain(
      "### New failures\n\n- [✗](matrix.html#cell-1) `fctl@0.0.0-local ledger@3.2.0`: ✓ → ✗ failed; newly failing: “transactions list renders the ledger&#39;s page as a table”\n",
    );
    expect(compare.summary).toContain('### Still failing\n\n- [✗](matrix.html#cell-0) `fctl@0.0.0-local ledger@3.1.0`: ✗ could not run → ✗ could not run\n- [✗](matrix.html#cell-2) `fctl@0.0.0-local ledger@3.3.0`: ✗ failed → ✗ failed; still failing: “transactions list renders the ledger&#39;s page as a table” (differently)\n');
    // Then the pull request's whole matrix.
    expect(compare.summary).toContain('## fctl compatibility matrix\n\n**3 cells**: 0 ✓ passed · 2 ✗ failed · 1 ✗ could not run');
    expect(compare.summary).toContain('| `0.0.0-local` | [✗](matrix.html#cell-0) | [✗](matrix.html#cell-1) | [✗](matrix.html#cell-2) |');
    expect(readFileSync(join(compare.clone, 'compat-out', 'compare', 'compare.md'), 'utf8')).toBe(compare.summary.slice(0, compare.summary.indexOf('\n## fctl compatibility matrix')));

    // The same compare job on a base artifact that is not matrix results: the step fails with exit 2 and says why, no summary.
    const tampered = newRun(runner, 'refs/heads/pr-breaks');
    for (const job of head.passed) tampered.passed.add(job);
    cpSync(head.artifacts, tampered.artifacts, { recursive: true });
    const baseJson = join(tampered.artifacts, 'compat-base', 'matrix.json');
    writeFileSync(baseJson, readFileSync(baseJson, 'utf8').replace('fctl-kit-compat-matrix/1', 'fctl-kit-compat-matrix/2'));
    const refused = await runJob(runner, WORKFLOW, 'compare', origin, tampered, {}, gateExpressions());
    expect(refused.results.at(-1)!.step).toBe('Compare with the base');
    expect(refused.results.at(-1)!.code).toBe(2);
    expect(refused.results.at(-1)!.output).toContain('is not matrix results (format fctl-kit-compat-matrix/1)');
    expect(refused.summary).toBe('');
  }, 600_000);

  it('passes a pull request that leaves the core as it was, and comments once, then updates its comment', async () => {
    const { compare, head } = await gate('pr-docs');
    expectPassed('compare', compare.results);
    expect(compare.summary).toMatch(/^## fctl compatibility: head against base\n\n\*\*No new failures\.\*\* 0 fixed · 2 still failing · 0 failing on versions new to this matrix · 0 reachability changes\n/);
    expect(compare.summary).toContain('| `0.0.0-local` | [✗](matrix.html#cell-0) | [✓](matrix.html#cell-1) | [✗](matrix.html#cell-2) |');
    expect(readdirSync(join(work, 'home', '.cache', 'fctl-kit', 'compat-cells'), { recursive: true }).filter((name) => String(name).endsWith('.json')).length).toBeGreaterThan(0);

    // The comment job's shell with a stand-in gh first on PATH: it records its arguments, and
    // answers the listing of the pull request's comments with the id of the marked one, if any.
    const bin = join(work, 'fake-gh');
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, 'gh'),
      `#!${process.execPath}\nconst { appendFileSync } = require('node:fs');\nappendFileSync(process.env.GH_FAKE_LOG, JSON.stringify({ args: process.argv.slice(2), token: process.env.GH_TOKEN }) + '\\n');\nif (process.argv.includes('--paginate')) process.stdout.write(process.env.GH_FAKE_EXISTING ?? '');\n`,
      { mode: 0o755 },
    );
    const expressions = gateExpressions();
    const calls = async (existing: string) => {
      const log = join(work, `gh-${existing || 'none'}.jsonl`);
      const comment = await runJob({ ...runner, env: { ...runner.env, PATH: `${bin}:${runner.env.PATH}`, GH_FAKE_LOG: log, GH_FAKE_EXISTING: existing } }, WORKFLOW, 'comment', origin, head, {}, expressions);
      expectPassed('comment', comment.results);
      return readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { args: string[]; token: string });
    };
    const section = readFileSync(join(compare.clone, 'compat-out', 'compare', 'compare.md'), 'utf8');
    const matrixMd = compare.summary.slice(section.length + 1);
    expect(matrixMd).toMatch(/^## fctl compatibility matrix\n/);
    // Both fit in a comment: the comparison, then the matrix, then the link to the run.
    const body = `<!-- fctl-kit compat-core gate -->\n${section.trimEnd()}\n\n${matrixMd.trimEnd()}\n\nThe reports are in [the run](https://github.com/acme/fctl/actions/runs/7).`;
    const first = await calls('');
    expect(first.map((call) => call.token)).toEqual([TOKEN, TOKEN]);
    expect(first[0]!.args.slice(0, 3)).toEqual(['api', '--paginate', 'repos/acme/fctl/issues/12/comments']);
    expect(first[1]!.args).toEqual(['api', '--method', 'POST', 'repos/acme/fctl/issues/12/comments', '-f', `body=${body}`]);
    const again = await calls('99');
    expect(again[1]!.args).toEqual(['api', '--method', 'PATCH', 'repos/acme/fctl/issues/comments/99', '-f', `body=${body}`]);
  }, 600_000);
});
