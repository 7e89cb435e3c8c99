// Runs one execute request against a plugin's handlers; shared by serve() and the test helpers.
import { checkArgCount, findCommand, FlagValueError, resolveFlagValues, type ErrorBody, type Execute } from '@fctl-kit/protocol';
import { CommandError } from './errors.js';
import type { Logger, Plugin } from './plugin.js';

export type Outcome = { ok: true; data: unknown } | { ok: false; error: ErrorBody; stack?: string };

export async function runExecute(
  plugin: Plugin<unknown>,
  request: Omit<Execute, 'type' | 'id' | 'timeoutMs'>,
  signal: AbortSignal,
  log: Logger,
): Promise<Outcome> {
  const manifest = plugin.manifest(1);
  const found = findCommand(manifest, request.command);
  const handler = found && plugin.resolve(found.canonicalPath);
  if (!found || !handler) {
    return { ok: false, error: { kind: 'usage', code: 'unknown_command', message: `unknown command "${request.command.join(' ')}"` } };
  }
  try {
    checkArgCount(request.args, found.command.args);
    const flags = resolveFlagValues(found.flags, request.flags);
    const data = await handler({ flags, args: request.args, auth: request.auth, output: request.output, debug: request.debug, signal, log });
    if (signal.aborted) return { ok: false, error: { kind: 'cancelled', message: 'cancelled' } };
    return { ok: true, data: data === undefined ? null : data };
  } catch (error) {
    if (CommandError.is(error)) {
      return { ok: false, error: { kind: error.kind, message: error.message, ...(error.code ? { code: error.code } : {}) } };
    }
    if (signal.aborted) return { ok: false, error: { kind: 'cancelled', message: 'cancelled' } };
    if (error instanceof FlagValueError) {
      return { ok: false, error: { kind: 'usage', message: error.message } };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: { kind: 'internal', message }, stack: error instanceof Error ? error.stack : undefined };
  }
}
