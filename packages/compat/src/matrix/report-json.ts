// matrix.json: the results document (results.ts) with a summary of the cells' states, two-space
// indented. `compat merge` and parseResults read it back (the summary is recomputed, not trusted).
import type { PlannedCell } from './plan.js';
import type { CellResult, MatrixResults } from './results.js';

export type CellState = 'pass' | 'fail' | 'error' | 'not-run' | 'unreachable';

export interface CellView {
  cell: PlannedCell;
  /** Its index in plan.cells: the report anchors are `cell-<index>`. */
  index: number;
  state: CellState;
  result?: CellResult;
}

export function cellViews(results: MatrixResults): CellView[] {
  const byCell = new Map(results.results.map((result) => [result.cell, result]));
  return results.plan.cells.map((cell, index) => {
    const result = byCell.get(cell.id);
    const state: CellState = cell.status === 'unreachable' ? 'unreachable' : (result?.status ?? 'not-run');
    return { cell, index, state, ...(result ? { result } : {}) };
  });
}

export interface MatrixSummary {
  cells: number;
  pass: number;
  fail: number;
  error: number;
  notRun: number;
  unreachable: number;
}

export function summarize(results: MatrixResults): MatrixSummary {
  const summary: MatrixSummary = { cells: 0, pass: 0, fail: 0, error: 0, notRun: 0, unreachable: 0 };
  for (const view of cellViews(results)) {
    summary.cells++;
    summary[view.state === 'not-run' ? 'notRun' : view.state]++;
  }
  return summary;
}

/** A gate passes when every reachable cell ran and passed. */
export const gatePasses = (summary: MatrixSummary) => summary.fail === 0 && summary.error === 0 && summary.notRun === 0;

export function matrixJson(results: MatrixResults): string {
  const { format, plan, shard, results: cells } = results;
  return `${JSON.stringify({ format, summary: summarize(results), ...(shard ? { shard } : {}), plan, results: cells }, null, 2)}\n`;
}
