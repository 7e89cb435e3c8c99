// The files a plugin build depends on, watched with chokidar: the plugin directory recursively, and
// each directory outside it that holds a source of the last good build (a workspace library), one
// level deep. chokidar, not fs.watch: Node 20's recursive fs.watch stops reporting a file once it is
// replaced by a rename (`sed -i`, `mv`, an editor's safe-write, `git checkout`); chokidar watches
// directories and re-arms on every rename, on Node 20 and 22 alike.
import { statSync } from 'node:fs';
import { dirname, relative, sep } from 'node:path';
import type { FSWatcher } from 'chokidar';

export type SourceEvent = 'add' | 'addDir' | 'change' | 'unlink' | 'unlinkDir';

export interface SourceChange {
  event: SourceEvent;
  /** Absolute path. */
  path: string;
  /** Under the plugin directory (else in a directory outside it). */
  inside: boolean;
}

export interface SourceWatcher {
  /**
   * After a good build: `inputs` are the absolute paths it read. Directories outside the plugin
   * directory holding one of them (installed packages excepted) are watched from now on; those
   * that no longer hold one are let go (except directories created since, see below).
   */
  track(inputs: Iterable<string>): Promise<void>;
  close(): Promise<void>;
}

/** Paths under the plugin directory that are outputs or dependencies, not sources. */
const IGNORED = /(^|[\\/])(node_modules|dist|\.git|\.nx|coverage)([\\/]|$)/;

/**
 * chokidar drops a file's 'change' events for 50 ms after reporting one (its change throttle), so a
 * second save that soon was lost and the watcher waited for a third. After each reported change the
 * file is looked at again once that window has passed, and a difference is reported as a change.
 */
const CHANGE_THROTTLE_MS = 50;
const RECHECK_AFTER_MS = CHANGE_THROTTLE_MS + 25;

function signature(path: string): string {
  try {
    const stats = statSync(path, { bigint: true });
    return `${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
  } catch {
    return 'missing';
  }
}

/** Reports each change, and again after chokidar's throttle window if the file changed since. */
function withRecheck(onChange: (change: SourceChange) => void): { report: (change: SourceChange) => void; stop: () => void } {
  const pending = new Map<string, NodeJS.Timeout>();
  return {
    report(change) {
      onChange(change);
      if (change.event !== 'change') return;
      clearTimeout(pending.get(change.path));
      const seen = signature(change.path);
      const timer = setTimeout(() => {
        pending.delete(change.path);
        if (signature(change.path) !== seen) onChange(change);
      }, RECHECK_AFTER_MS);
      timer.unref();
      pending.set(change.path, timer);
    },
    stop() {
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
    },
  };
}

function ready(watcher: FSWatcher): Promise<void> {
  return new Promise((done) => watcher.once('ready', () => done()));
}

export function isOutside(sourceDir: string, path: string): boolean {
  const fromSource = relative(sourceDir, path);
  return fromSource === '..' || fromSource.startsWith(`..${sep}`);
}

export async function watchSources(
  options: { sourceDir: string; isOutput: (path: string) => boolean },
  onChange: (change: SourceChange) => void,
  onError: (error: Error) => void,
): Promise<SourceWatcher> {
  const { sourceDir, isOutput } = options;
  // Loaded here, not at the top: fctl loads this package to build a source directory once, and
  // needs no watcher for that.
  const { watch } = await import('chokidar');
  const changes = withRecheck(onChange);
  const inside = watch(sourceDir, {
    ignoreInitial: true,
    atomic: false,
    ignored: (path) => {
      const below = relative(sourceDir, path);
      return (below !== '' && IGNORED.test(below)) || isOutput(path);
    },
  });
  inside.on('all', (event, path) => changes.report({ event: event as SourceEvent, path, inside: true }));
  inside.on('error', (error) => onError(error as Error));
  await ready(inside);

  const outside = new Map<string, { watcher: FSWatcher; created: boolean }>();
  let closed = false;

  /**
   * One watcher per directory. A directory created in a watched outside directory is watched too,
   * with the files already in it reported: a plugin that imports `../lib/new/thing.js` before it
   * exists builds again once it does.
   */
  async function watchOutside(directory: string, created: boolean): Promise<void> {
    if (closed || outside.has(directory)) return;
    const watcher = watch(directory, { ignoreInitial: !created, atomic: false, depth: 0, ignored: (path) => path.split(sep).includes('node_modules') || isOutput(path) });
    outside.set(directory, { watcher, created });
    watcher.on('all', (event, path) => {
      if (path === directory && event === 'addDir') return;
      changes.report({ event: event as SourceEvent, path, inside: false });
      if (event === 'addDir' && path !== directory) void watchOutside(path, true);
    });
    watcher.on('error', (error) => onError(error as Error));
    await ready(watcher);
  }

  return {
    async track(inputs) {
      const directories = new Set<string>();
      for (const path of inputs) {
        if (isOutside(sourceDir, path) && !path.split(sep).includes('node_modules')) directories.add(dirname(path));
      }
      for (const [directory, entry] of outside) {
        if (directories.has(directory)) {
          entry.created = false;
          continue;
        }
        if (entry.created) continue;
        outside.delete(directory);
        await entry.watcher.close();
      }
      await Promise.all([...directories].map((directory) => watchOutside(directory, false)));
    },
    async close() {
      closed = true;
      changes.stop();
      await Promise.all([inside.close(), ...[...outside.values()].map((entry) => entry.watcher.close())]);
      outside.clear();
    },
  };
}
