// (Loaded lazily, by propose-change.ts.)
// A change to one file of a GitHub repository, proposed as a pull request (the registry repository
// of `fctl-kit release`): a branch from the base, the file committed there, a pull request opened.
// Safe to run again after a failure at any step: an existing branch, commit and pull request are
// found and reused, nothing is duplicated; a file that needs no change opens nothing.
import { PublishError } from '../publish.js';
import { githubClient, githubError, type GithubClient } from './client.js';

export interface FileChangeProposal {
  repo: string;
  path: string;
  /** The branch the pull request targets (default: the repository's default branch). */
  base?: string;
  /** The branch the change is committed to. */
  branch: string;
  title: string;
  body: string;
  commitMessage: string;
  /** The new content from the current one; `undefined` when the file needs no change. */
  change(text: string): string | undefined;
  apiUrl?: string;
  token?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ProposalOutcome {
  /** undefined when the base branch already had the change. */
  pullRequest?: { number: number; url: string; created: boolean };
  committed: boolean;
}

async function readFileAt(octokit: GithubClient, owner: string, repo: string, path: string, ref: string): Promise<{ text: string; sha: string }> {
  const { data } = await octokit.rest.repos.getContent({ owner, repo, path, ref }).catch((error: unknown) => {
    throw githubError(error, `reading ${path} on ${ref} of ${owner}/${repo}`);
  });
  if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) throw new PublishError(`${path} on ${ref} of ${owner}/${repo} is not a file`);
  return { text: Buffer.from(data.content, 'base64').toString('utf8'), sha: data.sha };
}

async function branchSha(octokit: GithubClient, owner: string, repo: string, branch: string): Promise<string | undefined> {
  try {
    return (await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` })).data.object.sha;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw githubError(error, `reading the branch ${branch} of ${owner}/${repo}`);
  }
}

async function defaultBranch(octokit: GithubClient, owner: string, repo: string): Promise<string> {
  const { data } = await octokit.rest.repos.get({ owner, repo }).catch((error: unknown) => {
    throw githubError(error, `reading ${owner}/${repo}`);
  });
  return data.default_branch;
}

/** One file of a repository as it is on `ref` (default: the repository's default branch). */
export async function readRepositoryFile(where: { repo: string; path: string; ref?: string; apiUrl?: string; token?: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  const [owner, repo] = where.repo.split('/') as [string, string];
  const octokit = githubClient({ ...(where.apiUrl ? { apiUrl: where.apiUrl } : {}), ...(where.token ? { token: where.token } : {}) }, where.env);
  return (await readFileAt(octokit, owner, repo, where.path, where.ref ?? (await defaultBranch(octokit, owner, repo)))).text;
}

export async function proposeFileChange(proposal: FileChangeProposal): Promise<ProposalOutcome> {
  const [owner, repo] = proposal.repo.split('/') as [string, string];
  if (!owner || !repo) throw new PublishError(`the registry repository must be owner/name; got "${proposal.repo}"`);
  if (!proposal.token) throw new PublishError('opening a pull request needs a token: set GITHUB_TOKEN or pass --token-file');
  const octokit = githubClient({ ...(proposal.apiUrl ? { apiUrl: proposal.apiUrl } : {}), token: proposal.token }, proposal.env);
  const base = proposal.base ?? (await defaultBranch(octokit, owner, repo));

  const onBase = await readFileAt(octokit, owner, repo, proposal.path, base);
  if (proposal.change(onBase.text) === undefined) return { committed: false };

  const baseSha = await branchSha(octokit, owner, repo, base);
  if (!baseSha) throw new PublishError(`${owner}/${repo} has no branch ${base}`);
  let onBranch = onBase;
  if (await branchSha(octokit, owner, repo, proposal.branch)) {
    onBranch = await readFileAt(octokit, owner, repo, proposal.path, proposal.branch);
  } else {
    await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${proposal.branch}`, sha: baseSha }).catch((error: unknown) => {
      throw githubError(error, `creating the branch ${proposal.branch} in ${owner}/${repo}`);
    });
  }
  const changed = proposal.change(onBranch.text);
  if (changed !== undefined) {
    await octokit.rest.repos
      .createOrUpdateFileContents({ owner, repo, path: proposal.path, branch: proposal.branch, sha: onBranch.sha, message: proposal.commitMessage, content: Buffer.from(changed).toString('base64') })
      .catch((error: unknown) => {
        throw githubError(error, `committing ${proposal.path} to ${proposal.branch} of ${owner}/${repo}`);
      });
  }

  const open = await octokit.rest.pulls.list({ owner, repo, head: `${owner}:${proposal.branch}`, base, state: 'open' }).catch((error: unknown) => {
    throw githubError(error, `listing the pull requests of ${owner}/${repo}`);
  });
  if (open.data[0]) return { committed: changed !== undefined, pullRequest: { number: open.data[0].number, url: open.data[0].html_url, created: false } };
  const { data } = await octokit.rest.pulls.create({ owner, repo, head: proposal.branch, base, title: proposal.title, body: proposal.body }).catch((error: unknown) => {
    throw githubError(error, `opening a pull request in ${owner}/${repo}`);
  });
  return { committed: changed !== undefined, pullRequest: { number: data.number, url: data.html_url, created: true } };
}
