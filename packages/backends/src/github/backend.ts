// The two GitHub backends: github-releases (public downloads by URL) and private-releases (through
// the API with a token). Publishing is the same for both (plan.ts, remote.ts); the download side is
// download.ts. Octokit (remote.ts) and TypeBox (schema.ts) are imported only when used, so fctl,
// which only downloads, never evaluates them.
import type { Backend } from '../distribution-backend.js';
import { PublishError } from '../publish.js';
import { GITHUB_API_URL, GITHUB_URL, normalizeApiUrl, privateFiles, publicFiles, type GithubSource } from './download.js';
import { githubUrlOf, planGithub, type GithubConfig, type GithubKind, type GithubState } from './plan.js';
import { repoProblem } from './repo.js';

export { GITHUB_API_URL, githubApiUrlFor, githubToken } from './download.js';
export type { GithubSource } from './download.js';
export type { GithubConfig, GithubPlan, GithubState } from './plan.js';

export type GithubBackend = Backend<GithubConfig, GithubSource, GithubState>;

function githubBackend(kind: GithubKind): GithubBackend {
  const isPrivate = kind === 'private-releases';
  return {
    kind,
    summary: isPrivate
      ? 'GitHub releases of a private repository: fctl downloads through the API with the user\'s GitHub token'
      : 'GitHub releases of a public repository: fctl downloads from the release URLs, no token',
    flags: [
      { field: 'repo', value: 'owner/name', description: 'The GitHub repository, owner/name', required: true },
      { field: 'apiUrl', value: 'url', description: 'GitHub Enterprise: the REST API URL (default https://api.github.com)' },
    ],
    async schemas() {
      const { githubReleasesSchemas, privateReleasesSchemas } = await import('./schema.js');
      return isPrivate ? privateReleasesSchemas : githubReleasesSchemas;
    },
    configFrom(values) {
      const problem = repoProblem(values.repo);
      if (problem) throw new PublishError(`--repo: ${problem}`);
      return { backend: kind, repo: values.repo!, ...(values.apiUrl ? { apiUrl: values.apiUrl } : {}) };
    },
    async inspect(config, release, context) {
      const { inspectGithub } = await import('./remote.js');
      return inspectGithub(config, release, context);
    },
    plan: planGithub,
    async apply(plan, context) {
      const { applyGithub } = await import('./remote.js');
      return applyGithub(plan, context);
    },
    publishesTo(config, source) {
      if (config.backend !== kind || source.backend !== kind || typeof source.repo !== 'string') return false;
      // GitHub's owner and repository names are case-insensitive.
      if (source.repo.toLowerCase() !== config.repo.toLowerCase()) return false;
      if (isPrivate) return normalizeApiUrl(typeof source.githubApiUrl === 'string' ? source.githubApiUrl : GITHUB_API_URL) === normalizeApiUrl(config.apiUrl ?? GITHUB_API_URL);
      return normalizeApiUrl(typeof source.githubUrl === 'string' ? source.githubUrl : GITHUB_URL) === normalizeApiUrl(githubUrlOf(config.apiUrl) ?? GITHUB_URL);
    },
    files: (source, release, env) => (isPrivate ? privateFiles(source, release, env) : publicFiles(source, release)),
  };
}

export const githubReleases: GithubBackend = githubBackend('github-releases');
export const privateReleases: GithubBackend = githubBackend('private-releases');

export const backends: readonly Backend[] = [githubReleases, privateReleases] as readonly Backend[];
