// `fctl-kit dev`: rebuilds the plugin bundle on every save with esbuild's incremental context (a few
// milliseconds) and replaces it atomically (@fctl-kit/files: write beside, fsync, rename; no temporary
// file left on a failure), so an fctl run started at any moment reads either the previous build or the new one. A failed build keeps the previous one.
// Watched: the plugin directory (recursively), and the directories of every other source the last
// good build read outside it that is not an installed package (a workspace library, the service's
// shared types), so a save there rebuilds too.
import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { writeFileAtomic } from '@fctl-kit/files';
import { context as esbuildContext, type BuildFailure } from 'esbuild';
import { esbuildOptions } from './bundle.js';

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

/** Paths under the plugin directory that are outputs or dependencies, not sources. */
const IGNORED = /(^|[\\/])(node_modules|dist|\.git|\.nx|coverage)([\\/]|$)/;
const SETTLE_MS = 15;

function describeFailure(error: unknown): string[] {
  const failure = error as Partial<BuildFailure>;
  if (!failure.errors?.length) return [(error as Error).message];
  return failure.errors.map((message) => {
    const place = message.location ? `${message.location.file}:${message.location.line}:${message.location.column}: ` : '';
    return `${place}${message.text}`;
  });
}

export async function watchPlugin(options: { sourceDir: string; outFile: string }, onBuild: (build: DevBuild) => void): Promise<DevWatcher> {
  const sourceDir = resolve(options.sourceDir);
  const settings = esbuildOptions({ sourceDir, outFile: options.outFile, version: 'dev' });
  await mkdir(dirname(settings.outfile), { recursive: true });
  const context = await esbuildContext({ ...settings, write: false, metafile: true });
  const outside = new Map<string, FSWatcher>();
  let inputs = new Set<string>();

  async function buildOnce(changed: string[]): Promise<void> {
    const started = performance.now();
    try {
      const result = await context.rebuild();
      inputs = new Set(Object.keys(result.metafile?.inputs ?? {}).map((input) => resolve(sourceDir, input)));
      watchOutside();
      // The source map first: the bundle that names it must never be visible before it.
      const outputs = result.outputFiles ?? [];
      const files = [...outputs.filter((f) => f.path.endsWith('.map')), ...outputs.filter((f) => !f.path.endsWith('.map'))];
      for (const file of files) await writeFileAtomic(file.path, file.contents, { mode: 'preserve' });
      onBuild({ ok: true, durationMs: performance.now() - started, errors: [], changed });
    } catch (error) {
      onBuild({ ok: false, durationMs: performance.now() - started, errors: describeFailure(error), changed });
    }
  }

  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const changedPath = (path: string): void => {
    pending.add(relative(sourceDir, path).split(sep).join('/'));
    clearTimeout(timer);
    timer = setTimeout(flush, SETTLE_MS);
  };
  /** One non-recursive watcher per directory holding sources outside the plugin directory. */
  function watchOutside(): void {
    const directories = new Set(
      [...inputs].filter((path) => relative(sourceDir, path).startsWith('..') && !path.split(sep).includes('node_modules')).map((path) => dirname(path)),
    );
    for (const [directory, watcher] of outside) {
      if (directories.has(directory)) continue;
      watcher.close();
      outside.delete(directory);
    }
    for (const directory of directories) {
      if (outside.has(directory)) continue;
      outside.set(directory, watch(directory, (_event, filename) => {
        const path = filename ? join(directory, filename) : undefined;
        if (path && inputs.has(path)) changedPath(path);
      }));
    }
  }
  const flush = (): void => {
    timer = undefined;
    if (running) return;
    const changed = [...pending];
    pending = new Set();
    running = buildOnce(changed).finally(() => {
      running = undefined;
      if (pending.size) flush();
    });
  };
  await buildOnce([]);
  const watcher: FSWatcher = watch(sourceDir, { recursive: true }, (_event, filename) => {
    if (filename && !IGNORED.test(filename)) changedPath(resolve(sourceDir, filename));
  });

  return {
    outFile: settings.outfile,
    async close() {
      watcher.close();
      for (const directoryWatcher of outside.values()) directoryWatcher.close();
      clearTimeout(timer);
      await running;
      await context.dispose();
    },
  };
}
