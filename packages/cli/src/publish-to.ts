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
  dryRun: boolean;
  /** A dry run: the plan's actions; a real run: what apply did. */
  actions: PublishAction[];
  /** Why the release cannot be published there (a dry run reports them; a real run fails with them). */
  refusals: string[];
  bytesUploaded: number;
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
    dryRun: run.dryRun,
    actions,
    refusals: run.plan.refusals,
    bytesUploaded: run.dryRun ? 0 : run.outcome.bytesUploaded,
  };
}

/** The token for backends that take one (GitHub): --token-file, else GITHUB_TOKEN. Never printed. */
export async function githubTokenFrom(tokenFile: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (tokenFile) return (await readFile(resolve(tokenFile), 'utf8')).trim();
  return env.GITHUB_TOKEN?.trim() || undefined;
}
