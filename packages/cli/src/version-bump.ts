// `fctl-kit version bump`: for repositories without changesets, moves the version everywhere it is
// written, or nowhere: every change is computed and checked first, then the files are written (each
// atomically). Where the version lives:
//   - the service version source fctl-plugin.json names (a package.json's "version", or a VERSION
//     file); a git-tag source's version is its tag: the edits are made, and the tag to create once
//     they are committed is printed (a tag made now would point at a commit without them);
//   - the plugin package's package.json "version" (verify-version demands it equals the service's);
//   - the compatibleWith range in createPlugin({ compatibleWith: '...' }), when the new version is
//     outside it: a range of the form ">=X.0.0 <X+1.0.0" or ">=X.Y.0 <X.Y+1.0" moves to the new
//     major or minor line; any other form, or a range that is not one literal, is refused with what
//     to edit by hand;
//   - the compatibility scenarios (compat/scenarios.yaml): a stack's version of the plugin's service
//     that equals the old version (a scenario pinning another version, e.g. "a v4 stack gets no
//     plugin", is a different stack and is left alone). Edited in place in the text, at the value's
//     position the yaml Document gives: comments and formatting are untouched.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import semver from 'semver';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { writeFileAtomic } from '@fctl-kit/files';
import { readPluginConfig, serviceVersion } from '@fctl-kit/plugin-config';
import { findSourceRange } from './plugin-source-range.js';

export class VersionBumpError extends Error {}

export interface FileChange {
  file: string;
  what: string;
  text: string;
}

export interface BumpPlan {
  from: string;
  to: string;
  changes: FileChange[];
  /** For a git-tag source: the tag to create once the changes are committed. */
  tag?: string;
}

const BUMPS = ['major', 'minor', 'patch'] as const;

/** The new version: a bump of the current one, or an exact version that must be higher. */
export function nextVersion(current: string, bump: string): string {
  if ((BUMPS as readonly string[]).includes(bump)) return semver.inc(current, bump as (typeof BUMPS)[number])!;
  if (semver.valid(bump) !== bump) throw new VersionBumpError(`"${bump}" is not major, minor, patch or a version like 1.5.0`);
  if (!semver.gt(bump, current)) throw new VersionBumpError(`${bump} is not above the current version ${current}: versions only go up`);
  return bump;
}

/** Sets the top-level "version" of a package.json text, changing only that value's characters. */
function withPackageVersion(file: string, text: string, from: string, to: string): string {
  const parsed = JSON.parse(text) as { version?: unknown };
  if (parsed.version !== from) throw new VersionBumpError(`${file} has "version": ${JSON.stringify(parsed.version)}, not ${from}: make them agree first (fctl-kit verify-version)`);
  const pattern = new RegExp(`("version"\\s*:\\s*)"${from.replace(/[.+]/g, '\\$&')}"`, 'g');
  const matches = [...text.matchAll(pattern)];
  for (const match of matches) {
    const next = text.slice(0, match.index!) + `${match[1]}"${to}"` + text.slice(match.index! + match[0].length);
    const reparsed = JSON.parse(next) as Record<string, unknown>;
    if (reparsed.version === to && JSON.stringify({ ...reparsed, version: from }) === JSON.stringify(parsed)) return next;
  }
  throw new VersionBumpError(`${file}: could not find its "version" field to edit`);
}

/** The release line: the minor for 0.x (0.3 and 0.4 are incompatible), else the major. */
const lineOf = (version: string) => (semver.major(version) === 0 ? `0.${semver.minor(version)}` : `${semver.major(version)}`);

/** A range moved to the new version's line, when it has one of the two forms a line is written in. */
export function movedRange(range: string, to: string): string | undefined {
  const match = /^>=\s*(\d+)\.(\d+)\.0\s+<\s*(\d+)\.(\d+)\.0$/.exec(range.trim());
  if (!match) return undefined;
  const [lowMajor, lowMinor, highMajor, highMinor] = match.slice(1).map(Number) as [number, number, number, number];
  const major = semver.major(to);
  const minor = semver.minor(to);
  if (lowMinor === 0 && highMajor === lowMajor + 1 && highMinor === 0) return `>=${major}.0.0 <${major + 1}.0.0`;
  if (highMajor === lowMajor && highMinor === lowMinor + 1) return `>=${major}.${minor}.0 <${major}.${minor + 1}.0`;
  return undefined;
}

async function rangeChange(dir: string, from: string, to: string): Promise<FileChange | undefined> {
  const written = await findSourceRange(dir);
  if (written.found && semver.satisfies(to, written.range, { includePrerelease: true })) return undefined;
  if (!written.found) {
    if (lineOf(from) === lineOf(to)) return undefined;
    throw new VersionBumpError(`${to} starts a new release line, and the compatibleWith range cannot be edited: ${written.reason}. Edit createPlugin({ compatibleWith }) to serve ${to}, then run the bump again`);
  }
  const range = movedRange(written.range, to);
  if (!range) {
    throw new VersionBumpError(`${to} is outside compatibleWith "${written.range}" (${written.file}), which is not of the form ">=X.0.0 <X+1.0.0" or ">=X.Y.0 <X.Y+1.0": edit it to serve ${to}, then run the bump again`);
  }
  return { file: written.file, what: `compatibleWith "${written.range}" -> "${range}"`, text: written.text.slice(0, written.start) + range + written.text.slice(written.end) };
}

async function scenariosChange(dir: string, service: string, from: string, to: string): Promise<FileChange | undefined> {
  const file = join(dir, 'compat', 'scenarios.yaml');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const document = parseDocument(text, { keepSourceTokens: true });
  if (document.errors.length) throw new VersionBumpError(`${file}: ${document.errors[0]!.message}`);
  const scenarios = document.get('scenarios');
  const places: Array<[number, number]> = [];
  if (isSeq(scenarios)) {
    for (const scenario of scenarios.items) {
      const services = isMap(scenario) ? scenario.getIn(['stack', 'services'], true) : undefined;
      const value = isMap(services) ? services.get(service, true) : undefined;
      if (isScalar(value) && String(value.value).replace(/^v/, '') === from && value.range) places.push([value.range[0], value.range[1]]);
    }
  }
  if (!places.length) return undefined;
  let next = text;
  for (const [start, end] of places.sort((a, b) => b[0] - a[0])) {
    const old = next.slice(start, end);
    if (!old.includes(from)) throw new VersionBumpError(`${file}: the value at offset ${start} is not written as ${from}`);
    next = next.slice(0, start) + old.replace(from, to) + next.slice(end);
  }
  return { file, what: `${places.length} scenario stack(s) on ${service} ${from} -> ${to}`, text: next };
}

function git(dir: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return undefined;
  }
}

/** Everything a bump changes, checked; nothing written. */
export async function planBump(pluginDir: string, bump: string): Promise<BumpPlan> {
  const dir = resolve(pluginDir);
  const config = await readPluginConfig(dir);
  const changes: FileChange[] = [];
  let from: string;
  let tag: string | undefined;
  if (config.version.source === 'git-tag') {
    // The version is the newest release tag (on HEAD or before it).
    const described = git(dir, ['describe', '--tags', '--abbrev=0', '--match', 'v[0-9]*']);
    if (!described || !semver.valid(described.slice(1))) throw new VersionBumpError(`the version source is git-tag and no vX.Y.Z tag is reachable from HEAD: create the first with "git tag v1.0.0"`);
    from = described.slice(1);
  } else {
    from = (await serviceVersion(dir)).version;
  }
  const to = nextVersion(from, bump);
  if (config.version.source === 'git-tag') tag = `v${to}`;
  else {
    const file = resolve(dir, config.version.path);
    const text = await readFile(file, 'utf8');
    if (config.version.source === 'package-json') changes.push({ file, what: `"version" ${from} -> ${to}`, text: withPackageVersion(file, text, from, to) });
    else {
      if (text.trim() !== from) throw new VersionBumpError(`${file} does not hold just the version ${from}`);
      changes.push({ file, what: `${from} -> ${to}`, text: text.replace(from, to) });
    }
  }
  const pluginPackage = join(dir, 'package.json');
  const packageText = await readFile(pluginPackage, 'utf8').catch(() => undefined);
  if (packageText !== undefined && !changes.some((c) => c.file === pluginPackage)) {
    // verify-version demands it for a package.json source; with another source it moves only along with the service.
    const version = (JSON.parse(packageText) as { version?: unknown }).version;
    if (version === from || config.version.source === 'package-json') changes.push({ file: pluginPackage, what: `"version" ${from} -> ${to}`, text: withPackageVersion(pluginPackage, packageText, from, to) });
  }
  const range = await rangeChange(dir, from, to);
  if (range) changes.push(range);
  const scenarios = await scenariosChange(dir, config.service, from, to);
  if (scenarios) changes.push(scenarios);
  return { from, to, changes, ...(tag ? { tag } : {}) };
}

/** Writes a checked plan: each file atomically, keeping its mode. */
export async function applyBump(plan: BumpPlan): Promise<void> {
  for (const change of plan.changes) await writeFileAtomic(change.file, change.text, { mode: 'preserve' });
}
