// Runs the real `fctl` executable as a child process with its own configuration directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fctlBin, requireBuilt } from './paths.js';

export interface FctlResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Fctl {
  /** The fctl executable (this repository's build, or an installed one). */
  bin: string;
  configDir: string;
  env: NodeJS.ProcessEnv;
  run(args: string[], options?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<FctlResult>;
  spawn(args: string[], options?: { env?: NodeJS.ProcessEnv }): ChildProcess;
}

// Each config dir may hold installed plugins (a self-contained binary is over 100 MB): they go after
// the test file (cleanup-setup.ts, the e2e project's setup file), so that runs do not fill the
// disk. Only this file's own dirs: another run may be using its own at the same time.
const configDirs: string[] = [];

/** Removes the config dirs newFctl made in this test file. */
export function removeConfigDirs(): void {
  for (const dir of configDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A fresh fctl "installation": an empty config dir (removed after the test file); NO_COLOR so output is plain text. */
export function newFctl(extraEnv: NodeJS.ProcessEnv = {}, bin = fctlBin): Fctl {
  requireBuilt(bin);
  const configDir = mkdtempSync(join(tmpdir(), 'fctl-e2e-'));
  configDirs.push(configDir);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR ?? tmpdir(),
    FCTL_CONFIG_DIR: configDir,
    NO_COLOR: '1',
    ...extraEnv,
  };
  const spawnFctl = (args: string[], options: { env?: NodeJS.ProcessEnv } = {}) =>
    spawn(process.execPath, [bin, ...args], { env: { ...env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  return {
    bin,
    configDir,
    env,
    spawn: spawnFctl,
    run(args, options = {}) {
      const child = spawnFctl(args, options);
      return collect(child, options.input, options.timeoutMs ?? 30_000);
    },
  };
}

export function collect(child: ChildProcess, input: string | undefined, timeoutMs: number): Promise<FctlResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  if (input !== undefined) child.stdin!.end(input);
  else child.stdin!.end();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fctl did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
