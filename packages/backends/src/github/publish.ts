// The old entry point of publishing to GitHub releases, over the github-releases / private-releases
// backends (inspect -> plan -> apply), until every consumer calls the backends directly. A dry run
// returns the plan's actions, a real run the actions apply executed: the same plan, so the same rules.
import type { PublishAction, ReleaseArtifacts } from '../distribution-backend.js';
import { checkPublishable, publicationOrder, PublishError, type BuildRelease, type OnUpload, type PublishStep, type PublishSummary } from '../publish.js';
import { githubReleases, privateReleases } from './backend.js';

export interface GithubPublishOptions {
  repo: string;
  apiUrl?: string;
  token?: string;
  private?: boolean;
  dryRun?: boolean;
  env?: NodeJS.ProcessEnv;
  onUpload?: OnUpload;
}

const stepOf = (action: PublishAction): PublishStep => ({
  file: action.subject,
  action: action.action === 'skip' ? 'skip' : 'upload',
  bytes: action.bytes,
  ...(action.reason ? { reason: action.reason } : {}),
});

export async function publishToGithub(release: BuildRelease | ReleaseArtifacts, options: GithubPublishOptions): Promise<PublishSummary> {
  checkPublishable(release);
  const backend = options.private ? privateReleases : githubReleases;
  const config = backend.configFrom({ repo: options.repo, ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}) }, process.cwd());
  // The GitHub backends read names, sizes and digests only; an old BuildRelease has no kinds yet.
  const artifacts: ReleaseArtifacts = { ...release, files: publicationOrder(release as BuildRelease) as ReleaseArtifacts['files'] };
  const context = { env: options.env ?? process.env, ...(options.token ? { token: options.token } : {}), ...(options.onUpload ? { onUpload: options.onUpload } : {}) };
  const plan = backend.plan(config, artifacts, await backend.inspect(config, artifacts, context));
  if (plan.refusals.length) throw new PublishError(plan.refusals.join('\n'));
  const outcome = options.dryRun ? undefined : await backend.apply(plan, context);
  return {
    backend: backend.kind,
    name: release.name,
    version: release.version,
    location: outcome?.location ?? plan.location,
    registry: { distribution: backend.kind, repo: options.repo, ...(options.apiUrl ? { githubApiUrl: options.apiUrl } : {}) },
    dryRun: Boolean(options.dryRun),
    steps: (outcome?.actions ?? plan.actions).map(stepOf),
    bytesUploaded: outcome?.bytesUploaded ?? 0,
  };
}
