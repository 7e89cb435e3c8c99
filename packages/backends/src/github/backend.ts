// Downloads from GitHub releases. github-releases: the public URL convention of RFC 0002,
// {githubUrl}/{repo}/releases/download/v{version}/{file}. private-releases: through the API with a
// token (GITHUB_TOKEN, or the file FCTL_GITHUB_TOKEN_FILE names), following GitHub's redirect to
// the storage URL, which gets no token (the HTTP layer drops it when the origin changes).
// The token goes only to the GitHub API the user chose: https://api.github.com, or the GitHub
// Enterprise API URL in FCTL_GITHUB_API_URL. A registry is untrusted: its githubApiUrl may name
// where a plugin is, never where the user's token goes; naming another API host is an error.
import { readFileSync } from 'node:fs';
import { HttpRequestError, requestBuffered, urlPolicyViolation } from '@fctl-kit/http';
import { DownloadError, type DistributionBackend, type OpenedFile, type Release } from '../backend.js';
import { checkHttpUrl, displayUrl, openHttp } from '../http.js';

export const GITHUB_API_URL = 'https://api.github.com';

function normalizeApiUrl(url: string): string {
  try {
    return new URL(url.trim()).href.replace(/\/+$/, '');
  } catch {
    return url.trim().replace(/\/+$/, '');
  }
}

/** The one GitHub API the user's token may be sent to: FCTL_GITHUB_API_URL, else api.github.com. */
export function githubApiUrlFor(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.FCTL_GITHUB_API_URL?.trim();
  if (!configured) return GITHUB_API_URL;
  let url: URL;
  try {
    url = new URL(configured);
  } catch {
    throw new DownloadError(`FCTL_GITHUB_API_URL is not a URL: ${configured}`, false);
  }
  const refused = urlPolicyViolation(url);
  if (refused || url.username || url.password || url.search) throw new DownloadError(`FCTL_GITHUB_API_URL (${displayUrl(url)}): ${refused ?? 'must not carry credentials or a query'}`, false);
  return normalizeApiUrl(url.href);
}

export function githubToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.GITHUB_TOKEN) return env.GITHUB_TOKEN.trim();
  if (env.FCTL_GITHUB_TOKEN_FILE) {
    try {
      return readFileSync(env.FCTL_GITHUB_TOKEN_FILE, 'utf8').trim();
    } catch {
      throw new DownloadError(`cannot read the GitHub token file named by FCTL_GITHUB_TOKEN_FILE`, false);
    }
  }
  return undefined;
}

export class GithubReleasesBackend implements DistributionBackend {
  readonly name: string;
  private readonly assetIds = new Map<string, Promise<Map<string, number>>>();

  constructor(
    private readonly isPrivate: boolean,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.name = isPrivate ? 'private-releases' : 'github-releases';
  }

  private publicUrl(release: Release, file: string): URL {
    const base = (release.plugin.githubUrl ?? 'https://github.com').replace(/\/$/, '');
    return new URL(`${base}/${release.plugin.repo}/releases/download/v${encodeURIComponent(release.version)}/${encodeURIComponent(file)}`);
  }

  /** The API URL of a private release: the registry's, only when it is the one the user's token is for. */
  private apiBase(release: Release): string {
    const trusted = githubApiUrlFor(this.env);
    const named = normalizeApiUrl(release.plugin.githubApiUrl ?? GITHUB_API_URL);
    if (named !== trusted) {
      const how = named === GITHUB_API_URL ? 'unset FCTL_GITHUB_API_URL for github.com' : `set FCTL_GITHUB_API_URL=${named} if that GitHub Enterprise server is yours`;
      throw new DownloadError(
        `plugin "${release.name}" is distributed privately through the GitHub API at ${named}, but your GitHub token is only sent to ${trusted}: a registry cannot choose where your token goes (${how})`,
        false,
      );
    }
    return trusted;
  }

  private api(release: Release, path: string): URL {
    return new URL(`${this.apiBase(release)}/repos/${release.plugin.repo}${path}`);
  }

  describe(release: Release, file: string): string {
    return this.isPrivate ? `${release.plugin.repo} v${release.version} (${file}, private)` : displayUrl(this.publicUrl(release, file));
  }

  /** The request of the private API: the token only for the API's origin (not the storage redirect). */
  private apiRequest(release: Release, token: string, accept: string) {
    return {
      headers: { accept, 'x-github-api-version': '2022-11-28', 'user-agent': 'fctl' },
      credentials: { headers: { authorization: `Bearer ${token}` }, origins: [new URL(this.apiBase(release)).origin] },
    };
  }

  private assets(release: Release, token: string, signal: AbortSignal): Promise<Map<string, number>> {
    const key = `${release.plugin.repo}@${release.version}`;
    let pending = this.assetIds.get(key);
    if (!pending) {
      pending = (async () => {
        const url = this.api(release, `/releases/tags/v${encodeURIComponent(release.version)}`);
        checkHttpUrl(url, `plugin "${release.name}"`);
        const response = await requestBuffered(url, { ...this.apiRequest(release, token, 'application/vnd.github+json'), signal, maxBytes: 16 * 1024 * 1024, retries: 0 }).catch((error: unknown) => {
          if (signal.aborted) throw signal.reason;
          throw new DownloadError(error instanceof HttpRequestError ? error.message : `cannot reach ${displayUrl(url)}: ${(error as Error).message}`, error instanceof HttpRequestError ? error.transient : true);
        });
        if (response.status < 200 || response.status >= 300) {
          const hint = response.status === 404 || response.status === 401 ? ' (no such release, or the token cannot read the repository)' : '';
          throw new DownloadError(`${release.plugin.repo} v${release.version}: GitHub answered ${response.status}${hint}`, response.status >= 500 || response.status === 429);
        }
        let body: { assets?: Array<{ id: number; name: string }> };
        try {
          body = response.json();
        } catch {
          throw new DownloadError(`${release.plugin.repo} v${release.version}: GitHub answered with something that is not JSON`, false);
        }
        return new Map((body.assets ?? []).map((asset) => [asset.name, asset.id]));
      })();
      pending.catch(() => this.assetIds.delete(key));
      this.assetIds.set(key, pending);
    }
    return pending;
  }

  async open(release: Release, file: string, signal: AbortSignal): Promise<OpenedFile> {
    if (!release.plugin.repo) throw new DownloadError(`plugin "${release.name}" has no "repo" in the registry`, false);
    if (!this.isPrivate) {
      const url = this.publicUrl(release, file);
      checkHttpUrl(url, `plugin "${release.name}"`);
      return openHttp(url, signal);
    }
    const token = githubToken(this.env);
    if (!token) throw new DownloadError(`plugin "${release.name}" is distributed privately: set GITHUB_TOKEN (or FCTL_GITHUB_TOKEN_FILE) to a token that can read ${release.plugin.repo}`, false);
    const id = (await this.assets(release, token, signal)).get(file);
    if (id === undefined) throw new DownloadError(`${release.plugin.repo} v${release.version} has no asset ${file}`, false);
    const url = this.api(release, `/releases/assets/${id}`);
    return openHttp(url, signal, this.apiRequest(release, token, 'application/octet-stream'));
  }
}
