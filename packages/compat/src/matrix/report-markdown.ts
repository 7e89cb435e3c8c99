// matrix.md, for $GITHUB_STEP_SUMMARY and a pull-request comment: rows are core versions, columns
// plugin@version, ✓ passed, ✗ failed or could not run, ? not run, — unreachable; with `htmlUrl`, each
// symbol links to its cell in matrix.html. Then why cells are unreachable and each failure's diff and
// request log, as long as the text stays within `maxChars` (a pull-request comment holds 65 536;
// the table always comes first). All text from plugins and diffs is escaped: `|`, backticks, `<`,
// `@mentions`, control characters; diffs go in fences no backtick run inside can close.
import { codeSpan, escapeMarkdownInline, escapeMarkup, fencedBlock } from './escape.js';
import { cellViews, summarize, type CellState, type CellView } from './report-json.js';
import type { MatrixResults } from './results.js';
import { pluginVersionLabel } from './plan.js';

export interface MarkdownOptions {
  title?: string;
  /** Where matrix.html will be (http(s) or a relative path): symbols link to `<htmlUrl>#cell-<n>`. */
  htmlUrl?: string;
  /** Default 60 000 characters. */
  maxChars?: number;
}

export const SYMBOLS: Record<CellState, string> = { pass: '✓', fail: '✗', error: '✗', 'not-run': '?', unreachable: '—' };

/** A link destination GitHub cannot misread: http(s) or relative, with spaces, brackets, quotes and `|` percent-encoded; anything else gives no link. */
function destination(url: string | undefined): string | undefined {
  if (!url || /[\u0000-\u001f\u007f]/.test(url)) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') return undefined;
  return url.replace(/[\s()[\]<>"'|`\\]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function table(views: CellView[], results: MatrixResults, link: string | undefined): string[] {
  const columns = results.plan.plugins.flatMap((plugin) => plugin.versions.map((entry) => pluginVersionLabel(plugin.name, entry)));
  if (!columns.length || !results.plan.cores.length) return ['No cells: no core versions or no plugin versions were planned.'];
  const byRow = new Map<string, CellView[]>();
  for (const view of views) byRow.set(view.cell.core, [...(byRow.get(view.cell.core) ?? []), view]);
  const symbol = (view: CellView) => (link && view.state !== 'unreachable' ? `[${SYMBOLS[view.state]}](${link}#cell-${view.index})` : SYMBOLS[view.state]);
  return [
    `| fctl | ${columns.map(codeSpan).join(' | ')} |`,
    `|---|${columns.map(() => ':-:').join('|')}|`,
    ...results.plan.cores.map((core) => `| ${codeSpan(core.version)} | ${(byRow.get(core.version) ?? []).map(symbol).join(' | ')} |`),
  ];
}

function failureBlock(view: CellView): string {
  const result = view.result;
  const lines: string[] = [];
  if (view.state === 'not-run') lines.push('no result: the cell did not run (a shard missing from the merge?)');
  else if (result?.status === 'error') lines.push(`could not run: ${result.error ?? 'unknown error'}`);
  for (const scenario of result?.scenarios ?? []) {
    if (scenario.ok) continue;
    lines.push(`scenario: ${scenario.name}`, ...scenario.problems, "the stub stack's requests:", ...(scenario.requests.length ? scenario.requests : ['(none)']), '');
  }
  return `<details><summary><code>${escapeMarkup(view.cell.id)}</code>: ${view.state === 'fail' ? 'failed' : view.state === 'error' ? 'could not run' : 'not run'}</summary>\n\n${fencedBlock(lines.join('\n'))}\n\n</details>`;
}

export function matrixMarkdown(results: MatrixResults, options: MarkdownOptions = {}): string {
  const maxChars = options.maxChars ?? 60_000;
  const views = cellViews(results);
  const s = summarize(results);
  const head = [
    `## ${escapeMarkdownInline(options.title ?? 'fctl compatibility matrix')}`,
    '',
    `**${s.cells} cell${s.cells === 1 ? '' : 's'}**: ${s.pass} ✓ passed · ${s.fail} ✗ failed · ${s.error} ✗ could not run · ${s.notRun} ? not run · ${s.unreachable} — unreachable`,
    '',
  ];
  const rows = table(views, results, destination(options.htmlUrl));
  const out: string[] = [...head];
  let length = head.join('\n').length;
  const cut = (what: string) => `\n_… ${what} left out to stay within ${maxChars} characters${options.htmlUrl ? '; see matrix.html' : ''}._`;
  for (const [index, row] of rows.entries()) {
    if (length + row.length + 1 > maxChars - 200) {
      out.push(cut(`${rows.length - index} table rows`));
      return `${out.join('\n')}\n`;
    }
    out.push(row);
    length += row.length + 1;
  }
  const sections: string[] = ['', '✓ passed · ✗ failed or could not run · ? not run · — unreachable (not a failure)'];
  const unreachable = views.filter((view) => view.cell.status === 'unreachable');
  if (unreachable.length) {
    sections.push('', '### Unreachable');
    for (const view of unreachable) if (view.cell.status === 'unreachable') sections.push(`- ${codeSpan(view.cell.id)}: ${escapeMarkdownInline(view.cell.reasons.map((reason) => reason.message).join('; '))}`);
  }
  const failures = views.filter((view) => view.state === 'fail' || view.state === 'error' || view.state === 'not-run');
  if (failures.length) sections.push('', '### Failures', '');
  const blocks = failures.map(failureBlock);
  const parts = [...sections.map((line) => ({ text: line, failure: false })), ...blocks.map((text) => ({ text: `${text}\n`, failure: true }))];
  for (const [index, part] of parts.entries()) {
    if (length + part.text.length + 1 > maxChars - 200) {
      const left = parts.slice(index);
      out.push(cut(`${left.filter((item) => item.failure).length} failure details and ${left.filter((item) => !item.failure).length} lines`));
      return `${out.join('\n')}\n`;
    }
    out.push(part.text);
    length += part.text.length + 1;
  }
  return `${out.join('\n')}\n`;
}
