import { describe, expect, it } from 'vitest';
import { rebuildScheduler } from '../src/rebuild-scheduler.js';

/** A build that records what it was given and ends when the test says so. */
function controlledBuilds() {
  const calls: string[][] = [];
  const finishers: (() => void)[] = [];
  let active = 0;
  let overlapped = false;
  const waiters: (() => void)[] = [];
  return {
    calls,
    get overlapped() {
      return overlapped;
    },
    build: (changed: string[]) => {
      calls.push(changed);
      active++;
      if (active > 1) overlapped = true;
      for (const wake of waiters.splice(0)) wake();
      return new Promise<void>((done) => finishers.push(() => (active--, done())));
    },
    /** Resolves once `count` builds have started. */
    started: (count: number) =>
      new Promise<void>(function check(done) {
        if (calls.length >= count) done();
        else waiters.push(() => check(done));
      }),
    finish: () => finishers.shift()!(),
  };
}

describe('rebuildScheduler', () => {
  it('a burst of changes (a checkout of 50 files) is one build with all of them', async () => {
    const builds = controlledBuilds();
    const scheduler = rebuildScheduler(builds.build, { quietMs: 30, maxWaitMs: 10_000 });
    for (let n = 1; n <= 50; n++) scheduler.changed(`src/part-${n}.ts`);
    await builds.started(1);
    expect(builds.calls).toHaveLength(1);
    expect(builds.calls[0]).toHaveLength(50);
    builds.finish();
    await scheduler.close();
    expect(builds.calls).toHaveLength(1);
  });

  it('a change during a build builds again after it, never at the same time', async () => {
    const builds = controlledBuilds();
    const scheduler = rebuildScheduler(builds.build, { quietMs: 5, maxWaitMs: 10_000 });
    scheduler.changed('src/a.ts');
    await builds.started(1);
    scheduler.changed('src/b.ts');
    scheduler.changed('src/a.ts');
    builds.finish();
    await builds.started(2);
    expect(builds.calls).toEqual([['src/a.ts'], ['src/b.ts', 'src/a.ts']]);
    expect(builds.overlapped).toBe(false);
    builds.finish();
    await scheduler.close();
  });

  it('changes that never pause still build, once the oldest waiting is maxWaitMs old', async () => {
    const builds = controlledBuilds();
    const scheduler = rebuildScheduler(builds.build, { quietMs: 60_000, maxWaitMs: 20 });
    let n = 0;
    const busy = setInterval(() => scheduler.changed(`src/${n++}.ts`), 2);
    await builds.started(1);
    clearInterval(busy);
    expect(builds.calls[0]!.length).toBeGreaterThan(0);
    builds.finish();
    await scheduler.close();
  });

  it('the first build runs at once; changes made while it runs build after it', async () => {
    const builds = controlledBuilds();
    const scheduler = rebuildScheduler(builds.build, { quietMs: 5, maxWaitMs: 10_000 });
    const first = scheduler.buildNow([]);
    await builds.started(1);
    scheduler.changed('src/a.ts');
    builds.finish();
    await first;
    await builds.started(2);
    expect(builds.calls).toEqual([[], ['src/a.ts']]);
    builds.finish();
    await scheduler.close();
  });

  it('a failed build does not stop the next ones', async () => {
    const calls: string[][] = [];
    const scheduler = rebuildScheduler(async (changed) => {
      calls.push(changed);
      if (calls.length === 1) throw new Error('esbuild crashed');
    }, { quietMs: 5, maxWaitMs: 10_000 });
    await scheduler.buildNow(['src/a.ts']);
    await scheduler.buildNow(['src/b.ts']);
    expect(calls).toEqual([['src/a.ts'], ['src/b.ts']]);
    await scheduler.close();
  });
});
