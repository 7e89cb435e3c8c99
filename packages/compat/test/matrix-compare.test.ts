// The core's gate: a head matrix compared with its base's, cell by cell (the builds matched to each
// other, released cores by version), each rule of compare.ts, and the Markdown section it gives.
import { describe, expect, it } from 'vitest';
import {
  CompareError,
  compareMatrices,
  comparisonMarkdown,
  makeResults,
  matrixJson,
  parseResults,
  planMatrix,
  RESULTS_LIMITS,
  ResultsError,
  sha256Hex,
  type CellResult,
  type MatrixResults,
} from '../src/matrix/index.js';

const SCENARIOS = ['table', 'json', 'v4 stack'];

/** `pass`, `error`, `fail:<scenario>,<scenario>` (optionally `=<problem text>`), or absent (not run). */
type Outcome = string;

interface Side {
  cores: Array<string | [string, number[]]>;
  versions: Array<string | [string, number[]]>;
  outcomes: Record<string, Outcome>;
}

function outcome(cell: string, text: Outcome): CellResult {
  if (text === 'error') return { cell, status: 'error', key: null, scenarios: [], error: 'cannot download: 503' };
  const [state, list = '', problem = 'printed:\nA\nexpected:\nB\n'] = text.split(/[:=]/);
  const failing = new Set(list.split(',').filter(Boolean));
  const scenarios = SCENARIOS.map((name) => ({ name, ok: !failing.has(name), problems: failing.has(name) ? [problem] : [], requests: ['GET /versions -> 200'] }));
  return { cell, status: state === 'pass' ? 'pass' : 'fail', key: sha256Hex(cell), scenarios };
}

function matrix(side: Side): MatrixResults {
  const plan = planMatrix({
    cores: side.cores.map((core) => (typeof core === 'string' ? { version: core, protocolVersions: [1, 2] } : { version: core[0], protocolVersions: core[1] })),
    plugins: [{ name: 'ledger', versions: side.versions.map((entry) => (typeof entry === 'string' ? { version: entry, compatibleWith: '>=3', protocolVersions: [1, 2] } : { version: entry[0], compatibleWith: '>=3', protocolVersions: entry[1] })) }],
  });
  const results = Object.entries(side.outcomes).map(([cell, text]) => outcome(cell, text));
  // Through the file format, as the command reads them.
  return parseResults(matrixJson(makeResults(plan, results)), 'matrix.json');
}

const ids = (changes: { cell: string }[]) => changes.map((change) => change.cell);
const L = '0.0.0-local';
const cell = (core: string, version: string) => `fctl@${core} ledger@${version}`;

describe('compareMatrices', () => {
  it('finds ✓ → ✗ (new), ✗ → ✓ (fixed), ✗ → ✗ (still failing); ✓ → ✓ is not listed', () => {
    const base = matrix({ cores: [L], versions: ['3.0.0', '3.1.0', '3.2.0', '3.3.0'], outcomes: { [cell(L, '3.0.0')]: 'pass', [cell(L, '3.1.0')]: 'pass', [cell(L, '3.2.0')]: 'fail:table', [cell(L, '3.3.0')]: 'fail:json' } });
    const head = matrix({ cores: [L], versions: ['3.0.0', '3.1.0', '3.2.0', '3.3.0'], outcomes: { [cell(L, '3.0.0')]: 'pass', [cell(L, '3.1.0')]: 'fail:table', [cell(L, '3.2.0')]: 'pass', [cell(L, '3.3.0')]: 'fail:json' } });
    const result = compareMatrices(base, head);
    expect(ids(result.newFailures)).toEqual([cell(L, '3.1.0')]);
    expect(result.newFailures[0]).toMatchObject({ base: 'pass', head: 'fail', headIndex: 1, newlyFailing: ['table'] });
    expect(ids(result.fixed)).toEqual([cell(L, '3.2.0')]);
    expect(result.fixed[0]!.fixed).toEqual(['table']);
    expect(ids(result.stillFailing)).toEqual([cell(L, '3.3.0')]);
    expect(result.stillFailing[0]!.stillFailing).toEqual([{ name: 'json', changed: false }]);
    expect(result.passes).toBe(false);
    expect(compareMatrices(head, head).passes).toBe(true);
    expect(compareMatrices(head, base)).toMatchObject({ passes: false, newFailures: [{ cell: cell(L, '3.2.0') }], fixed: [{ cell: cell(L, '3.1.0') }] });
  });

  it('matches the head build with the base build whatever their labels, and released cores by version', () => {
    const base = matrix({ cores: ['0.1.0', L], versions: ['3.0.0'], outcomes: { [cell('0.1.0', '3.0.0')]: 'pass', [cell(L, '3.0.0')]: 'pass' } });
    const head = matrix({ cores: ['0.1.0', '0.3.0-pr.12'], versions: ['3.0.0'], outcomes: { [cell('0.1.0', '3.0.0')]: 'pass', [cell('0.3.0-pr.12', '3.0.0')]: 'fail:table' } });
    const result = compareMatrices(base, head, { headBuild: '0.3.0-pr.12' });
    expect(result.newFailures).toMatchObject([{ cell: cell('0.3.0-pr.12', '3.0.0'), base: 'pass', head: 'fail' }]);
    // A released core is matched by its version only: 0.1.0 failing now where it passed is new.
    const released = matrix({ cores: ['0.1.0', L], versions: ['3.0.0'], outcomes: { [cell('0.1.0', '3.0.0')]: 'fail:json', [cell(L, '3.0.0')]: 'pass' } });
    expect(ids(compareMatrices(base, released).newFailures)).toEqual([cell('0.1.0', '3.0.0')]);
  });

  it('refuses a build on one side only: its cells would all be new and never gate', () => {
    const released = matrix({ cores: ['0.1.0'], versions: ['3.0.0'], outcomes: { [cell('0.1.0', '3.0.0')]: 'pass' } });
    const built = matrix({ cores: ['0.1.0', L], versions: ['3.0.0'], outcomes: { [cell('0.1.0', '3.0.0')]: 'pass', [cell(L, '3.0.0')]: 'pass' } });
    expect(() => compareMatrices(released, built)).toThrow(new CompareError('the head matrix has the build 0.0.0-local, the base matrix has no core 0.0.0-local: run the base\'s matrix with --core-build (or name its label)'));
    expect(() => compareMatrices(built, released)).toThrow('the base matrix has the build 0.0.0-local, the head matrix has no core 0.0.0-local');
    expect(() => compareMatrices(built, built, { baseBuild: '9.9.9' })).toThrow('the head matrix has the build 0.0.0-local, the base matrix has no core 9.9.9');
    expect(compareMatrices(released, released).passes).toBe(true);
  });

  it('counts a failing cell the base did not plan as new, unless its plugin version or released core is new', () => {
    // 3.1.0 is in both plans, its cell not run in the base; 3.2.0 was published after the base ran; 0.2.0 is a released core new to the head.
    const base = matrix({ cores: ['0.1.0', L], versions: ['3.0.0', '3.1.0'], outcomes: { [cell('0.1.0', '3.0.0')]: 'pass', [cell(L, '3.0.0')]: 'pass' } });
    const head = matrix({
      cores: ['0.1.0', '0.2.0', L],
      versions: ['3.0.0', '3.1.0', '3.2.0'],
      outcomes: Object.fromEntries(['0.1.0', '0.2.0', L].flatMap((core) => ['3.0.0', '3.1.0', '3.2.0'].map((version) => [cell(core, version), core === '0.2.0' || version !== '3.0.0' ? 'fail:table' : 'pass']))),
    });
    const result = compareMatrices(base, head);
    expect(ids(result.newFailures)).toEqual([cell(L, '3.1.0'), cell('0.1.0', '3.1.0')]);
    expect(result.newFailures[0]!.base).toBe('not-run');
    expect(ids(result.failingNew)).toEqual([cell(L, '3.2.0'), cell('0.1.0', '3.2.0'), cell('0.2.0', '3.0.0'), cell('0.2.0', '3.1.0'), cell('0.2.0', '3.2.0')]);
    expect(result.failingNew.map((change) => change.base)).toEqual(['absent', 'absent', 'absent', 'absent', 'absent']);
  });

  it('counts a cell made reachable by the head that fails as new, and lists reachability changes without gating', () => {
    // The base build speaks protocol 1 only; the head's speaks 1 and 2: ledger@4.0.0 (protocol 2) becomes reachable.
    // ledger@2.0.0 (protocol 1) becomes unreachable from a head build that dropped protocol 1 (another case).
    const base = matrix({ cores: [[L, [1]]], versions: [['3.0.0', [1, 2]], ['4.0.0', [2]]], outcomes: { [cell(L, '3.0.0')]: 'pass' } });
    const head = matrix({ cores: [[L, [1, 2]]], versions: [['3.0.0', [1, 2]], ['4.0.0', [2]]], outcomes: { [cell(L, '3.0.0')]: 'pass', [cell(L, '4.0.0')]: 'fail:json' } });
    const result = compareMatrices(base, head);
    expect(result.newFailures).toMatchObject([{ cell: cell(L, '4.0.0'), base: 'unreachable', head: 'fail' }]);
    expect(result.reachability).toMatchObject([{ cell: cell(L, '4.0.0'), base: 'unreachable', head: 'fail' }]);

    const dropped = matrix({ cores: [[L, [2]]], versions: [['3.0.0', [1, 2]], ['4.0.0', [2]]], outcomes: { [cell(L, '3.0.0')]: 'pass', [cell(L, '4.0.0')]: 'pass' } });
    const older = matrix({ cores: [[L, [1, 2]]], versions: [['2.0.0', [1]], ['3.0.0', [1, 2]], ['4.0.0', [2]]], outcomes: { [cell(L, '2.0.0')]: 'pass', [cell(L, '3.0.0')]: 'pass', [cell(L, '4.0.0')]: 'pass' } });
    const head2 = matrix({ cores: [[L, [2]]], versions: [['2.0.0', [1]], ['3.0.0', [1, 2]], ['4.0.0', [2]]], outcomes: { [cell(L, '3.0.0')]: 'pass', [cell(L, '4.0.0')]: 'pass' } });
    const unreachable = compareMatrices(older, head2);
    expect(unreachable.passes).toBe(true);
    expect(unreachable.reachability).toEqual([expect.objectContaining({ cell: cell(L, '2.0.0'), base: 'pass', head: 'unreachable', reasons: ['fctl 0.0.0-local speaks protocol version 2; ledger@2.0.0 speaks 1'] })]);
    // A cell the head no longer plans (the version left the registry).
    const gone = compareMatrices(older, dropped);
    expect(gone.reachability).toEqual([expect.objectContaining({ cell: cell(L, '2.0.0'), base: 'pass', head: 'absent' })]);
    expect(gone.reachability[0]!.headIndex).toBeUndefined();
  });

  it('looks inside a cell failing on both sides: a scenario that passed before and fails now is a new ✗', () => {
    const base = matrix({ cores: [L], versions: ['3.0.0', '3.1.0', '3.2.0'], outcomes: { [cell(L, '3.0.0')]: 'fail:table', [cell(L, '3.1.0')]: 'fail:table,json', [cell(L, '3.2.0')]: 'fail:table=one' } });
    const head = matrix({ cores: [L], versions: ['3.0.0', '3.1.0', '3.2.0'], outcomes: { [cell(L, '3.0.0')]: 'fail:table,v4 stack', [cell(L, '3.1.0')]: 'fail:table', [cell(L, '3.2.0')]: 'fail:table=other' } });
    const result = compareMatrices(base, head);
    expect(result.newFailures).toMatchObject([{ cell: cell(L, '3.0.0'), newlyFailing: ['v4 stack'], stillFailing: [{ name: 'table', changed: false }], fixed: [] }]);
    expect(result.stillFailing).toMatchObject([
      { cell: cell(L, '3.1.0'), newlyFailing: [], stillFailing: [{ name: 'table', changed: false }], fixed: ['json'] },
      { cell: cell(L, '3.2.0'), newlyFailing: [], stillFailing: [{ name: 'table', changed: true }] },
    ]);
  });

  it.each([
    ['error', 'error', 'stillFailing'],
    ['error', 'fail:table', 'newFailures'],
    ['fail:table', 'error', 'stillFailing'],
    ['pass', 'error', 'newFailures'],
    ['error', 'pass', 'fixed'],
  ] as const)('base %s, head %s: %s', (before, after, list) => {
    const base = matrix({ cores: [L], versions: ['3.0.0'], outcomes: { [cell(L, '3.0.0')]: before } });
    const head = matrix({ cores: [L], versions: ['3.0.0'], outcomes: { [cell(L, '3.0.0')]: after } });
    const result = compareMatrices(base, head);
    expect(ids(result[list])).toEqual([cell(L, '3.0.0')]);
    expect(result.passes).toBe(list !== 'newFailures');
  });

  it('fails the gate on a head cell that did not run, whatever the base', () => {
    const base = matrix({ cores: [L], versions: ['3.0.0'], outcomes: { [cell(L, '3.0.0')]: 'fail:table' } });
    const head = matrix({ cores: [L], versions: ['3.0.0'], outcomes: {} });
    const result = compareMatrices(base, head);
    expect(result).toMatchObject({ passes: false, newFailures: [], notRun: [{ cell: cell(L, '3.0.0'), base: 'fail', head: 'not-run' }] });
  });
});

describe('the inputs', () => {
  const good = matrixJson(matrix({ cores: [L], versions: ['3.0.0'], outcomes: { [cell(L, '3.0.0')]: 'pass' } }));
  it.each<[string, string | Uint8Array, string]>([
    ['another format version', good.replace('fctl-kit-compat-matrix/1', 'fctl-kit-compat-matrix/2'), 'base.json is not matrix results (format fctl-kit-compat-matrix/1)'],
    ['no plan', JSON.stringify({ format: 'fctl-kit-compat-matrix/1', results: [] }), 'base.json has no plan or no results'],
    ['a result with no status', good.replace('"status": "pass",', ''), 'base.json: results[0].status must be pass, fail or error; got undefined'],
    ['malformed JSON', good.slice(0, 40), 'base.json is not JSON'],
    ['a file over the limit', new Uint8Array(RESULTS_LIMITS.maxBytes + 1), `base.json is ${RESULTS_LIMITS.maxBytes + 1} bytes, over the limit of ${RESULTS_LIMITS.maxBytes}`],
    ['nesting too deep', `${'['.repeat(100)}${']'.repeat(100)}`, 'base.json nests more than 32 deep'],
  ])('refuses %s before comparing, with a clear error', (_, input, message) => {
    expect(() => parseResults(input, 'base.json')).toThrow(new ResultsError(message));
  });
});

describe('comparisonMarkdown', () => {
  const base = matrix({ cores: ['0.1.0', L], versions: ['3.0.0', '3.1.0'], outcomes: { [cell('0.1.0', '3.0.0')]: 'pass', [cell('0.1.0', '3.1.0')]: 'fail:json', [cell(L, '3.0.0')]: 'pass', [cell(L, '3.1.0')]: 'fail:json' } });
  const head = matrix({ cores: ['0.1.0', L], versions: ['3.0.0', '3.1.0'], outcomes: { [cell('0.1.0', '3.0.0')]: 'pass', [cell('0.1.0', '3.1.0')]: 'fail:json', [cell(L, '3.0.0')]: 'fail:table', [cell(L, '3.1.0')]: 'pass' } });

  it('gives the sections, each cell linked to its place in the head matrix.html as matrix.md links it', () => {
    const text = comparisonMarkdown(compareMatrices(base, head), { htmlUrl: 'matrix.html' });
    expect(text).toBe(
      [
        '## fctl compatibility: head against base',
        '',
        '**1 new failure**: the gate fails. 1 fixed · 1 still failing · 0 failing on versions new to this matrix · 0 reachability changes',
        '',
        '### New failures',
        '',
        '- [✗](matrix.html#cell-0) `fctl@0.0.0-local ledger@3.0.0`: ✓ → ✗ failed; newly failing: “table”',
        '',
        '### Fixed',
        '',
        '- [✓](matrix.html#cell-1) `fctl@0.0.0-local ledger@3.1.0`: ✗ failed → ✓; fixed: “json”',
        '',
        '### Still failing',
        '',
        '- [✗](matrix.html#cell-3) `fctl@0.1.0 ledger@3.1.0`: ✗ failed → ✗ failed; still failing: “json”',
        '',
      ].join('\n'),
    );
    expect(comparisonMarkdown(compareMatrices(head, head))).toBe('## fctl compatibility: head against base\n\n**No new failures.** 0 fixed · 2 still failing · 0 failing on versions new to this matrix · 0 reachability changes\n\n### Still failing\n\n- ✗ `fctl@0.0.0-local ledger@3.0.0`: ✗ failed → ✗ failed; still failing: “table”\n- ✗ `fctl@0.1.0 ledger@3.1.0`: ✗ failed → ✗ failed; still failing: “json”\n');
  });

  it('escapes scenario names and refuses a link that is not plainly http(s) or relative', () => {
    const hostile = compareMatrices(base, head);
    hostile.newFailures[0]!.newlyFailing = ['@octocat | `x` <img src=x> *b*'];
    const text = comparisonMarkdown(hostile, { title: 'Gate @team' });
    expect(text).toContain('## Gate &#64;team');
    expect(text).toContain('newly failing: “&#64;octocat \\| \\`x\\` &lt;img src=x&gt; \\*b\\*”');
    for (const url of ['javascript:alert(1)', 'matrix.html#x', 'a b', 'x)"', '']) expect(() => comparisonMarkdown(hostile, { htmlUrl: url })).toThrow(CompareError);
    expect(comparisonMarkdown(hostile, { htmlUrl: 'https://example.com:8443/runs/1/matrix.html?x=1' })).toContain('[✗](https://example.com:8443/runs/1/matrix.html?x=1#cell-0)');
  });

  it('stays within maxChars, saying what it left out', () => {
    const versions = Array.from({ length: 400 }, (_, i) => `3.${i}.0`);
    const many = (state: string) => matrix({ cores: [L], versions, outcomes: Object.fromEntries(versions.map((version) => [cell(L, version), state])) });
    const text = comparisonMarkdown(compareMatrices(many('pass'), many('fail:table')), { maxChars: 4000 });
    expect(text.length).toBeLessThanOrEqual(4000);
    expect(text).toMatch(/_… \d+ lines of “New failures” and the sections after it left out to stay within 4000 characters\._\n$/);
  });
});
