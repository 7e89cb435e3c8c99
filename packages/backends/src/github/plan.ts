// What publishing a build to GitHub releases will do, from what inspect read (pure: no I/O). The
// release for tag v{version} is created as a draft, its assets uploaded, then it is published, which
// works with GitHub's immutable releases. From any state a failed run left, the plan converges: a
// draft is reused, an asset already there with this build's sha256 and size is kept, a partial
// upload or another file of that name in a draft is replaced. A published release is never changed:
// if it holds other bytes (sha256 or size) or misses a file, the plan refuses. The dry run prints
// this plan and the real run executes it, so both follow the same rules.
import type { PublishAction, PublishConfig, PublishPlan, RegistrySource, ReleaseArtifacts } from '../distribution-backend.js';
import { GITHUB_API_URL, GITHUB_URL, normalizeApiUrl } from './download.js';

export type GithubKind = 'github-releases' | 'private-releases';

export interface GithubConfig extends PublishConfig {
  backend: GithubKind;
  repo: string;
  /** GitHub Enterprise: the REST API URL (default https://api.github.com). */
  apiUrl?: string;
}

/** An asset as GitHub lists it. */
export interface GithubAsset {
  id: number;
  name: string;
  /** "uploaded", or "open" for an upload that did not finish. */
  state: string;
  size: number;
  /** sha256:<hex>; null for assets uploaded before GitHub computed digests. */
  digest: string | null;
}

export interface GithubRelease {
  id: number;
  draft: boolean;
  uploadUrl: string;
  htmlUrl: string;
  assets: GithubAsset[];
}

/** What inspect read: the release for the tag (a published one, else a draft), if any. */
export interface GithubState {
  release?: GithubRelease;
}

export type GithubPlan = PublishPlan<GithubConfig, GithubState>;

export const tagOf = (version: string) => `v${version}`;

/**
 * The web URL users download from, from the API URL: api.github.com and api.<host> serve <host>,
 * GitHub Enterprise Server serves /api/v3 from its web host; another URL is both (an emulator).
 */
export function githubUrlOf(apiUrl: string | undefined): string | undefined {
  if (!apiUrl || normalizeApiUrl(apiUrl) === GITHUB_API_URL) return undefined;
  const url = new URL(normalizeApiUrl(apiUrl));
  if (/\/api\/v3$/.test(url.pathname)) url.pathname = url.pathname.replace(/\/api\/v3$/, '');
  else if (url.hostname.startsWith('api.')) url.hostname = url.hostname.slice(4);
  const web = url.href.replace(/\/+$/, '');
  return web === GITHUB_URL ? undefined : web;
}

export function sourceOf(config: GithubConfig): RegistrySource {
  if (config.backend === 'private-releases') {
    const api = config.apiUrl && normalizeApiUrl(config.apiUrl) !== GITHUB_API_URL ? normalizeApiUrl(config.apiUrl) : undefined;
    return { backend: 'private-releases', repo: config.repo, ...(api ? { githubApiUrl: api } : {}) };
  }
  const web = githubUrlOf(config.apiUrl);
  return { backend: 'github-releases', repo: config.repo, ...(web ? { githubUrl: web } : {}) };
}

/** How an asset differs from the build's file, or undefined when it is that file. */
function difference(asset: GithubAsset, file: { sha256: string; size: number }): string | undefined {
  if (asset.state !== 'uploaded') return `a partial upload (state ${asset.state})`;
  if (asset.digest !== `sha256:${file.sha256}`) return asset.digest ? `other bytes, ${asset.digest}` : 'bytes of unknown sha256 (GitHub lists no digest)';
  if (asset.size !== file.size) return `another size, ${asset.size} bytes (this build's: ${file.size})`;
  return undefined;
}

export function planGithub(config: GithubConfig, release: ReleaseArtifacts, state: GithubState): GithubPlan {
  const tag = tagOf(release.version);
  const where = `${config.repo} ${tag}`;
  const actions: PublishAction[] = [];
  const refusals: string[] = [];
  const found = state.release;
  const assetOf = (name: string) => found?.assets.find((asset) => asset.name === name);

  if (found && !found.draft) {
    for (const file of release.files) {
      const asset = assetOf(file.name);
      const differs = asset && difference(asset, file);
      if (!asset) refusals.push(`${where} is published without ${file.name}: a published release is immutable (publish a new version)`);
      else if (differs) refusals.push(`${where} is published with another ${file.name} (${differs}): a published release is never overwritten (publish a new version)`);
      else actions.push({ subject: file.name, action: 'skip', bytes: 0, reason: 'already published, same sha256 and size' });
    }
  } else {
    if (!found) actions.push({ subject: 'draft', action: 'create', bytes: 0, reason: `create the draft release ${tag}` });
    for (const file of release.files) {
      const asset = assetOf(file.name);
      const differs = asset && difference(asset, file);
      if (!asset) actions.push({ subject: file.name, action: 'upload', bytes: file.size });
      else if (differs) actions.push({ subject: file.name, action: 'replace', bytes: file.size, reason: `the draft holds ${differs}` });
      else actions.push({ subject: file.name, action: 'skip', bytes: 0, reason: 'already in the draft, same sha256 and size' });
    }
    actions.push({ subject: 'publish', action: 'finish', bytes: 0, reason: `publish the draft ${tag}` });
  }
  return {
    backend: config.backend,
    config,
    release,
    state,
    location: found && !found.draft ? found.htmlUrl : where,
    source: sourceOf(config),
    actions,
    refusals,
  };
}
