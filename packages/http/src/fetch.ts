// A fetch-compatible function on the layer, for libraries that take one (octokit's `request.fetch`):
// their traffic gets the same URL policy, credential rule, timeouts and proxies. It does not retry
// (such libraries retry themselves) unless `defaults` says so.
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { request, type HttpRequest, type RequestBody } from './request.js';

const NULL_BODY = new Set([101, 204, 205, 304]);

async function bodyOf(body: RequestInit['body']): Promise<RequestBody | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof Blob) return new Uint8Array(await body.arrayBuffer());
  if (typeof (body as ReadableStream).getReader === 'function') {
    // A web stream can be read once: bytes it is, so that a redirect can send it again.
    const chunks: Buffer[] = [];
    for await (const chunk of Readable.fromWeb(body as NodeReadableStream)) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  }
  if (Symbol.asyncIterator in (body as object)) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  throw new TypeError('unsupported request body');
}

export function layerFetch(defaults: HttpRequest = {}): typeof fetch {
  return async (input, init = {}) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    const body = await bodyOf(init.body);
    const response = await request(url, {
      retries: 0,
      ...defaults,
      method: init.method ?? 'GET',
      headers: { ...defaults.headers, ...headers },
      ...(body !== undefined ? { body } : {}),
      ...(init.redirect === 'manual' ? { maxRedirects: 'manual' as const } : init.redirect === 'error' ? { maxRedirects: 0 } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    const nullBody = NULL_BODY.has(response.status) || (init.method ?? 'GET').toUpperCase() === 'HEAD';
    if (nullBody) await response.discard();
    const web = new Response(nullBody ? null : (Readable.toWeb(Readable.from(response.body)) as ReadableStream), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    Object.defineProperty(web, 'url', { value: response.url.href });
    return web;
  };
}
