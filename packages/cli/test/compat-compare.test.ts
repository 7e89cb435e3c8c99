// `fctl-kit compat compare`, run as a real process on matrix.json files: the Markdown section and
// its file, the JSON, exit 1 on a new failure, 0 without, 2 for bad input.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeResults, matrixJson, planMatrix, sha256Hex, type CellResult } from '@fctl-kit/compat';

const root = join(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'packages', 'cli', 'bin', 'fctl-kit.js');
const fctlKit = (...args: string[]) => spawnSync(process.execPath, [bin, 'compat', 'compare', ...args], { encoding: 'utf8', cwd: dir });

let dir: string;
const L = '0.0.0-local';
const cell = (core: string, version: string) => `fctl@${core} ledger@${version}`;

function write(name: string, outcomes: Record<string, 'pass' | 'fail'>, cores = ['0.1.0', L]): string {
  const plan = planMatrix({ cores: cores.map((version) => ({ version, protocolVersions: [1, 2] })), plugins: [{ name: 'ledger', versions: ['3.0.0', '3.1.0'].map((version) => ({ version, compatibleWith: '>=3', protocolVersions: [2] })) }] });
  const results = Object.entries(outcomes).map(([id, status]): CellResult => ({ cell: id, status, key: sha256Hex(id), scenarios: [{ name: 'table', ok: status === 'pass', problems: status === 'pass' ? [] : ['printed:\nA\nexpected:\nB\n'], requests: [] }] }));
  const file = join(dir, name);
  writeFileSync(file, matrixJson(makeResults(plan, results)));
  return file;
}

let base: string;
let broken: string;
let fixed: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'compat-compare-'));
  const all = (states: Array<'pass' | 'fail'>) => Object.fromEntries([cell(L, '3.0.0'), cell(L, '3.1.0'), cell('0.1.0', '3.0.0'), cell('0.1.0', '3.1.0')].map((id, index) => [id, states[index]!]));
  base = write('base.json', all(['pass', 'fail', 'pass', 'fail']));
  broken = write('broken.json', all(['fail', 'fail', 'pass', 'fail']));
  fixed = write('fixed.json', all(['pass', 'pass', 'pass', 'fail']));
});

describe('fctl-kit compat compare', () => {
  it('prints the Markdown section and exits 1 on a new failure, also into --markdown', () => {
    const run = fctlKit('--base', base, '--head', broken, '--markdown', 'out/section.md');
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toContain('**1 new failure**: the gate fails.');
    expect(run.stdout).toContain('### New failures\n\n- [✗](matrix.html#cell-0) `fctl@0.0.0-local ledger@3.0.0`: ✓ → ✗ failed; newly failing: “table”\n');
    expect(run.stdout).toContain('### Still failing\n\n- [✗](matrix.html#cell-1) `fctl@0.0.0-local ledger@3.1.0`');
    expect(readFileSync(join(dir, 'out', 'section.md'), 'utf8')).toBe(run.stdout);
  });

  it('exits 0 with no new failure, listing what was fixed; --json gives the comparison', () => {
    const run = fctlKit('--base', base, '--head', fixed, '--html-url', 'https://example.com/run/1/matrix.html', '--title', 'Gate');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^## Gate\n\n\*\*No new failures\.\*\* 1 fixed · 1 still failing/);
    expect(run.stdout).toContain('### Fixed\n\n- [✓](https://example.com/run/1/matrix.html#cell-1) `fctl@0.0.0-local ledger@3.1.0`: ✗ failed → ✓; fixed: “table”\n');
    const json = fctlKit('--base', base, '--head', broken, '--json');
    expect(json.status).toBe(1);
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ format: 'fctl-kit-compat-compare/1', passes: false, newFailures: [{ cell: cell(L, '3.0.0'), base: 'pass', head: 'fail', headIndex: 0 }] });
    expect(parsed.stillFailing.map((change: { cell: string }) => change.cell)).toEqual([cell(L, '3.1.0'), cell('0.1.0', '3.1.0')]);
  });

  it('matches a named head build with the base build (--head-build)', () => {
    const named = write('named.json', { [cell('0.3.0-pr.7', '3.0.0')]: 'fail', [cell('0.3.0-pr.7', '3.1.0')]: 'fail', [cell('0.1.0', '3.0.0')]: 'pass', [cell('0.1.0', '3.1.0')]: 'fail' }, ['0.1.0', '0.3.0-pr.7']);
    const run = fctlKit('--base', base, '--head', named, '--head-build', '0.3.0-pr.7', '--json');
    expect(run.status, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout).newFailures).toMatchObject([{ cell: cell('0.3.0-pr.7', '3.0.0'), base: 'pass' }]);
    const unnamed = fctlKit('--base', base, '--head', named);
    expect(unnamed.status).toBe(2);
    expect(unnamed.stderr).toContain('the base matrix has the build 0.0.0-local, the head matrix has no core 0.0.0-local');
  });

  it('exits 2 with a clear message for bad input', () => {
    writeFileSync(join(dir, 'other-format.json'), readFileSync(base, 'utf8').replace('fctl-kit-compat-matrix/1', 'fctl-kit-compat-matrix/9'));
    writeFileSync(join(dir, 'truncated.json'), readFileSync(base, 'utf8').slice(0, 100));
    writeFileSync(join(dir, 'no-results.json'), JSON.stringify({ format: 'fctl-kit-compat-matrix/1', plan: {} }));
    writeFileSync(join(dir, 'huge.json'), Buffer.alloc(64 * 1024 * 1024 + 1, 0x20));
    const cases: Array<[string[], string]> = [
      [['--base', 'missing.json', '--head', broken], `--base ${join(dir, 'missing.json')} cannot be read: ENOENT`],
      [['--base', dir, '--head', broken], `--base ${dir} is not a file`],
      [['--base', base, '--head', 'other-format.json'], `--head: ${join(dir, 'other-format.json')} is not matrix results (format fctl-kit-compat-matrix/1)`],
      [['--base', 'truncated.json', '--head', broken], 'truncated.json is not JSON'],
      [['--base', 'no-results.json', '--head', broken], 'no-results.json has no plan or no results'],
      [['--base', 'huge.json', '--head', broken], `huge.json is ${64 * 1024 * 1024 + 1} bytes, over the limit of ${64 * 1024 * 1024}`],
      [['--base', base, '--head', broken, '--html-url', 'javascript:alert(1)'], 'the matrix.html link must be an http(s) URL or a relative path'],
      [['--base', base], "required option '--head <matrix.json>' not specified"],
      [['--base', base, '--head', broken, '--bogus'], "unknown option '--bogus'"],
    ];
    for (const [args, message] of cases) {
      const run = fctlKit(...args);
      expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stdout).toBe('');
    }
  });
});
