// The core's gate (issue 15 item 4): a pull request's matrix (head) against its base branch's
// matrix (base), both results as parseResults reads them. Pure. docs/compat.md, "The two gates".
//
// Cells are matched by (core, plugin, version). A released core is the same core in both when its
// version is; the local builds (`--core-build`, labelled `headBuild` in the head and `baseBuild` in
// the base, 0.0.0-local unless named) are one core, "the build". The gate fails on a new ✗ (a cell
// failing or unable to run in the head that the base does not show failing) and on a head cell
// that did not run (the gate cannot say it passes); everything else is reported, not gating.
import { codeSpan, escapeMarkdownInline, quoteInput } from './escape.js';
import { LOCAL_BUILD_VERSION } from './core-provider.js';
import { cellViews, type CellState, type CellView } from './report-json.js';
import { SYMBOLS } from './report-markdown.js';
import { ResultsError, type MatrixResults } from './results.js';

export class CompareError extends ResultsError {
  override name = 'CompareError';
}

export interface CompareOptions {
  /** The label of the pull request's build in the head (default 0.0.0-local). */
  headBuild?: string;
  /** The label of the base branch's build in the base (default 0.0.0-local). */
  baseBuild?: string;
}

/** A cell's state on one side; `absent` when that side did not plan the cell. */
export type SideState = CellState | 'absent';

export interface CellChange {
  /** The head's cell id (the base's for a cell the head no longer plans). */
  cell: string;
  core: string;
  plugin: string;
  version: string;
  base: SideState;
  head: SideState;
  /** The head cell's index in its plan: the report anchor `cell-<index>` (absent for a cell gone from the head). */
  headIndex?: number;
  /** Scenarios failing in the head that did not fail in the base (ok there, or not there). */
  newlyFailing: string[];
  /** Scenarios failing in both; `changed` when what differed is not the same text. */
  stillFailing: { name: string; changed: boolean }[];
  /** Scenarios failing in the base that pass in the head. */
  fixed: string[];
  /** Why the cell is unreachable now (reachability changes). */
  reasons?: string[];
}

export interface Comparison {
  /** ✗ in the head where the base had ✓, had no result, or failed fewer scenarios: the gate fails. */
  newFailures: CellChange[];
  /** ✗ in the base, ✓ in the head. */
  fixed: CellChange[];
  /** ✗ in both, no scenario newly failing. */
  stillFailing: CellChange[];
  /** ✗ in the head on a plugin version or a released core the base did not plan: that change is not this pull request's; not gating. */
  failingNew: CellChange[];
  /** Reachable in the head with no result (a shard missing): the gate fails. */
  notRun: CellChange[];
  /** Reachable in one and unreachable in the other, or gone from the head. */
  reachability: CellChange[];
  /** No new failure and nothing left unrun. */
  passes: boolean;
}

const failed = (state: SideState) => state === 'fail' || state === 'error';
const BUILD = '\u0000build';

function coreIdentity(results: MatrixResults, build: string): (core: string) => string {
  const has = results.plan.cores.some((core) => core.version === build);
  return (core) => (has && core === build ? BUILD : core);
}

const matchKey = (core: string, plugin: string, version: string) => `${core}\u0000${plugin}\u0000${version}`;

function scenarioChanges(base: CellView | undefined, head: CellView) {
  const before = new Map((base?.result?.scenarios ?? []).map((scenario) => [scenario.name, scenario]));
  const after = head.result?.scenarios ?? [];
  const newlyFailing: string[] = [];
  const stillFailing: { name: string; changed: boolean }[] = [];
  for (const scenario of after) {
    if (scenario.ok) continue;
    const was = before.get(scenario.name);
    if (was && !was.ok) stillFailing.push({ name: scenario.name, changed: JSON.stringify(was.problems) !== JSON.stringify(scenario.problems) });
    else newlyFailing.push(scenario.name);
  }
  const passing = new Set(after.filter((scenario) => scenario.ok).map((scenario) => scenario.name));
  const fixed = [...before.values()].filter((scenario) => !scenario.ok && passing.has(scenario.name)).map((scenario) => scenario.name);
  return { newlyFailing, stillFailing, fixed };
}

export function compareMatrices(base: MatrixResults, head: MatrixResults, options: CompareOptions = {}): Comparison {
  const headBuild = options.headBuild ?? LOCAL_BUILD_VERSION;
  const baseBuild = options.baseBuild ?? LOCAL_BUILD_VERSION;
  const headHasBuild = head.plan.cores.some((core) => core.version === headBuild);
  const baseHasBuild = base.plan.cores.some((core) => core.version === baseBuild);
  // Without the build on both sides, the pull request's cells would all be "new" and never gate.
  if (headHasBuild && !baseHasBuild) throw new CompareError(`the head matrix has the build ${headBuild}, the base matrix has no core ${baseBuild}: run the base's matrix with --core-build (or name its label)`);
  if (baseHasBuild && !headHasBuild) throw new CompareError(`the base matrix has the build ${baseBuild}, the head matrix has no core ${headBuild}: run the head's matrix with --core-build (or name its label)`);
  const headCore = coreIdentity(head, headBuild);
  const baseCore = coreIdentity(base, baseBuild);
  const baseCores = new Set(base.plan.cores.map((core) => baseCore(core.version)));
  const baseVersions = new Set(base.plan.plugins.flatMap((plugin) => plugin.versions.map((entry) => `${plugin.name}@${entry.version}`)));
  const baseViews = new Map(cellViews(base).map((view) => [matchKey(baseCore(view.cell.core), view.cell.plugin, view.cell.version), view]));
  const comparison: Comparison = { newFailures: [], fixed: [], stillFailing: [], failingNew: [], notRun: [], reachability: [], passes: true };
  const seen = new Set<string>();

  for (const view of cellViews(head)) {
    const key = matchKey(headCore(view.cell.core), view.cell.plugin, view.cell.version);
    seen.add(key);
    const before = baseViews.get(key);
    const baseState: SideState = before?.state ?? 'absent';
    const change: CellChange = {
      cell: view.cell.id,
      core: view.cell.core,
      plugin: view.cell.plugin,
      version: view.cell.version,
      base: baseState,
      head: view.state,
      headIndex: view.index,
      ...scenarioChanges(before, view),
    };
    if (view.cell.status === 'unreachable') {
      if (before && baseState !== 'unreachable') comparison.reachability.push({ ...change, reasons: view.cell.reasons.map((reason) => reason.message) });
      continue;
    }
    if (baseState === 'unreachable') comparison.reachability.push(change);
    if (view.state === 'not-run') comparison.notRun.push(change);
    else if (view.state === 'pass') {
      if (failed(baseState)) comparison.fixed.push(change);
    } else if (baseState === 'pass') comparison.newFailures.push(change);
    else if (baseState === 'fail') {
      // Both failed: a scenario that did not fail before is a new ✗; a cell that could not run now was failing already.
      if (view.state === 'fail' && change.newlyFailing.length) comparison.newFailures.push(change);
      else comparison.stillFailing.push(change);
    } else if (baseState === 'error') {
      // The base could not run it: nothing shows it failed before, unless it could not run in the head either.
      if (view.state === 'error') comparison.stillFailing.push(change);
      else comparison.newFailures.push(change);
    } else {
      // No base result (absent, unreachable or not run there).
      const isNew = !baseCores.has(headCore(view.cell.core)) || !baseVersions.has(`${view.cell.plugin}@${view.cell.version}`);
      (isNew ? comparison.failingNew : comparison.newFailures).push(change);
    }
  }
  for (const [key, view] of baseViews) {
    if (seen.has(key) || view.cell.status === 'unreachable') continue;
    comparison.reachability.push({ cell: view.cell.id, core: view.cell.core, plugin: view.cell.plugin, version: view.cell.version, base: view.state, head: 'absent', newlyFailing: [], stillFailing: [], fixed: [] });
  }
  comparison.passes = comparison.newFailures.length === 0 && comparison.notRun.length === 0;
  return comparison;
}

export interface CompareMarkdownOptions {
  title?: string;
  /** Where the head's matrix.html is (http(s) or a relative path): symbols link to `<htmlUrl>#cell-<n>`, as in matrix.md. */
  htmlUrl?: string;
  /** Default 60 000 characters (a pull-request comment holds 65 536). */
  maxChars?: number;
}

/** A link destination is used only when it is plainly one: http(s) or relative, of URL characters that need no escaping in Markdown. */
export function checkHtmlUrl(url: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (!url || !/^[A-Za-z0-9._~/%?=&+,;:!$*-]+$/.test(url) || (scheme !== undefined && scheme !== 'http' && scheme !== 'https')) {
    throw new CompareError(`the matrix.html link must be an http(s) URL or a relative path of URL characters (no spaces, quotes, brackets or #); got ${quoteInput(url)}`);
  }
  return url;
}

const STATE_WORDS: Record<SideState, string> = { pass: '✓', fail: '✗ failed', error: '✗ could not run', 'not-run': '? not run', unreachable: '— unreachable', absent: 'not in the matrix' };

function line(change: CellChange, link: string | undefined): string {
  const symbol = SYMBOLS[change.head === 'absent' ? 'unreachable' : change.head];
  const linked = link && change.headIndex !== undefined && change.head !== 'unreachable' ? `[${symbol}](${link}#cell-${change.headIndex})` : symbol;
  const parts = [`${linked} ${codeSpan(change.cell)}: ${STATE_WORDS[change.base]} → ${STATE_WORDS[change.head]}`];
  const names = (list: string[]) => list.map((name) => `“${escapeMarkdownInline(name)}”`).join(', ');
  if (change.newlyFailing.length) parts.push(`newly failing: ${names(change.newlyFailing)}`);
  if (change.stillFailing.length) parts.push(`still failing: ${change.stillFailing.map((item) => `“${escapeMarkdownInline(item.name)}”${item.changed ? ' (differently)' : ''}`).join(', ')}`);
  if (change.fixed.length) parts.push(`fixed: ${names(change.fixed)}`);
  if (change.reasons?.length) parts.push(escapeMarkdownInline(change.reasons.join('; ')));
  return `- ${parts.join('; ')}`;
}

export function comparisonMarkdown(comparison: Comparison, options: CompareMarkdownOptions = {}): string {
  const maxChars = options.maxChars ?? 60_000;
  const link = options.htmlUrl === undefined ? undefined : checkHtmlUrl(options.htmlUrl);
  const c = comparison;
  const out = [
    `## ${escapeMarkdownInline(options.title ?? 'fctl compatibility: head against base')}`,
    '',
    c.passes
      ? `**No new failures.** ${c.fixed.length} fixed · ${c.stillFailing.length} still failing · ${c.failingNew.length} failing on versions new to this matrix · ${c.reachability.length} reachability changes`
      : `**${c.newFailures.length} new failure${c.newFailures.length === 1 ? '' : 's'}${c.notRun.length ? ` and ${c.notRun.length} cell${c.notRun.length === 1 ? '' : 's'} not run` : ''}**: the gate fails. ${c.fixed.length} fixed · ${c.stillFailing.length} still failing · ${c.failingNew.length} failing on versions new to this matrix · ${c.reachability.length} reachability changes`,
  ];
  const sections: Array<[string, CellChange[]]> = [
    ['New failures', c.newFailures],
    ['Not run', c.notRun],
    ['Fixed', c.fixed],
    ['Still failing', c.stillFailing],
    ['Failing, new to this matrix (a plugin version or released core the base did not have; not counted)', c.failingNew],
    ['Reachability changes (not counted)', c.reachability],
  ];
  let length = out.join('\n').length;
  for (const [title, changes] of sections) {
    if (!changes.length) continue;
    const lines = ['', `### ${title}`, '', ...changes.map((change) => line(change, link))];
    for (const [index, text] of lines.entries()) {
      if (length + text.length + 1 > maxChars - 200) {
        out.push('', `_… ${lines.length - index} lines of “${title}” and the sections after it left out to stay within ${maxChars} characters._`);
        return `${out.join('\n')}\n`;
      }
      out.push(text);
      length += text.length + 1;
    }
  }
  return `${out.join('\n')}\n`;
}
