// matrix.html: one self-contained page (no external resource: its Content-Security-Policy allows
// only its own inline style and script, by hash). The table is rendered in the HTML itself, every
// text escaped (a diff holding </script> is text in a <pre>); the script only filters (plugin and
// fctl text, "only failures"). Each cell links to its details (#cell-<n>, shown by :target): a
// failure's diff per scenario and the stub stack's request log, an unreachable cell's reasons.
import { createHash } from 'node:crypto';
import { escapeMarkup } from './escape.js';
import { cellViews, summarize, type CellView } from './report-json.js';
import type { MatrixResults } from './results.js';
import { SYMBOLS } from './report-markdown.js';
import { pluginVersionLabel } from './plan.js';

export interface HtmlOptions {
  title?: string;
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1f2328; }
h1 { font-size: 1.4rem; }
#filters { display: flex; gap: 1rem; margin: 1rem 0; align-items: center; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.6rem; text-align: center; }
thead th { background: #f6f8fa; }
tbody th { text-align: left; background: #f6f8fa; }
td a { text-decoration: none; display: block; font-weight: bold; }
td.pass { background: #dafbe1; } td.pass a { color: #1a7f37; }
td.fail, td.error { background: #ffebe9; } td.fail a, td.error a { color: #cf222e; }
td.not-run { background: #fff8c5; } td.unreachable { background: #f6f8fa; } td.unreachable a { color: #6e7781; }
.filtered { display: none; }
.detail { display: none; border: 1px solid #d0d7de; border-radius: 6px; padding: 0.5rem 1rem; margin: 1rem 0; }
.detail:target { display: block; border-color: #cf222e; }
pre { background: #f6f8fa; padding: 0.5rem; overflow: auto; white-space: pre-wrap; }
.legend { color: #57606a; }
`;

const SCRIPT = `
(() => {
  const byId = (id) => document.getElementById(id);
  const plugin = byId('filter-plugin'), core = byId('filter-core'), only = byId('only-failures');
  const failing = (cell) => ['fail', 'error', 'not-run'].includes(cell.dataset.state);
  const apply = () => {
    const p = plugin.value.trim().toLowerCase(), c = core.value.trim().toLowerCase(), f = only.checked;
    const rows = [...document.querySelectorAll('#matrix tbody tr')];
    const headers = [...document.querySelectorAll('#matrix thead th[data-col]')];
    const cellsOf = (col) => rows.map((row) => row.querySelector('td[data-col="' + col + '"]')).filter(Boolean);
    const columns = new Set(headers.filter((th) => th.dataset.name.toLowerCase().includes(p) && (!f || cellsOf(th.dataset.col).some(failing))).map((th) => th.dataset.col));
    let shown = 0;
    for (const th of headers) th.classList.toggle('filtered', !columns.has(th.dataset.col));
    for (const row of rows) {
      const cells = [...row.querySelectorAll('td[data-col]')];
      const visible = row.dataset.core.toLowerCase().includes(c) && (!f || cells.some((cell) => columns.has(cell.dataset.col) && failing(cell)));
      row.classList.toggle('filtered', !visible);
      for (const cell of cells) {
        cell.classList.toggle('filtered', !columns.has(cell.dataset.col));
        if (visible && columns.has(cell.dataset.col)) shown++;
      }
    }
    byId('shown').textContent = shown + ' of ' + document.querySelectorAll('#matrix td[data-col]').length + ' cells shown';
  };
  for (const input of [plugin, core, only]) input.addEventListener('input', apply);
  apply();
})();
`;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
const e = (text: string) => escapeMarkup(text);
const a = (text: string) => `"${escapeMarkup(text, true)}"`;

const STATE_WORDS = { pass: 'passed', fail: 'failed', error: 'could not run', 'not-run': 'not run', unreachable: 'unreachable' } as const;

function detail(view: CellView): string {
  const { cell, result } = view;
  const parts = [`<h3>${e(cell.id)}: ${STATE_WORDS[view.state]}</h3>`];
  if (cell.status === 'unreachable') parts.push(`<ul>${cell.reasons.map((reason) => `<li>${e(reason.message)}</li>`).join('')}</ul>`);
  else {
    parts.push(`<p>protocol version ${cell.protocolVersion ?? 'unknown'}${cell.deprecated ? ` · deprecated: ${e(cell.deprecated)}` : ''}${result?.key ? ` · cache key <code>${e(result.key)}</code>` : ''}</p>`);
    if (!result) parts.push('<p>No result: the cell did not run (a shard missing from the merge?).</p>');
    else if (result.status === 'error') parts.push(`<pre class="error">${e(result.error ?? 'the cell could not run')}</pre>`);
    for (const scenario of result?.scenarios ?? []) {
      parts.push(`<h4>${scenario.ok ? '✓' : '✗'} ${e(scenario.name)}</h4>`);
      if (!scenario.ok) {
        parts.push(`<pre class="diff">${e(scenario.problems.join('\n\n'))}</pre>`);
        parts.push(`<p>The stub stack's requests:</p><pre class="requests">${e(scenario.requests.join('\n') || '(none)')}</pre>`);
      }
    }
  }
  return `<article class="detail" id="cell-${view.index}" data-state=${a(view.state)}>${parts.join('\n')}</article>`;
}

export function matrixHtml(results: MatrixResults, options: HtmlOptions = {}): string {
  const title = options.title ?? 'fctl compatibility matrix';
  const views = cellViews(results);
  const s = summarize(results);
  const columns = results.plan.plugins.flatMap((plugin) => plugin.versions.map((entry) => pluginVersionLabel(plugin.name, entry)));
  const rows = results.plan.cores.map((core) => {
    const cells = views.filter((view) => view.cell.core === core.version);
    const tds = cells.map((view, col) => {
      const tip = view.cell.status === 'unreachable' ? view.cell.reasons.map((reason) => reason.message).join('; ') : `${view.cell.id}: ${STATE_WORDS[view.state]}`;
      return `<td class=${a(`cell ${view.state}`)} data-col="${col}" data-state=${a(view.state)}><a href="#cell-${view.index}" title=${a(tip)}>${SYMBOLS[view.state]}</a></td>`;
    });
    return `<tr data-core=${a(core.version)}><th>${e(core.version)}</th>${tds.join('')}</tr>`;
  });
  const table = columns.length && results.plan.cores.length
    ? `<table id="matrix"><thead><tr><th>fctl</th>${columns.map((name, col) => `<th data-col="${col}" data-name=${a(name)}>${e(name)}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`
    : '<p id="matrix">No cells: no core versions or no plugin versions were planned.</p>';
  // Constant text and base64 hashes: nothing to escape.
  const csp = `default-src 'none'; style-src ${hash(STYLE)}; script-src ${hash(SCRIPT)}; img-src 'none'; base-uri 'none'; form-action 'none'`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${e(title)}</h1>
<p id="summary">${s.cells} cells: ${s.pass} ✓ passed · ${s.fail} ✗ failed · ${s.error} ✗ could not run · ${s.notRun} ? not run · ${s.unreachable} — unreachable</p>
<div id="filters"><label>Plugin <input id="filter-plugin" type="search" placeholder="ledger@3"></label><label>fctl <input id="filter-core" type="search" placeholder="0.2"></label><label><input id="only-failures" type="checkbox"> only failures</label><span id="shown"></span></div>
${table}
<p class="legend">✓ passed · ✗ failed or could not run · ? not run · — unreachable (not a failure). Click a cell for its details.</p>
<section id="details">
${views.map(detail).join('\n')}
</section>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
