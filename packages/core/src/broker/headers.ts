// Which headers a plugin may send, and which response headers it gets back. Credentials are the
// host's: a plugin cannot send its own (refused, so a plugin that tries learns it at once), and
// credential-bearing response headers are removed. Connection and framing headers belong to the
// HTTP layer: refused from the plugin, removed from responses.
import { HTTP_HEADER_VALUE_PATTERN, HTTP_TOKEN_PATTERN, MAX_HTTP_HEADER_BYTES, MAX_HTTP_HEADER_COUNT, type HttpHeaders } from '@fctl-kit/protocol';
import { overLimit, quote, refused } from './errors.js';

const CREDENTIAL_NAMES = new Set(['authorization', 'proxy-authorization', 'cookie', 'cookie2', 'api-key', 'apikey', 'x-api-key', 'x-apikey']);
/** A name is a credential when one of its parts (split on -, _ and .) is one of these. */
const CREDENTIAL_PARTS = new Set(['token', 'auth', 'authorization', 'apikey', 'secret', 'password', 'passwd', 'session', 'cookie', 'credential', 'credentials', 'jwt', 'bearer']);

/**
 * Authorization, Proxy-Authorization, Cookie, api-key and its spellings, and any name with a part
 * token/auth/secret/password/session/cookie/credential/jwt/bearer or "api" then "key":
 * x-api-key, x-auth-token, x-auth-user, private-token, x-csrf-token, x-amz-security-token. Not
 * x-request-id, idempotency-key, accept, www-authenticate. Case-insensitive.
 */
export function isCredentialHeader(name: string): boolean {
  const lower = name.toLowerCase();
  if (CREDENTIAL_NAMES.has(lower)) return true;
  const parts = lower.split(/[-_.]/);
  return parts.some((part, index) => CREDENTIAL_PARTS.has(part) || (part === 'api' && parts[index + 1] === 'key'));
}

/** Set by the HTTP layer for each connection and body: refused from a plugin. */
export const RESERVED_REQUEST_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer', 'expect', 'http2-settings']);
/**
 * Read by some servers and gateways as the path or host to route to (IIS and Symfony's
 * X-Original-URL, X-Forwarded-Prefix, Forwarded...): a way around the prefix, refused.
 */
export const ROUTING_REQUEST_HEADERS = new Set([
  'x-original-url', 'x-rewrite-url', 'x-override-url', 'x-original-uri', 'x-forwarded-host', 'x-forwarded-prefix', 'x-forwarded-path',
  'x-forwarded-uri', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-server', 'x-forwarded-scheme', 'x-host', 'forwarded',
]);
/** Dropped from a plugin's request without a refusal: the host chooses the transfer coding and decodes the body itself. */
export const DROPPED_REQUEST_HEADERS = new Set(['accept-encoding']);

const TOKEN = new RegExp(HTTP_TOKEN_PATTERN);
const VALUE = new RegExp(HTTP_HEADER_VALUE_PATTERN);

/** The plugin's header pairs as the HTTP layer takes them (lower-case names, repeated names joined with ", "), or a refusal. */
export function checkRequestHeaders(headers: HttpHeaders): Record<string, string> {
  if (headers.length > MAX_HTTP_HEADER_COUNT) throw overLimit('request_headers_too_large', `the request has ${headers.length} headers, over ${MAX_HTTP_HEADER_COUNT}`);
  let bytes = 0;
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (typeof name !== 'string' || !TOKEN.test(name)) throw refused('invalid_header', `the header name ${quote(String(name), 64)} is not an HTTP token`);
    if (typeof value !== 'string' || !VALUE.test(value)) throw refused('invalid_header', `the header ${quote(name, 64)} has a control character in its value`);
    const lower = name.toLowerCase();
    if (isCredentialHeader(lower)) throw refused('credential_header', `the header ${quote(name, 64)} is refused: fctl adds the credentials itself`);
    if (RESERVED_REQUEST_HEADERS.has(lower)) throw refused('reserved_header', `the header ${quote(name, 64)} is refused: the HTTP layer sets it`);
    if (ROUTING_REQUEST_HEADERS.has(lower)) throw refused('routing_header', `the header ${quote(name, 64)} is refused: some servers route by it, around the service's prefix`);
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
    if (bytes > MAX_HTTP_HEADER_BYTES) throw overLimit('request_headers_too_large', `the request headers exceed ${MAX_HTTP_HEADER_BYTES} bytes`);
    if (DROPPED_REQUEST_HEADERS.has(lower)) continue;
    out[lower] = lower in out ? `${out[lower]}, ${value}` : value;
  }
  return out;
}

/** Credential-bearing response headers: removed. WWW-Authenticate stays (a challenge, e.g. error="invalid_token", holds no secret). */
const STRIPPED_RESPONSE_HEADERS = new Set(['set-cookie', 'set-cookie2', 'authentication-info', 'proxy-authenticate', 'proxy-authentication-info']);
/** Hop-by-hop (RFC 9110 section 7.6.1): about the connection to the host, not the response. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/**
 * The response headers a plugin sees, in order: credential, hop-by-hop (and those the Connection
 * header names) removed, every header whose value holds the token removed, and Content-Length /
 * Content-Encoding removed when the host decoded the body. Throws a limit when what stays is over
 * the protocol's header limits.
 */
export function visibleResponseHeaders(headers: Headers, options: { token?: string; decoded: boolean }): HttpHeaders {
  const connection = new Set((headers.get('connection') ?? '').split(',').map((name) => name.trim().toLowerCase()));
  const out: HttpHeaders = [];
  let bytes = 0;
  const add = (name: string, value: string) => {
    if (STRIPPED_RESPONSE_HEADERS.has(name) || isCredentialHeader(name) || HOP_BY_HOP.has(name) || connection.has(name)) return;
    if (options.decoded && (name === 'content-length' || name === 'content-encoding')) return;
    if (options.token && value.includes(options.token)) return;
    // A value the protocol cannot carry (a control character) is dropped rather than failing the response.
    if (!VALUE.test(value)) return;
    out.push([name, value]);
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  };
  headers.forEach((value, name) => add(name.toLowerCase(), value));
  if (out.length > MAX_HTTP_HEADER_COUNT || bytes > MAX_HTTP_HEADER_BYTES) {
    throw overLimit('response_headers_too_large', `the response has ${out.length} headers of ${bytes} bytes, over the protocol's ${MAX_HTTP_HEADER_COUNT} headers or ${MAX_HTTP_HEADER_BYTES} bytes`);
  }
  return out;
}
