// `fctl-kit dev` for a Go plugin: the same loop as dev-watch.ts (source-watcher.ts watching,
// rebuild-scheduler.ts deciding when), with `go build` for this machine as the build step. The
// build step is given by the caller (@fctl-kit/binaries' host build, which depends on this package).
// Watched: the whole module (the directory of its go.mod; dist, node_modules and .git left out), and
// a change counts when it can alter the binary: go.mod, go.sum, a non-test .go file outside
// testdata that the last good build read (go list) or that is new; outside the module, the directories of the sources the last good build read there (a
// directory a `replace` points to, as the fixture's SDK), as dev-watch.ts does for a workspace
// library. go writes each build to a fresh name beside the binary, which is then renamed over it:
// an fctl run started at any moment executes either the previous binary or the new one, whole.
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import type { DevBuild, DevWatcher } from './dev-watch.js';
import { rebuildScheduler, type SchedulerTiming } from './rebuild-scheduler.js';
import { watchSources, type SourceChange, type SourceWatcher } from './source-watcher.js';

export interface GoDevOptions {
  /** The module's root: the directory holding its go.mod. */
  moduleDir: string;
  /** The binary fctl runs. */
  outFile: string;
  /**
   * Builds the plugin's main package into `output`, resolving with the source files it read (absolute
   * paths; those outside the module are watched from then on); rejects with go's output
   * (`error.output`) when go build fails.
   */
  build: (output: string) => Promise<{ inputs?: string[] } | void>;
  timing?: SchedulerTiming;
}

/** Whether a path (relative to the module's root, "/"-separated) is an input of `go build`. */
export function isGoBuildInput(path: string): boolean {
  const parts = path.split('/');
  if (parts.some((part) => part === 'testdata' || part === 'vendor')) return false;
  const name = parts[parts.length - 1]!;
  if (parts.length === 1 && (name === 'go.mod' || name === 'go.sum')) return true;
  return name.endsWith('.go') && !name.endsWith('_test.go') && !name.startsWith('.') && !name.startsWith('_');
}

/** go's output as the loop reports it: one error per line, the "# package" heading left out. */
export function goBuildErrors(error: unknown): string[] {
  const output = (error as { output?: unknown }).output;
  if (typeof output !== 'string' || !output.trim()) return [(error as Error).message];
  return output.split(/\r?\n/).filter((line) => line.trim() && !line.startsWith('# '));
}

export async function watchGoPlugin(options: GoDevOptions, onBuild: (build: DevBuild) => void): Promise<DevWatcher> {
  const moduleDir = resolve(options.moduleDir);
  const outFile = resolve(options.outFile);
  const outDir = dirname(outFile);
  const outName = basename(outFile);
  await mkdir(outDir, { recursive: true });
  const isOutput = (path: string) => dirname(path) === outDir && basename(path).startsWith(outName);
  const shown = (path: string) => relative(moduleDir, path).split(sep).join('/');
  let builds = 0;
  /** The source files the last good build read. */
  let inputs = new Set<string>();
  let sources: SourceWatcher | undefined;
  let lastFailed = true;

  async function buildOnce(changed: string[]): Promise<void> {
    const started = performance.now();
    const cause = changed.map(shown);
    // A fresh name each time: go refuses to overwrite a file it did not build, and a half-written
    // binary must never be the one fctl starts.
    const staging = `${outFile}.building-${process.pid}-${++builds}`;
    try {
      const result = await options.build(staging);
      await rename(staging, outFile);
      inputs = new Set((result?.inputs ?? []).map((path) => resolve(path)));
      lastFailed = false;
      await sources?.track(inputs);
      onBuild({ ok: true, durationMs: performance.now() - started, errors: [], changed: cause });
    } catch (error) {
      lastFailed = true;
      await rm(staging, { force: true });
      onBuild({ ok: false, durationMs: performance.now() - started, errors: goBuildErrors(error), changed: cause });
    }
  }

  const scheduler = rebuildScheduler(buildOnce, options.timing);
  /**
   * In the module: go.mod, go.sum, a source of the last good build, a new Go file (an import may wait
   * for it), and while the last build failed or go list said nothing, any Go file. Outside it: a
   * source of the last good build or a new Go file beside them.
   */
  const matters = (change: SourceChange) => {
    if (change.event === 'addDir' || change.event === 'unlinkDir') return false;
    if (change.inside) {
      const path = shown(change.path);
      if (!isGoBuildInput(path)) return false;
      return path === 'go.mod' || path === 'go.sum' || change.event === 'add' || lastFailed || !inputs.size || inputs.has(change.path);
    }
    const name = basename(change.path);
    return inputs.has(change.path) || (change.event === 'add' && name.endsWith('.go') && isGoBuildInput(name));
  };
  sources = await watchSources(
    { sourceDir: moduleDir, isOutput },
    (change) => {
      if (matters(change)) scheduler.changed(change.path);
    },
    (error) => onBuild({ ok: false, durationMs: 0, errors: [`watching the sources: ${error.message}`], changed: [] }),
  );
  await scheduler.buildNow([]);

  return {
    outFile,
    async close() {
      await sources?.close();
      await scheduler.close();
    },
  };
}
