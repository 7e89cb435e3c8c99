// `fctl-kit compat matrix` with real processes: two cores (the reference fctl under two labels, as
// two scripts, so two core digests) × three releases of the example plugin served over loopback HTTP
// through a registry: 3.1.0 has no scenarios.yaml (error, never run), 3.2.0 passes, 3.3.0 carries a
// scenario its build does not satisfy (✗, exit 1). The first run runs every cell that can run; a
// second run with the same cache runs none and downloads no binary; shard 1/2 + shard 2/2 merged
// equals the unsharded results; --plan and --github-matrix print the plan; Ctrl-C stops with 130 and
// stores only the cells that finished.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateSigningKey } from '@fctl-kit/artifacts';
import { fctlKit, fctlKitBin } from '../support/exec.js';
import { ledgerMatrixReleases } from '../support/matrix-releases.js';
import { fctlBin, repoRoot, requireBuilt } from '../support/paths.js';
import { platformBinary } from '../support/releases.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';

const keys = generateSigningKey();
let work: string;
let server: ReleaseServer;
let registry: string;
let cores: string[];

const binaryDownloads = () => [...server.requests].filter(([path]) => path.endsWith(platformBinary())).reduce((n, [, count]) => n + count, 0);
const matrix = (args: string[]) => fctlKit(['compat', 'matrix', '--registry', registry, ...cores, ...args]);
const json = (dir: string) => readFileSync(join(dir, 'matrix.json'), 'utf8');

/** The first, unsharded run with an empty cache (shared by the tests that need one). */
let unsharded: Promise<{ out: string; cache: string; run: Awaited<ReturnType<typeof matrix>> }> | undefined;
const firstRun = () =>
  (unsharded ??= (async () => {
    const out = join(work, 'out-1');
    const cache = join(work, 'cache');
    return { out, cache, run: await matrix(['--cache-dir', cache, '--out', out]) };
  })());

beforeAll(async () => {
  requireBuilt(fctlBin);
  work = mkdtempSync(join(tmpdir(), 'compat-matrix-'));
  server = await startReleaseServer();
  registry = join(work, 'registry.yaml');
  writeFileSync(registry, (await ledgerMatrixReleases(work, server, keys)).registry);
  // Two cores: the same fctl started through two scripts, so two core binaries to the cache.
  const dist = join(repoRoot, 'packages', 'core', 'dist', 'fctl.js');
  cores = ['0.1.0', '0.2.0'].flatMap((version) => {
    const path = join(work, `fctl-${version}.mjs`);
    writeFileSync(path, `// core ${version}\nimport ${JSON.stringify(dist)};\n`);
    return ['--core', `${version}=${path}`];
  });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

it('prints the plan and the GitHub matrix without running anything', async () => {
  const plan = await matrix(['--plan']);
  expect(plan.code, plan.stderr).toBe(0);
  expect(plan.stdout).toBe(
    [
      ...['0.1.0', '0.2.0'].flatMap((core) => ['3.1.0', '3.2.0', '3.3.0'].map((version) => `fctl@${core} ledger@${version}  reachable, protocol unknown (the handshake tells)`)),
      '6 cells, 6 reachable',
      '',
    ].join('\n'),
  );
  const shard = await matrix(['--plan', '--shard', '2/2']);
  expect(shard.stdout.split('\n').slice(0, 3)).toEqual(['0.2.0'].flatMap((core) => ['3.1.0', '3.2.0', '3.3.0'].map((version) => `fctl@${core} ledger@${version}  reachable, protocol unknown (the handshake tells)`)));
  const github = await matrix(['--github-matrix', '--cores', '0.2.0']);
  expect(github.code, github.stderr).toBe(0);
  expect(JSON.parse(github.stdout)).toEqual({
    include: ['3.1.0', '3.2.0', '3.3.0'].map((version, index) => ({ shard: `${index + 1}/3`, name: `${index + 1}/3: fctl 0.2.0, 1 cell`, cells: [`fctl@0.2.0 ledger@${version}`] })),
  });
  expect(binaryDownloads()).toBe(0);
});

it('runs each cell once, reports ✓ and ✗, and a second run runs no cell', async () => {
  const { out, cache, run: first } = await firstRun();
  expect(first.code, first.stdout + first.stderr).toBe(1);
  expect(first.stdout, json(out)).toBe(`6 cells: 2 passed, 2 failed, 2 could not run, 0 unreachable; 4 run, 2 not run again; reports in ${out}\n`);
  for (const cell of ['fctl@0.1.0 ledger@3.2.0', 'fctl@0.2.0 ledger@3.2.0']) expect(first.stderr).toContain(`✓ ${cell} (pass, ran)\n`);
  for (const cell of ['fctl@0.1.0 ledger@3.3.0', 'fctl@0.2.0 ledger@3.3.0']) expect(first.stderr).toContain(`✗ ${cell} (fail, ran)\n`);
  expect(first.stderr).toContain('✗ fctl@0.1.0 ledger@3.1.0 (error, could not run): the release ledger@3.1.0 has no scenarios.yaml');
  const results = JSON.parse(json(out));
  expect(results.summary).toEqual({ cells: 6, pass: 2, fail: 2, error: 2, notRun: 0, unreachable: 0 });
  const failed = results.results.find((result: { cell: string }) => result.cell === 'fctl@0.1.0 ledger@3.3.0');
  expect(failed.scenarios.map((scenario: { ok: boolean }) => scenario.ok)).toEqual([false, true, true]);
  expect(failed.scenarios[0].problems[0]).toContain('   init               1\nexpected:\n');
  const markdown = readFileSync(join(out, 'matrix.md'), 'utf8');
  expect(markdown).toMatch(/\| `0\.1\.0` \| \[✗\]\(matrix\.html#cell-0\) \| \[✓\]\(matrix\.html#cell-1\) \| \[✗\]\(matrix\.html#cell-2\) \|/);
  expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('<testsuite name="fctl@0.1.0 ledger@3.3.0"');
  expect(readFileSync(join(out, 'matrix.html'), 'utf8')).toContain('<!DOCTYPE html>');
  const downloads = binaryDownloads();
  expect(downloads).toBe(4);

  const again = join(work, 'out-2');
  const second = await matrix(['--cache-dir', cache, '--out', again]);
  expect(second.code).toBe(1);
  expect(second.stdout).toBe(`6 cells: 2 passed, 2 failed, 2 could not run, 0 unreachable; 0 run, 6 not run again; reports in ${again}\n`);
  expect(second.stderr.match(/\(\w+, ran\)/g)).toBeNull();
  expect(second.stderr.match(/\((pass|fail), cached\)/g)).toHaveLength(4);
  expect(binaryDownloads()).toBe(downloads);
  expect(json(again)).toBe(json(out));
}, 240_000);

it('gives the unsharded results from shard 1/2 and shard 2/2 merged', async () => {
  const { out: whole, run: first } = await firstRun();
  expect(first.code).toBe(1);
  const shards: string[] = [];
  for (const shard of ['1/2', '2/2']) {
    const out = join(work, `shard-${shard.replace('/', '-of-')}`);
    // Each shard with its own empty cache: the shards run their cells, as on two machines.
    const run = await matrix(['--cache-dir', join(work, `cache-${shard.replace('/', '-')}`), '--out', out, '--shard', shard]);
    expect(run.code, run.stderr).toBe(1);
    expect(JSON.parse(json(out)).summary.notRun).toBe(3);
    shards.push(join(out, 'matrix.json'));
  }
  const merged = join(work, 'merged');
  const merge = await fctlKit(['compat', 'merge', ...shards, '--out', merged]);
  expect(merge.code, merge.stderr).toBe(1);
  expect(merge.stdout).toBe(`6 cells: 2 passed, 2 failed, 2 could not run, 0 unreachable; reports in ${merged}\n`);
  expect(json(merged)).toBe(json(whole));
  for (const file of ['junit.xml', 'matrix.md', 'matrix.html']) expect(readFileSync(join(merged, file), 'utf8')).toBe(readFileSync(join(whole, file), 'utf8'));
}, 240_000);

it('stops on Ctrl-C with exit 130, writes no report and stores only cells that finished', async () => {
  const cache = join(work, 'cache-interrupted');
  const out = join(work, 'out-interrupted');
  const child = spawn(process.execPath, [fctlKitBin, 'compat', 'matrix', '--registry', registry, ...cores, '--cache-dir', cache, '--out', out, '--jobs', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const before = binaryDownloads();
  // Interrupt while the second cell that installs (fctl@0.1.0 ledger@3.3.0) is running.
  while (binaryDownloads() < before + 2) await new Promise((resolve) => setTimeout(resolve, 20));
  child.kill('SIGINT');
  expect(await exited).toBe(130);
  expect(stderr).toContain('Interrupted: no reports written; the cells that finished are in the cache.\n');
  expect(existsSync(out)).toBe(false);
  const finished = (stderr.match(/\((pass|fail), ran\)/g) ?? []).length;
  const entries = existsSync(cache) ? readdirSync(cache, { recursive: true }).filter((name) => String(name).endsWith('.json')) : [];
  expect(finished).toBe(1);
  expect(entries).toHaveLength(finished);
}, 120_000);

it('refuses bad flags with exit 2 and a clear message', async () => {
  const cases: Array<[string[], string]> = [
    [['--shard', '0/2'], '--shard takes i/n'],
    [['--jobs', 'many'], '--jobs takes a number'],
    [['--plan', '--github-matrix'], '--plan and --github-matrix'],
    [['--cores', 'last-minors:x'], 'is not a list of core versions, a semver range, or last-minors:N'],
    [['--cores', '9.9.9'], 'no released core "9.9.9" (released: 0.1.0, 0.2.0)'],
    [['--plugin', 'wallets', '--plan'], 'the registry has no plugin "wallets"'],
    [['--core', 'fctl'], '--core takes <version>=<path>'],
  ];
  for (const [args, message] of cases) {
    const run = await matrix(args);
    expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
    expect(run.stderr).toContain(message);
  }
  const missing = await fctlKit(['compat', 'matrix']);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain("required option '--registry <file|url>' not specified");
});
