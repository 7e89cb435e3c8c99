// The GitHub side of publishing: inspect reads the release for the tag and its assets, apply executes
// a plan. Loaded only when publishing (backend.ts imports it lazily), so fctl never evaluates octokit.
// GitHub has no lock on a tag: of two publishes racing for one, each checks the draft is still a
// draft before replacing an asset or publishing it, and the release's assets against its build
// before and after publishing, so a run whose bytes are not what the release holds fails.
import type { PublishAction, PublishContext, PublishOutcome, ReleaseArtifacts } from '../distribution-backend.js';
import { checkPublishable, PublishError, readReleaseFile } from '../publish.js';
import { githubClient, githubError, type GithubClient } from './client.js';
import { tagOf, type GithubAsset, type GithubConfig, type GithubPlan, type GithubRelease, type GithubState } from './plan.js';
import { repoProblem } from './repo.js';

interface Target {
  octokit: GithubClient;
  owner: string;
  repo: string;
}

function connect(config: GithubConfig, context: PublishContext): Target {
  const problem = repoProblem(config.repo);
  if (problem) throw new PublishError(`${config.backend}: ${problem}`);
  if (!context.token) throw new PublishError('publishing to GitHub needs a token: set GITHUB_TOKEN or pass --token-file');
  const [owner, repo] = config.repo.split('/') as [string, string];
  return { octokit: githubClient({ ...(config.apiUrl ? { apiUrl: config.apiUrl } : {}), token: context.token }, context.env), owner, repo };
}

interface RawRelease {
  id: number;
  tag_name: string;
  draft: boolean;
  upload_url: string;
  html_url: string;
}

const releaseOf = (raw: RawRelease, assets: GithubAsset[]): GithubRelease => ({ id: raw.id, draft: raw.draft, uploadUrl: raw.upload_url, htmlUrl: raw.html_url, assets });

async function listReleases({ octokit, owner, repo }: Target): Promise<RawRelease[]> {
  // Drafts have no tag yet: they are found only by listing (with push access).
  return (await octokit.paginate(octokit.rest.repos.listReleases, { owner, repo, per_page: 100 }).catch((error: unknown) => {
    throw githubError(error, `listing the releases of ${owner}/${repo}`);
  })) as RawRelease[];
}

async function listAssets({ octokit, owner, repo }: Target, id: number, tag: string): Promise<GithubAsset[]> {
  const assets = await octokit.paginate(octokit.rest.repos.listReleaseAssets, { owner, repo, release_id: id, per_page: 100 }).catch((error: unknown) => {
    throw githubError(error, `listing the assets of ${tag}`);
  });
  return assets.map((a) => ({ id: a.id, name: a.name, state: a.state, size: a.size, digest: (a as { digest?: string | null }).digest ?? null }));
}

export async function inspectGithub(config: GithubConfig, release: ReleaseArtifacts, context: PublishContext): Promise<GithubState> {
  checkPublishable(release);
  const target = connect(config, context);
  const tag = tagOf(release.version);
  const tagged = (await listReleases(target)).filter((r) => r.tag_name === tag);
  // A published release owns the tag; drafts may share it, the newest (listed first) is reused.
  const found = tagged.find((r) => !r.draft) ?? tagged[0];
  return found ? { release: releaseOf(found, await listAssets(target, found.id, tag)) } : {};
}

/** Whether the assets of release `id` are exactly the build's files (names, digests, sizes); the problem if not. */
async function assetsProblem(target: Target, id: number, tag: string, files: ReleaseArtifacts['files']): Promise<string | undefined> {
  const assets = await listAssets(target, id, tag);
  for (const file of files) {
    const asset = assets.find((a) => a.name === file.name);
    if (!asset) return `it has no ${file.name}`;
    if (asset.state !== 'uploaded' || asset.digest !== `sha256:${file.sha256}` || asset.size !== file.size) return `its ${file.name} is not this build's`;
  }
  return undefined;
}

export async function applyGithub(plan: GithubPlan, context: PublishContext): Promise<PublishOutcome> {
  if (plan.refusals.length) throw new PublishError(plan.refusals.join('\n'));
  const { release, config } = plan;
  const target = connect(config, context);
  const { octokit, owner, repo } = target;
  const tag = tagOf(release.version);
  const raced = (problem: string) =>
    new PublishError(`${owner}/${repo} ${tag}: ${problem}: another publish of ${release.name} ${release.version} ran at the same time. Check the release's assets before using it (a published release is never overwritten)`);
  let draft = plan.state.release;
  let location = plan.location;
  const done: PublishAction[] = [];

  const needDraft = (): GithubRelease => {
    if (!draft) throw new PublishError(`${owner}/${repo} ${tag}: the plan has no draft to work on (its "draft" step is missing)`);
    return draft;
  };
  const expectStillDraft = async () => {
    const id = needDraft().id;
    const now = (await listReleases(target)).find((r) => r.id === id);
    if (!now?.draft) throw raced(now ? 'the draft was published by another run' : 'the draft was deleted');
  };
  const upload = async (name: string, size: number) => {
    context.onUpload?.(name, size);
    const data = await readReleaseFile(release, name);
    await octokit
      .request({ method: 'POST', url: needDraft().uploadUrl, name, data, headers: { 'content-type': 'application/octet-stream', 'content-length': size } })
      .catch((error: unknown) => {
        throw githubError(error, `uploading ${name} to ${tag}`);
      });
  };

  for (const action of plan.actions) {
    context.signal?.throwIfAborted();
    if (action.action === 'create') {
      const created = await octokit.rest.repos
        .createRelease({ owner, repo, tag_name: tag, name: `${release.name} ${release.version}`, body: `fctl plugin ${release.name} ${release.version}`, draft: true })
        .catch((error: unknown) => {
          throw githubError(error, `creating the draft release ${tag}`);
        });
      draft = releaseOf(created.data as RawRelease, []);
    } else if (action.action === 'upload') {
      await upload(action.subject, action.bytes);
    } else if (action.action === 'replace') {
      // A partial upload ("open") or other bytes in a draft: replaced, unless another run has
      // published the release meanwhile.
      const asset = needDraft().assets.find((a) => a.name === action.subject);
      if (!asset) throw new PublishError(`${owner}/${repo} ${tag}: the plan replaces ${action.subject}, which the draft did not hold`);
      await expectStillDraft();
      await octokit.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: asset.id }).catch((error: unknown) => {
        throw githubError(error, `replacing ${action.subject} in the draft ${tag}`);
      });
      await upload(action.subject, action.bytes);
    } else if (action.action === 'finish') {
      const id = needDraft().id;
      await expectStillDraft();
      const draftProblem = await assetsProblem(target, id, tag, release.files);
      if (draftProblem) throw raced(`the draft changed while uploading (${draftProblem})`);
      const published = await octokit.rest.repos.updateRelease({ owner, repo, release_id: id, draft: false }).catch((error: unknown) => {
        throw githubError(error, `publishing ${tag}`);
      });
      const publishedProblem = await assetsProblem(target, id, tag, release.files);
      if (publishedProblem) throw raced(`the published release does not hold this build (${publishedProblem})`);
      location = (published.data as RawRelease).html_url;
    }
    done.push({ ...action });
  }
  return {
    backend: plan.backend,
    location,
    source: plan.source,
    actions: done,
    bytesUploaded: done.reduce((n, a) => n + (a.action === 'upload' || a.action === 'replace' ? a.bytes : 0), 0),
  };
}
