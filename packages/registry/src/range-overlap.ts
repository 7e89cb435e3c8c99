// What registering a version would change for the stacks that resolve a plugin, computed with the
// registry's own resolution (resolve.ts: the highest version whose range contains the stack's
// service version wins; stable stacks never get prerelease plugin versions). So a new version only
// ever takes stacks from lower versions, or serves stacks no version served; a lower version
// (a backport) never takes a higher one's stacks, the part of its range a higher version covers is
// shadowed. What is refused, before anything is published:
//   - a version outside its own compatibleWith (its own service's stacks would not get it, other
//     services' stacks would);
//   - a version that would serve stacks beyond the range of a higher registered version (3.x
//     stacks that 2.0.0 deliberately stops short of would fall back to 1.5.0).
// Taking over the stacks of lower versions inside the declared range is what a release is for: it
// is reported, not refused.
// Stable service versions are reasoned about in spans where every range's answer is constant (the
// spans' bounds are the ranges' own bounds), each reported with concrete versions ("1.4.x").
import semver from 'semver';
import { indexRegistry, resolveVersion } from './resolve.js';
import type { RegistryDocument, RegistryPlugin } from './schema.js';

const RANGE_OPTIONS = { includePrerelease: true };

/** Stable service versions from `from` up to, not including, `below` (none: no upper bound). */
export interface ServiceSpan {
  from: string;
  below?: string;
}

export interface ReleaseImpact {
  /** Spans that would resolve to the new version, and what they resolve to now (none: nothing). */
  takes: Array<{ span: ServiceSpan; from?: string }>;
  /** Spans inside the new range that a higher version keeps. */
  shadowed: Array<{ span: ServiceSpan; by: string }>;
  /** Why the version must not be registered with this range; empty when it may be. */
  problems: string[];
  /** What registering changes, in words (takeovers, new stacks served, shadowed spans). */
  notes: string[];
}

const stable = (version: semver.SemVer) => `${version.major}.${version.minor}.${version.patch}`;

/** Where a comparator's answer for stable versions changes: >=X and <X at X, >X and <=X just above X. */
function boundaryOf(comparator: semver.Comparator): string | undefined {
  // "*" is a comparator without a version (semver's ANY symbol, which its types do not declare).
  const version = comparator.semver as semver.SemVer | symbol;
  if (!(version instanceof semver.SemVer)) return undefined;
  const above = (comparator.operator === '>' || comparator.operator === '<=') && version.prerelease.length === 0;
  return above ? semver.inc(stable(version), 'patch')! : stable(version);
}

function spansOf(ranges: readonly string[]): ServiceSpan[] {
  const bounds = new Set<string>(['0.0.0']);
  for (const range of ranges) {
    for (const comparators of new semver.Range(range, RANGE_OPTIONS).set) {
      for (const comparator of comparators) {
        const bound = boundaryOf(comparator);
        if (bound) bounds.add(bound);
      }
    }
  }
  const sorted = [...bounds].sort(semver.compare);
  return sorted.map((from, i) => (sorted[i + 1] ? { from, below: sorted[i + 1]! } : { from }));
}

/** A span as stacks are spoken of: "1.4.x", "1.5.3 to 1.5.x", "2.x", "3.0.0 and above", "1.4.0 to below 1.4.7". */
export function describeSpan(span: ServiceSpan): string {
  const from = semver.parse(span.from)!;
  if (!span.below) return `${span.from} and above`;
  const below = semver.parse(span.below)!;
  if (below.major === from.major && below.minor === from.minor && below.patch === from.patch + 1) return span.from;
  if (below.major === from.major && below.minor === from.minor + 1 && below.patch === 0) {
    const line = `${from.major}.${from.minor}.x`;
    return from.patch === 0 ? line : `${span.from} to ${line}`;
  }
  if (below.major === from.major + 1 && below.minor === 0 && below.patch === 0) {
    const line = `${from.major}.x`;
    return from.minor === 0 && from.patch === 0 ? line : `${span.from} to ${line}`;
  }
  return `${span.from} to below ${span.below}`;
}

/** Adjacent spans with the same outcome, joined. */
function joined<T extends { span: ServiceSpan }>(items: T[], same: (a: T, b: T) => boolean): T[] {
  const out: T[] = [];
  for (const item of items) {
    const last = out[out.length - 1];
    if (last && last.span.below === item.span.from && same(last, item)) last.span = item.span.below ? { from: last.span.from, below: item.span.below } : { from: last.span.from };
    else out.push({ ...item, span: { ...item.span } });
  }
  return out;
}

function index(name: string, versions: Record<string, { compatibleWith: string }>) {
  return indexRegistry({ plugins: { [name]: { versions } as unknown as RegistryPlugin } } as unknown as RegistryDocument);
}

const resolved = (registry: ReturnType<typeof index>, name: string, service: string): string | undefined => {
  const resolution = resolveVersion(registry, name, service);
  return resolution.kind === 'found' ? resolution.version : undefined;
};

/**
 * What registering `version` of `name` with `compatibleWith` would change, given the versions the
 * registry holds (a version already registered is replaced by the new entry: a re-run is judged as
 * the first run was). Throws on a range semver cannot read.
 */
export function releaseImpact(name: string, registered: Record<string, { compatibleWith: string }>, version: string, compatibleWith: string): ReleaseImpact {
  const range = new semver.Range(compatibleWith, RANGE_OPTIONS);
  const others = Object.fromEntries(Object.entries(registered).filter(([key]) => key !== version));
  const before = index(name, others);
  const after = index(name, { ...others, [version]: { compatibleWith } });
  const spans = spansOf([compatibleWith, ...Object.values(others).map((entry) => entry.compatibleWith)]);
  const outcomes = spans.map((span) => ({ span, before: resolved(before, name, span.from), after: resolved(after, name, span.from) }));

  const takes = joined(
    outcomes.filter((o) => o.after === version && o.before !== version).map((o) => ({ span: o.span, ...(o.before ? { from: o.before } : {}) })),
    (a, b) => a.from === b.from,
  );
  const shadowed = joined(
    outcomes.filter((o) => o.after !== undefined && o.after !== version && range.test(o.span.from)).map((o) => ({ span: o.span, by: o.after! })),
    (a, b) => a.by === b.by,
  );
  const took = (t: { span: ServiceSpan; from?: string }) => `stacks on ${describeSpan(t.span)} would get ${version} ${t.from ? `instead of ${t.from}` : '(no version serves them now)'}`;

  const problems: string[] = [];
  const prerelease = semver.prerelease(version) !== null;
  if (!semver.satisfies(version, range, RANGE_OPTIONS)) {
    const own = prerelease ? undefined : resolved(after, name, version);
    problems.push(
      `${name} ${version} is outside its own compatibleWith "${compatibleWith}": stacks on ${version} would get ${own ?? 'no version'}${takes.length ? `, and ${takes.map(took).join('; ')}` : ''} (fix the range in createPlugin({ compatibleWith }) and rebuild)`,
    );
  }
  // Stacks above the whole range of a higher registered version: that version stops short of them on purpose.
  if (!prerelease) {
    const higher = Object.entries(others).filter(([key]) => semver.prerelease(key) === null && semver.gt(key, version));
    for (const t of takes.filter((t) => !t.from)) {
      const passed = higher.find(([, entry]) => {
        const theirs = new semver.Range(entry.compatibleWith, RANGE_OPTIONS);
        const served = outcomes.filter((o) => theirs.test(o.span.from));
        return served.length > 0 && served.every((o) => semver.lt(o.span.from, t.span.from));
      });
      if (passed) {
        problems.push(
          `${took(t)}, though ${passed[0]}, a higher version, stops below them (compatibleWith "${passed[1].compatibleWith}"): ${version} would serve a service its successor does not; end its range where ${passed[0]}'s begins`,
        );
      }
    }
  }
  const notes = [
    ...takes.map(took),
    ...shadowed.map((s) => `stacks on ${describeSpan(s.span)} keep ${s.by} (the highest compatible version wins): ${version} serves them only if ${s.by} is retired`),
  ];
  if (prerelease) notes.push(`${version} is a prerelease: only stacks on prerelease service versions are offered it`);
  return { takes, shadowed, problems, notes };
}
