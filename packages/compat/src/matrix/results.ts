// The results of a matrix run: the plan it ran, which shard (if one), and one outcome per reachable
// cell that ran, in plan order. A shard writes one; `compat merge` joins them. Results read from a
// file (a CI artifact) are checked here before anything trusts them.
import { exceedsJsonDepth } from '@fctl-kit/protocol';
import { quoteInput } from './escape.js';
import { planMatrix, type Plan } from './plan.js';
import type { Shard } from './shard.js';

export const RESULTS_FORMAT = 'fctl-kit-compat-matrix/1';

export interface ScenarioOutcome {
  name: string;
  ok: boolean;
  /** What differed, one entry per failed check (printed / expected). */
  problems: string[];
  /** The stub stack's request log: "GET /api/... -> 404". */
  requests: string[];
}

export interface CellOutcome {
  /** pass: every scenario passed; fail: one did not; error: the cell could not run (download, verification). */
  status: 'pass' | 'fail' | 'error';
  /** The cell's cache key (cache-key.ts), null when it could not be computed. */
  key: string | null;
  scenarios: ScenarioOutcome[];
  /** Why the cell could not run (status error). */
  error?: string;
}

export interface CellResult extends CellOutcome {
  cell: string;
}

export interface MatrixResults {
  format: typeof RESULTS_FORMAT;
  plan: Plan;
  shard?: Shard;
  results: CellResult[];
}

export class ResultsError extends Error {
  override name = 'ResultsError';
}

/** A results file is written by this code: far below these. */
export const RESULTS_LIMITS = { maxBytes: 64 * 1024 * 1024, maxDepth: 32, maxText: 1024 * 1024 };

/** Sorts results into plan order; refuses a result for a cell the plan does not have as reachable, or two for one cell. */
export function makeResults(plan: Plan, results: CellResult[], shard?: Shard): MatrixResults {
  const order = new Map(plan.cells.map((cell, index) => [cell.id, { index, reachable: cell.status === 'reachable' }]));
  const seen = new Set<string>();
  for (const result of results) {
    const place = order.get(result.cell);
    if (!place) throw new ResultsError(`a result for ${quoteInput(result.cell)}, which is not a cell of the plan`);
    if (!place.reachable) throw new ResultsError(`a result for ${result.cell}, which the plan has as unreachable`);
    if (seen.has(result.cell)) throw new ResultsError(`two results for ${result.cell}`);
    seen.add(result.cell);
  }
  const sorted = [...results].sort((a, b) => order.get(a.cell)!.index - order.get(b.cell)!.index);
  return { format: RESULTS_FORMAT, plan, ...(shard ? { shard } : {}), results: sorted };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function text(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new ResultsError(`${where} must be text`);
  if (value.length > RESULTS_LIMITS.maxText) throw new ResultsError(`${where} is over ${RESULTS_LIMITS.maxText} characters`);
  return value;
}

function texts(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw new ResultsError(`${where} must be a list of texts`);
  return value.map((item, index) => text(item, `${where}[${index}]`));
}

/** Checks one outcome's shape (a cache entry, a results file); returns a fresh copy holding only the known fields. */
export function checkOutcome(value: unknown, where: string): CellOutcome {
  if (!isObject(value)) throw new ResultsError(`${where} must be an object`);
  if (value.status !== 'pass' && value.status !== 'fail' && value.status !== 'error') throw new ResultsError(`${where}.status must be pass, fail or error; got ${quoteInput(value.status)}`);
  if (value.key !== null && (typeof value.key !== 'string' || !/^[0-9a-f]{64}$/.test(value.key))) throw new ResultsError(`${where}.key must be a sha256 (64 hex digits) or null`);
  if (!Array.isArray(value.scenarios)) throw new ResultsError(`${where}.scenarios must be a list`);
  const scenarios = value.scenarios.map((scenario, index): ScenarioOutcome => {
    const at = `${where}.scenarios[${index}]`;
    if (!isObject(scenario)) throw new ResultsError(`${at} must be an object`);
    if (typeof scenario.ok !== 'boolean') throw new ResultsError(`${at}.ok must be true or false`);
    return { name: text(scenario.name, `${at}.name`), ok: scenario.ok, problems: texts(scenario.problems, `${at}.problems`), requests: texts(scenario.requests, `${at}.requests`) };
  });
  const outcome: CellOutcome = { status: value.status, key: value.key as string | null, scenarios };
  if (value.error !== undefined) outcome.error = text(value.error, `${where}.error`);
  if (outcome.status === 'pass' && scenarios.some((scenario) => !scenario.ok)) throw new ResultsError(`${where} says pass with a failed scenario`);
  if (outcome.status === 'fail' && !scenarios.some((scenario) => !scenario.ok)) throw new ResultsError(`${where} says fail with no failed scenario`);
  return outcome;
}

/** Parses a results file (matrix.json): bounded, its plan re-planned from its own cores and plugins and compared, every result checked. */
export function parseResults(input: string | Uint8Array, source: string): MatrixResults {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > RESULTS_LIMITS.maxBytes) throw new ResultsError(`${source} is ${size} bytes, over the limit of ${RESULTS_LIMITS.maxBytes}`);
  let value: unknown;
  try {
    value = JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
  } catch {
    throw new ResultsError(`${source} is not JSON`);
  }
  if (exceedsJsonDepth(value, RESULTS_LIMITS.maxDepth)) throw new ResultsError(`${source} nests more than ${RESULTS_LIMITS.maxDepth} deep`);
  if (!isObject(value) || value.format !== RESULTS_FORMAT) throw new ResultsError(`${source} is not matrix results (format ${RESULTS_FORMAT})`);
  if (!isObject(value.plan) || !Array.isArray(value.results)) throw new ResultsError(`${source} has no plan or no results`);
  let plan: Plan;
  try {
    const given = value.plan as unknown as Plan;
    plan = planMatrix({
      cores: given.cores,
      plugins: (given.plugins ?? []).map((plugin) => ({
        name: plugin?.name,
        versions: (plugin?.versions ?? []).map((entry) => ({ ...entry, protocolVersions: entry?.protocolVersions ?? undefined })),
      })),
    }, { unknownProtocols: given.unknownProtocols });
  } catch (error) {
    throw new ResultsError(`${source}: its plan is invalid: ${(error as Error).message}`);
  }
  if (JSON.stringify(plan) !== JSON.stringify(value.plan)) throw new ResultsError(`${source}: its cells are not what its cores and plugins plan`);
  let shard: Shard | undefined;
  if (value.shard !== undefined) {
    const given = value.shard as Partial<Shard> | null;
    if (!isObject(given) || !Number.isSafeInteger(given.index) || !Number.isSafeInteger(given.count) || given.index! < 1 || given.index! > given.count!) throw new ResultsError(`${source}: shard must be { index, count }`);
    shard = { index: given.index!, count: given.count! };
  }
  const results = value.results.map((item, index): CellResult => {
    const where = `${source}: results[${index}]`;
    if (!isObject(item)) throw new ResultsError(`${where} must be an object`);
    return { cell: text(item.cell, `${where}.cell`), ...checkOutcome(item, where) };
  });
  try {
    return makeResults(plan, results, shard);
  } catch (error) {
    throw new ResultsError(`${source}: ${(error as Error).message}`);
  }
}

/** The reachable cells of the plan that have no result (a shard not merged, a run cut short). */
export function missingCells(results: MatrixResults): string[] {
  const done = new Set(results.results.map((result) => result.cell));
  return results.plan.cells.filter((cell) => cell.status === 'reachable' && !done.has(cell.id)).map((cell) => cell.id);
}
