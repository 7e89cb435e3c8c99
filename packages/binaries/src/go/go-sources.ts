// The source files a Go plugin's build reads, as go itself resolves them (go list -deps): the
// watcher of the dev loop follows them, and Nx hashes them (fctl-kit inputs) so that a change in a
// package the plugin imports from elsewhere in the product's module, or in a module a `replace`
// points to a directory, invalidates the cached build. Downloaded modules are left out: go.mod and
// go.sum pin them, and the module cache never changes a version's files.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import pLimit from 'p-limit';
import { TARGETS, type TargetInfo } from '../targets.js';
import { goBuildEnv } from './go-build-args.js';

/**
 * The packages a build reads that are sources, not downloads: the main module's and those of a
 * module a `replace` points to a directory (no version); the standard library and the module cache
 * are left out. go's template `and`/`or` stop at the first deciding value, so `.Module.Replace` is
 * only read when there is one.
 */
const SOURCE_FILES_TEMPLATE =
  '{{if and (not .Standard) .Module}}{{if or .Module.Main (and .Module.Replace (not .Module.Replace.Version))}}' +
  '{{$dir := .Dir}}{{range .GoFiles}}{{$dir}}{{"\\t"}}{{.}}{{"\\n"}}{{end}}{{range .EmbedFiles}}{{$dir}}{{"\\t"}}{{.}}{{"\\n"}}{{end}}{{end}}{{end}}';

export class GoSourcesError extends Error {}

function goList(command: string, cwd: string, env: NodeJS.ProcessEnv, args: string[]): Promise<string[]> {
  return new Promise((resolveFiles, reject) => {
    execFile(command, ['list', '-e', '-deps', '-f', SOURCE_FILES_TEMPLATE, ...args], { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new GoSourcesError(`go list in ${cwd} failed: ${`${stderr}`.trim() || error.message}`));
      const files: string[] = [];
      for (const line of stdout.split('\n').filter(Boolean)) {
        const [dir, file] = line.split('\t') as [string, string];
        // With -test, a test binary's main package is a file go generates in its build cache.
        if (!isAbsolute(file)) files.push(join(dir, file));
      }
      resolveFiles(files);
    });
  });
}

/** The source files a build of the main package in `cwd` reads (absolute paths); none when go list fails. */
export function goSourceFiles(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  return goList(command, cwd, env, ['.']).catch(() => []);
}

export interface GoInput {
  /** Relative to the main package's directory, with forward slashes: the same on every machine and checkout. */
  path: string;
  sha256: string;
}

/**
 * Every source file the packages under `mainDir` (the main package, and any below it) and their
 * tests read, on any of `targets` (a file
 * or an import behind a build constraint counts for the platforms it builds on), with its digest;
 * sorted by path. go list failing (no go, a go.mod go cannot read) is an error: a digest of nothing
 * would let a stale build be reused.
 */
export async function goInputs(mainDir: string, options: { command?: string; env?: NodeJS.ProcessEnv; targets?: Array<Pick<TargetInfo, 'os' | 'arch'>> } = {}): Promise<GoInput[]> {
  const command = options.command ?? 'go';
  const targets = options.targets ?? TARGETS;
  const listed = await Promise.all(targets.map((target) => goList(command, mainDir, goBuildEnv(options.env ?? process.env, target), ['-test', './...'])));
  const files = [...new Set(listed.flat())].sort();
  const limit = pLimit(16);
  const inputs = await Promise.all(
    files.map((file) =>
      limit(async () => ({ path: relative(mainDir, file).split(sep).join('/'), sha256: createHash('sha256').update(await readFile(file)).digest('hex') })),
    ),
  );
  return inputs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
