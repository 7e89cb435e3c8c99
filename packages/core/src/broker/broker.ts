// The host's HTTP broker: runs a plugin's http.request through packages/http, scoped to the stack
// and the service's prefix, with the host's token, redirects followed here (each hop re-scoped),
// body limits enforced while streaming, a per-request timeout inside the execute's deadline, a
// bound on requests in flight, and cancel aborting them all.
import { HttpRequestError, request } from '@fctl-kit/http';
import { debugLine } from './debug-line.js';
import { BrokerError } from './errors.js';
import { checkRequestHeaders, visibleResponseHeaders } from './headers.js';
import { checkUrl, resolveInScope, type Scope } from './scope.js';

export const MAX_REQUEST_BODY = 4 * 1024 * 1024;
export const MAX_RESPONSE_BODY = 32 * 1024 * 1024;
export const MAX_REDIRECTS = 5;

export interface BrokerBody {
  encoding: 'utf8' | 'base64';
  data: string;
}
export interface BrokerRequest {
  id: string;
  method: string;
  /** A path under the service's prefix (relative or absolute) or a full URL in scope. */
  target: string;
  headers?: Record<string, string>;
  body?: BrokerBody;
}
export interface BrokerResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body: BrokerBody;
}

export interface BrokerOptions {
  scope: Scope;
  /** The profile's token, asked for each request; never given to the plugin. */
  token: () => string | undefined | Promise<string | undefined>;
  insecureTls?: boolean;
  requestTimeoutMs?: number;
  maxInFlight?: number;
  maxResponseBytes?: number;
  /** The execute's own signal (its deadline, or the user's cancel). */
  signal?: AbortSignal;
  debug?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class Broker {
  private readonly cancel = new AbortController();
  private inFlight = 0;

  constructor(private readonly options: BrokerOptions) {}

  /** Aborts every request in flight; later requests are refused. */
  cancelAll(): void {
    this.cancel.abort(new BrokerError('http_cancelled', 'the execute was cancelled'));
  }

  async execute(input: BrokerRequest): Promise<BrokerResponse> {
    const method = input.method.toUpperCase();
    if (!METHODS.has(method)) throw new BrokerError('http_url_refused', `the method ${JSON.stringify(method.slice(0, 16))} is not brokered`);
    const url = resolveInScope(input.target, this.options.scope);
    const headers = checkRequestHeaders(input.headers ?? {});
    const body = decodeBody(input.body);
    if (this.cancel.signal.aborted || this.options.signal?.aborted) throw new BrokerError('http_cancelled', 'the execute was cancelled');
    const limit = this.options.maxInFlight ?? 8;
    if (this.inFlight >= limit) throw new BrokerError('http_too_many_requests', `more than ${limit} brokered requests in flight`);
    this.inFlight++;
    const started = performance.now();
    let outcome: number | string = 'error';
    try {
      const response = await this.follow(method, url, headers, body, input.id);
      outcome = response.status;
      return response;
    } catch (error) {
      outcome = error instanceof BrokerError ? error.code : 'http_failed';
      throw error;
    } finally {
      this.inFlight--;
      this.options.debug?.(debugLine({ method, url, outcome, durationMs: performance.now() - started }));
    }
  }

  private async follow(method: string, first: URL, headers: Record<string, string>, body: Buffer | undefined, id: string): Promise<BrokerResponse> {
    const timeoutMs = this.options.requestTimeoutMs ?? 30_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signals = [this.cancel.signal, timeout, ...(this.options.signal ? [this.options.signal] : [])];
    const signal = AbortSignal.any(signals);
    const token = await this.options.token();
    let url = first;
    let currentMethod = method;
    let currentBody = body;
    for (let hop = 0; ; hop++) {
      const response = await request(url, {
        method: currentMethod,
        headers,
        ...(token ? { credentials: { headers: { authorization: `Bearer ${token}` }, origins: [this.options.scope.origin] } } : {}),
        ...(currentBody ? { body: currentBody } : {}),
        maxRedirects: 'manual',
        retries: 0,
        plainHttpOrigin: this.options.scope.origin,
        insecureTls: Boolean(this.options.insecureTls),
        signal,
        ...(this.options.env ? { env: this.options.env } : {}),
      }).catch((error: unknown) => {
        throw failure(error, signal, timeout, this.cancel.signal, this.options.signal, timeoutMs);
      });
      const location = response.headers.get('location');
      if (REDIRECTS.has(response.status) && location) {
        await response.discard();
        if (hop + 1 > MAX_REDIRECTS) throw new BrokerError('http_redirect_refused', `more than ${MAX_REDIRECTS} redirects`);
        const next = new URL(location, url);
        try {
          checkUrl(next, this.options.scope, `a redirect from ${url.pathname}`);
        } catch (error) {
          throw new BrokerError('http_redirect_refused', (error as Error).message);
        }
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && currentMethod === 'POST')) {
          currentMethod = currentMethod === 'HEAD' ? 'HEAD' : 'GET';
          currentBody = undefined;
        }
        url = next;
        continue;
      }
      const bytes = await readLimited(response.body, this.options.maxResponseBytes ?? MAX_RESPONSE_BODY).catch((error: unknown) => {
        throw failure(error, signal, timeout, this.cancel.signal, this.options.signal, timeoutMs);
      });
      return { id, status: response.status, headers: visibleResponseHeaders(response.headers), body: encodeBody(bytes) };
    }
  }
}

function failure(error: unknown, signal: AbortSignal, timeout: AbortSignal, cancel: AbortSignal, execute: AbortSignal | undefined, timeoutMs: number): BrokerError {
  if (error instanceof BrokerError) return error;
  if (cancel.aborted || execute?.aborted) return new BrokerError('http_cancelled', 'the execute was cancelled');
  if (timeout.aborted || (error instanceof HttpRequestError && error.kind === 'timeout')) return new BrokerError('http_timeout', `no complete response within ${timeoutMs} ms`);
  if (signal.aborted) return new BrokerError('http_cancelled', 'the request was aborted');
  return new BrokerError('http_failed', error instanceof HttpRequestError ? error.reason : 'the request failed');
}

async function readLimited(body: AsyncIterable<Uint8Array>, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > max) throw new BrokerError('http_body_too_large', `the response body exceeds ${max} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function decodeBody(body: BrokerBody | undefined): Buffer | undefined {
  if (!body) return undefined;
  const estimated = body.encoding === 'base64' ? (body.data.length * 3) / 4 : body.data.length;
  if (estimated > MAX_REQUEST_BODY * 3) throw new BrokerError('http_body_too_large', `the request body exceeds ${MAX_REQUEST_BODY} bytes`);
  const bytes = Buffer.from(body.data, body.encoding === 'base64' ? 'base64' : 'utf8');
  if (bytes.byteLength > MAX_REQUEST_BODY) throw new BrokerError('http_body_too_large', `the request body exceeds ${MAX_REQUEST_BODY} bytes`);
  return bytes;
}

function encodeBody(bytes: Buffer): BrokerBody {
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? { encoding: 'utf8', data: text } : { encoding: 'base64', data: bytes.toString('base64') };
}
