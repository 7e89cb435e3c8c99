#!/usr/bin/env node
// `npm test`: install the Debian packages the tests need, typecheck every package and the root tests, then run every test (all vitest projects) in one report,
// ending with a line "Tests: N passed, N failed" that CI reads.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
const bin = (name) => join(root, 'node_modules', '.bin', name);

const systemDeps = spawnSync(process.execPath, [join(root, 'tools', 'test-system-deps.mjs')], { stdio: 'inherit' });
if (systemDeps.status !== 0) {
  console.log('Tests: 0 passed, 1 failed (system packages)');
  process.exit(1);
}

const typecheck = spawnSync(process.execPath, [join(root, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), 'run-many', '-t', 'typecheck', '--output-style=static'], { cwd: root, stdio: 'inherit', env });
// The root tests (test/e2e, test/support) belong to no package: typecheck them after the packages.
const typecheckTests = typecheck.status === 0 && spawnSync(bin('tsc'), ['-p', join(root, 'test', 'tsconfig.json')], { cwd: root, stdio: 'inherit', env });
if (typecheck.status !== 0 || typecheckTests.status !== 0) {
  console.log('Tests: 0 passed, 1 failed (typecheck)');
  process.exit(1);
}

mkdirSync(join(root, '.tmp'), { recursive: true });
const report = join(root, '.tmp', 'vitest-report.json');
const vitest = spawnSync(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env,
});
let summary = 'Tests: 0 passed, 1 failed (no report)';
try {
  const result = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = result.numPendingTests + result.numTodoTests;
  summary = `Tests: ${result.numPassedTests} passed, ${result.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`;
} catch {
  // vitest died before writing its report; the summary says so.
}
console.log(summary);
process.exit(vitest.status ?? 1);
