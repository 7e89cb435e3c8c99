// Opening a file over HTTP(S) with fetch, classifying failures as transient or not.
import { DownloadError, type OpenedFile } from './backend.js';

import { isLoopbackHost } from './loopback.js';

/** https anywhere; plain http only to loopback (tests, local mirrors). */
export function checkHttpUrl(url: URL, what: string): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return;
  if (url.protocol === 'http:') throw new DownloadError(`refusing plain http for ${what} (${url.host}): use https (http is allowed only to loopback)`, false);
  throw new DownloadError(`unsupported URL scheme ${url.protocol.slice(0, -1)} for ${what}`, false);
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The system error behind a failed fetch (ECONNREFUSED, ENOTFOUND...), or its message. */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } }).cause;
  return cause?.code ?? cause?.errors?.find((e) => e.code)?.code ?? cause?.message ?? (error as Error).message;
}

/** What to show of a URL: no query string or credentials, which may carry tokens. */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export async function openHttp(url: URL, signal: AbortSignal, headers: Record<string, string> = {}): Promise<OpenedFile> {
  let response: Response;
  try {
    response = await fetch(url, { signal, headers, redirect: 'follow' });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new DownloadError(`cannot reach ${displayUrl(url)}: ${networkReason(error)}`, true);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => {});
    const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    const transient = response.status >= 500 || response.status === 429 || response.status === 408;
    throw new DownloadError(`${displayUrl(url)} answered ${status}`, transient, parseRetryAfter(response.headers.get('retry-after')));
  }
  const length = response.headers.get('content-length');
  return { body: response.body as unknown as AsyncIterable<Uint8Array>, ...(length && /^\d+$/.test(length) ? { size: Number(length) } : {}) };
}
