// Where fctl writes, and the --debug diagnostics channel.
import { terminalText } from '@fctl-kit/protocol';

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export type DebugLog = (line: string) => void;

/**
 * `[fctl]` diagnostics, enabled by --debug; the plugin's stderr is labelled `[plugin]` beside them.
 * Both carry plugin-provided text (stderr lines, messages, manifest fields): made safe for a terminal.
 */
export function debugChannel(io: Io, enabled: boolean): { core: DebugLog; plugin: DebugLog } {
  const write = (label: string) => (line: string) => {
    if (enabled) io.stderr.write(`${label}${terminalText(line, { multiline: true })}\n`);
  };
  return { core: write('[fctl]    '), plugin: write('[plugin]  ') };
}

/** A terminal is attached and the user did not ask for --non-interactive. */
export function isInteractive(io: Io, nonInteractive: boolean): boolean {
  return !nonInteractive && Boolean(io.stdin.isTTY) && Boolean(io.stderr.isTTY) && io.env.CI !== 'true';
}
