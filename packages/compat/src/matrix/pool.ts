// A worker pool: runs `work` over the items with at most `jobs` at a time, in item order, and
// returns every result in item order. On abort (Ctrl-C) it starts nothing more, lets the running
// items see the signal, waits for them to settle and rejects with the signal's reason: a caller
// never gets results of a cut-short run as if it were whole.
import { availableParallelism } from 'node:os';

/** The default pool size: one job per CPU the process may use. */
export const defaultJobs = () => Math.max(1, availableParallelism());

export class PoolError extends Error {
  override name = 'PoolError';
}

export async function runPool<T, R>(items: readonly T[], work: (item: T, signal: AbortSignal) => Promise<R>, options: { jobs?: number; signal?: AbortSignal } = {}): Promise<R[]> {
  const jobs = options.jobs ?? defaultJobs();
  if (!Number.isSafeInteger(jobs) || jobs < 1) throw new PoolError(`the number of jobs must be a positive integer; got ${String(jobs)}`);
  // One controller for the pool: the caller's abort and a failing item both stop every other item.
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal!.reason);
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!stop.signal.aborted && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, stop.signal);
      } catch (error) {
        if (!failure) failure = { error: stop.signal.aborted ? stop.signal.reason : error };
        stop.abort(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (stop.signal.aborted) throw failure ? failure.error : stop.signal.reason;
  return results;
}
