// Which URLs a request may go to, checked on the first request and again on every redirect hop:
// https anywhere; plain http only to this machine (tests, local mirrors and registries) or to an
// origin the user configured over http themselves (a profile's stack URL); no other scheme.
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** `hostname` (without a port) names this machine. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

/** What to show of a URL: no query string or credentials, which may carry tokens. */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export interface UrlPolicy {
  /** An origin the user configured over plain http (a profile's stack URL): allowed as well. */
  plainHttpOrigin?: string;
}

/** Why `url` may not be requested, or undefined when it may. */
export function urlPolicyViolation(url: URL, policy: UrlPolicy = {}): string | undefined {
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname) || url.origin === policy.plainHttpOrigin) return undefined;
    return `refusing plain http to ${url.host}: use https (http is allowed only to loopback)`;
  }
  return `refusing the URL scheme ${url.protocol.slice(0, -1)}: only https (and http to loopback) is fetched`;
}
