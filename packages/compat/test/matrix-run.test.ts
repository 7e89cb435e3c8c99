// The matrix runner: the worker pool (at most `jobs` at once, results in item order, cancellation
// that starts nothing more and waits for what runs) and runMatrix with real core processes (a small
// Node script standing in for fctl): cells run once, then come from the cache; cells of one key run
// once per run; a release that cannot be read is an `error`, never cached; a cancelled run leaves
// no cache entry.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CellInputError,
  interleavedByCore,
  localCores,
  parseCoreSpec,
  planMatrix,
  protocolsFromVersionOutput,
  runMatrix,
  runPool,
  sha256Hex,
  type CoreProvider,
  type ReachableCell,
  type ScenarioProvider,
} from '../src/index.js';

const work = mkdtempSync(join(tmpdir(), 'matrix-run-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('runPool', () => {
  it('runs at most `jobs` items at once and returns the results in item order', async () => {
    let running = 0;
    let most = 0;
    const results = await runPool(
      Array.from({ length: 9 }, (_, index) => index),
      async (item) => {
        running++;
        most = Math.max(most, running);
        for (let i = 0; i < 9 - item; i++) await tick();
        running--;
        return item * 10;
      },
      { jobs: 3 },
    );
    expect(results).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80]);
    expect(most).toBe(3);
  });

  it('after an abort starts nothing more, lets the running items finish and rejects with the reason', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const settled: number[] = [];
    const run = runPool(
      [1, 2, 3, 4, 5],
      async (item, signal) => {
        started.push(item);
        if (item === 2) controller.abort(new Error('interrupted'));
        await tick();
        settled.push(item);
        expect(signal.aborted).toBe(true);
        return item;
      },
      { jobs: 2, signal: controller.signal },
    );
    await expect(run).rejects.toThrow('interrupted');
    expect(started).toEqual([1, 2]);
    expect(settled.sort()).toEqual([1, 2]);
  });

  it('refuses a job count that is not a positive integer', async () => {
    for (const jobs of [0, -1, 1.5, Number.NaN]) await expect(runPool([1], async (item) => item, { jobs })).rejects.toThrow('the number of jobs must be a positive integer');
  });
});

describe('core specs', () => {
  it('reads <version>=<path>, a bare --core-build path, and the protocols a core prints', () => {
    expect(parseCoreSpec('0.2.0=./fctl', '--core')).toEqual({ version: '0.2.0', path: './fctl' });
    expect(parseCoreSpec('./dist/fctl', '--core-build')).toEqual({ version: '0.0.0-local', path: './dist/fctl' });
    expect(parseCoreSpec('0.3.0-pr.12=./fctl', '--core-build')).toEqual({ version: '0.3.0-pr.12', path: './fctl' });
    for (const bad of ['./fctl', 'v0.2.0=./fctl', '0.2=./fctl', '0.2.0=', '=./fctl']) expect(() => parseCoreSpec(bad, '--core')).toThrow('--core takes <version>=<path>');
    expect(protocolsFromVersionOutput('fctl 0.1.0 (plugin protocol v1, v2)\n')).toEqual([1, 2]);
    expect(protocolsFromVersionOutput('fctl 0.1.0\n')).toBeUndefined();
  });
});

/**
 * A stand-in for fctl: answers `version`, accepts `plugin install` and `profile add`, and for the
 * plugin command prints its argument list; `hang` makes the command never finish. Each run of the
 * plugin command appends a line to `log`.
 */
function fakeCore(name: string, options: { hang?: boolean } = {}): { path: string; log: string } {
  const path = join(work, `${name}.mjs`);
  const log = join(work, `${name}.log`);
  writeFileSync(
    path,
    [
      "import { appendFileSync } from 'node:fs';",
      'const args = process.argv.slice(2);',
      "if (args[0] === 'version') { console.log('fctl 9.9.9 (plugin protocol v1, v2)'); process.exit(0); }",
      "if (args[0] === 'plugin' || args[0] === 'profile') process.exit(0);",
      `appendFileSync(${JSON.stringify(log)}, args.join(' ') + ' offered ' + process.env.FCTL_PROTOCOL_VERSIONS + '\\n');`,
      options.hang ? 'setInterval(() => {}, 1000);' : "console.log(args.join(' '));",
      '',
    ].join('\n'),
  );
  return { path, log };
}

const scenarioFor = (version: string) => ({ name: `prints ${version}`, services: {}, routes: {}, command: ['show', version], expect: { exitCode: 0, output: `demo show ${version}\n` } });

/** Releases as a registry would give them: 1.1.0 expects other output (fails), 1.2.0 cannot be read. */
const provider: ScenarioProvider = async (plugin, version) => {
  if (version === '1.2.0') throw new CellInputError(`the release ${plugin}@${version} has no scenarios.yaml`);
  const scenario = version === '1.1.0' ? { ...scenarioFor(version), expect: { exitCode: 0, output: 'something else\n' } } : scenarioFor(version);
  return { scenarios: [scenario], scenariosSha256: sha256Hex(JSON.stringify(scenario)), checksumsSha256: sha256Hex(`${plugin}@${version}`) };
};

const logLines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').sort();

describe('runMatrix', () => {
  it('runs each reachable cell once, then takes every cell from the cache; an error is never cached', async () => {
    const core = fakeCore('core-a');
    const cores = await localCores([
      { version: '0.1.0', path: core.path },
      { version: '0.2.0', path: core.path },
    ]);
    const plan = planMatrix({ cores: cores.cores, plugins: [{ name: 'demo', versions: ['1.0.0', '1.1.0', '1.2.0'].map((version) => ({ version, compatibleWith: '*' })) }] });
    const cacheDir = join(work, 'cache-1');
    const options = { plan, cores, scenarios: provider, cacheDir, registry: '/nowhere/registry.yaml', jobs: 2 };

    const first = await runMatrix(options);
    expect(first.results.results.map((result) => [result.cell, result.status])).toEqual([
      ['fctl@0.1.0 demo@1.0.0', 'pass'],
      ['fctl@0.1.0 demo@1.1.0', 'fail'],
      ['fctl@0.1.0 demo@1.2.0', 'error'],
      ['fctl@0.2.0 demo@1.0.0', 'pass'],
      ['fctl@0.2.0 demo@1.1.0', 'fail'],
      ['fctl@0.2.0 demo@1.2.0', 'error'],
    ]);
    expect(first.results.results[1]!.scenarios[0]!.problems[0]).toBe('printed:\ndemo show 1.1.0\nexpected:\nsomething else\n');
    expect(first.results.results[2]!.error).toBe('the release demo@1.2.0 has no scenarios.yaml');
    // One core binary under two labels is one key per plugin version: run once in this run.
    const how = first.cells.map((cell) => cell.how);
    expect(how.filter((h) => h === 'ran')).toHaveLength(2);
    expect(how.filter((h) => h === 'shared')).toHaveLength(2);
    expect(how.filter((h) => h === 'not-run')).toHaveLength(2);
    expect(logLines(core.log)).toEqual(['demo show 1.0.0 offered 1,2', 'demo show 1.1.0 offered 1,2']);

    const second = await runMatrix(options);
    expect(second.results).toEqual(first.results);
    expect(second.cells.map((cell) => cell.how)).toEqual(['cached', 'cached', 'not-run', 'cached', 'cached', 'not-run']);
    expect(logLines(core.log)).toHaveLength(2);
  });

  it('starts the cells in turn by core, reports them in plan order, and fetches no core for a cached cell; a core that cannot be fetched is an error of its cells only', async () => {
    const a = fakeCore('core-order-a');
    const b = fakeCore('core-order-b');
    writeFileSync(b.path, `${readFileSync(b.path, 'utf8')}// another binary\n`);
    const local = await localCores([
      { version: '0.1.0', path: a.path },
      { version: '0.2.0', path: b.path },
    ]);
    const fetched: string[] = [];
    const cores: CoreProvider = {
      cores: [...local.cores, { version: '0.3.0', protocolVersions: [1, 2] }],
      digest: async (version) => (version === '0.3.0' ? 'c'.repeat(64) : local.digest(version)),
      core: async (version) => {
        fetched.push(version);
        if (version === '0.3.0') throw new Error('cannot fetch the core fctl@0.3.0: 404');
        return local.core(version);
      },
    };
    const plan = planMatrix({ cores: cores.cores, plugins: [{ name: 'demo', versions: ['1.0.0', '1.1.0'].map((version) => ({ version, compatibleWith: '*' })) }] });
    const options = { plan, cores, scenarios: provider, cacheDir: join(work, 'cache-order'), registry: '/nowhere/registry.yaml', jobs: 1 };
    const done: string[] = [];
    const first = await runMatrix({ ...options, onCell: (cell) => done.push(cell.id) });
    expect(done).toEqual(['fctl@0.1.0 demo@1.0.0', 'fctl@0.2.0 demo@1.0.0', 'fctl@0.3.0 demo@1.0.0', 'fctl@0.1.0 demo@1.1.0', 'fctl@0.2.0 demo@1.1.0', 'fctl@0.3.0 demo@1.1.0']);
    expect(first.results.results.map((result) => [result.cell, result.status])).toEqual([
      ['fctl@0.1.0 demo@1.0.0', 'pass'],
      ['fctl@0.1.0 demo@1.1.0', 'fail'],
      ['fctl@0.2.0 demo@1.0.0', 'pass'],
      ['fctl@0.2.0 demo@1.1.0', 'fail'],
      ['fctl@0.3.0 demo@1.0.0', 'error'],
      ['fctl@0.3.0 demo@1.1.0', 'error'],
    ]);
    expect(first.results.results[4]!.error).toBe('cannot fetch the core fctl@0.3.0: 404');
    expect(logLines(a.log)).toEqual(['demo show 1.0.0 offered 1,2', 'demo show 1.1.0 offered 1,2']);

    fetched.length = 0;
    const second = await runMatrix(options);
    expect(second.cells.map((cell) => cell.how)).toEqual(['cached', 'cached', 'cached', 'cached', 'not-run', 'not-run']);
    expect(fetched).toEqual(['0.3.0', '0.3.0']);
  });

  it('interleaves cells by core, keeping each core\'s own order', () => {
    const cell = (core: string, version: string): ReachableCell => ({ id: `fctl@${core} p@${version}`, core, plugin: 'p', version, status: 'reachable', protocolVersion: 1 });
    const cells = [cell('1', 'a'), cell('1', 'b'), cell('1', 'c'), cell('2', 'a'), cell('3', 'a'), cell('3', 'b')];
    expect(interleavedByCore(cells)).toEqual([0, 3, 4, 1, 5, 2]);
    expect(interleavedByCore([])).toEqual([]);
  });

  it('stops on cancellation: the running cell is killed and nothing is stored', async () => {
    const core = fakeCore('core-hang', { hang: true });
    const cores = await localCores([{ version: '0.1.0', path: core.path }]);
    const plan = planMatrix({ cores: cores.cores, plugins: [{ name: 'demo', versions: ['1.0.0', '1.3.0', '1.4.0'].map((version) => ({ version, compatibleWith: '*' })) }] });
    const cacheDir = join(work, 'cache-cancel');
    const controller = new AbortController();
    const run = runMatrix({ plan, cores, scenarios: provider, cacheDir, registry: '/nowhere/registry.yaml', jobs: 1, signal: controller.signal });
    // The whole line, not only the file: appendFileSync creates it before it writes, and a loaded
    // machine can cancel (kill the core) between the two.
    while (!(existsSync(core.log) && readFileSync(core.log, 'utf8').endsWith('\n'))) await tick();
    controller.abort(new Error('interrupted'));
    await expect(run).rejects.toThrow('interrupted');
    expect(logLines(core.log)).toEqual(['demo show 1.0.0 offered 1,2']);
    expect(existsSync(cacheDir) ? readdirSync(cacheDir, { recursive: true }).filter((name) => String(name).endsWith('.json')) : []).toEqual([]);
  });
});
