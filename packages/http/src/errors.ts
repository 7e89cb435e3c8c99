// The one error of the HTTP layer: it names the method, the URL (without credentials or query
// string) and what went wrong, in words - never a bare "terminated" or "fetch failed".
import { displayUrl } from './url-policy.js';

export type HttpFailureKind =
  /** The URL policy refused the request or a redirect hop; nothing was sent there. */
  | 'policy'
  /** Too many redirects, a loop, or a redirect without a usable Location. */
  | 'redirect'
  /** No connection: refused, unknown host, TLS failure... */
  | 'connect'
  /** One of the timeouts fired (`timeout` says which). */
  | 'timeout'
  /** The connection failed after it was made: a reset, a body cut short. */
  | 'network'
  /** The response is larger than the caller accepts. */
  | 'too-large';

export type TimeoutName = 'connect' | 'response' | 'stall' | 'deadline';

export class HttpRequestError extends Error {
  override name = 'HttpRequestError';
  readonly url: string;

  constructor(
    readonly method: string,
    url: URL,
    readonly kind: HttpFailureKind,
    /** What went wrong, without the method and URL (for callers that name the URL themselves). */
    readonly reason: string,
    readonly details: {
      /** Worth another attempt: a reset, a truncated body, a timeout other than the deadline. */
      transient?: boolean;
      timeout?: TimeoutName;
      /** The system or undici error code, when there is one (ECONNREFUSED, UND_ERR_SOCKET...). */
      code?: string;
      cause?: unknown;
    } = {},
  ) {
    super(`${method} ${displayUrl(url)}: ${reason}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.url = displayUrl(url);
  }

  get transient(): boolean {
    return Boolean(this.details.transient);
  }

  get code(): string | undefined {
    return this.details.code;
  }

  get timeout(): TimeoutName | undefined {
    return this.details.timeout;
  }
}
