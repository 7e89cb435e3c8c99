// `compat merge`: shard results joined into one. The shards must have run the same plan; the
// results are their union, in plan order; one cell with two different outcomes is a conflict (two
// runs of a cell with the same key must agree: a difference means a flaky cell or different
// artifacts under one version). Merging every shard of a plan gives what the unsharded run gives.
import { isDeepStrictEqual } from 'node:util';
import { makeResults, ResultsError, type CellResult, type MatrixResults } from './results.js';

export class MergeConflictError extends ResultsError {
  override name = 'MergeConflictError';
  constructor(readonly cells: string[]) {
    const shown = cells.slice(0, 10).join('; ');
    super(`${cells.length} cell${cells.length === 1 ? ' has' : 's have'} two different results: ${shown}${cells.length > 10 ? `; and ${cells.length - 10} more` : ''}`);
  }
}

export function mergeResults(shards: readonly MatrixResults[]): MatrixResults {
  const [first] = shards;
  if (!first) throw new ResultsError('nothing to merge: no results given');
  const plan = JSON.stringify(first.plan);
  shards.forEach((shard, index) => {
    if (JSON.stringify(shard.plan) !== plan) throw new ResultsError(`results ${index + 1} ran another plan than results 1 (other cores, plugins or versions): merge results of one plan`);
  });
  const byCell = new Map<string, CellResult>();
  const conflicts: string[] = [];
  for (const shard of shards) {
    for (const result of shard.results) {
      const known = byCell.get(result.cell);
      if (!known) byCell.set(result.cell, result);
      else if (!isDeepStrictEqual(known, result) && !conflicts.includes(result.cell)) conflicts.push(result.cell);
    }
  }
  if (conflicts.length) throw new MergeConflictError(conflicts);
  return makeResults(first.plan, [...byCell.values()]);
}
