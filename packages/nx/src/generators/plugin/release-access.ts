// What the release job needs beyond building, from the release section: the workflow permissions
// (least privilege), the secrets it must have, the logins, the environment of the release step, and
// the steps before and after it (a url directory kept on a branch, a registry file committed).
// GitHub's own token (github.token) can only write to the repository the workflow runs in; anything
// in another repository takes a token the user stores as the FCTL_RELEASE_TOKEN secret.
import { posix } from 'node:path';
import type { PluginConfig } from '@fctl-kit/plugin-config';
import type { YamlValue } from './workflow-yaml.js';

type ReleaseSection = NonNullable<PluginConfig['release']>;
type Step = { [key: string]: YamlValue };

export const RELEASE_TOKEN_SECRET = 'FCTL_RELEASE_TOKEN';
export const OCI_USERNAME_SECRET = 'FCTL_OCI_USERNAME';
export const OCI_PASSWORD_SECRET = 'FCTL_OCI_PASSWORD';
export const SIGNING_KEY_SECRET = 'FCTL_KIT_SIGNING_KEY';

export interface ReleaseAccess {
  permissions: Record<string, 'read' | 'write'>;
  /** Secrets the release cannot run without: the first step fails naming the missing ones. */
  requiredSecrets: string[];
  /** Checks on where the workflow runs (a GitHub repository or owner the permissions assume). */
  checks: { description: string; script: string }[];
  /** Steps after install and before the release (logins, the published site's branch). */
  before: Step[];
  /** The release step's environment. */
  env: Record<string, string>;
  /** Steps after the release (pushing the site, committing the registry file). */
  after: Step[];
}

export interface ReleaseContext {
  name: string;
  /** The plugin directory, from the workspace root. */
  directory: string;
  release: ReleaseSection | undefined;
  /** This repository on GitHub (owner/name), when known: what github.token can write to. */
  repository?: string;
}

type BackendSection = { backend: string } & Record<string, unknown>;
const text = (backend: BackendSection, field: string) => String(backend[field] ?? '');
const same = (a: string | undefined, b: string | undefined) => Boolean(a && b && a.toLowerCase() === b.toLowerCase());
const isUrl = (value: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
export const siteBranch = (name: string) => `fctl-plugin-${name}-site`;
const GIT_USER = "git config user.name 'github-actions[bot]'\ngit config user.email '41898282+github-actions[bot]@users.noreply.github.com'";

/** A step failing unless $GITHUB_REPOSITORY (or its owner) is `expected`: the permissions were written for it. */
function repositoryCheck(variable: 'GITHUB_REPOSITORY' | 'GITHUB_REPOSITORY_OWNER', expected: string, why: string): { description: string; script: string } {
  return {
    description: why,
    script: `if [ "$(printf '%s' "$${variable}" | tr '[:upper:]' '[:lower:]')" != '${expected.toLowerCase()}' ]; then\n  echo "::error::${why}, but this workflow runs in $${variable}: regenerate the workflow (nx g @fctl-kit/nx:plugin) for this repository"\n  exit 1\nfi`,
  };
}

export function releaseAccess(context: ReleaseContext): ReleaseAccess {
  const permissions: Record<string, 'read' | 'write'> = { contents: 'read' };
  const requiredSecrets = [SIGNING_KEY_SECRET];
  const checks: ReleaseAccess['checks'] = [];
  const before: Step[] = [];
  const after: Step[] = [];
  const env: Record<string, string> = { [SIGNING_KEY_SECRET]: `\${{ secrets.${SIGNING_KEY_SECRET} }}` };
  const release = context.release;
  const fromPlugin = (path: string) => posix.normalize(posix.join(context.directory, path));

  // GitHub: releases made and pull requests opened, each in this repository or another one.
  const githubTargets: { repo: string; kind: 'release' | 'pull request' }[] = [];
  const backends = (release?.backends ?? []) as BackendSection[];
  for (const backend of backends) {
    if (backend.backend === 'github-releases' || backend.backend === 'private-releases') githubTargets.push({ repo: text(backend, 'repo'), kind: 'release' });
  }
  const registry = release?.registry;
  if (registry && 'github' in registry && registry.github) githubTargets.push({ repo: registry.github.repo, kind: 'pull request' });
  if (githubTargets.length) {
    const elsewhere = githubTargets.filter((target) => !same(target.repo, context.repository));
    if (elsewhere.length) {
      // One token reaches every GitHub target (fctl-kit release reads one GITHUB_TOKEN).
      requiredSecrets.push(RELEASE_TOKEN_SECRET);
      env.GITHUB_TOKEN = `\${{ secrets.${RELEASE_TOKEN_SECRET} }}`;
    } else {
      env.GITHUB_TOKEN = '${{ github.token }}';
      permissions.contents = 'write';
      if (githubTargets.some((target) => target.kind === 'pull request')) permissions['pull-requests'] = 'write';
      checks.push(repositoryCheck('GITHUB_REPOSITORY', context.repository!, `The release writes to ${context.repository} with this workflow's own token`));
    }
  }

  for (const backend of backends) {
    const to = text(backend, 'to');
    if (backend.backend === 'oci') {
      const host = to.replace(/^oci:\/\//, '').split('/')[0]!;
      if (host.toLowerCase() === 'ghcr.io') {
        permissions.packages = 'write';
        const owner = to.replace(/^oci:\/\//, '').split('/')[1] ?? '';
        checks.push(repositoryCheck('GITHUB_REPOSITORY_OWNER', owner, `The release pushes to ghcr.io/${owner} with this workflow's own token`));
        before.push({ name: 'Log in to ghcr.io (the workflow token; packages: write)', uses: 'docker/login-action@v3', with: { registry: 'ghcr.io', username: '${{ github.actor }}', password: '${{ github.token }}' } });
      } else {
        requiredSecrets.push(OCI_USERNAME_SECRET, OCI_PASSWORD_SECRET);
        before.push({ name: `Log in to ${host}`, uses: 'docker/login-action@v3', with: { registry: host, username: `\${{ secrets.${OCI_USERNAME_SECRET} }}`, password: `\${{ secrets.${OCI_PASSWORD_SECRET} }}` } });
      }
    } else if (backend.backend === 's3') {
      requiredSecrets.push('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY');
      env.AWS_ACCESS_KEY_ID = '${{ secrets.AWS_ACCESS_KEY_ID }}';
      env.AWS_SECRET_ACCESS_KEY = '${{ secrets.AWS_SECRET_ACCESS_KEY }}';
    } else if (backend.backend === 'url' && !isUrl(to)) {
      // A directory on the runner is lost with it: it is kept on a branch, which a static host (GitHub
      // Pages from a branch) serves at the publicBase the registry records.
      const site = fromPlugin(to);
      const branch = siteBranch(context.name);
      permissions.contents = 'write';
      before.push({
        name: `The published site (branch ${branch}) in ${site}`,
        env: { SITE_DIR: site, SITE_BRANCH: branch },
        run: [
          'if git fetch --quiet origin "refs/heads/$SITE_BRANCH"; then',
          '  git worktree add --quiet -B "$SITE_BRANCH" "$SITE_DIR" FETCH_HEAD',
          'else',
          '  echo "$SITE_BRANCH does not exist yet: it starts empty"',
          '  git worktree add --quiet --detach "$SITE_DIR"',
          '  git -C "$SITE_DIR" checkout --quiet --orphan "$SITE_BRANCH"',
          '  git -C "$SITE_DIR" rm -r --quiet --force --ignore-unmatch .',
          'fi',
          '',
        ].join('\n'),
      });
      after.push({
        name: `Push the published site to ${branch}`,
        env: { SITE_DIR: site, SITE_BRANCH: branch, TAG: '${{ github.ref_name }}' },
        run: [
          'cd "$SITE_DIR"',
          GIT_USER,
          'git add --all',
          'if git diff --cached --quiet; then echo "$SITE_BRANCH already has this release"; exit 0; fi',
          `git commit --quiet -m "fctl plugin ${context.name} $TAG"`,
          'git push origin "HEAD:refs/heads/$SITE_BRANCH"',
          '',
        ].join('\n'),
      });
    }
  }

  if (registry && 'file' in registry && registry.file !== undefined) {
    permissions.contents = 'write';
    const file = fromPlugin(registry.file);
    after.push({
      name: `Commit ${file} to the default branch`,
      env: { REGISTRY_FILE: file, BRANCH: '${{ github.event.repository.default_branch }}', TAG: '${{ github.ref_name }}' },
      run: [
        'patch="$RUNNER_TEMP/registry.patch"',
        'git diff --binary -- "$REGISTRY_FILE" > "$patch"',
        'if [ ! -s "$patch" ]; then echo "$REGISTRY_FILE already lists this release"; exit 0; fi',
        GIT_USER,
        'git checkout --quiet -- "$REGISTRY_FILE"',
        '# The tag may be behind the branch: the change is applied to the branch as it is now, again if a push races.',
        'for attempt in 1 2 3 4 5; do',
        '  git fetch --quiet origin "refs/heads/$BRANCH"',
        '  git checkout --quiet -B "fctl-kit-registry" FETCH_HEAD',
        '  if ! git apply --3way "$patch"; then echo "::error::$REGISTRY_FILE on $BRANCH conflicts with the registered release: register it by hand ($patch)"; exit 1; fi',
        `  git commit --quiet -m "Register fctl plugin ${context.name} $TAG" -- "$REGISTRY_FILE"`,
        '  if git push --quiet origin "HEAD:refs/heads/$BRANCH"; then exit 0; fi',
        '  echo "push to $BRANCH refused (attempt $attempt): retrying on the new $BRANCH"',
        'done',
        'echo "::error::could not push $REGISTRY_FILE to $BRANCH (a protected branch? use a registry repository: docs/ci.md)"',
        'exit 1',
        '',
      ].join('\n'),
    });
  }
  return { permissions, requiredSecrets: [...new Set(requiredSecrets)], checks, before, env, after };
}
