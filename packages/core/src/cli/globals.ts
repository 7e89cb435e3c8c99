// The options fctl accepts on every command, and a pre-scan that reads them before the
// command tree exists (a service's commands are known only once its plugin has been resolved).
import { parseArgs } from 'node:util';
import ms from 'ms';
import type { OutputFormat } from '@fctl-kit/protocol';
import { DEFAULT_EXECUTE_TIMEOUT_MS } from '@fctl-kit/protocol';

export interface GlobalOptions {
  profile?: string;
  output: OutputFormat;
  debug: boolean;
  color: boolean;
  nonInteractive: boolean;
  yes: boolean;
  timeoutMs: number;
  /** name -> path, from --plugin-binary NAME=PATH */
  pluginBinaries: Map<string, string>;
}

export class UsageError extends Error {}

const OUTPUTS: readonly OutputFormat[] = ['plain', 'json', 'yaml'];

export function parseOutput(value: string): OutputFormat {
  if (!OUTPUTS.includes(value as OutputFormat)) throw new UsageError(`--output must be one of ${OUTPUTS.join(', ')}; got "${value}"`);
  return value as OutputFormat;
}

export function parseTimeout(value: string): number {
  const parsed = /^\d+(\.\d+)?(ms|s|m|h)$/.test(value.trim()) ? ms(value.trim() as ms.StringValue) : undefined;
  if (parsed === undefined || !(parsed > 0)) throw new UsageError(`--timeout takes a duration with a unit, like 30s, 2m or 500ms; got "${value}"`);
  return parsed;
}

export function parsePluginBinary(value: string, into: Map<string, string>): Map<string, string> {
  const match = /^([a-z][a-z0-9-]*)=(.+)$/.exec(value);
  if (!match) throw new UsageError(`--plugin-binary takes NAME=PATH; got "${value}"`);
  into.set(match[1]!, match[2]!);
  return into;
}

export interface PreScan {
  globals: GlobalOptions;
  /** The first word that is not an option: the top-level command. */
  command?: string;
  help: boolean;
}

/** Reads the global options wherever they stand; unknown options are left for the real parse. */
export function preScan(argv: readonly string[], env: NodeJS.ProcessEnv): PreScan {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: false,
    allowPositionals: true,
    options: {
      profile: { type: 'string' },
      output: { type: 'string', short: 'o' },
      debug: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      'non-interactive': { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
      timeout: { type: 'string' },
      'plugin-binary': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const pluginBinaries = new Map<string, string>();
  for (const spec of (values['plugin-binary'] as string[] | undefined) ?? []) parsePluginBinary(spec, pluginBinaries);
  const timeout = (values.timeout as string | undefined) ?? env.FCTL_TIMEOUT;
  return {
    command: positionals[0],
    help: Boolean(values.help),
    globals: {
      profile: (values.profile as string | undefined) ?? env.FCTL_PROFILE,
      output: parseOutput((values.output as string | undefined) ?? 'plain'),
      debug: Boolean(values.debug),
      color: !values['no-color'],
      nonInteractive: Boolean(values['non-interactive']),
      yes: Boolean(values.yes),
      timeoutMs: timeout ? parseTimeout(timeout) : DEFAULT_EXECUTE_TIMEOUT_MS,
      pluginBinaries,
    },
  };
}
