// owner/name of a GitHub repository, from a release section, a flag or a registry (untrusted): it is
// put in URL paths, so "." and ".." (which a URL resolves away, reaching another path) are refused.
export const REPO_PATTERN = '^(?!\\.\\.?/)[A-Za-z0-9_.-]+/(?!\\.\\.?$)[A-Za-z0-9_.-]+$';
const pattern = new RegExp(REPO_PATTERN);

/** Why `repo` is not owner/name, or undefined. */
export function repoProblem(repo: unknown): string | undefined {
  if (typeof repo !== 'string' || repo === '') return 'needs "repo" (owner/name)';
  if (repo.length > 256 || !pattern.test(repo)) return `"repo" must be owner/name (letters, digits, ".", "-", "_"; not "." or ".."), got ${JSON.stringify(repo.slice(0, 100))}`;
  return undefined;
}
