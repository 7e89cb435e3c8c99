import type { PublishPlan } from './distribution-backend.js';
import { PublishError } from './publish.js';

/** Why a plan is not applied: its one refusal as it is, or every refusal, one a line. */
export function refusalError(plan: Pick<PublishPlan, 'location' | 'refusals'>): PublishError {
  if (plan.refusals.length === 1) return new PublishError(plan.refusals[0]!);
  return new PublishError(`cannot publish to ${plan.location}:\n${plan.refusals.map((refusal) => `  - ${refusal}`).join('\n')}`);
}
