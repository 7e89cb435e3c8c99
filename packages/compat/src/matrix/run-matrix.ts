// Running a plan (or one shard of it): every reachable cell through the worker pool, started in turn
// by core (the first cells of each core before the second of any: cores that must be fetched are
// fetched at once, not one after the other while every job waits for the same one), reported in plan
// order; unreachable cells are never run (the reports show them with their reasons). Cells that share a
// key (the same core binary under two labels, say) run once per run. Cancelling stops the pool:
// nothing more starts, running cells' processes are killed, and no partial outcome is stored.
import { CellCache } from './cache.js';
import type { CoreProvider } from './core-provider.js';
import { reachableCells, type Plan, type ReachableCell } from './plan.js';
import { runPool } from './pool.js';
import { makeResults, type MatrixResults } from './results.js';
import { runCell, type CellRun } from './run-cell.js';
import type { ScenarioProvider } from './scenario-provider.js';
import { shardCells, type Shard } from './shard.js';

export interface RunMatrixOptions {
  plan: Plan;
  shard?: Shard;
  cores: CoreProvider;
  scenarios: ScenarioProvider;
  /** The cell cache's directory. */
  cacheDir: string;
  /** FCTL_REGISTRY of every cell's fctl. */
  registry: string;
  /** Cells run at once (default: the CPUs available). */
  jobs?: number;
  signal?: AbortSignal;
  /** Told as each cell is done (for progress lines). */
  onCell?: (cell: ReachableCell, run: CellRun) => void;
}

export interface MatrixRun {
  results: MatrixResults;
  /** How each cell's outcome was had, by cell id, in plan order. */
  cells: Array<{ cell: string } & Omit<CellRun, 'outcome'>>;
}

export async function runMatrix(options: RunMatrixOptions): Promise<MatrixRun> {
  const cells = options.shard ? shardCells(options.plan, options.shard) : reachableCells(options.plan);
  const cache = new CellCache(options.cacheDir);
  const inputs = { cores: options.cores, scenarios: options.scenarios, cache, registry: options.registry, running: new Map<string, Promise<CellRun>>() };
  const order = interleavedByCore(cells);
  const started = await runPool(
    order.map((index) => cells[index]!),
    async (cell, signal) => {
      const run = await runCell(cell, inputs, signal);
      options.onCell?.(cell, run);
      return run;
    },
    { ...(options.jobs !== undefined ? { jobs: options.jobs } : {}), ...(options.signal ? { signal: options.signal } : {}) },
  );
  const runs: CellRun[] = new Array(cells.length);
  order.forEach((index, position) => (runs[index] = started[position]!));
  return {
    results: makeResults(options.plan, runs.map((run, index) => ({ cell: cells[index]!.id, ...run.outcome })), options.shard),
    cells: runs.map(({ outcome: _outcome, ...how }, index) => ({ cell: cells[index]!.id, ...how })),
  };
}

/** The cells' indexes, the first cell of each core, then the second of each, and so on. */
export function interleavedByCore(cells: readonly ReachableCell[]): number[] {
  const byCore = new Map<string, number[]>();
  cells.forEach((cell, index) => {
    const queue = byCore.get(cell.core);
    if (queue) queue.push(index);
    else byCore.set(cell.core, [index]);
  });
  const queues = [...byCore.values()];
  const order: number[] = [];
  for (let round = 0; order.length < cells.length; round++) for (const queue of queues) if (round < queue.length) order.push(queue[round]!);
  return order;
}
