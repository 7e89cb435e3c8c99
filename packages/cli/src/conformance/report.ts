// What a conformance run found, as data (--json) and as text.
import { terminalText } from '@fctl-kit/protocol';

/** fail: the protocol's MUST is broken; warn: a SHOULD; n/a: not applicable to this plugin. */
export type Status = 'pass' | 'fail' | 'warn' | 'n/a';

export interface Finding {
  /** Stable id of the check, e.g. handshake.guard (docs/conformance.md lists them). */
  check: string;
  /** The protocol version the check ran with, when it ran with one. */
  version?: number;
  status: Status;
  message: string;
}

export interface Report {
  plugin: { target: string; name?: string; version?: string; protocolVersions: number[] };
  findings: Finding[];
  summary: Record<Status, number>;
  ok: boolean;
}

export function summarize(target: string, plugin: Omit<Report['plugin'], 'target'>, findings: Finding[]): Report {
  const summary: Record<Status, number> = { pass: 0, fail: 0, warn: 0, 'n/a': 0 };
  for (const finding of findings) summary[finding.status]++;
  return { plugin: { target, ...plugin }, findings, summary, ok: summary.fail === 0 };
}

const MARK: Record<Status, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', 'n/a': 'N/A ' };

export function formatReport(report: Report): string {
  const { plugin } = report;
  const who = plugin.name ? `fctl-plugin-${plugin.name} ${plugin.version ?? ''}`.trim() : plugin.target;
  const speaks = plugin.protocolVersions.length ? `speaks protocol ${plugin.protocolVersions.join(', ')}` : 'speaks no protocol version fctl knows';
  const lines = [`Conformance of ${terminalText(who)} (${speaks})`, ''];
  const width = Math.max(...report.findings.map((finding) => label(finding).length));
  for (const finding of report.findings) lines.push(`  ${MARK[finding.status]}  ${label(finding).padEnd(width)}  ${terminalText(finding.message)}`);
  const { pass, fail, warn } = report.summary;
  lines.push('', `${pass} passed, ${fail} failed, ${warn} warning${warn === 1 ? '' : 's'}, ${report.summary['n/a']} not applicable`);
  return `${lines.join('\n')}\n`;
}

const label = (finding: Finding) => (finding.version ? `${finding.check} (v${finding.version})` : finding.check);
