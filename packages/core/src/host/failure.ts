// A plugin that crashed, hung or broke the protocol: what happened, and the report users see.
import { terminalText } from '@fctl-kit/protocol';

export type FailureReason =
  | 'not-started' // the executable could not be started
  | 'crashed' // exited or was killed before answering
  | 'protocol' // wrote something the negotiated protocol version does not allow
  | 'too-large' // a message over its size limit
  | 'incompatible' // no common protocol version
  | 'handshake-timeout'
  | 'timeout'
  | 'internal'; // the plugin answered with an error of kind "internal"

export interface PluginIdentity {
  name: string;
  version?: string;
  issues?: string;
  path: string;
}

export interface FailureDetails {
  reason: FailureReason;
  phase: 'handshake' | 'execution';
  detail: string;
  exitCode?: number | null;
  signal?: NodeJS.Signals | null;
  stderrTail: string[];
  plugin: PluginIdentity;
}

/** Exit codes of fctl (documented in docs/protocol.md). */
export const EXIT = { ok: 0, failed: 1, usage: 2, pluginFailure: 3, timeout: 4, interrupted: 130 } as const;

export class PluginFailure extends Error {
  override name = 'PluginFailure';
  /** Plugin-provided text (detail, stderr, issues URL) already made safe for a terminal. */
  readonly details: FailureDetails;
  constructor(details: FailureDetails) {
    const multiline = { multiline: true };
    const safe: FailureDetails = {
      ...details,
      detail: terminalText(details.detail, multiline),
      stderrTail: details.stderrTail.map((line) => terminalText(line, multiline)),
      plugin: {
        ...details.plugin,
        name: terminalText(details.plugin.name),
        path: terminalText(details.plugin.path),
        ...(details.plugin.version !== undefined ? { version: terminalText(details.plugin.version) } : {}),
        ...(details.plugin.issues !== undefined ? { issues: terminalText(details.plugin.issues) } : {}),
      },
    };
    super(`plugin "${safe.plugin.name}" ${headline(safe)}: ${safe.detail}`);
    this.details = safe;
  }

  get exitCode(): number {
    return this.details.reason === 'timeout' || this.details.reason === 'handshake-timeout' ? EXIT.timeout : EXIT.pluginFailure;
  }
}

function headline({ reason, phase }: FailureDetails): string {
  const during = phase === 'handshake' ? 'while starting' : 'during execution';
  switch (reason) {
    case 'not-started':
      return 'could not be started';
    case 'crashed':
      return `crashed ${during}`;
    case 'protocol':
    case 'too-large':
      return `broke the plugin protocol ${during}`;
    case 'incompatible':
      return 'speaks no protocol version this fctl speaks';
    case 'handshake-timeout':
      return 'did not complete the handshake in time';
    case 'timeout':
      return 'did not answer in time';
    case 'internal':
      return 'failed with an internal error';
  }
}

/** The multi-line report printed to stderr. */
export function formatFailure(failure: PluginFailure): string {
  const d = failure.details;
  const lines = [`Error: plugin "${d.plugin.name}" ${headline(d)}.`, '', `  ${d.detail}`];
  if (d.signal) lines.push(`  Signal: ${d.signal}`);
  else if (d.exitCode !== undefined && d.exitCode !== null) lines.push(`  Exit code: ${d.exitCode}`);
  if (d.stderrTail.length) {
    lines.push(`  Stderr (last ${d.stderrTail.length} lines):`, ...d.stderrTail.map((line) => `    ${line}`));
  }
  const blameless = d.reason === 'timeout' || d.reason === 'handshake-timeout' || d.reason === 'not-started';
  if (!blameless || d.reason === 'handshake-timeout') {
    const version = d.plugin.version ? ` (${d.plugin.version === 'dev' ? 'dev' : `v${d.plugin.version}`})` : '';
    lines.push('', `  This is a bug in the ${d.plugin.name} plugin${version}, not in fctl.`);
    lines.push(d.plugin.issues ? `  Report: ${d.plugin.issues}` : `  Report it to the plugin's maintainers (the plugin declares no issues URL).`);
  }
  lines.push(`  Plugin: ${d.plugin.path}`);
  return `${lines.join('\n')}\n`;
}
