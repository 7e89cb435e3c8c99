// The matrix planner (pure): which cells a user can reach, why the others cannot be, the core
// selections, --shard slicing and the packed GitHub matrix; hostile and degenerate inputs.
import { parseRegistry } from '@fctl-kit/registry';
import { describe, expect, it } from 'vitest';
import {
  githubMatrix,
  parseCoreSelection,
  parseShard,
  planMatrix,
  PlanError,
  pluginsFromRegistry,
  reachableCells,
  selectCores,
  shardCells,
  type CoreInput,
  type PluginInput,
} from '../src/matrix/index.js';

const cores: CoreInput[] = [
  { version: '0.2.0', protocolVersions: [2, 1] },
  { version: '0.1.0', protocolVersions: [1] },
];
const plugins: PluginInput[] = [
  {
    name: 'ledger',
    versions: [
      { version: '3.1.0', compatibleWith: '>=3.0.0 <4.0.0', protocolVersions: [1, 2] },
      { version: '3.0.0', compatibleWith: '>=3.0.0 <4.0.0', protocolVersions: [1], deprecated: 'use 3.1' },
      { version: '4.0.0', compatibleWith: '>=4.0.0', protocolVersions: [2] },
    ],
  },
  { name: 'auth', versions: [{ version: '1.0.0', compatibleWith: '*', protocolVersions: [1], retired: 'leaks tokens' }] },
];

const summary = (plan: ReturnType<typeof planMatrix>) =>
  plan.cells.map((cell) => (cell.status === 'reachable' ? `${cell.id} v${cell.protocolVersion}` : `${cell.id} — ${cell.reasons.map((reason) => reason.code).join(',')}`));

describe('planMatrix', () => {
  it('plans every core × plugin × version in a stable order; reachable = protocols meet and not retired; compatibleWith does not decide', () => {
    const plan = planMatrix({ cores, plugins });
    expect(summary(plan)).toEqual([
      'fctl@0.1.0 auth@1.0.0 — retired',
      'fctl@0.1.0 ledger@3.0.0 v1',
      'fctl@0.1.0 ledger@3.1.0 v1',
      'fctl@0.1.0 ledger@4.0.0 — no-common-protocol',
      'fctl@0.2.0 auth@1.0.0 — retired',
      'fctl@0.2.0 ledger@3.0.0 v1',
      'fctl@0.2.0 ledger@3.1.0 v2',
      'fctl@0.2.0 ledger@4.0.0 v2',
    ]);
    const unreachable = plan.cells.find((cell) => cell.id === 'fctl@0.1.0 ledger@4.0.0');
    expect(unreachable).toMatchObject({ status: 'unreachable', reasons: [{ message: 'fctl 0.1.0 speaks protocol version 1; ledger@4.0.0 speaks 2' }] });
    expect(plan.cells.find((cell) => cell.id === 'fctl@0.1.0 ledger@3.0.0')).toMatchObject({ status: 'reachable', deprecated: 'use 3.1' });
    expect(plan.cores.map((core) => core.protocolVersions)).toEqual([[1], [1, 2]]);
    // Input order does not matter.
    expect(planMatrix({ cores: [...cores].reverse(), plugins: [...plugins].reverse().map((p) => ({ ...p, versions: [...p.versions].reverse() })) })).toEqual(plan);
  });

  it('lists every reason of a cell: retired and no common protocol', () => {
    const plan = planMatrix({ cores: [{ version: '1.0.0', protocolVersions: [1] }], plugins: [{ name: 'x', versions: [{ version: '1.0.0', compatibleWith: '*', retired: true, protocolVersions: [3] }] }] });
    expect(plan.cells[0]).toMatchObject({ status: 'unreachable', reasons: [{ code: 'retired', message: 'x@1.0.0 is retired: retired' }, { code: 'no-common-protocol' }] });
  });

  it('a plugin whose protocols meet no core has only unreachable cells', () => {
    const plan = planMatrix({ cores, plugins: [{ name: 'future', versions: [{ version: '1.0.0', compatibleWith: '*', protocolVersions: [3, 4] }] }] });
    expect(plan.cells).toHaveLength(2);
    expect(reachableCells(plan)).toEqual([]);
    expect(plan.cells.every((cell) => cell.status === 'unreachable' && cell.reasons[0]!.code === 'no-common-protocol')).toBe(true);
  });

  it('unknown protocols are assumed reachable (protocolVersion null) unless told otherwise', () => {
    const input = { cores, plugins: [{ name: 'old', versions: [{ version: '1.0.0', compatibleWith: '*' }] }] };
    expect(planMatrix(input).cells.map((cell) => cell.status === 'reachable' && cell.protocolVersion)).toEqual([null, null]);
    expect(planMatrix(input, { unknownProtocols: 'unreachable' }).cells.map((cell) => cell.status === 'unreachable' && cell.reasons[0]!.code)).toEqual(['unknown-protocols', 'unknown-protocols']);
  });

  it('an empty registry, no cores, a plugin without versions: no cells, no error', () => {
    expect(planMatrix({ cores, plugins: [] }).cells).toEqual([]);
    expect(planMatrix({ cores: [], plugins }).cells).toEqual([]);
    expect(planMatrix({ cores, plugins: [{ name: 'empty', versions: [] }] }).cells).toEqual([]);
  });

  it('prerelease versions are planned and ordered by semver (1.0.0-rc.1 < 1.0.0)', () => {
    const plan = planMatrix({
      cores: [{ version: '1.0.0', protocolVersions: [1] }, { version: '1.0.0-rc.2', protocolVersions: [1] }, { version: '1.0.0-rc.10', protocolVersions: [1] }],
      plugins: [{ name: 'p', versions: [{ version: '2.0.0', compatibleWith: '*', protocolVersions: [1] }, { version: '2.0.0-beta.1', compatibleWith: '*', protocolVersions: [1] }] }],
    });
    expect(plan.cells.map((cell) => cell.id)).toEqual([
      'fctl@1.0.0-rc.2 p@2.0.0-beta.1',
      'fctl@1.0.0-rc.2 p@2.0.0',
      'fctl@1.0.0-rc.10 p@2.0.0-beta.1',
      'fctl@1.0.0-rc.10 p@2.0.0',
      'fctl@1.0.0 p@2.0.0-beta.1',
      'fctl@1.0.0 p@2.0.0',
    ]);
  });

  it.each([
    ['a duplicate plugin version', { cores, plugins: [{ name: 'p', versions: [{ version: '1.0.0', compatibleWith: '*' }, { version: '1.0.0', compatibleWith: '*' }] }] }, 'plugin p lists version 1.0.0 twice'],
    ['build metadata (two such versions would be one to semver)', { cores, plugins: [{ name: 'p', versions: [{ version: '1.0.0+a', compatibleWith: '*' }, { version: '1.0.0+b', compatibleWith: '*' }] }] }, 'plugin p versions[0]: "1.0.0+a" is not a semver version'],
    ['a duplicate core', { cores: [...cores, { version: '0.1.0', protocolVersions: [1] }], plugins }, 'cores lists version 0.1.0 twice'],
    ['a duplicate plugin', { cores, plugins: [plugins[0]!, plugins[0]!] }, 'plugins lists ledger twice'],
    ['a "v" version', { cores: [{ version: 'v1.0.0', protocolVersions: [1] }], plugins }, 'cores[0]: "v1.0.0" is not a semver version'],
    ['a range as a version', { cores, plugins: [{ name: 'p', versions: [{ version: '^1.0.0', compatibleWith: '*' }] }] }, 'is not a semver version'],
    ['a bad compatibleWith', { cores, plugins: [{ name: 'p', versions: [{ version: '1.0.0', compatibleWith: 'not a range' }] }] }, 'p@1.0.0: compatibleWith "not a range" is not a semver range'],
    ['no protocols for a core', { cores: [{ version: '1.0.0', protocolVersions: [] }], plugins }, 'core 1.0.0: protocolVersions must be a non-empty list'],
    ['a fractional protocol', { cores: [{ version: '1.0.0', protocolVersions: [1.5] }], plugins }, 'holds 1.5, which is not a protocol version'],
    ['an empty protocol list for a plugin', { cores, plugins: [{ name: 'p', versions: [{ version: '1.0.0', compatibleWith: '*', protocolVersions: [] }] }] }, 'p@1.0.0: protocolVersions must be a non-empty list'],
    ['a hostile plugin name', { cores, plugins: [{ name: 'x|</script>\u001b[31m', versions: [] }] }, 'plugins[0]: "x|</script>\\u001b[31m" is not a plugin name'],
  ])('refuses %s', (_name, input, message) => {
    expect(() => planMatrix(input as never)).toThrow(PlanError);
    expect(() => planMatrix(input as never)).toThrow(message);
  });

  it('reads a loaded registry document: versions, deprecated, and protocols when supplied', () => {
    const document = parseRegistry(
      JSON.stringify({ plugins: { ledger: { repo: 'o/r', versions: { '3.0.0': { compatibleWith: '>=3', deprecated: 'old' }, '3.1.0': { compatibleWith: '>=3' } } }, other: { repo: 'o/s', versions: {} } } }),
      'registry.json',
    );
    const input = pluginsFromRegistry(document, { protocols: (name, version) => (version === '3.1.0' ? [2] : undefined) });
    expect(input).toEqual([
      { name: 'ledger', versions: [{ version: '3.0.0', compatibleWith: '>=3', deprecated: 'old' }, { version: '3.1.0', compatibleWith: '>=3', protocolVersions: [2] }] },
      { name: 'other', versions: [] },
    ]);
    expect(pluginsFromRegistry(document, { plugin: 'ledger' }).map((plugin) => plugin.name)).toEqual(['ledger']);
    expect(() => pluginsFromRegistry(document, { plugin: '__proto__' })).toThrow('the registry has no plugin "__proto__"');
    expect(summary(planMatrix({ cores, plugins: input }))).toContain('fctl@0.1.0 ledger@3.1.0 — no-common-protocol');
  });
});

describe('core selection', () => {
  const released: CoreInput[] = ['0.1.0', '0.1.1', '0.2.0', '0.2.3', '0.2.4-rc.1', '0.3.0-beta.1', '1.0.0', '1.0.2', '1.1.0'].map((version) => ({ version, protocolVersions: [1] }));
  const versions = (selected: CoreInput[]) => selected.map((core) => core.version);

  it('a list (deduplicated, sorted; prereleases may be named), a range (stable only), the latest patch of the last N minors', () => {
    expect(versions(selectCores(released, { kind: 'list', versions: ['1.0.0', '0.3.0-beta.1', '1.0.0'] }))).toEqual(['0.3.0-beta.1', '1.0.0']);
    expect(versions(selectCores(released, { kind: 'range', range: '>=0.2.0 <1.0.1' }))).toEqual(['0.2.0', '0.2.3', '1.0.0']);
    expect(versions(selectCores(released, { kind: 'last-minors', count: 3 }))).toEqual(['0.2.3', '1.0.2', '1.1.0']);
    expect(versions(selectCores(released, { kind: 'last-minors', count: 99 }))).toEqual(['0.1.1', '0.2.3', '1.0.2', '1.1.0']);
  });

  it('refuses what selects nothing or is not released, naming the released versions', () => {
    expect(() => selectCores(released, { kind: 'list', versions: ['9.9.9'] })).toThrow('no released core "9.9.9" (released: 0.1.0, 0.1.1,');
    expect(() => selectCores(released, { kind: 'range', range: '>=5' })).toThrow('no released core matches the range ">=5"');
    expect(() => selectCores([], { kind: 'last-minors', count: 1 })).toThrow('(released: none)');
    expect(() => selectCores(released, { kind: 'last-minors', count: 0 })).toThrow('last-minors needs a count from 1 to 1000');
    expect(() => selectCores([{ version: 'latest', protocolVersions: [1] }], { kind: 'last-minors', count: 1 })).toThrow('released core "latest" is not a semver version');
  });

  it('parses --cores text', () => {
    expect(parseCoreSelection('0.1.0, 0.2.0')).toEqual({ kind: 'list', versions: ['0.1.0', '0.2.0'] });
    expect(parseCoreSelection('last-minors:2')).toEqual({ kind: 'last-minors', count: 2 });
    expect(parseCoreSelection('>=0.2 <1')).toEqual({ kind: 'range', range: '>=0.2 <1' });
    expect(() => parseCoreSelection('last-minors:x')).toThrow('is not a list of core versions, a semver range, or last-minors:N');
  });
});

function bigPlan(coreCount: number, versionCount: number) {
  return planMatrix({
    cores: Array.from({ length: coreCount }, (_, i) => ({ version: `0.${i}.0`, protocolVersions: [1] })),
    plugins: [{ name: 'p', versions: Array.from({ length: versionCount }, (_, i) => ({ version: `1.${i}.0`, compatibleWith: '*', protocolVersions: [1] })) }],
  });
}

describe('shards', () => {
  it('parses i/n strictly', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/2', '3/2', '1/0', '01/2', '1/2 ', '-1/2', '1/99999', 'a/b', '1/2/3', '']) expect(() => parseShard(bad), bad).toThrow(PlanError);
  });

  it('n shards partition the reachable cells in plan order, sizes differing by at most one', () => {
    const plan = bigPlan(3, 7); // 21 cells
    for (const count of [1, 2, 4, 5, 21, 30]) {
      const shards = Array.from({ length: count }, (_, i) => shardCells(plan, { index: i + 1, count }));
      expect(shards.flat()).toEqual(reachableCells(plan));
      const sizes = shards.map((shard) => shard.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    expect(shardCells(plan, { index: 1, count: 2 })).toEqual(shardCells(bigPlan(3, 7), { index: 1, count: 2 }));
  });

  it('skips unreachable cells', () => {
    const plan = planMatrix({ cores, plugins });
    expect(shardCells(plan, { index: 1, count: 1 }).map((cell) => cell.id)).toEqual(reachableCells(plan).map((cell) => cell.id));
    expect(shardCells(plan, { index: 1, count: 1 })).toHaveLength(5);
  });
});

describe('githubMatrix', () => {
  it('one job per cell up to the limit, then balanced packing; each job is the shard of its number', () => {
    const small = githubMatrix(planMatrix({ cores, plugins }));
    expect(small.include.map((job) => job.shard)).toEqual(['1/5', '2/5', '3/5', '4/5', '5/5']);
    expect(small.include[0]).toEqual({ shard: '1/5', name: '1/5: fctl 0.1.0, 1 cell', cells: ['fctl@0.1.0 ledger@3.0.0'] });

    const plan = bigPlan(10, 60); // 600 cells
    const matrix = githubMatrix(plan);
    expect(matrix.include).toHaveLength(256);
    const sizes = matrix.include.map((job) => job.cells.length);
    expect(Math.min(...sizes)).toBe(2);
    expect(Math.max(...sizes)).toBe(3);
    expect(matrix.include.flatMap((job) => job.cells)).toEqual(reachableCells(plan).map((cell) => cell.id));
    for (const job of matrix.include) expect(job.cells).toEqual(shardCells(plan, parseShard(job.shard)).map((cell) => cell.id));
    expect(JSON.stringify(githubMatrix(bigPlan(10, 60)))).toBe(JSON.stringify(matrix));
    expect(githubMatrix(plan, 4).include.map((job) => job.name)).toEqual(['1/4: fctl 0.0.0–0.2.0, 150 cells', '2/4: fctl 0.2.0–0.4.0, 150 cells', '3/4: fctl 0.5.0–0.7.0, 150 cells', '4/4: fctl 0.7.0–0.9.0, 150 cells']);
  });

  it('no reachable cell: one job with no cells (GitHub refuses an empty matrix)', () => {
    expect(githubMatrix(planMatrix({ cores: [], plugins: [] }))).toEqual({ include: [{ shard: '1/1', name: '1/1: no cells', cells: [] }] });
  });

  it('refuses a job count GitHub would not run', () => {
    for (const bad of [0, 257, 1.5, Number.NaN]) expect(() => githubMatrix(bigPlan(1, 1), bad)).toThrow("the job count must be from 1 to 256 (GitHub's limit)");
  });
});
