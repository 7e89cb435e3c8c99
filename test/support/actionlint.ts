// actionlint (with shellcheck for `run:` scripts) on GitHub Actions workflow files; `npm test`
// installs both (tools/test-system-deps.mjs).
import { join } from 'node:path';
import { exec, type ExecResult } from './exec.js';
import { repoRoot } from './paths.js';

export function actionlint(cwd: string, files: string[]): Promise<ExecResult> {
  return exec(join(repoRoot, '.tools', 'bin', 'actionlint'), ['-no-color', ...files], { cwd });
}
