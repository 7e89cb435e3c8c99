// Snapshot mode (GoReleaser's --snapshot): checks on a commit without a release tag - a pull
// request's HEAD - still get a version. FCTL_KIT_SNAPSHOT=1 (or a command's --snapshot) makes a
// git-tag source with no release tag on HEAD take the version of the nearest release tag reachable
// from HEAD, and 0.0.0 when there is none. A tag on HEAD always wins. Nothing published may carry a
// snapshot version: everything that publishes calls refuseSnapshot first.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import semver from 'semver';

const run = promisify(execFile);

export const SNAPSHOT_ENV = 'FCTL_KIT_SNAPSHOT';
/** The version of a snapshot in a repository without any release tag reachable from HEAD. */
export const SNAPSHOT_FALLBACK_VERSION = '0.0.0';
/** git describe is retried past tags that match the pattern but are not semver, at most this often. */
const MAX_SKIPPED_TAGS = 50;

export class SnapshotError extends Error {}

/** Whether FCTL_KIT_SNAPSHOT asks for snapshot mode: 1/true/yes, or 0/false/no/empty; anything else is refused. */
export function snapshotRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[SNAPSHOT_ENV]?.trim().toLowerCase() ?? '';
  if (['1', 'true', 'yes'].includes(value)) return true;
  if (['', '0', 'false', 'no'].includes(value)) return false;
  throw new SnapshotError(`${SNAPSHOT_ENV} is ${JSON.stringify(env[SNAPSHOT_ENV])}: set it to 1 (snapshot mode) or 0`);
}

/** The release version a tag names: vX.Y.Z, or <package>@X.Y.Z for one of `packageNames`; else undefined. */
export function tagVersion(tag: string, packageNames: readonly string[] = []): string | undefined {
  const at = tag.lastIndexOf('@');
  const version = /^v\d/.test(tag) ? tag.slice(1) : at > 0 && packageNames.includes(tag.slice(0, at)) ? tag.slice(at + 1) : undefined;
  return version && semver.valid(version) === version ? version : undefined;
}

/** The release tags among `tags` (one a line), highest version first. */
export function releaseTagsOf(tags: string, packageNames: readonly string[] = []): Array<{ tag: string; version: string }> {
  return tags
    .split('\n')
    .map((tag) => tag.trim())
    .flatMap((tag) => {
      const version = tagVersion(tag, packageNames);
      return version ? [{ tag, version }] : [];
    })
    .sort((a, b) => semver.rcompare(a.version, b.version));
}

const git = async (dir: string, args: string[]) => (await run('git', args, { cwd: dir, maxBuffer: 16 * 1024 * 1024 })).stdout;

/**
 * The nearest release tag reachable from HEAD (`git describe --tags --abbrev=0 --match 'v[0-9]*'`,
 * and `<package>@[0-9]*` for each of `packageNames`), skipping tags that match but are not semver.
 * Of several release tags on that commit the highest version wins, as on HEAD.
 */
export async function nearestReleaseTag(dir: string, packageNames: readonly string[] = []): Promise<{ tag: string; version: string } | undefined> {
  const patterns = ['v[0-9]*', ...packageNames.map((name) => `${name}@[0-9]*`)].flatMap((pattern) => ['--match', pattern]);
  const skipped: string[] = [];
  for (let attempt = 0; attempt <= MAX_SKIPPED_TAGS; attempt++) {
    let found: string;
    try {
      found = (await git(dir, ['describe', '--tags', '--abbrev=0', ...patterns, ...skipped.flatMap((tag) => ['--exclude', tag]), 'HEAD'])).trim();
    } catch {
      return undefined; // no tag reachable (or not a repository, or no commit yet)
    }
    if (tagVersion(found, packageNames)) {
      const commit = (await git(dir, ['rev-list', '-n', '1', `refs/tags/${found}`])).trim();
      return releaseTagsOf(await git(dir, ['tag', '--points-at', commit]), packageNames)[0];
    }
    skipped.push(found);
  }
  return undefined;
}

async function isShallow(dir: string): Promise<boolean> {
  return (await git(dir, ['rev-parse', '--is-shallow-repository']).catch(() => 'false')).trim() === 'true';
}

/** A git-tag source's version in snapshot mode, when HEAD has no release tag: the nearest tag's, else the fallback. */
export async function snapshotVersion(root: string, packageNames: readonly string[] = []): Promise<{ version: string; from: string; origin: 'nearest-tag' | 'fallback' }> {
  const nearest = await nearestReleaseTag(root, packageNames);
  if (nearest) return { version: nearest.version, from: `snapshot: no tag on HEAD; ${nearest.tag} from the nearest tag`, origin: 'nearest-tag' };
  const shallow = (await isShallow(root)) ? ' (a shallow clone: fetch the history and tags, e.g. actions/checkout with fetch-depth: 0, to get the nearest tag)' : '';
  return { version: SNAPSHOT_FALLBACK_VERSION, from: `snapshot: no tag on HEAD and none reachable from it${shallow}; ${SNAPSHOT_FALLBACK_VERSION}, the fallback`, origin: 'fallback' };
}

/**
 * Refuses `action` (e.g. "fctl-kit publish") in snapshot mode, or with a version that did not come
 * from a release tag on HEAD while the source is git-tag: a snapshot version must never be published.
 */
export function refuseSnapshot(action: string, options: { env?: NodeJS.ProcessEnv; snapshot?: boolean; version?: { version: string; from: string; snapshot?: 'nearest-tag' | 'fallback' } } = {}): void {
  const { version } = options;
  if (version?.snapshot) throw new SnapshotError(`${action} refuses a snapshot version: ${version.version} (${version.from}) does not come from a release tag on HEAD. Tag the commit (vX.Y.Z) and run it without ${SNAPSHOT_ENV}`);
  if (options.snapshot || snapshotRequested(options.env)) throw new SnapshotError(`${action} does not run in snapshot mode (${SNAPSHOT_ENV}=1 or --snapshot, for checks on untagged commits): publish from a tagged commit without it`);
}
