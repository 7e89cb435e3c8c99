// `--shard i/n`: the i-th of n contiguous, balanced slices of the plan's reachable cells, in plan
// order (cores, then plugins, then versions), so a shard's cells mostly share a core binary. Sizes
// differ by at most one; the first (cells mod n) shards take one more. The same plan always gives
// the same slices; the GitHub matrix uses the same slicing (github-matrix.ts).
import { quoteInput } from './escape.js';
import { PlanError, reachableCells, type Plan, type ReachableCell } from './plan.js';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export const MAX_SHARDS = 10_000;

export function parseShard(text: string): Shard {
  const match = /^([1-9]\d{0,4})\/([1-9]\d{0,4})$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || index > count || count > MAX_SHARDS) throw new PlanError(`--shard takes i/n with 1 <= i <= n <= ${MAX_SHARDS}, e.g. 1/4; got ${quoteInput(text)}`);
  return { index, count };
}

export const formatShard = (shard: Shard) => `${shard.index}/${shard.count}`;

/** The bounds [start, end) of slice `index` (1-based) of `length` items in `count` balanced slices. */
export function sliceBounds(length: number, shard: Shard): [number, number] {
  const base = Math.floor(length / shard.count);
  const extra = length % shard.count;
  const start = (shard.index - 1) * base + Math.min(shard.index - 1, extra);
  return [start, start + base + (shard.index <= extra ? 1 : 0)];
}

export function shardCells(plan: Plan, shard: Shard): ReachableCell[] {
  if (!Number.isSafeInteger(shard.index) || !Number.isSafeInteger(shard.count) || shard.index < 1 || shard.index > shard.count || shard.count > MAX_SHARDS) {
    throw new PlanError(`not a shard: ${quoteInput(shard)}`);
  }
  const cells = reachableCells(plan);
  return cells.slice(...sliceBounds(cells.length, shard));
}
