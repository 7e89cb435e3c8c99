// Octokit for GitHub.com or GitHub Enterprise, with the retry and throttling plugins, silent logs,
// and errors reduced to what is safe to print (never a header, so never the token). Its requests
// go through the HTTP layer (URL policy, timeouts, proxies); octokit's own plugins retry them.
import { HttpRequestError, layerFetch } from '@fctl-kit/http';
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { PublishError } from '../publish.js';

// Typed as the plain client: the plugins add options and behaviour, not methods we call.
const GithubOctokit: typeof Octokit = Octokit.plugin(retry, throttling);
export type GithubClient = InstanceType<typeof GithubOctokit>;

export interface GithubConnection {
  apiUrl?: string;
  token?: string;
  /** Retries of failed requests (default 3); FCTL_KIT_GITHUB_RETRIES overrides it. */
  retries?: number;
}

export function githubClient(connection: GithubConnection, env: NodeJS.ProcessEnv = process.env): GithubClient {
  const retries = env.FCTL_KIT_GITHUB_RETRIES !== undefined ? Number(env.FCTL_KIT_GITHUB_RETRIES) : (connection.retries ?? 3);
  const silent = () => {};
  return new GithubOctokit({
    ...(connection.token ? { auth: connection.token } : {}),
    baseUrl: (connection.apiUrl ?? 'https://api.github.com').replace(/\/$/, ''),
    userAgent: 'fctl-plugin-kit',
    log: { debug: silent, info: silent, warn: silent, error: silent },
    request: { fetch: layerFetch({ env }) },
    retry: { retries, doNotRetry: [400, 401, 403, 404, 410, 422, 451] },
    throttle: {
      onRateLimit: (_after: number, _options: unknown, _octokit: unknown, retryCount: number) => retryCount < 2,
      onSecondaryRateLimit: (_after: number, _options: unknown, _octokit: unknown, retryCount: number) => retryCount < 2,
    },
  });
}

/** A GitHub failure as a PublishError naming the step and the status; never the request's headers. */
export function githubError(error: unknown, what: string): PublishError {
  // No answer at all (a timeout, a refused connection): octokit calls it a 500, the layer says what it was.
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof HttpRequestError) return new PublishError(`${what}: ${cause.message}`);
  const status = (error as { status?: number }).status;
  const message = (error as { response?: { data?: { message?: string } } }).response?.data?.message ?? (error as Error).message?.split(' - ')[0];
  return new PublishError(`${what}: GitHub answered ${status ?? 'no response'}${message ? ` (${message})` : ''}`);
}
