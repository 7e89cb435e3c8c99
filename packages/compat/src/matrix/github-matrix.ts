// `--github-matrix`: the value for a job's `strategy.matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}`.
// GitHub runs at most 256 jobs per matrix, so cells are packed: as many jobs as cells up to the
// limit, each the shard of the same number (`--shard i/n` in the job selects exactly its cells),
// balanced (sizes differ by at most one), in plan order. A plan with no reachable cell still gives
// one job, with no cells: GitHub refuses an empty matrix, and a gate with nothing to check passes.
import { quoteInput } from './escape.js';
import { PlanError, reachableCells, type Plan } from './plan.js';
import { formatShard, sliceBounds } from './shard.js';

export const GITHUB_MAX_JOBS = 256;

export interface GithubMatrixJob {
  /** `i/n`, for `fctl-kit compat matrix --shard ${{ matrix.shard }}`. */
  shard: string;
  /** A job name: `1/3: fctl 0.1.0–0.2.0, 4 cells`. */
  name: string;
  /** The cell ids of this job, in plan order. */
  cells: string[];
}

export interface GithubMatrix {
  include: GithubMatrixJob[];
}

export function githubMatrix(plan: Plan, maxJobs: number = GITHUB_MAX_JOBS): GithubMatrix {
  if (!Number.isSafeInteger(maxJobs) || maxJobs < 1 || maxJobs > GITHUB_MAX_JOBS) throw new PlanError(`the job count must be from 1 to ${GITHUB_MAX_JOBS} (GitHub's limit); got ${quoteInput(maxJobs)}`);
  const cells = reachableCells(plan);
  const count = Math.max(1, Math.min(maxJobs, cells.length));
  const include: GithubMatrixJob[] = [];
  for (let index = 1; index <= count; index++) {
    const shard = { index, count };
    const slice = cells.slice(...sliceBounds(cells.length, shard));
    const cores = [...new Set(slice.map((cell) => cell.core))];
    const span = cores.length === 0 ? 'no cells' : `fctl ${cores.length === 1 ? cores[0] : `${cores[0]}–${cores[cores.length - 1]}`}, ${slice.length} cell${slice.length === 1 ? '' : 's'}`;
    include.push({ shard: formatShard(shard), name: `${formatShard(shard)}: ${span}`, cells: slice.map((cell) => cell.id) });
  }
  return { include };
}
