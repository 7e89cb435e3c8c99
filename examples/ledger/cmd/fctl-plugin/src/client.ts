// Calls the ledger v3 API with the stack URL and token fctl passes in the auth context.
import { CommandError, type AuthContext, type Logger } from '@fctl-kit/plugin-sdk';

export interface ApiContext {
  auth: AuthContext;
  signal: AbortSignal;
  log: Logger;
}

function errorFor(status: number, body: { errorCode?: string; errorMessage?: string }): CommandError {
  const message = body.errorMessage ?? `the ledger answered HTTP ${status}`;
  if (status === 404) return new CommandError('not_found', message, body.errorCode);
  if (status === 401 || status === 403) return new CommandError('auth', message, body.errorCode);
  if (status === 409) return new CommandError('conflict', message, body.errorCode);
  if (status === 400) return new CommandError('usage', message, body.errorCode);
  return new CommandError('service', message, body.errorCode);
}

export async function ledgerGet<T>(context: ApiContext, ledger: string, path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
  const url = new URL(`${context.auth.serviceUrl}/api/ledger/v3/${encodeURIComponent(ledger)}/${path}`);
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
  const started = Date.now();
  context.log.debug(`→ GET ${url.pathname}${url.search}`);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: context.auth.accessToken ? { authorization: `Bearer ${context.auth.accessToken}` } : {},
      signal: context.signal,
    });
  } catch (error) {
    if (context.signal.aborted) throw error;
    throw new CommandError('unavailable', `cannot reach the ledger at ${context.auth.serviceUrl}: ${(error as Error).message}`);
  }
  const body = (await response.json().catch(() => ({}))) as T & { errorCode?: string; errorMessage?: string };
  context.log.debug(`← HTTP ${response.status} (${Date.now() - started}ms)`);
  if (!response.ok) throw errorFor(response.status, body);
  return body;
}
