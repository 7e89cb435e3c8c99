// Attack tests of file loaders: the loader runs in a child process over every hostile file in a row
// (a pathological document used to abort V8 outright, and the next one to inherit its state), so an
// abort, an exhausted heap or a hang is a failed assertion with the child's stderr, not a dead test run.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type LoaderOutcome = { arg: string; ok: true; value: string } | { arg: string; ok: false; error: string; message: string };

export interface LoaderRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  outcomes: LoaderOutcome[];
}

const root = join(import.meta.dirname, '..', '..');

/**
 * Calls `exported(arg)` of the TypeScript module `modulePath` for each arg, in one child process
 * (heap limited, so an unbounded allocation fails rather than swapping); `workDir` holds the list.
 */
export function loadInChild(modulePath: string, exported: string, args: string[], workDir: string, timeoutMs = 120_000): Promise<LoaderRun> {
  const list = join(workDir, `args-${process.pid}-${Date.now()}.json`);
  writeFileSync(list, JSON.stringify(args));
  const child = spawn(
    process.execPath,
    ['--max-old-space-size=512', '--import', 'tsx', '--conditions=@fctl-kit/source', join(import.meta.dirname, 'loader-child.mts'), modulePath, exported, list],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-20_000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const outcomes = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as LoaderOutcome);
      resolve({ code, signal, stderr, outcomes });
    });
  });
}
