// Calls the ledger v3 API through the SDK's HTTP client: fctl makes the request with the user's
// credentials (protocol v2), or the SDK does with the token fctl passed (v1). This code holds no token.
import { CommandError, HttpRequestError, type HttpClient, type Logger } from '@fctl-kit/plugin-sdk';

export interface ApiContext {
  http: HttpClient;
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
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value));
  const target = `/api/ledger/v3/${encodeURIComponent(ledger)}/${path}${search.toString() ? `?${search}` : ''}`;
  const started = Date.now();
  context.log.debug(`→ GET ${target}`);
  let response: Response;
  try {
    response = await context.http.fetch(target, { headers: { accept: 'application/json' }, signal: context.signal });
  } catch (error) {
    if (context.signal.aborted) throw error;
    if (HttpRequestError.is(error) && (error.kind === 'unavailable' || error.kind === 'timeout')) {
      throw new CommandError('unavailable', `cannot reach the ledger: ${error.message}`, error.code);
    }
    throw error;
  }
  const body = (await response.json().catch(() => ({}))) as T & { errorCode?: string; errorMessage?: string };
  context.log.debug(`← HTTP ${response.status} (${Date.now() - started}ms)`);
  if (!response.ok) throw errorFor(response.status, body);
  return body;
}
