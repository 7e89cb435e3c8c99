// Opening a release file over HTTP(S) through the one HTTP layer, classifying failures as
// transient or not for the downloader's retries (which cover the whole transfer, body included).
import { displayUrl, HttpRequestError, parseRetryAfter, request, urlPolicyViolation, type HttpRequest, type HttpResponse } from '@fctl-kit/http';
import { DownloadError, type OpenedFile } from './distribution-backend.js';

export { displayUrl, parseRetryAfter };

/** https anywhere; plain http only to loopback (tests, local mirrors): the layer's URL policy, checked up front. */
export function checkHttpUrl(url: URL, what: string): void {
  if (!urlPolicyViolation(url)) return;
  if (url.protocol === 'http:') throw new DownloadError(`refusing plain http for ${what} (${url.host}): use https (http is allowed only to loopback)`, false);
  throw new DownloadError(`unsupported URL scheme ${url.protocol.slice(0, -1)} for ${what}`, false);
}

/** The short reason behind a failed request (ECONNREFUSED, a timeout...), for messages that name the URL themselves. */
export function networkReason(error: unknown): string {
  if (error instanceof HttpRequestError) return error.kind === 'connect' && /^E[A-Z]+$/.test(error.code ?? '') ? error.code! : error.reason;
  return (error as Error).message;
}

function asDownloadError(error: unknown, url: URL): DownloadError {
  if (error instanceof HttpRequestError) {
    return new DownloadError(error.kind === 'connect' ? `cannot reach ${displayUrl(url)}: ${networkReason(error)}` : error.message, error.transient);
  }
  return new DownloadError(`cannot reach ${displayUrl(url)}: ${networkReason(error)}`, true);
}

/** One attempt (no retries here: downloadFile retries the whole transfer). */
export async function openHttp(url: URL, signal: AbortSignal, options: Pick<HttpRequest, 'headers' | 'credentials'> = {}): Promise<OpenedFile> {
  let response: HttpResponse;
  try {
    response = await request(url, { ...options, signal, retries: 0 });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw asDownloadError(error, url);
  }
  if (response.status < 200 || response.status >= 300) {
    await response.discard();
    const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    const transient = response.status >= 500 || response.status === 429 || response.status === 408;
    throw new DownloadError(`${displayUrl(url)} answered ${status}`, transient, parseRetryAfter(response.headers.get('retry-after')));
  }
  const length = response.headers.get('content-length');
  return { body: response.body, close: () => response.discard(), ...(length && /^\d+$/.test(length) ? { size: Number(length) } : {}) };
}
