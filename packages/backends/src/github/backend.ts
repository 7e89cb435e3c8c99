// Downloads from GitHub releases. github-releases: the public URL convention of RFC 0002,
// {githubUrl}/{repo}/releases/download/v{version}/{file}. private-releases: through the API with a
// token (GITHUB_TOKEN, or the file FCTL_GITHUB_TOKEN_FILE names), following GitHub's redirect to
// the storage URL - fetch drops the Authorization header on that cross-origin redirect.
import { readFileSync } from 'node:fs';
import { DownloadError, type DistributionBackend, type OpenedFile, type Release } from '../backend.js';
import { checkHttpUrl, displayUrl, openHttp } from '../http.js';

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

  private api(release: Release, path: string): URL {
    return new URL(`${(release.plugin.githubApiUrl ?? 'https://api.github.com').replace(/\/$/, '')}/repos/${release.plugin.repo}${path}`);
  }

  describe(release: Release, file: string): string {
    return this.isPrivate ? `${release.plugin.repo} v${release.version} (${file}, private)` : displayUrl(this.publicUrl(release, file));
  }

  private headers(token: string, accept: string): Record<string, string> {
    return { authorization: `Bearer ${token}`, accept, 'x-github-api-version': '2022-11-28', 'user-agent': 'fctl' };
  }

  private assets(release: Release, token: string, signal: AbortSignal): Promise<Map<string, number>> {
    const key = `${release.plugin.repo}@${release.version}`;
    let pending = this.assetIds.get(key);
    if (!pending) {
      pending = (async () => {
        const url = this.api(release, `/releases/tags/v${encodeURIComponent(release.version)}`);
        checkHttpUrl(url, `plugin "${release.name}"`);
        const response = await fetch(url, { headers: this.headers(token, 'application/vnd.github+json'), signal }).catch((error: unknown) => {
          throw new DownloadError(`cannot reach ${displayUrl(url)}: ${(error as Error).message}`, true);
        });
        if (!response.ok) {
          await response.body?.cancel().catch(() => {});
          const hint = response.status === 404 || response.status === 401 ? ' (no such release, or the token cannot read the repository)' : '';
          throw new DownloadError(`${release.plugin.repo} v${release.version}: GitHub answered ${response.status}${hint}`, response.status >= 500 || response.status === 429);
        }
        const body = (await response.json()) as { assets?: Array<{ id: number; name: string }> };
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
    return openHttp(url, signal, this.headers(token, 'application/octet-stream'));
  }
}
