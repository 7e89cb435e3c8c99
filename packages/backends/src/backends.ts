// The distribution backends: the list generated from the backend modules (src/generated/backends.ts),
// looked up by kind, and the one runner of a publish (inspect -> plan -> apply) every caller uses.
import type { Backend, PublishConfig, PublishContext, PublishOutcome, PublishPlan, ReleaseArtifacts } from './distribution-backend.js';
import { GENERATED_BACKENDS } from './generated/backends.js';
import { checkPublishable, PublishError } from './publish.js';
import { refusalError } from './refusals.js';

/** Every backend, in the generated list's order (by module directory). */
export const BACKENDS: readonly Backend[] = GENERATED_BACKENDS;

export const BACKEND_KINDS: readonly string[] = BACKENDS.map((backend) => backend.kind);

export function backendNamed(kind: string): Backend {
  const backend = BACKENDS.find((candidate) => candidate.kind === kind);
  if (!backend) throw new PublishError(`unknown backend ${JSON.stringify(kind)}: the backends are ${BACKEND_KINDS.join(', ')}`);
  return backend;
}

/** The flag of `fctl-kit publish` that sets a config field: --to, --public-base. */
export const flagName = (field: string) => `--${field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;

/**
 * Flag values held to the backend's config schema, the one a release section is held to (an empty
 * --to is refused as "to": "" would be); the error names the flag. Loads TypeBox: fctl-kit only.
 */
export async function checkFlagValues(backend: Backend, values: Record<string, string>): Promise<void> {
  const [{ config }, { Value }] = await Promise.all([backend.schemas(), import('@sinclair/typebox/value')]);
  const first = Value.Errors(config, { backend: backend.kind, ...values }).First();
  if (!first) return;
  const field = first.path.split('/')[1];
  const problem = (first.schema as { errorMessage?: string }).errorMessage ?? first.message;
  throw new PublishError(`${field ? flagName(field) : `--backend ${backend.kind}`}: ${problem}; got ${JSON.stringify(first.value)}`);
}

export type PublishRun = { dryRun: true; plan: PublishPlan } | { dryRun: false; plan: PublishPlan; outcome: PublishOutcome };

/**
 * One release to one backend: what the target holds is read, the plan made from it and, unless
 * this is a dry run, applied. A dry run returns the plan, refusals included (the caller reports
 * them); a real run with refusals writes nothing and throws them.
 */
export async function publishWith(config: PublishConfig, release: ReleaseArtifacts, context: PublishContext, options: { dryRun?: boolean } = {}): Promise<PublishRun> {
  const backend = backendNamed(config.backend);
  checkPublishable(release);
  const plan = backend.plan(config, release, await backend.inspect(config, release, context));
  if (options.dryRun) return { dryRun: true, plan };
  if (plan.refusals.length) throw refusalError(plan);
  return { dryRun: false, plan, outcome: await backend.apply(plan, context) };
}
