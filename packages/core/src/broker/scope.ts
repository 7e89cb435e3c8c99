// Where a plugin's request may go: the active stack's origin and the service's path prefix. A path
// or URL is refused when it leaves that scope in any spelling: other origin, userinfo, fragment,
// backslash, control characters, dot segments or slashes percent-encoded (decoded until stable).
import { BrokerError } from './errors.js';

export const MAX_URL_LENGTH = 8 * 1024;
const MAX_DECODE_ROUNDS = 8;

export interface Scope {
  /** e.g. https://stack.example */
  origin: string;
  /** e.g. /api/ledger (no trailing slash needed) */
  prefix: string;
}

export function scopeOf(stackUrl: string, servicePrefix: string): Scope {
  const url = new URL(stackUrl);
  const base = url.pathname.replace(/\/+$/, '');
  const service = servicePrefix.replace(/^\/+|\/+$/g, '');
  return { origin: url.origin, prefix: `${base}/${service}`.replace(/\/+$/, '') || '/' };
}

function decodeUntilStable(text: string): string {
  let current = text;
  for (let round = 0; round < MAX_DECODE_ROUNDS; round++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      throw new BrokerError('http_path_refused', 'the path has an invalid percent-encoding');
    }
    if (next === current) return current;
    current = next;
  }
  throw new BrokerError('http_path_refused', `the path is percent-encoded more than ${MAX_DECODE_ROUNDS} times`);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The absolute URL a plugin's `target` (a path under the prefix, or a full URL) resolves to. */
export function resolveInScope(target: string, scope: Scope): URL {
  if (target.length > MAX_URL_LENGTH) throw new BrokerError('http_url_refused', `the URL is longer than ${MAX_URL_LENGTH} characters`);
  if (CONTROL.test(target)) throw new BrokerError('http_url_refused', 'the URL contains a control character');
  if (target.includes('\\')) throw new BrokerError('http_url_refused', 'the URL contains a backslash');
  if (target.includes('#')) throw new BrokerError('http_url_refused', 'the URL contains a fragment (#)');
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(target);
  if (absolute || target.startsWith('//')) {
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/?]*@/i.test(target) || target.startsWith('//')) {
      if (target.startsWith('//')) throw new BrokerError('http_url_refused', 'a scheme-relative URL (//host) is not accepted');
      throw new BrokerError('http_url_refused', 'the URL contains user-info (user@)');
    }
  }
  const [rawPath, ...queryParts] = (absolute ? target.replace(/^[^:]+:\/\/[^/?]*/, '') || '/' : target).split('?');
  checkRawPath(rawPath!);
  const relative = !absolute && !rawPath!.startsWith('/');
  const joined = relative ? `${scope.prefix.replace(/\/$/, '')}/${rawPath}` : rawPath!;
  const url = absolute ? new URL(target) : new URL(joined + (queryParts.length ? `?${queryParts.join('?')}` : ''), scope.origin);
  checkUrl(url, scope);
  return url;
}

function checkRawPath(rawPath: string): void {
  const decoded = decodeUntilStable(rawPath);
  if (CONTROL.test(decoded)) throw new BrokerError('http_path_refused', 'the path contains an encoded control character');
  if (decoded.includes('\\')) throw new BrokerError('http_path_refused', 'the path contains an encoded backslash');
  for (const segment of decoded.split('/')) {
    if (segment === '.' || segment === '..') throw new BrokerError('http_path_refused', `the path contains a "${segment}" segment (also refused percent-encoded)`);
  }
  // An encoded slash is a different path to the server than to this check: refused outright.
  if (/%(25)*2f/i.test(rawPath)) throw new BrokerError('http_path_refused', 'the path contains an encoded slash (%2F)');
}

/** Checks a URL (the first request or a redirect hop) against the scope. */
export function checkUrl(url: URL, scope: Scope, what = 'the request'): void {
  if (url.username || url.password) throw new BrokerError('http_url_refused', `${what}: the URL contains user-info`);
  if (url.hash) throw new BrokerError('http_url_refused', `${what}: the URL contains a fragment`);
  if (url.origin !== scope.origin) throw new BrokerError('http_origin_refused', `${what} goes to ${url.origin}, outside the stack ${scope.origin}`);
  checkRawPath(url.pathname);
  const prefix = scope.prefix.replace(/\/$/, '');
  if (prefix && url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) {
    throw new BrokerError('http_path_refused', `${what}: the path ${url.pathname} is outside ${prefix}/`);
  }
}
