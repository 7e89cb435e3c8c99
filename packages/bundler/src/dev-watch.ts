// `fctl-kit dev`: rebuilds the plugin bundle on every save with esbuild's incremental context (a few
// milliseconds) and replaces it atomically (@fctl-kit/files: write beside, fsync, rename; no temporary
// file left on a failure), so an fctl run started at any moment reads either the previous build or the new one. A failed build keeps the previous one.
// Watched (source-watcher.ts): the plugin directory (recursively), and the directories of every
// other source the last good build read outside it that is not an installed package (a workspace
// library, the service's shared types), so a save there rebuilds too. Saves of every kind count: in
// place, a rename over the file (`sed -i`, `mv`, editors' safe-write), delete and create, a
// `git checkout` of many files (one build once they settle: rebuild-scheduler.ts), a new file.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import { writeFileAtomic } from '@fctl-kit/files';
import { context as esbuildContext, type BuildFailure } from 'esbuild';
import { esbuildOptions } from './bundle.js';
import { rebuildScheduler, type SchedulerTiming } from './rebuild-scheduler.js';
import { watchSources, type SourceChange, type SourceWatcher } from './source-watcher.js';

export interface DevBuild {
  ok: boolean;
  durationMs: number;
  /** esbuild's messages, "file:line:column: text", when the build failed. */
  errors: string[];
  /** The source files that changed and triggered this build (empty for the first one). */
  changed: string[];
}

export interface DevWatcher {
  outFile: string;
  close(): Promise<void>;
}

function describeFailure(error: unknown): string[] {
  const failure = error as Partial<BuildFailure>;
  if (!failure.errors?.length) return [(error as Error).message];
  return failure.errors.map((message) => {
    const place = message.location ? `${message.location.file}:${message.location.line}:${message.location.column}: ` : '';
    return `${place}${message.text}`;
  });
}

export async function watchPlugin(
  options: { sourceDir: string; outFile: string; timing?: SchedulerTiming },
  onBuild: (build: DevBuild) => void,
): Promise<DevWatcher> {
  const sourceDir = resolve(options.sourceDir);
  const settings = esbuildOptions({ sourceDir, outFile: options.outFile, version: 'dev' });
  await mkdir(dirname(settings.outfile), { recursive: true });
  const context = await esbuildContext({ ...settings, write: false, metafile: true });
  const outDir = dirname(resolve(settings.outfile));
  const outName = basename(settings.outfile);
  /** The bundle, its source map and their temporary files: written by the build, never sources. */
  const isOutput = (path: string) => dirname(path) === outDir && basename(path).startsWith(outName);
  const shown = (path: string) => relative(sourceDir, path).split(sep).join('/');

  /** The absolute paths the last good build read; empty until one succeeds. */
  let inputs = new Set<string>();
  let lastFailed = true;
  let sources: SourceWatcher | undefined;

  async function buildOnce(changed: string[]): Promise<void> {
    const started = performance.now();
    // Files that were only passing through (an editor's or sed's temporary file) are not news.
    const named = changed.filter((path) => inputs.has(path) || existsSync(path));
    const cause = (named.length ? named : changed).map(shown);
    try {
      const result = await context.rebuild();
      inputs = new Set(Object.keys(result.metafile?.inputs ?? {}).map((input) => resolve(sourceDir, input)));
      lastFailed = false;
      await sources?.track(inputs);
      // The source map first: the bundle that names it must never be visible before it.
      const outputs = result.outputFiles ?? [];
      const files = [...outputs.filter((f) => f.path.endsWith('.map')), ...outputs.filter((f) => !f.path.endsWith('.map'))];
      for (const file of files) await writeFileAtomic(file.path, file.contents, { mode: 'preserve' });
      onBuild({ ok: true, durationMs: performance.now() - started, errors: [], changed: cause });
    } catch (error) {
      lastFailed = true;
      onBuild({ ok: false, durationMs: performance.now() - started, errors: describeFailure(error), changed: cause });
    }
  }

  const scheduler = rebuildScheduler(buildOnce, options.timing);
  /**
   * Whether a change can alter the bundle: anything in the plugin directory (its configuration
   * too), a source of the last good build, a new file or directory (it may be the one an import
   * waits for), and while the last build failed, anything (the file that broke it may be new).
   */
  const matters = (change: SourceChange) =>
    change.inside || inputs.has(change.path) || change.event === 'add' || change.event === 'addDir' || lastFailed;
  sources = await watchSources(
    { sourceDir, isOutput },
    (change) => {
      if (matters(change)) scheduler.changed(change.path);
    },
    (error) => onBuild({ ok: false, durationMs: 0, errors: [`watching the sources: ${error.message}`], changed: [] }),
  );
  await scheduler.buildNow([]);

  return {
    outFile: settings.outfile,
    async close() {
      await sources?.close();
      await scheduler.close();
      await context.dispose();
    },
  };
}
