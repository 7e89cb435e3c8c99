// `fctl-kit compat matrix --plugin-build`, run as a real process on a real host build of the example
// plugin: the flags it refuses (exit 2), the fallback to the reference fctl when the registry lists
// no released cores (said on stderr; the column labelled "(this build)"), and the builds it
// refuses (a file that no longer matches checksums.txt, scenarios that are not the plugin's).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'packages', 'cli', 'bin', 'fctl-kit.js');
const example = join(root, 'examples', 'ledger', 'cmd', 'fctl-plugin');

let dir: string;
let build: string;
let registry: string;
const matrix = (...args: string[]) => spawnSync(process.execPath, [bin, 'compat', 'matrix', '--registry', registry, '--cache-dir', join(dir, 'cache'), ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, NO_COLOR: '1' } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'compat-plugin-build-'));
  build = join(dir, 'build');
  registry = join(dir, 'registry.yaml');
  writeFileSync(registry, 'plugins: {}\n');
  const built = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, 'build', example, '--targets', 'host', '--service-version', '3.2.0', '--out', build], { env: { ...process.env, FCTL_KIT_COMPRESSION: 'none' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
  if (built.code !== 0) throw new Error(`fctl-kit build: ${built.output}`);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('compat matrix --plugin-build', () => {
  it('refuses the flags that do not go with it (exit 2)', () => {
    for (const [args, message] of [
      [['--plugin-dir', example], '--plugin-dir goes with --plugin-build'],
      [['--plugin-build', build, '--plugin', 'ledger'], '--plugin-build runs that build, whose manifest names its plugin'],
      [['--plugin-build', build, '--core-build', join(root, 'packages', 'core', 'bin', 'fctl.js')], '--plugin-build and --core-build are two gates'],
    ] as const) {
      const run = matrix(...args);
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toContain(message);
    }
  }, 120_000);

  it('runs the build with the reference fctl when the registry lists no cores, and says so; the column is the build', () => {
    const out = join(dir, 'out');
    const run = matrix('--plugin-build', build, '--plugin-dir', example, '--out', out);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).toMatch(/The registry lists no released cores: the build runs with the reference fctl \S+ of @fctl-kit\/core only\./);
    expect(run.stdout).toContain('1 cells: 1 passed, 0 failed, 0 could not run, 0 unreachable');
    expect(readFileSync(join(out, 'matrix.md'), 'utf8')).toContain('| fctl | `ledger@3.2.0 (this build)` |');
    const plan = matrix('--plugin-build', build, '--plan');
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^fctl@\S+ ledger@3\.2\.0 {2}reachable, protocol 2\n1 cells, 1 reachable\n$/);
  }, 180_000);

  it('refuses a build whose files no longer match its checksums.txt, and scenarios that are not the plugin directory’s', () => {
    const tampered = join(dir, 'tampered');
    cpSync(build, tampered, { recursive: true });
    writeFileSync(join(tampered, 'scenarios.yaml'), 'scenarios: []\n');
    const changed = matrix('--plugin-build', tampered, '--plan');
    expect(changed.status).toBe(1);
    expect(changed.stderr).toContain('scenarios.yaml has sha256');

    const other = join(dir, 'other-plugin');
    cpSync(example, other, { recursive: true, filter: (path) => !path.includes('node_modules') && !path.includes(`${join(example, 'dist')}`) });
    writeFileSync(join(other, 'compat', 'scenarios.yaml'), `${readFileSync(join(other, 'compat', 'scenarios.yaml'), 'utf8')}\n# edited\n`);
    const differs = matrix('--plugin-build', build, '--plugin-dir', other, '--plan');
    expect(differs.status).toBe(1);
    expect(differs.stderr).toContain(`differs from ${join(other, 'compat', 'scenarios.yaml')}: the build is not of these sources`);
  }, 120_000);
});
