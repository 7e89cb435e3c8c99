// The host's HTTP broker: runs a plugin's http.request through packages/http, scoped to the stack's
// origin and the service's prefix (scope.ts), with the plugin's headers checked (headers.ts), the
// profile's token, TLS choice and proxy added here, redirects followed here with each hop checked
// again, bodies bounded while they stream (body.ts), a timeout within the execute's, a bound on
// requests in flight, and one debug line per request (debug-line.ts). Every outcome is a protocol
// message: an http.response, or an http.error with the request's id; handle() never throws.
import { HttpRequestError, request as send } from '@fctl-kit/http';
import {
  DEFAULT_HTTP_MAX_IN_FLIGHT,
  HTTP_TOKEN_PATTERN,
  MAX_HTTP_METHOD_LENGTH,
  MAX_HTTP_REQUEST_BODY_BYTES,
  MAX_HTTP_RESPONSE_BODY_BYTES,
  type HttpError,
  type HttpRequest,
  type HttpResponse,
} from '@fctl-kit/protocol';
import { decodeRequestBody, decoderFor, encodeResponseBody, readResponseBody, redact } from './body.js';
import { debugLine } from './debug-line.js';
import { BrokerFailure, overLimit, quote, refused, unavailable } from './errors.js';
import { checkRequestHeaders, visibleResponseHeaders } from './headers.js';
import { resolveRedirect, resolveTarget, scopeOf, stackVersionsTarget, type Scope } from './scope.js';

/** Redirects the broker follows for one request; one more is refused (too_many_redirects). */
export const MAX_BROKER_REDIRECTS = 5;

export interface BrokerOptions {
  /** The stack URL of the profile (auth.serviceUrl), e.g. https://org-stack.example. */
  serviceUrl: string;
  /** The path prefix under the stack URL the plugin may reach, e.g. /api/ledger ("/" is refused). */
  servicePrefix: string;
  /** The profile's access token: sent as `Authorization: Bearer` to the stack's origin only, never returned. */
  token?: string;
  /** The profile's insecureSkipTlsVerify, for this broker's requests only. */
  insecureTls?: boolean;
  /** Proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) and FCTL_HTTP_* timeout variables, as packages/http reads them (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Told one line per brokered request (debug-line.ts); never holds the token. */
  debug?: (line: string) => void;
  maxInFlight?: number;
  maxResponseBodyBytes?: number;
  maxRequestBodyBytes?: number;
}

export interface BrokerLimits {
  maxInFlight: number;
  maxRequestBodyBytes: number;
  maxResponseBodyBytes: number;
}

export interface HttpBroker {
  /** What the session message announces (session.capabilities.http). */
  readonly limits: BrokerLimits;
  /** Never throws or rejects: every failure is an HttpError with the request's id. `signal`: the execute's (cancel, deadline); request.timeoutMs shortens it. */
  handle(request: HttpRequest, signal: AbortSignal): Promise<HttpResponse | HttpError>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Methods that are not a request to a resource: CONNECT opens a tunnel, TRACE/TRACK echo the request (the token with it). */
const REFUSED_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const METHOD = new RegExp(HTTP_TOKEN_PATTERN);

function limit(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`the broker's ${name} must be an integer from ${min} to ${max}`);
  return value;
}

export function createBroker(options: BrokerOptions): HttpBroker {
  const scope = scopeOf(options.serviceUrl, options.servicePrefix);
  const limits: BrokerLimits = Object.freeze({
    maxInFlight: limit('maxInFlight', options.maxInFlight, DEFAULT_HTTP_MAX_IN_FLIGHT, 1, 1024),
    maxRequestBodyBytes: limit('maxRequestBodyBytes', options.maxRequestBodyBytes, MAX_HTTP_REQUEST_BODY_BYTES, 0, MAX_HTTP_REQUEST_BODY_BYTES),
    maxResponseBodyBytes: limit('maxResponseBodyBytes', options.maxResponseBodyBytes, MAX_HTTP_RESPONSE_BODY_BYTES, 0, MAX_HTTP_RESPONSE_BODY_BYTES),
  });
  const token = options.token || undefined;
  let inFlight = 0;

  async function handle(request: HttpRequest, signal: AbortSignal): Promise<HttpResponse | HttpError> {
    const started = performance.now();
    const id = typeof request?.id === 'string' ? request.id : '';
    const method = typeof request?.method === 'string' ? request.method : '';
    const progress = { redirects: 0 };
    let outcome: number | string;
    let answer: HttpResponse | HttpError;
    try {
      if (signal.aborted) {
        if ((signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError') throw new BrokerFailure('timeout', 'timeout', "the command's deadline passed before the request was sent");
        throw new BrokerFailure('cancelled', 'cancelled', 'the execute was cancelled before the request was sent');
      }
      if (!METHOD.test(method) || method.length > MAX_HTTP_METHOD_LENGTH) throw refused('invalid_method', `the method ${quote(method, 32)} is not an HTTP token of at most ${MAX_HTTP_METHOD_LENGTH} characters`);
      if (REFUSED_METHODS.has(method.toUpperCase())) throw refused('method_refused', `the method ${method} is not brokered`);
      if (typeof request.url !== 'string') throw refused('invalid_url', 'the URL must be a string');
      const url = stackVersionsTarget(method, request.url, scope) ?? resolveTarget(request.url, scope);
      if (!Array.isArray(request.headers) || !request.headers.every((pair) => Array.isArray(pair) && pair.length === 2)) throw refused('invalid_header', 'the headers must be [name, value] pairs');
      const headers = checkRequestHeaders(request.headers);
      const body = decodeRequestBody(request.body, limits.maxRequestBodyBytes);
      if (inFlight >= limits.maxInFlight) throw overLimit('too_many_in_flight', `${limits.maxInFlight} requests are already in flight (the session's maxInFlight); send this one when one of them is answered`);
      inFlight++;
      try {
        answer = await exchange({ id, method, url, headers, body, timeoutMs: request.timeoutMs, signal, progress });
      } finally {
        inFlight--;
      }
      outcome = answer.status;
    } catch (error) {
      const failure = failureOf(error);
      answer = { type: 'http.error', id, error: { kind: failure.kind, code: failure.code, message: scrub(failure.message) } };
      outcome = `${failure.kind} ${failure.code}`;
    }
    options.debug?.(
      debugLine({ method, url: typeof request?.url === 'string' ? request.url : '', origin: scope.origin, outcome, redirects: progress.redirects, durationMs: performance.now() - started, ...(token ? { token } : {}) }),
    );
    return answer;
  }

  const scrub = (text: string) => (token ? text.split(token).join('[redacted]') : text);

  interface Exchange {
    id: string;
    method: string;
    url: URL;
    headers: Record<string, string>;
    body: Buffer | undefined;
    timeoutMs: number | undefined;
    signal: AbortSignal;
    progress: { redirects: number };
  }

  async function exchange(call: Exchange): Promise<HttpResponse> {
    const timer = new AbortController();
    const timeoutMs = typeof call.timeoutMs === 'number' && call.timeoutMs >= 1 && Number.isFinite(call.timeoutMs) ? call.timeoutMs : undefined;
    const timeout = timeoutMs === undefined ? undefined : setTimeout(() => timer.abort(), timeoutMs);
    const signal = AbortSignal.any([call.signal, timer.signal]);
    const fail = (error: unknown): never => {
      if (error instanceof BrokerFailure) throw error;
      // An execute signal aborted with a TimeoutError (AbortSignal.timeout) is its deadline, not a cancel.
      if (call.signal.aborted && (call.signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError') throw new BrokerFailure('timeout', 'timeout', "no complete response before the command's deadline");
      if (call.signal.aborted) throw new BrokerFailure('cancelled', 'cancelled', 'the execute was cancelled; the request was abandoned');
      if (timer.signal.aborted) throw new BrokerFailure('timeout', 'timeout', `no complete response within ${timeoutMs} ms (the request's timeoutMs, or what was left of the command's deadline)`);
      throw networkFailure(error);
    };
    let url = call.url;
    let method = call.method;
    let body = call.body;
    try {
      for (;;) {
        const response = await send(url, {
          method,
          headers: call.headers,
          ...(token ? { credentials: { headers: { authorization: `Bearer ${token}` }, origins: [scope.origin] } } : {}),
          ...(body ? { body } : {}),
          maxRedirects: 'manual',
          retries: 0,
          maxBytes: limits.maxResponseBodyBytes,
          ...(url.protocol === 'http:' ? { plainHttpOrigin: scope.origin } : {}),
          insecureTls: Boolean(options.insecureTls),
          signal,
          env: options.env ?? process.env,
        }).catch(fail);
        const location = response.headers.get('location');
        if (REDIRECT_STATUSES.has(response.status) && location !== null) {
          await response.discard();
          if (call.progress.redirects >= MAX_BROKER_REDIRECTS) throw refused('too_many_redirects', `the server redirected more than ${MAX_BROKER_REDIRECTS} times`);
          url = resolveRedirect(location, url, scope);
          call.progress.redirects++;
          if (response.status === 303 ? method !== 'HEAD' : (response.status === 301 || response.status === 302) && method === 'POST') {
            method = 'GET';
            body = undefined;
          }
          continue;
        }
        if (!Number.isInteger(response.status) || response.status < 200 || response.status > 599) {
          await response.discard();
          throw unavailable('invalid_response', `the server answered with the status ${response.status}, which is not a final HTTP status (200-599)`);
        }
        const decoder = method === 'HEAD' ? undefined : decoderFor(response.headers.get('content-encoding'));
        let headers;
        try {
          headers = visibleResponseHeaders(response.headers, { ...(token ? { token } : {}), decoded: Boolean(decoder) });
        } catch (error) {
          await response.discard();
          throw error;
        }
        const bytes = method === 'HEAD' ? Buffer.alloc(0) : await readResponseBody(response.body, limits.maxResponseBodyBytes, decoder).catch(fail);
        const encoded = encodeResponseBody(redact(bytes, token));
        return { type: 'http.response', id: call.id, status: response.status, headers, ...(encoded ? { body: encoded } : {}) };
      }
    } finally {
      if (timeout) clearTimeout(timeout);
    }
  }

  return { limits, handle };
}

/** What a failure of packages/http (or of decoding a body) is, as an http.error. */
function networkFailure(error: unknown): BrokerFailure {
  if (error instanceof BrokerFailure) return error;
  if (error instanceof HttpRequestError) {
    const code = error.code ?? '';
    switch (error.kind) {
      case 'timeout':
        return new BrokerFailure('timeout', 'timeout', error.reason);
      case 'too-large':
        return overLimit('response_body_too_large', error.reason);
      case 'connect':
        if (/^(ENOTFOUND|EAI_AGAIN|EAI_NONAME)$/.test(code)) return unavailable('dns', error.reason);
        if (/CERT|SELF_SIGNED|TLS|SSL/i.test(code)) return unavailable('tls', error.reason);
        return unavailable('connect', error.reason);
      case 'network':
        if (/^HPE_/.test(code) || /HPE_/.test(error.reason)) return unavailable('invalid_response', `the server's answer is not valid HTTP: ${error.reason}`);
        return unavailable('network', error.reason);
      case 'policy':
        return refused('other_origin', error.reason);
      case 'redirect':
        return refused('too_many_redirects', error.reason);
    }
  }
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) return unavailable('invalid_response', `the response body is not valid for its Content-Encoding (${code})`);
  if (typeof code === 'string' && /^HPE_/.test(code)) return unavailable('invalid_response', `the server's answer is not valid HTTP (${code})`);
  return unavailable('network', `the request failed: ${error instanceof Error ? error.message : String(error)}`);
}

function failureOf(error: unknown): BrokerFailure {
  if (error instanceof BrokerFailure) return error;
  return networkFailure(error);
}

export type { Scope };
