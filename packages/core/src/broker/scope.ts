// Where a plugin's request may go: the stack's origin (scheme, host and port) and paths under the
// service's prefix, nothing else. The check reads the raw string the plugin sent, before any URL
// parser sees it: WHATWG URL resolves `..` and `%2e%2e` away silently, so a check on the parsed URL
// would pass `/api/ledger/../auth/...` as `/api/auth/...` was never asked for. Dot segments are
// refused in every spelling (percent-encoded, decoded again until stable, with `;params`); the
// prefix must match literally, so an encoded slash or a look-alike (`/api/ledgerX`) cannot stand in
// for it. Redirect targets go through the same check (resolveRedirect).
import { MAX_HTTP_URL_LENGTH } from '@fctl-kit/protocol';
import { quote, refused, type BrokerFailure } from './errors.js';

export interface Scope {
  /** e.g. https://stack.example (WHATWG origin: lower-case host, default port dropped) */
  origin: string;
  /** The stack URL's own path without its trailing slash, usually "" */
  basePath: string;
  /** basePath + the service prefix, e.g. /api/ledger: the path or the start of every path allowed */
  prefix: string;
}

/** Rounds of percent-decoding before a path is refused as encoded on purpose (`%25252e...`). */
export const MAX_DECODE_ROUNDS = 16;

const SEGMENT = /^[A-Za-z0-9._~!$&'()*+,;=:@-]+$/;

/** The scope of one broker. Throws a TypeError on a configuration the host must not pass. */
export function scopeOf(serviceUrl: string, servicePrefix: string): Scope {
  let url: URL;
  try {
    url = new URL(serviceUrl);
  } catch {
    throw new TypeError('the broker needs an absolute stack URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('the stack URL must be http or https');
  if (url.username || url.password || url.search || url.hash) throw new TypeError('the stack URL must have no user-info, query or fragment');
  const segments = servicePrefix.split('/').slice(1);
  // "/" (the whole stack) is refused on purpose: a plugin for one service must not reach the others.
  if (!servicePrefix.startsWith('/') || segments.length === 0 || segments.some((segment) => !SEGMENT.test(segment) || segment === '.' || segment === '..')) {
    throw new TypeError(`the service prefix must be one or more plain path segments like /api/ledger, not ${JSON.stringify(servicePrefix)}`);
  }
  const basePath = url.pathname.replace(/\/+$/, '');
  return { origin: url.origin, basePath, prefix: `${basePath}${servicePrefix}` };
}

/** One round of percent-decoding into single characters (bytes as Latin-1), so invalid UTF-8 decodes too. */
function decodeOnce(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

type Fail = (code: string, message: string) => BrokerFailure;

/** Refuses characters no URL of the protocol holds: controls, spaces, non-ASCII, backslashes. */
function checkCharacters(raw: string, fail: Fail): void {
  for (let index = 0; index < raw.length; index++) {
    const code = raw.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) throw fail('control_character', `the URL holds the control character \\x${code.toString(16).padStart(2, '0')}`);
    if (code === 0x5c) throw fail('backslash', 'the URL holds a backslash, which some servers read as "/"');
    if (code === 0x20 || code > 0x7e) throw fail('invalid_url', 'the URL holds a space or a non-ASCII character (percent-encode it)');
  }
}

/**
 * Checks a raw absolute path (no query) against the prefix: literal prefix match, then the path
 * decoded until stable must hold no control character, backslash, or `.` / `..` segment.
 */
export function checkPath(rawPath: string, prefix: string, fail: Fail = refused): void {
  if (rawPath !== prefix && !rawPath.startsWith(`${prefix}/`)) {
    throw fail('outside_prefix', `the path ${quote(rawPath)} is outside ${prefix}/, the part of the stack this plugin may reach`);
  }
  let decoded = rawPath;
  for (let round = 0; ; round++) {
    const next = decodeOnce(decoded);
    if (next === decoded) break;
    if (round === MAX_DECODE_ROUNDS) throw fail('over_encoded', `the path is still percent-encoded after ${MAX_DECODE_ROUNDS} rounds of decoding`);
    decoded = next;
  }
  for (let index = 0; index < decoded.length; index++) {
    const code = decoded.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) throw fail('control_character', `the path holds a percent-encoded control character (\\x${code.toString(16).padStart(2, '0')})`);
    if (code === 0x5c) throw fail('backslash', 'the path holds a percent-encoded backslash, which some servers read as "/"');
  }
  // Spellings of "." and "/" that only some servers decode: overlong UTF-8 (%C0%AE, %E0%80%AE) and IIS's %u002e.
  if (/[\u00c0\u00c1]|\u00e0[\u0080-\u009f]|\u00f0[\u0080-\u008f]/.test(decoded) || /%u[0-9a-f]{4}/i.test(decoded)) {
    throw fail('invalid_encoding', `the path ${quote(rawPath)} holds an overlong UTF-8 or %u encoding, which some servers read as "." or "/"`);
  }
  for (const segment of decoded.split('/')) {
    // `..;x` is `..` to servers that drop path parameters (Tomcat, Spring).
    const bare = segment.split(';')[0];
    if (bare === '.' || bare === '..') throw fail('dot_segment', `the path ${quote(rawPath)} holds a "${bare}" segment (also refused percent-encoded, in any case, encoded again)`);
  }
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/** Splits `/path?query` (no fragment: refused or dropped before). */
function splitQuery(rest: string): { path: string; query: string } {
  const at = rest.indexOf('?');
  return at === -1 ? { path: rest, query: '' } : { path: rest.slice(0, at), query: rest.slice(at) };
}

/** The origin of `scheme://authority`, after refusing user-info; throws `fail`-made failures. */
function originOf(scheme: string, authority: string, fail: Fail): string {
  if (authority.includes('@')) throw fail('userinfo', 'the URL holds user-info (user:password@): the host adds the credentials');
  if (!authority) throw fail('invalid_url', 'the URL has no host');
  try {
    return new URL(`${scheme.toLowerCase()}://${authority}/`).origin;
  } catch {
    throw fail('invalid_url', `the host ${quote(authority)} is not valid`);
  }
}

/** The URL a plugin's `url` (a path from "/" appended to the stack URL, or an absolute URL) stands for, or a refusal. */
export function resolveTarget(raw: string, scope: Scope): URL {
  if (raw.length > MAX_HTTP_URL_LENGTH) throw refused('url_too_long', `the URL is ${raw.length} characters long, over ${MAX_HTTP_URL_LENGTH}`);
  checkCharacters(raw, refused);
  if (raw.includes('#')) throw refused('fragment', 'the URL holds a fragment (#...), which is never sent to a server');
  let path: string;
  let query: string;
  const scheme = SCHEME.exec(raw)?.[1];
  if (scheme !== undefined) {
    const lower = scheme.toLowerCase();
    if (lower !== 'http' && lower !== 'https') throw refused('other_origin', `the scheme ${quote(scheme, 16)} is not the stack's (${scope.origin})`);
    if (!raw.slice(scheme.length + 1).startsWith('//')) throw refused('invalid_url', `an absolute URL is written ${lower}://host/path`);
    const afterScheme = raw.slice(scheme.length + 3);
    const end = afterScheme.search(/[/?]/);
    const authority = end === -1 ? afterScheme : afterScheme.slice(0, end);
    const origin = originOf(scheme, authority, refused);
    if (origin !== scope.origin) throw refused('other_origin', `${quote(origin)} is not the stack's origin ${scope.origin}`);
    ({ path, query } = splitQuery(end === -1 ? '' : afterScheme.slice(end)));
    if (!path.startsWith('/')) throw refused('outside_prefix', `the URL has no path under ${scope.prefix}/`);
  } else {
    if (!raw.startsWith('/') || raw.startsWith('//')) throw refused('invalid_url', 'the URL must be a path from a single "/" or an absolute http(s) URL');
    const parts = splitQuery(raw);
    path = `${scope.basePath}${parts.path}`;
    query = parts.query;
  }
  checkPath(path, scope.prefix);
  return parsedInScope(`${scope.origin}${path}${query}`, scope, refused);
}

/**
 * The one path outside the prefix a plugin may read: `GET` (or `HEAD`) of exactly `/versions`, no
 * query, the stack's list of its services and their versions. fctl reads it itself to choose the
 * plugin; a plugin may read it to adapt to its service's version. Anything else there is refused.
 */
export function stackVersionsTarget(method: string, raw: string, scope: Scope): URL | undefined {
  if ((method !== 'GET' && method !== 'HEAD') || raw !== '/versions') return undefined;
  return new URL(`${scope.origin}${scope.basePath}/versions`);
}

/** Parses a checked URL and checks again what the parser made of it (belt and braces). */
function parsedInScope(text: string, scope: Scope, fail: Fail): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw fail('invalid_url', 'the URL is not valid');
  }
  if (url.origin !== scope.origin) throw fail('other_origin', `${quote(url.origin)} is not the stack's origin ${scope.origin}`);
  if (url.pathname !== scope.prefix && !url.pathname.startsWith(`${scope.prefix}/`)) throw fail('outside_prefix', `the path ${quote(url.pathname)} is outside ${scope.prefix}/`);
  return url;
}

// A Location is the server's text and may hold the token (a server echoing it): a message about a
// redirect never quotes it or what it resolves to (a quote cut short would escape the redaction),
// it says which rule refused the hop.
const REDIRECT_REASONS: Record<string, string> = {
  other_origin: "to another origin than the stack's",
  outside_prefix: "outside the service's prefix",
  userinfo: 'to a URL with user-info',
  backslash: 'to a URL with a backslash',
  control_character: 'to a URL with a control character',
  dot_segment: 'through a "." or ".." segment',
  invalid_encoding: 'to a path with an overlong UTF-8 or %u encoding',
  over_encoded: 'to a path percent-encoded over and over',
  invalid_url: 'to an invalid URL',
  url_too_long: 'to a URL over 8,192 characters',
};
const redirectFail: Fail = (code) => refused(`redirect_${code}`, `the server redirected ${REDIRECT_REASONS[code] ?? 'to a URL the broker refuses'}; the redirect was not followed`);

/**
 * The next hop of a redirect (its Location, resolved against the current URL), checked like a
 * plugin's URL: same origin, under the prefix, no user-info, backslash, control character or dot
 * segment in the raw Location or in what it resolves to. A fragment is dropped (never sent).
 */
export function resolveRedirect(location: string, from: URL, scope: Scope): URL {
  if (location.length > MAX_HTTP_URL_LENGTH) throw redirectFail('url_too_long', `the Location is ${location.length} characters long`);
  checkCharacters(location, redirectFail);
  const withoutFragment = location.split('#')[0]!;
  const scheme = SCHEME.exec(withoutFragment)?.[1];
  let rest = withoutFragment;
  if (scheme !== undefined) {
    const lower = scheme.toLowerCase();
    if (lower !== 'http' && lower !== 'https') throw redirectFail('other_origin', `the scheme ${quote(scheme, 16)} is not the stack's`);
    if (!withoutFragment.slice(scheme.length + 1).startsWith('//')) throw redirectFail('invalid_url', 'an absolute Location is written scheme://host/path');
    rest = withoutFragment.slice(scheme.length + 1);
  }
  if (rest.startsWith('//')) {
    const afterSlashes = rest.slice(2);
    const end = afterSlashes.search(/[/?]/);
    const authority = end === -1 ? afterSlashes : afterSlashes.slice(0, end);
    const origin = originOf(scheme ?? from.protocol.slice(0, -1), authority, redirectFail);
    if (origin !== scope.origin) throw redirectFail('other_origin', `${quote(origin)} is not the stack's origin ${scope.origin}`);
    rest = end === -1 ? '' : afterSlashes.slice(end);
  }
  // Dot segments in the raw Location are refused even where they would resolve inside the prefix.
  const rawPath = splitQuery(rest).path;
  for (const segment of rawPath.split('/')) {
    let decoded = segment;
    for (let round = 0; round <= MAX_DECODE_ROUNDS && decodeOnce(decoded) !== decoded; round++) decoded = decodeOnce(decoded);
    const bare = decoded.split(';')[0];
    if (bare === '.' || bare === '..') throw redirectFail('dot_segment', `the Location holds a "${bare}" segment`);
  }
  let next: URL;
  try {
    next = new URL(withoutFragment, from);
  } catch {
    throw redirectFail('invalid_url', 'the Location is not a valid URL');
  }
  if (next.username || next.password) throw redirectFail('userinfo', 'the Location holds user-info');
  if (next.origin !== scope.origin) throw redirectFail('other_origin', `${quote(next.origin)} is not the stack's origin ${scope.origin}`);
  checkPath(next.pathname, scope.prefix, redirectFail);
  return parsedInScope(next.href, scope, redirectFail);
}
