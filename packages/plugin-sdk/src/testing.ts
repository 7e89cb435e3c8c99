// Test helpers: run a command in-process, as fctl would, and get its data back.
import type { AuthContext, FlagValue, OutputFormat } from '@fctl-kit/protocol';
import { CommandError } from './errors.js';
import { runExecute } from './execute.js';
import type { Plugin } from './plugin.js';

export interface InvokeOptions {
  args?: string[];
  flags?: Record<string, FlagValue>;
  auth?: Partial<AuthContext>;
  output?: OutputFormat;
  signal?: AbortSignal;
  /** Receives what the handler logs (debug included). */
  log?: (line: string) => void;
}

/**
 * Runs `path` (canonical names or aliases) with flag checking and defaults exactly as under fctl.
 * Resolves to the handler's data; rejects with a CommandError carrying the protocol error.
 */
export async function invokeCommand(plugin: Plugin<unknown>, path: string | string[], options: InvokeOptions = {}): Promise<unknown> {
  const log = options.log ?? (() => {});
  const outcome = await runExecute(
    plugin,
    {
      command: typeof path === 'string' ? path.split(' ').filter(Boolean) : path,
      args: options.args ?? [],
      flags: options.flags ?? {},
      output: options.output ?? 'json',
      debug: true,
      auth: { serviceUrl: 'http://127.0.0.1:1', insecureSkipTlsVerify: false, ...options.auth },
    },
    options.signal ?? new AbortController().signal,
    { debug: log, info: log },
  );
  if (outcome.ok) return outcome.data;
  throw new CommandError(outcome.error.kind, outcome.error.message, outcome.error.code);
}

export { CommandError };
