// The rules of protocol v2's brokered HTTP that a JSON Schema cannot express: sizes in bytes
// (after decoding a body, in UTF-8 for headers) and well-formed bodies. Linear scans: bodies reach
// tens of MiB, where a regular expression's backtracking would overflow its stack.
import { MAX_HTTP_HEADER_BYTES, MAX_HTTP_REQUEST_BODY_BYTES, MAX_HTTP_RESPONSE_BODY_BYTES } from './http-limits.js';
import type { HttpBody, HttpHeaders } from './schema-v2.js';

const BASE64_ALPHABET = /^[A-Za-z0-9+/]$/;

/** The byte count of standard, padded base64 (RFC 4648 section 4), or undefined when `text` is not that. */
export function base64DecodedLength(text: string): number | undefined {
  if (text.length % 4 !== 0) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  for (let index = 0; index < text.length - padding; index++) {
    if (!BASE64_ALPHABET.test(text[index]!)) return undefined;
  }
  return (text.length / 4) * 3 - padding;
}

/** A lone UTF-16 surrogate (JSON can carry one; UTF-8 cannot). */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** The body's size in bytes once decoded, or what is wrong with it. */
export function bodyByteLength(body: HttpBody): number | string {
  if (body.encoding === 'base64') return base64DecodedLength(body.data) ?? 'is not standard padded base64';
  if (LONE_SURROGATE.test(body.data)) return 'is not well-formed Unicode (a lone surrogate), so has no UTF-8 form';
  return Buffer.byteLength(body.data, 'utf8');
}

export function headerBytes(headers: HttpHeaders): number {
  let total = 0;
  for (const [name, value] of headers) total += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
  return total;
}

/** What breaks the protocol's limits in an http.request or http.response, or undefined. */
export function httpMessageProblem(message: { type: 'http.request' | 'http.response'; headers: HttpHeaders; body?: HttpBody }): string | undefined {
  const bytes = headerBytes(message.headers);
  if (bytes > MAX_HTTP_HEADER_BYTES) return `its headers total ${bytes} bytes, over the protocol limit of ${MAX_HTTP_HEADER_BYTES}`;
  if (!message.body) return undefined;
  const size = bodyByteLength(message.body);
  if (typeof size === 'string') return `its ${message.body.encoding} body ${size}`;
  const limit = message.type === 'http.request' ? MAX_HTTP_REQUEST_BODY_BYTES : MAX_HTTP_RESPONSE_BODY_BYTES;
  if (size > limit) return `its body is ${size} bytes, over the protocol limit of ${limit}`;
  return undefined;
}
