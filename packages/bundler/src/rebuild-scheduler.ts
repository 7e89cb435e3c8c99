// When to rebuild: once the saves have settled (a `git checkout` writes dozens of files in a burst,
// an editor's safe-write is a write, a rename and sometimes a delete), one build at a time, and
// again after a build for whatever changed while it ran, so the last build always reads the last
// state on disk.

export interface RebuildScheduler {
  /** A source changed (path as it is to be reported). */
  changed(path: string): void;
  /** Builds now (the first build), after the one running if any; changes meanwhile build after it. */
  buildNow(changed: string[]): Promise<void>;
  /** Waits for the build running, if any, and stops scheduling new ones. */
  close(): Promise<void>;
}

export interface SchedulerTiming {
  /** Build once no change arrived for this long. */
  quietMs: number;
  /** ...or once the first change waiting is this old, however busy the saves (no starvation). */
  maxWaitMs: number;
}

export const DEFAULT_TIMING: SchedulerTiming = { quietMs: 40, maxWaitMs: 1000 };

export function rebuildScheduler(build: (changed: string[]) => Promise<void>, timing: SchedulerTiming = DEFAULT_TIMING): RebuildScheduler {
  let pending = new Set<string>();
  let firstChangeAt = 0;
  let lastChangeAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  const schedule = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (closed || running || !pending.size) return;
    const now = performance.now();
    const delay = Math.max(0, Math.min(lastChangeAt + timing.quietMs, firstChangeAt + timing.maxWaitMs) - now);
    timer = setTimeout(start, delay);
  };

  const start = (): void => {
    timer = undefined;
    if (closed || running) return;
    const changed = [...pending];
    pending = new Set();
    running = build(changed)
      .catch(() => undefined)
      .finally(() => {
        running = undefined;
        schedule();
      });
  };

  return {
    changed(path) {
      if (closed) return;
      const now = performance.now();
      if (!pending.size) firstChangeAt = now;
      lastChangeAt = now;
      pending.add(path);
      schedule();
    },
    async buildNow(changed) {
      while (running) await running;
      clearTimeout(timer);
      for (const path of pending) changed.push(path);
      pending = new Set(changed);
      start();
      await running;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
    },
  };
}
