// One HTTP request, as every part of fctl and fctl-kit sends it: the URL policy on the first hop and
// on every redirect (followed here, a bounded number of times), credentials only to the origins
// the caller names and never past a change of origin, four timeouts, retries with backoff for
// idempotent requests (honouring a bounded Retry-After), size limits, proxies from the
// environment, and one error type (HttpRequestError) for everything that goes wrong.
import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import pRetry from 'p-retry';
import type { Dispatcher } from 'undici';
import { dispatcherFor, loadUndici, proxySettings } from './dispatchers.js';
import { eagerly } from './eager-body.js';
import { HttpRequestError } from './errors.js';
import { parseRetryAfter } from './retry-after.js';
import { resolveTimeouts, seconds, TIMEOUT_VARIABLES, type Timeouts } from './timeouts.js';
import { displayUrl, urlPolicyViolation } from './url-policy.js';

/** A body is re-created for each attempt and each 307/308 redirect, so a stream comes from a function. */
export type RequestBody = string | Uint8Array | (() => Readable | AsyncIterable<Uint8Array> | Uint8Array | string);

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  /**
   * Secret headers (a token) and the origins they may go to (default: the origin of the URL
   * requested). Never sent to any other origin, nor after a redirect has changed the origin.
   * Authorization, Proxy-Authorization and Cookie in `headers` are treated the same way.
   */
  credentials?: { headers: Record<string, string>; origins?: readonly string[] };
  body?: RequestBody;
  /** A PUT (or other) that can safely be sent twice; GET and HEAD always are. */
  idempotent?: boolean;
  /** Further attempts after the first (default 3 when idempotent, else 0). */
  retries?: number;
  /** First backoff delay, doubling each time (default 500 ms). */
  retryDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the response is returned (default 60 s). */
  maxRetryAfterMs?: number;
  /** Per-request timeouts; the FCTL_HTTP_*_TIMEOUT variables override them. */
  timeouts?: Partial<Timeouts>;
  /** The largest response body accepted, in bytes (default: no limit for streams, 64 MiB when buffered). */
  maxBytes?: number;
  /** Redirects followed before giving up (default 5); 'manual' returns the 3xx response. */
  maxRedirects?: number | 'manual';
  /** Skip TLS verification for this request only (a profile's insecure-TLS flag). */
  insecureTls?: boolean;
  /** An origin the user configured over plain http (a profile's stack URL). */
  plainHttpOrigin?: string;
  signal?: AbortSignal;
  /** Where proxy and timeout variables are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Told before each retry, e.g. to print a warning. */
  onRetry?: (message: string) => void;
}

export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  /** Where the response came from, after redirects. */
  readonly url: URL;
  /** The body, read once; its failures (stall, cut short, too large, deadline) are HttpRequestErrors. */
  readonly body: AsyncIterable<Uint8Array>;
  bytes(): Promise<Buffer>;
  text(): Promise<string>;
  json<T = unknown>(): Promise<T>;
  /** Drops the body unread. */
  discard(): Promise<void>;
}

export interface BufferedResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly url: URL;
  readonly body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);
const DEFAULT_BUFFERED_MAX = 64 * 1024 * 1024;

/** 408, 429 and 5xx: worth another attempt of an idempotent request. */
export const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

interface Hop {
  data: Dispatcher.ResponseData;
  url: URL;
}

/** Everything one call shares across its attempts: the deadline, the signals, the credentials. */
class Call {
  readonly method: string;
  readonly initial: URL;
  readonly timeouts: Timeouts;
  readonly signal: AbortSignal;
  private readonly deadline = new AbortController();
  private readonly timer: NodeJS.Timeout;
  readonly plainHeaders: Record<string, string> = {};
  readonly secretHeaders: Record<string, string> = {};
  readonly secretOrigins: readonly string[];

  constructor(
    target: URL | string,
    readonly options: HttpRequest,
  ) {
    this.initial = new URL(target);
    this.method = (options.method ?? 'GET').toUpperCase();
    this.timeouts = resolveTimeouts(options.timeouts, options.env ?? process.env);
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      (SECRET_HEADERS.has(name.toLowerCase()) ? this.secretHeaders : this.plainHeaders)[name] = value;
    }
    Object.assign(this.secretHeaders, options.credentials?.headers);
    this.secretOrigins = options.credentials?.origins ?? [this.initial.origin];
    this.timer = setTimeout(() => this.deadline.abort(), this.timeouts.deadlineMs).unref();
    this.signal = options.signal ? AbortSignal.any([options.signal, this.deadline.signal]) : this.deadline.signal;
  }

  get idempotent(): boolean {
    return this.method === 'GET' || this.method === 'HEAD' || Boolean(this.options.idempotent);
  }

  done(): void {
    clearTimeout(this.timer);
  }

  error(url: URL, kind: HttpRequestError['kind'], reason: string, details: HttpRequestError['details'] = {}): HttpRequestError {
    return new HttpRequestError(this.method, url, kind, reason, details);
  }

  /** What a failure of undici (or an abort) means, in words. `progress` is set while reading a body. */
  classify(error: unknown, url: URL, progress?: { received: number; announced?: number }): unknown {
    if (error instanceof HttpRequestError) return error;
    if (this.options.signal?.aborted) return this.options.signal.reason;
    if (this.deadline.signal.aborted) {
      return this.error(url, 'timeout', `no complete response within ${seconds(this.timeouts.deadlineMs)} (the overall deadline, ${TIMEOUT_VARIABLES.deadlineMs})`, { timeout: 'deadline' });
    }
    const code = errorCode(error);
    const message = (error as Error)?.message ?? String(error);
    const cause = { code, cause: error };
    switch (code) {
      case 'UND_ERR_CONNECT_TIMEOUT':
        return this.error(url, 'timeout', `no connection within ${seconds(this.timeouts.connectMs)} (connect timeout, ${TIMEOUT_VARIABLES.connectMs})`, { ...cause, timeout: 'connect', transient: true });
      case 'UND_ERR_HEADERS_TIMEOUT':
        return this.error(url, 'timeout', `no response within ${seconds(this.timeouts.responseMs)} of sending the request (response timeout, ${TIMEOUT_VARIABLES.responseMs})`, { ...cause, timeout: 'response', transient: true });
      case 'UND_ERR_BODY_TIMEOUT':
        return this.error(url, 'timeout', `the response stalled: no data for ${seconds(this.timeouts.stallMs)}${progress ? ` after ${received(progress)}` : ''} (stall timeout, ${TIMEOUT_VARIABLES.stallMs})`, { ...cause, timeout: 'stall', transient: true });
      case 'ECONNREFUSED':
      case 'ENOTFOUND':
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return this.error(url, 'connect', `cannot connect (${code})`, cause);
      case 'EAI_AGAIN':
        return this.error(url, 'connect', `cannot resolve ${url.hostname} (${code})`, { ...cause, transient: true });
      case 'UND_ERR_SOCKET':
      case 'ECONNRESET':
      case 'EPIPE':
      case 'UND_ERR_CLOSED':
        return this.error(url, 'network', progress ? `the connection closed after ${received(progress)}: the response was cut short (${code})` : `the connection closed before a response (${code})`, { ...cause, transient: true });
    }
    if (/^Proxy /.test(message)) return this.error(url, 'connect', `the proxy refused the connection: ${message}`, cause);
    if (code && /CERT|SELF_SIGNED|TLS|SSL/i.test(code)) return this.error(url, 'connect', `TLS verification failed (${code}): ${message}`, cause);
    return this.error(url, 'network', `${message}${code ? ` (${code})` : ''}`, cause);
  }

  /** Headers for one hop: the secret ones only to an allowed origin, and never after a change of origin. */
  headersFor(url: URL, originChanged: boolean): Record<string, string> {
    const allowed = !originChanged && this.secretOrigins.includes(url.origin);
    return allowed ? { ...this.plainHeaders, ...this.secretHeaders } : { ...this.plainHeaders };
  }
}

function errorCode(error: unknown): string | undefined {
  const value = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = value?.code ?? value?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

const received = (progress: { received: number; announced?: number }) =>
  progress.announced !== undefined ? `${progress.received} of ${progress.announced} bytes` : `${progress.received} bytes`;

function bodyFor(body: RequestBody | undefined): Dispatcher.DispatchOptions['body'] {
  if (body === undefined) return undefined;
  return (typeof body === 'function' ? body() : body) as Dispatcher.DispatchOptions['body'];
}

/** Sends the request and follows redirects: one attempt. */
async function attempt(call: Call): Promise<Hop> {
  const { request } = await loadUndici();
  const { options } = call;
  const dispatcher = await dispatcherFor(proxySettings(options.env ?? process.env), call.timeouts.connectMs, Boolean(options.insecureTls));
  const maxRedirects = options.maxRedirects === 'manual' ? 0 : (options.maxRedirects ?? 5);
  let url = call.initial;
  let method = call.method;
  let body = options.body;
  let originChanged = false;
  const visited = new Set<string>();
  for (let redirects = 0; ; redirects++) {
    const refused = urlPolicyViolation(url, options);
    if (refused) {
      throw redirects === 0
        ? call.error(url, 'policy', refused)
        : call.error(call.initial, 'policy', `redirected to ${displayUrl(url)}, ${refused}`);
    }
    visited.add(url.href);
    let data: Dispatcher.ResponseData;
    try {
      data = await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers: call.headersFor(url, originChanged),
        body: bodyFor(body),
        dispatcher,
        signal: call.signal,
        headersTimeout: call.timeouts.responseMs,
        bodyTimeout: call.timeouts.stallMs,
      });
    } catch (error) {
      throw call.classify(error, url);
    }
    const location = data.headers.location;
    if (!REDIRECTS.has(data.statusCode) || options.maxRedirects === 'manual' || typeof location !== 'string') return { data, url };
    closeBody(data.body);
    if (redirects >= maxRedirects) throw call.error(call.initial, 'redirect', `more than ${maxRedirects} redirects (the last to ${displayUrl(url)})`);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw call.error(url, 'redirect', `answered ${data.statusCode} with an invalid Location`);
    }
    if (visited.has(next.href)) throw call.error(call.initial, 'redirect', `a redirect loop (back to ${displayUrl(next)})`);
    if (next.origin !== url.origin) originChanged = true;
    if (data.statusCode === 303 ? method !== 'HEAD' : (data.statusCode === 301 || data.statusCode === 302) && method === 'POST') {
      method = 'GET';
      body = undefined;
    }
    url = next;
  }
}

/** Closes a body that will not be read (destroying it without a listener would raise an uncaught abort). */
function closeBody(body: Readable): void {
  body.on('error', () => {});
  body.destroy();
}

function toHeaders(raw: Dispatcher.ResponseData['headers']): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/** The body of `hop`, checked against the size limit, with undici's failures named; `onEnd` runs once it is over. */
async function* checkedBody(call: Call, hop: Hop, maxBytes: number | undefined, onEnd: () => void): AsyncGenerator<Uint8Array> {
  const length = hop.data.headers['content-length'];
  const announced = typeof length === 'string' && /^\d+$/.test(length) ? Number(length) : undefined;
  const progress = { received: 0, ...(announced !== undefined ? { announced } : {}) };
  let finished = false;
  try {
    if (maxBytes !== undefined && announced !== undefined && announced > maxBytes) {
      throw call.error(hop.url, 'too-large', `the response is ${announced} bytes, over the limit of ${maxBytes}`);
    }
    try {
      for await (const chunk of eagerly(hop.data.body)) {
        progress.received += chunk.byteLength;
        if (maxBytes !== undefined && progress.received > maxBytes) throw call.error(hop.url, 'too-large', `the response exceeds the limit of ${maxBytes} bytes`);
        yield chunk;
      }
    } catch (error) {
      throw call.classify(error, hop.url, progress);
    }
    if (announced !== undefined && progress.received < announced) {
      throw call.error(hop.url, 'network', `the connection closed after ${received(progress)}: the response was cut short`, { transient: true });
    }
    finished = true;
  } finally {
    if (!finished) closeBody(hop.data.body);
    onEnd();
  }
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Closes the body of a response that is retried (the call, and its deadline, go on). */
const dropBody = (response: HttpResponse) => {
  const body = undiciBodies.get(response);
  if (body) closeBody(body);
};
const undiciBodies = new WeakMap<HttpResponse, Readable>();

/**
 * The body as an iterator whose `return()` also closes a body never started: an unread body
 * holds its connection, and the process with it.
 */
function closingBody(body: AsyncGenerator<Uint8Array>, close: () => void): AsyncGenerator<Uint8Array> {
  const iterator: AsyncGenerator<Uint8Array> = {
    next: () => body.next(),
    throw: (error: unknown) => body.throw(error),
    return: async (value: unknown) => {
      close();
      return body.return(value as undefined);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

function streamed(call: Call, hop: Hop, maxBytes: number | undefined): HttpResponse {
  const body = closingBody(
    checkedBody(call, hop, maxBytes, () => call.done()),
    () => {
      closeBody(hop.data.body);
      call.done();
    },
  );
  const status = hop.data.statusCode;
  const response: HttpResponse = {
    status,
    statusText: STATUS_CODES[status] ?? '',
    headers: toHeaders(hop.data.headers),
    url: hop.url,
    body,
    bytes: () => collect(body),
    text: async () => (await collect(body)).toString('utf8'),
    json: async <T>() => JSON.parse((await collect(body)).toString('utf8')) as T,
    discard: async () => {
      await body.return(undefined);
    },
  };
  undiciBodies.set(response, hop.data.body);
  return response;
}

class RetryableStatus extends Error {
  constructor(
    readonly response: HttpResponse,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`${response.status}`);
  }
}

/** Runs `once` (one attempt that ends in a response) with the retry policy of `call`. */
async function withRetries<T extends { status: number; headers: Headers }>(call: Call, once: () => Promise<T>, drop: (result: T) => Promise<void>): Promise<T> {
  const { options } = call;
  const retries = call.idempotent ? (options.retries ?? 3) : 0;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  let last: T | undefined;
  try {
    return await pRetry(
      async (attemptNumber) => {
        const result = await once();
        if (!isRetryableStatus(result.status) || attemptNumber > retries) return result;
        const retryAfterMs = parseRetryAfter(result.headers.get('retry-after'));
        if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs) return result;
        last = result;
        await drop(result);
        throw new RetryableStatus(result as unknown as HttpResponse, retryAfterMs);
      },
      {
        retries,
        minTimeout: options.retryDelayMs ?? 500,
        factor: 2,
        randomize: true,
        signal: call.signal,
        shouldRetry: ({ error }) => error instanceof RetryableStatus || (error instanceof HttpRequestError && error.transient),
        onFailedAttempt: async ({ error, retriesLeft }) => {
          if (retriesLeft <= 0 || !(error instanceof RetryableStatus || (error instanceof HttpRequestError && error.transient))) return;
          const retryAfterMs = error instanceof RetryableStatus ? error.retryAfterMs : undefined;
          const what = error instanceof RetryableStatus ? `${call.method} ${displayUrl(error.response.url)} answered ${error.response.status} ${error.response.statusText}` : error.message;
          options.onRetry?.(`${what}; retrying${retryAfterMs ? ` after ${seconds(retryAfterMs)} (Retry-After)` : ''} (${retriesLeft} attempts left)`);
          if (retryAfterMs) await sleep(retryAfterMs, call.signal);
        },
      },
    );
  } catch (error) {
    // A status still failing after the last retry was returned above; this is the abort or deadline.
    if (error instanceof RetryableStatus) return last!;
    throw call.classify(error, call.initial);
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

/**
 * Sends a request; resolves with the response of any final status once its headers arrive (a
 * retryable status is retried first, for idempotent requests). The body streams; read or discard it.
 */
export async function request(target: URL | string, options: HttpRequest = {}): Promise<HttpResponse> {
  const call = new Call(target, options);
  try {
    return await withRetries(
      call,
      async () => streamed(call, await attempt(call), options.maxBytes),
      async (response) => {
        dropBody(response);
      },
    );
  } catch (error) {
    call.done();
    throw error;
  }
}

/** Like `request`, with the body read whole inside each attempt, so a reset or a cut-short body is retried too. */
export async function requestBuffered(target: URL | string, options: HttpRequest = {}): Promise<BufferedResponse> {
  const call = new Call(target, options);
  try {
    return await withRetries(
      call,
      async () => {
        const hop = await attempt(call);
        const body = await collect(checkedBody(call, hop, options.maxBytes ?? DEFAULT_BUFFERED_MAX, () => {}));
        const status = hop.data.statusCode;
        return {
          status,
          statusText: STATUS_CODES[status] ?? '',
          headers: toHeaders(hop.data.headers),
          url: hop.url,
          body,
          text: () => body.toString('utf8'),
          json: <T>() => JSON.parse(body.toString('utf8')) as T,
        };
      },
      async () => {},
    );
  } finally {
    call.done();
  }
}
