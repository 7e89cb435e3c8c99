// Running a command (fctl-kit, skopeo, oras...) as a child process without blocking the event loop,
// so that servers the test runs in-process keep answering it.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './paths.js';

const run = promisify(execFile);
export const fctlKitBin = join(repoRoot, 'packages', 'cli', 'bin', 'fctl-kit.js');

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function exec(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

export const fctlKit = (args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => exec(process.execPath, [fctlKitBin, ...args], options);
