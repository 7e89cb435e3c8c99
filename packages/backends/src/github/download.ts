// Downloads from GitHub releases. github-releases: the public URL convention of RFC 0002,
// {githubUrl}/{repo}/releases/download/v{version}/{file}. private-releases: through the API with a
// token (GITHUB_TOKEN, or the file FCTL_GITHUB_TOKEN_FILE names), following GitHub's redirect to
// the storage URL, which gets no token (the HTTP layer sends credentials only to the API's origin).
// The token goes only to the GitHub API the user chose: https://api.github.com, or the GitHub
// Enterprise API URL in FCTL_GITHUB_API_URL. A registry is untrusted: its githubApiUrl may name
// where a plugin is, never where the user's token goes; naming another API host is an error.
import { readFileSync } from 'node:fs';
import { HttpRequestError, requestBuffered, urlPolicyViolation } from '@fctl-kit/http';
import { DownloadError, type OpenedFile, type ReleaseRef, type SourceFiles } from '../distribution-backend.js';
import { checkHttpUrl, displayUrl, openHttp } from '../http.js';
import { repoProblem } from './repo.js';

export const GITHUB_API_URL = 'https://api.github.com';
export const GITHUB_URL = 'https://github.com';

/** The registry source of either GitHub backend (fields unchecked: it comes from a registry). */
export interface GithubSource {
  backend: 'github-releases' | 'private-releases';
  repo: string;
  githubUrl?: string;
  githubApiUrl?: string;
  [field: string]: unknown;
}

export function normalizeApiUrl(url: string): string {
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

function checkSource(source: GithubSource, release: ReleaseRef): void {
  const problem = repoProblem(source.repo);
  if (problem) throw new DownloadError(`plugin "${release.name}": the registry's ${source.backend} source ${problem}`, false);
}

/** github-releases: public downloads, no token (the repository is public). */
export function publicFiles(source: GithubSource, release: ReleaseRef): SourceFiles {
  const url = (file: string) => {
    const base = (typeof source.githubUrl === 'string' ? source.githubUrl : GITHUB_URL).replace(/\/+$/, '');
    return new URL(`${base}/${source.repo}/releases/download/v${encodeURIComponent(release.version)}/${encodeURIComponent(file)}`);
  };
  return {
    describe: (file) => {
      try {
        return displayUrl(url(file));
      } catch {
        return `${String(source.repo)} v${release.version} (${file}, at ${String(source.githubUrl)})`;
      }
    },
    async open(file: string, signal: AbortSignal): Promise<OpenedFile> {
      checkSource(source, release);
      let target: URL;
      try {
        target = url(file);
      } catch {
        throw new DownloadError(`plugin "${release.name}": the registry's githubUrl is not a URL: ${String(source.githubUrl).slice(0, 200)}`, false);
      }
      checkHttpUrl(target, `plugin "${release.name}"`);
      return openHttp(target, signal);
    },
  };
}

/** private-releases: through the API the user's token is for, the token never on the storage redirect. */
export function privateFiles(source: GithubSource, release: ReleaseRef, env: NodeJS.ProcessEnv): SourceFiles {
  let assetIds: Promise<Map<string, number>> | undefined;

  /** The API URL of the release: the registry's, only when it is the one the user's token is for. */
  const apiBase = (): string => {
    const trusted = githubApiUrlFor(env);
    const named = normalizeApiUrl(typeof source.githubApiUrl === 'string' ? source.githubApiUrl : GITHUB_API_URL);
    if (named !== trusted) {
      const how = named === GITHUB_API_URL ? 'unset FCTL_GITHUB_API_URL for github.com' : `set FCTL_GITHUB_API_URL=${named} if that GitHub Enterprise server is yours`;
      throw new DownloadError(
        `plugin "${release.name}" is distributed privately through the GitHub API at ${named}, but your GitHub token is only sent to ${trusted}: a registry cannot choose where your token goes (${how})`,
        false,
      );
    }
    return trusted;
  };
  const api = (path: string) => new URL(`${apiBase()}/repos/${source.repo}${path}`);
  const apiRequest = (token: string, accept: string) => ({
    headers: { accept, 'x-github-api-version': '2022-11-28', 'user-agent': 'fctl' },
    credentials: { headers: { authorization: `Bearer ${token}` }, origins: [new URL(apiBase()).origin] },
  });

  const assets = (token: string, signal: AbortSignal): Promise<Map<string, number>> => {
    if (!assetIds) {
      assetIds = (async () => {
        const url = api(`/releases/tags/v${encodeURIComponent(release.version)}`);
        checkHttpUrl(url, `plugin "${release.name}"`);
        const response = await requestBuffered(url, { ...apiRequest(token, 'application/vnd.github+json'), signal, maxBytes: 16 * 1024 * 1024, retries: 0 }).catch((error: unknown) => {
          if (signal.aborted) throw signal.reason;
          throw new DownloadError(error instanceof HttpRequestError ? error.message : `cannot reach ${displayUrl(url)}: ${(error as Error).message}`, error instanceof HttpRequestError ? error.transient : true);
        });
        if (response.status < 200 || response.status >= 300) {
          const hint = response.status === 404 || response.status === 401 ? ' (no such release, or the token cannot read the repository)' : '';
          throw new DownloadError(`${source.repo} v${release.version}: GitHub answered ${response.status}${hint}`, response.status >= 500 || response.status === 429);
        }
        let body: { assets?: unknown };
        try {
          body = response.json();
        } catch {
          throw new DownloadError(`${source.repo} v${release.version}: GitHub answered with something that is not JSON`, false);
        }
        const list = Array.isArray(body?.assets) ? (body.assets as Array<{ id?: unknown; name?: unknown }>) : [];
        return new Map(list.filter((a) => typeof a?.name === 'string' && Number.isSafeInteger(a.id)).map((a) => [a.name as string, a.id as number]));
      })();
      assetIds.catch(() => (assetIds = undefined));
    }
    return assetIds;
  };

  return {
    describe: (file) => `${String(source.repo)} v${release.version} (${file}, private)`,
    async open(file: string, signal: AbortSignal): Promise<OpenedFile> {
      checkSource(source, release);
      const token = githubToken(env);
      if (!token) throw new DownloadError(`plugin "${release.name}" is distributed privately: set GITHUB_TOKEN (or FCTL_GITHUB_TOKEN_FILE) to a token that can read ${source.repo}`, false);
      const id = (await assets(token, signal)).get(file);
      if (id === undefined) throw new DownloadError(`${source.repo} v${release.version} has no asset ${file}`, false);
      return openHttp(api(`/releases/assets/${id}`), signal, apiRequest(token, 'application/octet-stream'));
    },
  };
}
