// Runs one execute request against a plugin's handlers; shared by serve() and the test helpers.
import { checkArgCount, findCommand, FlagValueError, resolveFlagValues, type AuthContext, type AuthContextV2, type ErrorBody, type Execute } from '@fctl-kit/protocol';
import { CommandError } from './errors.js';
import { directHttpClient, HttpRequestError, type HttpClient } from './http.js';
import type { Logger, Plugin } from './plugin.js';

export type Outcome = { ok: true; data: unknown } | { ok: false; error: ErrorBody; stack?: string };

/** An execute as runExecute takes it: v1's auth (with the token) or v2's (nothing secret). */
export type ExecuteRequest = Omit<Execute, 'type' | 'id' | 'timeoutMs' | 'auth'> & { auth: AuthContext | AuthContextV2 };

/** A v2 auth has no token and no TLS choice (fctl applies the profile's): the handler sees `insecureSkipTlsVerify: false`. */
function handlerAuth(auth: AuthContext | AuthContextV2): AuthContext {
  return 'insecureSkipTlsVerify' in auth ? auth : { ...auth, insecureSkipTlsVerify: false };
}

/** What an HttpRequestError left uncaught by a handler answers (docs/protocol.md, section 3.12). */
function httpErrorBody(error: HttpRequestError): ErrorBody {
  const kind = error.kind === 'cancelled' ? 'cancelled' : error.kind === 'unavailable' || error.kind === 'timeout' ? 'unavailable' : 'internal';
  return { kind, code: error.code, message: error.message };
}

/**
 * Runs the command `request` names. `http` is the handler's HTTP client; without one, a direct
 * (protocol v1) client for `request.auth`.
 */
export async function runExecute(plugin: Plugin<unknown>, request: ExecuteRequest, signal: AbortSignal, log: Logger, http?: HttpClient): Promise<Outcome> {
  const manifest = plugin.manifest(1);
  const found = findCommand(manifest, request.command);
  const handler = found && plugin.resolve(found.canonicalPath);
  if (!found || !handler) {
    return { ok: false, error: { kind: 'usage', code: 'unknown_command', message: `unknown command "${request.command.join(' ')}"` } };
  }
  const auth = handlerAuth(request.auth);
  try {
    checkArgCount(request.args, found.command.args);
    const flags = resolveFlagValues(found.flags, request.flags);
    const client = http ?? directHttpClient(auth, signal);
    const data = await handler({ flags, args: request.args, auth, output: request.output, debug: request.debug, signal, log, http: client });
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
    if (HttpRequestError.is(error)) {
      const body = httpErrorBody(error);
      return { ok: false, error: body, stack: body.kind === 'internal' ? error.stack : undefined };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: { kind: 'internal', message }, stack: error instanceof Error ? error.stack : undefined };
  }
}
