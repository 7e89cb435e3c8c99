// Publishing to GitHub releases (public, or private with a token): the release for tag v{version}
// is created as a draft, assets are uploaded, then it is published - which works with GitHub's
// immutable releases. A re-run after a failure at any step converges: a draft is found again, assets
// already uploaded with the same digest are kept, broken or different ones in the draft replaced,
// and nothing is duplicated. A published release is never changed: if its assets differ from the
// build, or miss a file, publishing is refused. GitHub has no lock on a tag: of two publishes
// racing for one, each checks the draft's assets against its build before publishing it and the
// published release's after, so a run whose bytes are not what the release holds fails.
import { checkPublishable, publicationOrder, PublishError, readReleaseFile, type BuildRelease, type OnUpload, type PublishStep, type PublishSummary } from '../publish.js';
import { githubClient, githubError, type GithubClient } from './client.js';

export interface GithubPublishOptions {
  repo: string;
  apiUrl?: string;
  token?: string;
  private?: boolean;
  dryRun?: boolean;
  env?: NodeJS.ProcessEnv;
  onUpload?: OnUpload;
}

interface ReleaseInfo {
  id: number;
  draft: boolean;
  upload_url: string;
  html_url: string;
}

interface AssetInfo {
  id: number;
  name: string;
  state: string;
  digest?: string | null;
  size: number;
}

async function findRelease(octokit: GithubClient, owner: string, repo: string, tag: string): Promise<ReleaseInfo | undefined> {
  // Drafts have no tag yet: they are found only by listing (with push access).
  const releases = await octokit.paginate(octokit.rest.repos.listReleases, { owner, repo, per_page: 100 }).catch((error: unknown) => {
    throw githubError(error, `listing the releases of ${owner}/${repo}`);
  });
  return releases.find((release) => release.tag_name === tag) as ReleaseInfo | undefined;
}

/** Whether the assets of release `id` are exactly `files` (names, digests, sizes); the problem if not. */
async function assetsProblem(octokit: GithubClient, owner: string, repo: string, id: number, files: BuildRelease['files']): Promise<string | undefined> {
  const assets = (await octokit.paginate(octokit.rest.repos.listReleaseAssets, { owner, repo, release_id: id, per_page: 100 }).catch((error: unknown) => {
    throw githubError(error, `listing the assets of release ${id}`);
  })) as AssetInfo[];
  for (const file of files) {
    const asset = assets.find((a) => a.name === file.name);
    if (!asset) return `it has no ${file.name}`;
    if (asset.state !== 'uploaded' || asset.digest !== `sha256:${file.sha256}` || asset.size !== file.size) return `its ${file.name} is not this build's`;
  }
  return undefined;
}

export async function publishToGithub(release: BuildRelease, options: GithubPublishOptions): Promise<PublishSummary> {
  checkPublishable(release);
  const [owner, repo] = options.repo.split('/') as [string, string];
  if (!owner || !repo) throw new PublishError(`--repo takes owner/name; got "${options.repo}"`);
  if (!options.token) throw new PublishError('publishing to GitHub needs a token: set GITHUB_TOKEN or pass --token-file');
  const octokit = githubClient({ ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}), token: options.token }, options.env);
  const tag = `v${release.version}`;
  const files = publicationOrder(release);
  const steps: PublishStep[] = [];
  const summary = (location: string): PublishSummary => ({
    backend: options.private ? 'private-releases' : 'github-releases',
    name: release.name,
    version: release.version,
    location,
    registry: { distribution: options.private ? 'private-releases' : 'github-releases', repo: options.repo, ...(options.apiUrl ? { githubApiUrl: options.apiUrl } : {}) },
    dryRun: Boolean(options.dryRun),
    steps,
    bytesUploaded: options.dryRun ? 0 : steps.reduce((n, s) => n + s.bytes, 0),
  });

  let found = await findRelease(octokit, owner, repo, tag);
  let assets: AssetInfo[] = [];
  if (found) {
    assets = (await octokit.paginate(octokit.rest.repos.listReleaseAssets, { owner, repo, release_id: found.id, per_page: 100 }).catch((error: unknown) => {
      throw githubError(error, `listing the assets of ${tag}`);
    })) as AssetInfo[];
  }
  if (found && !found.draft) {
    for (const file of files) {
      const asset = assets.find((a) => a.name === file.name);
      if (!asset) throw new PublishError(`${owner}/${repo} ${tag} is published without ${file.name}: a published release is immutable (publish a new version)`);
      if (asset.digest !== `sha256:${file.sha256}` || asset.size !== file.size) {
        throw new PublishError(`${owner}/${repo} ${tag} is published with another ${file.name}: a published release is never overwritten (publish a new version)`);
      }
      steps.push({ file: file.name, action: 'skip', bytes: 0, reason: 'already published, same digest' });
    }
    return summary(found.html_url);
  }
  if (options.dryRun) {
    for (const file of files) {
      const asset = assets.find((a) => a.name === file.name);
      const same = asset?.state === 'uploaded' && asset.digest === `sha256:${file.sha256}`;
      steps.push(same ? { file: file.name, action: 'skip', bytes: 0, reason: 'already in the draft' } : { file: file.name, action: 'upload', bytes: file.size });
    }
    steps.push({ file: 'publish', action: 'upload', bytes: 0, reason: found ? 'publish the existing draft' : 'create a draft, then publish it' });
    return summary(`${owner}/${repo} ${tag}`);
  }
  if (!found) {
    const created = await octokit.rest.repos
      .createRelease({ owner, repo, tag_name: tag, name: `${release.name} ${release.version}`, body: `fctl plugin ${release.name} ${release.version}`, draft: true })
      .catch((error: unknown) => {
        throw githubError(error, `creating the draft release ${tag}`);
      });
    found = created.data as ReleaseInfo;
  }
  const raced = (problem: string) =>
    new PublishError(`${owner}/${repo} ${tag}: ${problem}: another publish of ${release.name} ${release.version} ran at the same time. Check the release's assets before using it (a published release is never overwritten)`);
  const draftId = found.id;
  const expectStillDraft = async () => {
    const now = (await octokit.paginate(octokit.rest.repos.listReleases, { owner, repo, per_page: 100 }).catch((error: unknown) => {
      throw githubError(error, `listing the releases of ${owner}/${repo}`);
    })).find((r) => r.id === draftId);
    if (!now?.draft) throw raced(now ? 'the draft was published by another run' : 'the draft was deleted');
  };
  for (const file of files) {
    const asset = assets.find((a) => a.name === file.name);
    if (asset?.state === 'uploaded' && asset.digest === `sha256:${file.sha256}` && asset.size === file.size) {
      steps.push({ file: file.name, action: 'skip', bytes: 0, reason: 'already in the draft, same digest' });
      continue;
    }
    if (asset) {
      // A partial upload ("open") or different bytes in a draft: replace it, unless another run
      // has published the release meanwhile.
      await expectStillDraft();
      await octokit.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: asset.id }).catch((error: unknown) => {
        throw githubError(error, `replacing ${file.name} in the draft ${tag}`);
      });
    }
    options.onUpload?.(file.name, file.size);
    const data = await readReleaseFile(release, file.name);
    await octokit
      .request({ method: 'POST', url: found.upload_url, name: file.name, data, headers: { 'content-type': 'application/octet-stream', 'content-length': file.size } })
      .catch((error: unknown) => {
        throw githubError(error, `uploading ${file.name} to ${tag}`);
      });
    steps.push({ file: file.name, action: 'upload', bytes: file.size });
  }
  await expectStillDraft();
  const draftProblem = await assetsProblem(octokit, owner, repo, found.id, files);
  if (draftProblem) throw raced(`the draft changed while uploading (${draftProblem})`);
  const published = await octokit.rest.repos.updateRelease({ owner, repo, release_id: found.id, draft: false }).catch((error: unknown) => {
    throw githubError(error, `publishing ${tag}`);
  });
  const publishedProblem = await assetsProblem(octokit, owner, repo, found.id, files);
  if (publishedProblem) throw raced(`the published release does not hold this build (${publishedProblem})`);
  steps.push({ file: 'publish', action: 'upload', bytes: 0, reason: 'draft published' });
  return summary((published.data as ReleaseInfo).html_url);
}
