// Bodies across the broker: a plugin's body decoded and checked against the limit before anything
// is sent; a response read while it streams, decoded from gzip/deflate/br when the server
// compressed it anyway, and abandoned the moment it passes the limit (compressed or not: a small
// gzip bomb is stopped by its decoded size); then encoded for the protocol, utf8 when that is
// valid and not longer than base64.
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { pipeline, Readable } from 'node:stream';
import { bodyByteLength, type HttpBody } from '@fctl-kit/protocol';
import { overLimit, refused } from './errors.js';

/** The bytes of a plugin's body, or a refusal (malformed) or a limit (too large, counted decoded). */
export function decodeRequestBody(body: HttpBody | undefined, max: number): Buffer | undefined {
  if (!body) return undefined;
  if (body.encoding !== 'utf8' && body.encoding !== 'base64') throw refused('invalid_body', 'the body encoding must be utf8 or base64');
  if (typeof body.data !== 'string') throw refused('invalid_body', 'the body data must be a string');
  const size = bodyByteLength(body);
  if (typeof size === 'string') throw refused('invalid_body', `the ${body.encoding} body ${size}`);
  if (size > max) throw overLimit('request_body_too_large', `the request body is ${size} bytes, over the limit of ${max}`);
  return Buffer.from(body.data, body.encoding);
}

const tooLarge = (max: number) => overLimit('response_body_too_large', `the response body exceeds the limit of ${max} bytes; it was not read further`);

/** The decoders for Content-Encoding values fctl undoes; anything else is passed on as it came, header kept. */
export function decoderFor(contentEncoding: string | null): (() => NodeJS.ReadWriteStream) | undefined {
  switch ((contentEncoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip;
    case 'deflate':
      return createInflate;
    case 'br':
      return createBrotliDecompress;
    default:
      return undefined;
  }
}

/**
 * Reads `body` to its end, at most `max` bytes after decoding. Over it, reading stops (the caller's
 * body iterator is returned, which closes the connection) and a limit failure is thrown.
 */
export async function readResponseBody(body: AsyncIterable<Uint8Array>, max: number, decoder?: () => NodeJS.ReadWriteStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  // pipeline: a failure of the body (cut short, stalled) reaches the decoder's reader, and stopping
  // the reader destroys the source, which returns the body's iterator and closes the connection.
  const source = (decoder ? pipeline(Readable.from(body), decoder(), () => {}) : body) as AsyncIterable<Uint8Array>;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > max) throw tooLarge(max);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/** `bytes` with every occurrence of `secret` replaced (the service echoing the token back). */
export function redact(bytes: Buffer, secret: string | undefined): Buffer {
  if (!secret || bytes.indexOf(secret) === -1) return bytes;
  const needle = Buffer.from(secret);
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, from)) {
    parts.push(bytes.subarray(from, at), Buffer.from('[redacted]'));
    from = at + needle.length;
  }
  parts.push(bytes.subarray(from));
  return Buffer.concat(parts);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The protocol's form of a response body: none when empty; utf8 when valid and its JSON form is no longer than base64; else base64. */
export function encodeResponseBody(bytes: Buffer): HttpBody | undefined {
  if (bytes.byteLength === 0) return undefined;
  const base64Length = Math.ceil(bytes.byteLength / 3) * 4;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { encoding: 'base64', data: bytes.toString('base64') };
  }
  const jsonLength = Buffer.byteLength(JSON.stringify(text)) - 2;
  return jsonLength <= base64Length ? { encoding: 'utf8', data: text } : { encoding: 'base64', data: bytes.toString('base64') };
}
