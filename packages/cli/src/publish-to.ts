// What `fctl-kit publish` and `fctl-kit release` share around publishWith: the token, and the
// summary of one publish as both print it (JSON).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { PublishAction, PublishRun, RegistrySource, ReleaseArtifacts } from '@fctl-kit/backends';

export interface PublishReport {
  backend: string;
  name: string;
  version: string;
  /** Where the release lives (no credentials). */
  location: string;
  /** What a registry version records for this backend (its `sources` entry). */
  source: RegistrySource;
  /** The same, in the registry's older one-distribution-per-plugin form. */
  registry: Record<string, string>;
  dryRun: boolean;
  /** A dry run: the plan's actions; a real run: what apply did. */
  actions: PublishAction[];
  /** Why the release cannot be published there (a dry run reports them; a real run fails with them). */
  refusals: string[];
  /** The actions in the older summary form (file, upload or skip, bytes, reason). */
  steps: Array<{ file: string; action: 'upload' | 'skip'; bytes: number; reason?: string }>;
  bytesUploaded: number;
}

/**
 * A source in the older registry form, one distribution per plugin: `distribution` names the
 * backend, the oci backend's `repository` was `oci`. Kept until registering writes `sources`.
 */
export function legacyDistribution(source: RegistrySource): Record<string, string> {
  const { backend, repository, ...fields } = source;
  const strings = Object.entries(fields).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  return { distribution: backend, ...(typeof repository === 'string' ? { oci: repository } : {}), ...Object.fromEntries(strings) };
}

export function publishReport(run: PublishRun, release: Pick<ReleaseArtifacts, 'name' | 'version'>): PublishReport {
  const actions = run.dryRun ? run.plan.actions : run.outcome.actions;
  const source = run.dryRun ? run.plan.source : run.outcome.source;
  return {
    backend: run.plan.backend,
    name: release.name,
    version: release.version,
    location: run.dryRun ? run.plan.location : run.outcome.location,
    source,
    registry: legacyDistribution(source),
    dryRun: run.dryRun,
    actions,
    refusals: run.plan.refusals,
    steps: actions.map((action) => ({ file: action.subject, action: action.action === 'skip' ? 'skip' : 'upload', bytes: action.bytes, ...(action.reason ? { reason: action.reason } : {}) })),
    bytesUploaded: run.dryRun ? 0 : run.outcome.bytesUploaded,
  };
}

/** The token for backends that take one (GitHub): --token-file, else GITHUB_TOKEN. Never printed. */
export async function githubTokenFrom(tokenFile: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (tokenFile) return (await readFile(resolve(tokenFile), 'utf8')).trim();
  return env.GITHUB_TOKEN?.trim() || undefined;
}
