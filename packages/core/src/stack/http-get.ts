// A small JSON GET to the stack, through the HTTP layer: the profile's token only to the stack's
// origin, plain http allowed to that origin (the user configured it), and the profile's
// insecure-TLS flag applied to this request alone.
import { HttpRequestError, requestBuffered } from '@fctl-kit/http';

export interface GetJsonOptions {
  token?: string;
  insecureSkipTlsVerify?: boolean;
  timeoutMs: number;
  maxBytes: number;
}

export class HttpError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export async function getJson(url: URL, options: GetJsonOptions): Promise<unknown> {
  const response = await requestBuffered(url, {
    headers: { accept: 'application/json' },
    ...(options.token ? { credentials: { headers: { authorization: `Bearer ${options.token}` } } } : {}),
    plainHttpOrigin: url.origin,
    insecureTls: Boolean(options.insecureSkipTlsVerify),
    timeouts: { responseMs: options.timeoutMs, stallMs: options.timeoutMs },
    maxBytes: options.maxBytes,
  }).catch((error: unknown) => {
    throw new HttpError(error instanceof HttpRequestError ? error.reason : (error as Error).message);
  });
  if (response.status < 200 || response.status >= 300) throw new HttpError(`HTTP ${response.status}`, response.status);
  try {
    return response.json();
  } catch {
    throw new HttpError('the response is not JSON', response.status);
  }
}
