// junit.xml: a test suite per cell, a test case per scenario (classname: the cell), so CI test views
// list "fctl@0.1.0 ledger@3.0.0 › transactions list" with its diff and request log. An unreachable
// cell is one skipped case (its reasons), a cell that could not run or has no result one error.
// Every text goes through escapeMarkup: XML 1.0 cannot carry most control characters even as
// references, so they are written as visible \uXXXX escapes.
import { escapeMarkup } from './escape.js';
import { cellViews, summarize, type CellView } from './report-json.js';
import type { MatrixResults } from './results.js';

const attr = (value: string | number) => `"${escapeMarkup(String(value), true)}"`;
const firstLine = (text: string) => (text.split('\n').find((line) => line.trim()) ?? text).slice(0, 200);

interface Case {
  name: string;
  body?: string;
}

function cases(view: CellView): Case[] {
  const { cell, result } = view;
  const element = (tag: string, message: string, detail: string) => `<${tag} message=${attr(firstLine(message))} type=${attr(view.state)}>${escapeMarkup(detail)}</${tag}>`;
  if (cell.status === 'unreachable') {
    const reasons = cell.reasons.map((reason) => reason.message).join('; ');
    return [{ name: 'unreachable', body: `<skipped message=${attr(reasons)}/>` }];
  }
  if (!result) return [{ name: 'not run', body: element('error', 'no result: the cell did not run (a shard missing from the merge?)', '') }];
  if (result.status === 'error') return [{ name: 'run', body: element('error', result.error ?? 'the cell could not run', result.error ?? '') }];
  if (!result.scenarios.length) return [{ name: '(no scenarios)' }];
  return result.scenarios.map((scenario) => {
    if (scenario.ok) return { name: scenario.name };
    const detail = `${scenario.problems.join('\n\n')}\n\nthe stub stack's requests:\n${scenario.requests.join('\n') || '(none)'}\n`;
    return { name: scenario.name, body: element('failure', scenario.problems[0] ?? 'failed', detail) };
  });
}

export function junitXml(results: MatrixResults): string {
  const summary = summarize(results);
  const suites = cellViews(results).map((view) => {
    const list = cases(view);
    const count = (tag: string) => list.filter((item) => item.body?.startsWith(`<${tag}`)).length;
    const properties = [
      ['core', view.cell.core],
      ['plugin', view.cell.plugin],
      ['version', view.cell.version],
      ['state', view.state],
      ...(view.cell.status === 'reachable' ? [['protocolVersion', String(view.cell.protocolVersion ?? 'unknown')]] : []),
      ...(view.result?.key ? [['cacheKey', view.result.key]] : []),
    ];
    return [
      `  <testsuite name=${attr(view.cell.id)} tests=${attr(list.length)} failures=${attr(count('failure'))} errors=${attr(count('error'))} skipped=${attr(count('skipped'))}>`,
      `    <properties>${properties.map(([name, value]) => `<property name=${attr(name!)} value=${attr(value!)}/>`).join('')}</properties>`,
      ...list.map((item) => `    <testcase classname=${attr(view.cell.id)} name=${attr(item.name)}${item.body ? `>${item.body}</testcase>` : '/>'}`),
      '  </testsuite>',
    ].join('\n');
  });
  const tests = cellViews(results).reduce((total, view) => total + cases(view).length, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="fctl-kit compat matrix" tests=${attr(tests)} failures=${attr(results.results.reduce((n, r) => n + (r.status === 'fail' ? r.scenarios.filter((s) => !s.ok).length : 0), 0))} errors=${attr(summary.error + summary.notRun)} skipped=${attr(summary.unreachable)}>`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
