// Which core versions a matrix runs, from the released cores: a list, a semver range, the latest
// patch of each of the last N minor versions, or "supported": the latest patch of each minor among
// the cores the registry does not mark deprecated (the plugin's gate: the fctl versions users still
// run, by the registry's policy). Ranges, "last minors" and "supported" take stable releases only
// (a prerelease core is named in a list); a list names released versions only.
import semver from 'semver';
import { quoteInput } from './escape.js';
import { PlanError, type CoreInput } from './plan.js';

export type CoreSelection = { kind: 'list'; versions: readonly string[] } | { kind: 'range'; range: string } | { kind: 'last-minors'; count: number } | { kind: 'supported' };


export const MAX_LAST_MINORS = 1000;

/** `0.1.0,0.2.3` (a list), `last-minors:3`, `supported`, or anything else as a semver range (`>=0.2 <1`). */
export function parseCoreSelection(text: string): CoreSelection {
  const trimmed = text.trim();
  if (trimmed === 'supported') return { kind: 'supported' };
  const last = /^last-minors:(\d{1,4})$/.exec(trimmed);
  if (last) return { kind: 'last-minors', count: Number(last[1]) };
  const items = trimmed.split(',').map((item) => item.trim());
  if (items.length && items.every((item) => semver.valid(item) === item)) return { kind: 'list', versions: items };
  if (semver.validRange(trimmed) === null) throw new PlanError(`${quoteInput(text)} is not a list of core versions, a semver range, or last-minors:N or supported`);
  return { kind: 'range', range: trimmed };
}

function released<Core extends CoreInput>(cores: readonly Core[]): Core[] {
  for (const core of cores) if (typeof core?.version !== 'string' || semver.valid(core.version) !== core.version) throw new PlanError(`released core ${quoteInput(core?.version)} is not a semver version`);
  return [...cores].sort((a, b) => semver.compare(a.version, b.version));
}

/** The latest stable patch of each major.minor, ascending. */
function latestPatches<Core extends CoreInput>(cores: readonly Core[]): Core[] {
  const latest = new Map<string, Core>();
  for (const core of cores) if (semver.prerelease(core.version) === null) latest.set(`${semver.major(core.version)}.${semver.minor(core.version)}`, core); // ascending: the last wins
  return [...latest.values()];
}

export function selectCores<Core extends CoreInput>(cores: readonly Core[], selection: CoreSelection): Core[] {
  const all = released(cores);
  const known = all.map((core) => core.version).join(', ') || 'none';
  let chosen: Core[];
  if (selection.kind === 'list') {
    const missing = selection.versions.filter((version) => !all.some((core) => core.version === version));
    if (missing.length) throw new PlanError(`no released core ${missing.map((version) => quoteInput(version)).join(', ')} (released: ${known})`);
    chosen = all.filter((core) => selection.versions.includes(core.version));
  } else if (selection.kind === 'range') {
    if (semver.validRange(selection.range) === null) throw new PlanError(`${quoteInput(selection.range)} is not a semver range`);
    chosen = all.filter((core) => semver.satisfies(core.version, selection.range));
  } else if (selection.kind === 'supported') {
    chosen = latestPatches(all.filter((core) => core.deprecated === undefined));
  } else {
    if (!Number.isSafeInteger(selection.count) || selection.count < 1 || selection.count > MAX_LAST_MINORS) {
      throw new PlanError(`last-minors needs a count from 1 to ${MAX_LAST_MINORS}; got ${quoteInput(selection.count)}`);
    }
    chosen = latestPatches(all).slice(-selection.count);
  }
  // A released list may repeat a version (two builds, one with build metadata): the first is kept.
  const unique = chosen.filter((core, index) => chosen.findIndex((other) => semver.eq(other.version, core.version)) === index);
  if (!unique.length) throw new PlanError(`no released core matches ${describe(selection)} (released: ${known})`);
  return unique;
}

function describe(selection: CoreSelection): string {
  if (selection.kind === 'list') return selection.versions.join(', ');
  if (selection.kind === 'range') return `the range ${quoteInput(selection.range)}`;
  if (selection.kind === 'supported') return 'supported (the latest stable patch of each minor not marked deprecated)';
  return `last-minors:${selection.count}`;
}
