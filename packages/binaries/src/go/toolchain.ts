// The Go toolchain a Go plugin is built with: the installed `go` (never a downloaded one:
// GOTOOLCHAIN=local), which must satisfy the module's go.mod - its `toolchain` line, else its `go`
// line. A missing `go` or one too old is a clear error, before anything is built.
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export class GoToolchainError extends Error {}

/** A Go release like go1.26.8, go1.27rc1 or a go.mod language version like 1.26. */
export interface GoVersion {
  major: number;
  minor: number;
  /** undefined for a language version (1.26), which sorts before every release of it. */
  patch?: number;
  /** rc1 / beta2: before the release of the same minor. */
  pre?: { kind: 'beta' | 'rc'; number: number };
}

const GO_VERSION = /^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?(?:(beta|rc)(\d+))?$/;

export function parseGoVersion(text: string): GoVersion | undefined {
  const match = GO_VERSION.exec(text.trim());
  if (!match) return undefined;
  const [, major, minor, patch, kind, number] = match;
  return { major: Number(major), minor: Number(minor), ...(patch !== undefined ? { patch: Number(patch) } : {}), ...(kind ? { pre: { kind: kind as 'beta' | 'rc', number: Number(number) } } : {}) };
}

/** Go's order: 1.26 < 1.26beta1 < 1.26rc1 < 1.26.0 < 1.26.1 < 1.27. */
export function compareGoVersions(a: GoVersion, b: GoVersion): number {
  const rank = (v: GoVersion): number[] => [v.major, v.minor, v.patch !== undefined ? 3 : v.pre ? (v.pre.kind === 'beta' ? 1 : 2) : 0, v.patch ?? v.pre?.number ?? 0];
  const [x, y] = [rank(a), rank(b)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** The go.mod lines that ask for a toolchain. */
export interface GoModRequirement {
  path: string;
  go?: string;
  toolchain?: string;
}

export function parseGoModRequirement(text: string, path: string): GoModRequirement {
  const line = (keyword: string) => new RegExp(`^\\s*${keyword}\\s+(\\S+)\\s*(?://.*)?$`, 'm').exec(text)?.[1];
  const go = line('go');
  const toolchain = line('toolchain');
  return { path, ...(go ? { go } : {}), ...(toolchain ? { toolchain } : {}) };
}

/** The go.mod governing `dir`: the nearest one at or above it, as go finds it. */
export async function findGoMod(dir: string): Promise<string> {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const candidate = join(current, 'go.mod');
    if (await stat(candidate).then((info) => info.isFile(), () => false)) return candidate;
    if (dirname(current) === current) throw new GoToolchainError(`no go.mod at or above ${resolve(dir)}: a Go plugin's main package is in a Go module`);
  }
}

/** Refuses an installed Go older than what go.mod asks for (its toolchain line, else its go line). */
export function checkToolchain(installed: string, requirement: GoModRequirement): void {
  const have = parseGoVersion(installed);
  if (!have) throw new GoToolchainError(`cannot read the version of the installed Go: ${JSON.stringify(installed)}`);
  for (const [keyword, wanted] of [['toolchain', requirement.toolchain], ['go', requirement.go]] as const) {
    if (!wanted) continue;
    const need = parseGoVersion(wanted);
    if (!need) throw new GoToolchainError(`${requirement.path}: its ${keyword} line "${wanted}" is not a Go version`);
    if (compareGoVersions(have, need) < 0) {
      throw new GoToolchainError(
        `${requirement.path} asks for ${keyword === 'go' ? 'go ' : ''}${wanted} (its ${keyword} line), and the installed Go is ${installed}: install ${keyword === 'toolchain' ? wanted : `go${wanted}`} or newer from https://go.dev/dl/ and put it first on PATH (fctl-kit never downloads a toolchain: GOTOOLCHAIN=local)`,
      );
    }
  }
}

export interface GoToolchain {
  /** The command run as go. */
  command: string;
  /** go1.26.8 */
  version: string;
  /** The module's go.mod. */
  goMod: string;
}

/** `go env GOVERSION`, run outside any module (a module asking for a newer Go would stop it). */
export function installedGoVersion(command: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolveVersion, reject) => {
    execFile(command, ['env', 'GOVERSION'], { cwd: tmpdir(), env: { ...env, GOTOOLCHAIN: 'local', GOFLAGS: '', GOWORK: 'off' } }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
        reject(new GoToolchainError(`a Go plugin is built with the Go toolchain, and there is no "${command}" on PATH: install Go (the version the module's go.mod names, from https://go.dev/dl/) and put its bin directory on PATH`));
      } else if (error) reject(new GoToolchainError(`"${command} env GOVERSION" failed: ${stderr.trim() || error.message}`));
      else resolveVersion(stdout.trim());
    });
  });
}

/** The installed Go, checked against the go.mod of the main package's module. */
export async function goToolchain(mainPackageDir: string, options: { command?: string; env?: NodeJS.ProcessEnv } = {}): Promise<GoToolchain> {
  const command = options.command ?? 'go';
  const goMod = await findGoMod(mainPackageDir);
  const version = await installedGoVersion(command, options.env ?? process.env);
  checkToolchain(version, parseGoModRequirement(await readFile(goMod, 'utf8'), goMod));
  return { command, version, goMod };
}
