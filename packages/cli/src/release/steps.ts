// The release as data: an ordered list of named steps, each saying what it will do (plan) and doing
// it (run), and the one runner. A real run calls each step's run; a dry run calls only each step's
// plan, which may read (check the version, read the registry, inspect a backend) but never writes.
// The runner names the step in every error and times every step.

/** What a step will do, or why it will not. */
export type StepPlan = { action: 'run'; summary: string; details?: string[] } | { action: 'skip'; reason: string };

/** What a step did. */
export type StepResult = { status: 'done'; summary: string; details?: string[] } | { status: 'skipped'; reason: string };

export interface Step<State> {
  name: string;
  /** A dry run's view of the step: what it will do, or why it is skipped. Reads at most; never writes. */
  plan(state: State): Promise<StepPlan>;
  run(state: State): Promise<StepResult>;
}

/** One step of a run as the summary reports it. */
export interface StepReport {
  name: string;
  /** `planned`: a dry run's step that would run. */
  status: 'done' | 'skipped' | 'planned';
  /** What it did or will do, or why it is skipped. */
  summary: string;
  details?: string[];
  durationMs: number;
}

export class StepError extends Error {
  constructor(
    readonly step: string,
    readonly reason: unknown,
  ) {
    super(`release step ${step}: ${reason instanceof Error ? reason.message : String(reason)}`);
    this.name = 'StepError';
  }
}

export interface RunOptions {
  dryRun: boolean;
  log: (line: string) => void;
  /** Milliseconds, for the steps' durations. */
  now?: () => number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function reportOf(name: string, outcome: StepPlan | StepResult, durationMs: number): StepReport {
  if ('action' in outcome) {
    return outcome.action === 'skip'
      ? { name, status: 'skipped', summary: outcome.reason, durationMs }
      : { name, status: 'planned', summary: outcome.summary, ...(outcome.details ? { details: outcome.details } : {}), durationMs };
  }
  return outcome.status === 'skipped'
    ? { name, status: 'skipped', summary: outcome.reason, durationMs }
    : { name, status: 'done', summary: outcome.summary, ...(outcome.details ? { details: outcome.details } : {}), durationMs };
}

/**
 * Runs (or, on a dry run, plans) every step in order and stops at the first error, rethrown as a
 * StepError naming the step. Each step is logged as it ends, with its duration.
 */
export async function runSteps<State>(steps: readonly Step<State>[], state: State, options: RunOptions): Promise<StepReport[]> {
  const now = options.now ?? (() => performance.now());
  const reports: StepReport[] = [];
  for (const step of steps) {
    const started = now();
    let outcome: StepPlan | StepResult;
    try {
      outcome = options.dryRun ? await step.plan(state) : await step.run(state);
    } catch (error) {
      throw new StepError(step.name, error);
    }
    const report = reportOf(step.name, outcome, Math.max(0, now() - started));
    reports.push(report);
    const verb = report.status === 'planned' ? 'would run' : report.status;
    options.log(`release step ${step.name}: ${verb} (${seconds(report.durationMs)}): ${report.summary}`);
    for (const detail of report.details ?? []) options.log(`  ${detail}`);
  }
  return reports;
}
