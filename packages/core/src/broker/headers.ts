// Which headers a plugin may send and which response headers it may see. Credentials are the host's:
// a plugin cannot send its own, and credential-bearing response headers are removed.
import { BrokerError } from './errors.js';

export const MAX_HEADER_BYTES = 64 * 1024;
export const MAX_HEADER_COUNT = 100;

const REFUSED = new Set([
  'authorization', 'proxy-authorization', 'cookie', 'cookie2', 'host', 'api-key', 'apikey',
  // hop-by-hop and framing: the HTTP layer owns them
  'connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-connection', 'content-length', 'expect',
]);

/**
 * The credential rule: a name is refused when it is one of the above, or when, split on "-" and
 * "_", any part is token, auth, authorization, apikey, secret, password, session, or the parts
 * contain "api" followed by "key". So x-api-key, x-auth-token, x-csrf-token, private-token,
 * x-amz-security-token are refused; x-request-id and accept are not.
 */
export function isCredentialHeader(name: string): boolean {
  const lower = name.toLowerCase();
  if (REFUSED.has(lower)) return true;
  const parts = lower.split(/[-_]/);
  if (parts.some((part) => ['token', 'auth', 'authorization', 'apikey', 'secret', 'password', 'session', 'cookie', 'credential', 'credentials'].includes(part))) return true;
  return parts.some((part, index) => part === 'api' && parts[index + 1] === 'key');
}

const TOKEN_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;
// eslint-disable-next-line no-control-regex
const BAD_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

export function checkRequestHeaders(headers: Record<string, string>): Record<string, string> {
  const entries = Object.entries(headers);
  if (entries.length > MAX_HEADER_COUNT) throw new BrokerError('http_header_refused', `more than ${MAX_HEADER_COUNT} headers`);
  let bytes = 0;
  const seen = new Set<string>();
  const out: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (!TOKEN_NAME.test(name)) throw new BrokerError('http_header_refused', `the header name ${JSON.stringify(name.slice(0, 64))} is not a valid HTTP token`);
    if (typeof value !== 'string' || BAD_VALUE.test(value)) throw new BrokerError('http_header_refused', `the header ${name} has a control character in its value`);
    if (isCredentialHeader(name)) throw new BrokerError('http_header_refused', `the header ${name} is refused: the host adds credentials and owns connection headers`);
    const lower = name.toLowerCase();
    if (seen.has(lower)) throw new BrokerError('http_header_refused', `the header ${name} is given twice`);
    seen.add(lower);
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value) + 4;
    if (bytes > MAX_HEADER_BYTES) throw new BrokerError('http_header_refused', `the headers exceed ${MAX_HEADER_BYTES} bytes`);
    out[lower] = value;
  }
  return out;
}

const STRIPPED = new Set(['set-cookie', 'set-cookie2', 'www-authenticate', 'proxy-authenticate', 'authorization', 'proxy-authorization', 'authentication-info', 'proxy-authentication-info', 'cookie']);

/** Response headers the plugin sees: credential-bearing ones removed. */
export function visibleResponseHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (STRIPPED.has(lower) || isCredentialHeader(lower)) return;
    out[lower] = value;
  });
  return out;
}
