// Results of a matrix run and the merge of shard results: union in plan order, conflicts detected,
// merged(shards) equal to the unsharded run for every shard count; results files checked on read.
import { describe, expect, it } from 'vitest';
import {
  cellCacheKey,
  makeResults,
  MergeConflictError,
  mergeResults,
  missingCells,
  parseResults,
  planMatrix,
  ResultsError,
  sha256Hex,
  shardCells,
  type CellResult,
  type Plan,
  type ReachableCell,
} from '../src/matrix/index.js';

const plan: Plan = planMatrix({
  cores: [{ version: '0.1.0', protocolVersions: [1] }, { version: '0.2.0', protocolVersions: [1, 2] }],
  plugins: [
    { name: 'ledger', versions: ['3.0.0', '3.1.0', '4.0.0-rc.1'].map((version) => ({ version, compatibleWith: '>=3', protocolVersions: version.startsWith('4') ? [2] : [1, 2] })) },
    { name: 'wallets', versions: [{ version: '1.0.0', compatibleWith: '*', protocolVersions: [1], deprecated: 'use 2' }, { version: '0.9.0', compatibleWith: '*', retired: 'broken' }] },
  ],
});

/** What running a cell gives, deterministically: wallets fails, one cell cannot run. */
function run(cell: ReachableCell): CellResult {
  const key = cellCacheKey({ coreDigest: sha256Hex(cell.core), protocolVersions: [1, 2], checksumsDigest: sha256Hex(`${cell.plugin}@${cell.version}`), scenariosDigest: sha256Hex('s') });
  if (cell.id === 'fctl@0.2.0 ledger@4.0.0-rc.1') return { cell: cell.id, status: 'error', key: null, scenarios: [], error: 'cannot download fctl 0.2.0: 404' };
  const ok = cell.plugin !== 'wallets';
  return { cell: cell.id, status: ok ? 'pass' : 'fail', key, scenarios: [{ name: 'list', ok, problems: ok ? [] : ['printed:\n|x|\nexpected:\n|y|\n'], requests: ['GET /versions -> 200'] }] };
}

const unsharded = makeResults(plan, shardCells(plan, { index: 1, count: 1 }).map(run));

describe('results', () => {
  it('are in plan order, and a round trip through JSON parses to the same', () => {
    const shuffled = makeResults(plan, [...unsharded.results].reverse());
    expect(shuffled).toEqual(unsharded);
    expect(unsharded.results.map((result) => result.cell)).toEqual(plan.cells.filter((cell) => cell.status === 'reachable').map((cell) => cell.id));
    expect(parseResults(JSON.stringify(unsharded), 'matrix.json')).toEqual(unsharded);
    expect(missingCells(unsharded)).toEqual([]);
    const strict = planMatrix({ cores: [{ version: '1.0.0', protocolVersions: [1] }], plugins: [{ name: 'p', versions: [{ version: '1.0.0', compatibleWith: '*' }] }] }, { unknownProtocols: 'unreachable' });
    expect(parseResults(JSON.stringify(makeResults(strict, [])), 'strict.json').plan).toEqual(strict);
  });

  it('refuse a result for an unknown or unreachable cell, or two for one cell', () => {
    const [first] = unsharded.results;
    expect(() => makeResults(plan, [{ ...first!, cell: 'fctl@9.9.9 x@1.0.0' }])).toThrow('a result for "fctl@9.9.9 x@1.0.0", which is not a cell of the plan');
    expect(() => makeResults(plan, [{ ...first!, cell: 'fctl@0.1.0 wallets@0.9.0' }])).toThrow('which the plan has as unreachable');
    expect(() => makeResults(plan, [first!, first!])).toThrow('two results for');
  });

  it.each<[string, (document: Record<string, any>) => unknown, string]>([
    ['not JSON', () => '{', 'matrix.json is not JSON'],
    ['another format', (d) => ({ ...d, format: 'x' }), 'is not matrix results'],
    ['a plan whose cells were edited (a cell made reachable)', (d) => ({ ...d, plan: { ...d.plan, cells: d.plan.cells.map((c: any) => (c.status === 'unreachable' ? { id: c.id, core: c.core, plugin: c.plugin, version: c.version, status: 'reachable', protocolVersion: 1 } : c)) } }), 'its cells are not what its cores and plugins plan'],
    ['a plan with a hostile plugin name', (d) => ({ ...d, plan: { ...d.plan, plugins: [{ name: '</script>', versions: [] }] } }), 'its plan is invalid: plugins[0]: "</script>" is not a plugin name'],
    ['a result that is not an object', (d) => ({ ...d, results: [1] }), 'results[0] must be an object'],
    ['a result status of its own', (d) => ({ ...d, results: [{ ...d.results[0], status: 'flaky' }] }), 'results[0].status must be pass, fail or error; got "flaky"'],
    ['a key that is not a digest', (d) => ({ ...d, results: [{ ...d.results[0], key: '../x' }] }), 'results[0].key must be a sha256'],
    ['a fail without a failed scenario', (d) => ({ ...d, results: [{ ...d.results[0], status: 'fail' }] }), 'says fail with no failed scenario'],
    ['requests that are not texts', (d) => ({ ...d, results: [{ ...d.results[0], scenarios: [{ name: 'x', ok: true, problems: [], requests: [null] }] }] }), 'scenarios[0].requests[0] must be text'],
    ['an unknownProtocols of its own', (d) => ({ ...d, plan: { ...d.plan, unknownProtocols: 'maybe' } }), 'its plan is invalid: unknownProtocols must be "assume" or "unreachable"'],
    ['a bad shard', (d) => ({ ...d, shard: { index: 3, count: 2 } }), 'shard must be { index, count }'],
    ['nesting too deep', (d) => ({ ...d, extra: JSON.parse('['.repeat(100) + ']'.repeat(100)) }), 'nests more than 32 deep'],
  ])('a results file with %s is refused', (_name, edit, message) => {
    const edited = edit(JSON.parse(JSON.stringify(unsharded)));
    const text = typeof edited === 'string' ? edited : JSON.stringify(edited);
    expect(() => parseResults(text, 'matrix.json')).toThrow(ResultsError);
    expect(() => parseResults(text, 'matrix.json')).toThrow(message);
  });
});

describe('mergeResults', () => {
  it('merged(shards) equals the unsharded results, for every shard count', () => {
    const reachable = plan.cells.filter((cell) => cell.status === 'reachable').length;
    for (let count = 1; count <= reachable + 2; count++) {
      const shards = Array.from({ length: count }, (_, i) => makeResults(plan, shardCells(plan, { index: i + 1, count }).map(run), { index: i + 1, count }));
      expect(mergeResults(shards)).toEqual(unsharded);
      expect(mergeResults([...shards].reverse())).toEqual(unsharded);
      // Through files, as CI artifacts.
      expect(mergeResults(shards.map((shard, i) => parseResults(JSON.stringify(shard), `shard-${i + 1}.json`)))).toEqual(unsharded);
    }
  });

  it('a shard merged twice changes nothing; a missing shard leaves its cells missing', () => {
    const one = makeResults(plan, shardCells(plan, { index: 1, count: 2 }).map(run), { index: 1, count: 2 });
    const merged = mergeResults([one, one]);
    expect(merged.results).toEqual(one.results);
    expect(merged.shard).toBeUndefined();
    expect(missingCells(merged)).toEqual(shardCells(plan, { index: 2, count: 2 }).map((cell) => cell.id));
  });

  it('the same cell with two different results is a conflict, naming the cells', () => {
    const a = makeResults(plan, shardCells(plan, { index: 1, count: 1 }).map(run));
    const flipped = a.results.map((result) => (result.status === 'pass' ? { ...result, status: 'fail' as const, scenarios: [{ ...result.scenarios[0]!, ok: false, problems: ['x'] }] } : result));
    const b = makeResults(plan, flipped);
    expect(() => mergeResults([a, b])).toThrow(MergeConflictError);
    try {
      mergeResults([a, b]);
    } catch (error) {
      expect((error as MergeConflictError).cells).toEqual(['fctl@0.1.0 ledger@3.0.0', 'fctl@0.1.0 ledger@3.1.0', 'fctl@0.2.0 ledger@3.0.0', 'fctl@0.2.0 ledger@3.1.0']);
      expect((error as Error).message).toBe('4 cells have two different results: fctl@0.1.0 ledger@3.0.0; fctl@0.1.0 ledger@3.1.0; fctl@0.2.0 ledger@3.0.0; fctl@0.2.0 ledger@3.1.0');
    }
    // Another key for the same cell (other artifacts under one version) is a conflict too.
    const rekeyed = makeResults(plan, [{ ...a.results[0]!, key: sha256Hex('other') }]);
    expect(() => mergeResults([a, rekeyed])).toThrow('1 cell has two different results: fctl@0.1.0 ledger@3.0.0');
  });

  it('refuses results of different plans, and nothing', () => {
    const other = makeResults(planMatrix({ cores: [{ version: '0.1.0', protocolVersions: [1] }], plugins: [] }), []);
    expect(() => mergeResults([unsharded, other])).toThrow('results 2 ran another plan than results 1');
    expect(() => mergeResults([])).toThrow('nothing to merge');
  });
});
