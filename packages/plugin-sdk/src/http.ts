// The HTTP client handlers get as `context.http` (docs/sdk.md, section 8): one fetch-like call with
// two transports. On protocol v2 every request travels to fctl as `http.request` and fctl makes it
// with the user's credentials (the plugin never has them); on v1 the SDK makes it itself, to the
// stack only, with the token of `execute.auth`. The rules a v2 core applies are checked here first
// on both versions, so a plugin that works against one works against the other.
// node:http, node:https (TLS) and node:zlib are loaded on the first direct request only: a plugin
// under protocol v2 never needs them, and every plugin start would pay for them (docs/benchmarks.md).
import type * as http from 'node:http';
import type * as https from 'node:https';
import {
  checkHttpRequestV2,
  DEFAULT_HTTP_MAX_IN_FLIGHT,
  MAX_HTTP_REQUEST_BODY_BYTES,
  MAX_HTTP_RESPONSE_BODY_BYTES,
  ProtocolViolation,
  type AuthContext,
  type HttpBody,
  type HttpError,
  type HttpErrorKind,
  type HttpHeaders,
  type HttpRequest,
  type HttpResponse,
} from '@fctl-kit/protocol';

/** What `context.http.fetch` takes besides the URL: a subset of WHATWG fetch's `RequestInit`. */
export interface HttpInit {
  /** Default `GET`. Sent as given (case-sensitive). */
  method?: string;
  /** A `Headers`, `[name, value]` pairs or a record. Credential headers are refused: fctl (v2) or the SDK (v1) adds them. */
  headers?: Headers | Array<[string, string]> | Record<string, string>;
  /** A string (sent as UTF-8, `content-type: text/plain;charset=UTF-8` unless given), bytes, or URLSearchParams. */
  body?: string | Uint8Array | ArrayBuffer | URLSearchParams | null;
  /** Aborting it rejects the call with the signal's reason, as fetch does. */
  signal?: AbortSignal;
  /** Give up after this many milliseconds (rejects with an HttpRequestError of kind `timeout`). */
  timeoutMs?: number;
}

/** `context.http`: requests to the stack, brokered by fctl (protocol v2) or direct (v1). */
export interface HttpClient {
  /**
   * `url` is a path from `/` (query included), appended to `auth.serviceUrl`, or an absolute URL
   * under `auth.serviceUrl`. Resolves to a standard `Response` for every HTTP status (4xx and 5xx
   * included); rejects with an HttpRequestError when no response came (refused, over a limit,
   * unreachable, timeout, cancelled), with the signal's reason when `init.signal` aborted.
   */
  fetch(url: string | URL, init?: HttpInit): Promise<Response>;
}

const BRAND = Symbol.for('@fctl-kit/plugin-sdk/HttpRequestError');

/**
 * A request that got no HTTP response. `kind` and `code` are those of protocol v2's `http.error`
 * (docs/protocol.md, section 3.12), on both versions: `refused` (out of the stack's scope, a
 * credential header...), `limit`, `unavailable` (`dns`, `connect`, `tls`, `network`), `timeout`,
 * `cancelled` (`cancelled`: the command was cancelled; `execute_finished`: it had already answered).
 * Left uncaught by a handler it becomes the command's error: `cancelled` → cancelled,
 * `unavailable` and `timeout` → unavailable, `refused` and `limit` → internal (a plugin bug).
 */
export class HttpRequestError extends Error {
  override name = 'HttpRequestError';
  constructor(
    readonly kind: HttpErrorKind,
    readonly code: string,
    message: string,
  ) {
    super(message);
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for an HttpRequestError of any copy of the SDK. */
  static is(value: unknown): value is HttpRequestError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** The session's HTTP limits (`session.capabilities.http`). */
export interface HttpLimits {
  maxInFlight: number;
  maxRequestBodyBytes: number;
  maxResponseBodyBytes: number;
}

export const PROTOCOL_HTTP_LIMITS: HttpLimits = {
  maxInFlight: DEFAULT_HTTP_MAX_IN_FLIGHT,
  maxRequestBodyBytes: MAX_HTTP_REQUEST_BODY_BYTES,
  maxResponseBodyBytes: MAX_HTTP_RESPONSE_BODY_BYTES,
};

/** A request as it goes on the wire, before it is given an id and an execute. */
interface Prepared {
  method: string;
  url: string;
  headers: HttpHeaders;
  body?: HttpBody;
  bodyBytes?: Buffer;
  timeoutMs?: number;
  signal?: AbortSignal;
}

// Header names the plugin may not send: fctl adds credentials, and owns the framing and routing
// headers. The same lists as fctl's broker (packages/core/src/broker/headers.ts), so a plugin
// refused under v2 is refused under v1 too.
const CREDENTIAL_NAMES = new Set(['authorization', 'proxy-authorization', 'cookie', 'cookie2', 'api-key', 'apikey', 'x-api-key', 'x-apikey']);
const CREDENTIAL_PARTS = new Set(['token', 'auth', 'authorization', 'apikey', 'secret', 'password', 'passwd', 'session', 'cookie', 'credential', 'credentials', 'jwt', 'bearer']);
const RESERVED_NAMES = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer', 'expect', 'http2-settings']);
const ROUTING_NAMES = new Set([
  'x-original-url', 'x-rewrite-url', 'x-override-url', 'x-original-uri', 'x-forwarded-host', 'x-forwarded-prefix', 'x-forwarded-path',
  'x-forwarded-uri', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-server', 'x-forwarded-scheme', 'x-host', 'forwarded',
]);

/** A credential: a known name, or one with a part (split on -, _ and .) like token, auth, secret, session, or "api" then "key". */
function isCredentialHeader(lower: string): boolean {
  if (CREDENTIAL_NAMES.has(lower)) return true;
  const parts = lower.split(/[-_.]/);
  return parts.some((part, index) => CREDENTIAL_PARTS.has(part) || (part === 'api' && parts[index + 1] === 'key'));
}

function refusedHeader(name: string): { code: string; why: string } | undefined {
  const lower = name.toLowerCase();
  if (isCredentialHeader(lower)) return { code: 'credential_header', why: 'fctl adds the credentials of the profile itself' };
  if (RESERVED_NAMES.has(lower)) return { code: 'reserved_header', why: 'the HTTP layer sets it' };
  if (ROUTING_NAMES.has(lower)) return { code: 'routing_header', why: "some servers route by it, around the service's prefix" };
  return undefined;
}

/** Printable ASCII without spaces, as protocol v2 wants a URL: anything else percent-encoded. */
function wireUrl(input: string): string {
  let out = '';
  for (const char of input) {
    const code = char.codePointAt(0)!;
    // A lone surrogate has no UTF-8 form: it becomes U+FFFD, as the WHATWG URL parser writes it.
    out += code > 0x20 && code < 0x7f ? char : code >= 0xd800 && code <= 0xdfff ? '%EF%BF%BD' : encodeURIComponent(char);
  }
  return out;
}

/**
 * What fctl's broker refuses in any URL, checked here on both versions: a fragment, a backslash,
 * userinfo, and `.` / `..` segments, also percent-encoded (decoded repeatedly).
 */
function unsafeUrl(raw: string): { code: string; message: string } | undefined {
  if (raw.includes('#')) return { code: 'fragment', message: 'a URL with a fragment is refused' };
  const afterScheme = raw.replace(/^https?:\/\//i, '');
  const authority = raw.startsWith('/') ? '' : afterScheme.split(/[/?]/, 1)[0]!;
  if (authority.includes('@')) return { code: 'userinfo', message: 'a URL with credentials in it is refused' };
  if (raw.includes('\\')) return { code: 'backslash', message: 'a URL with a backslash is refused' };
  // The path: what follows the authority, up to the query.
  return pathProblem((raw.startsWith('/') ? raw : afterScheme.slice(authority.length)).split('?', 1)[0]!, raw);
}

/** A backslash or a `.` / `..` segment in `path`, percent-encoded or not, or undefined. */
function pathProblem(path: string, raw: string): { code: string; message: string } | undefined {
  let text = path;
  for (let round = 0; round < 8; round++) {
    if (text.includes('\\')) return { code: 'backslash', message: 'a URL with a percent-encoded backslash is refused' };
    if (text.split('/').some((segment) => segment === '.' || segment === '..')) return { code: 'dot_segment', message: `the path ${JSON.stringify(raw.slice(0, 200))} has a "." or ".." segment` };
    // Byte by byte, never failing: a malformed escape elsewhere must not hide an encoded dot.
    const decoded = text.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (decoded === text) return undefined;
    text = decoded;
  }
  return { code: 'dot_segment', message: 'the path is percent-encoded too many times over' };
}

function bodyOf(body: HttpInit['body'], headers: Headers): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') {
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
    // Buffer writes a lone surrogate as U+FFFD, as fetch does: the text sent is always well-formed.
    return Buffer.from(body, 'utf8');
  }
  if (body instanceof URLSearchParams) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
    return Buffer.from(body.toString(), 'utf8');
  }
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('http.fetch: body must be a string, bytes (Uint8Array, ArrayBuffer) or URLSearchParams');
}

/** Text bodies travel as utf8 when they are valid UTF-8 (they always are from a string), else base64. */
function wireBody(bytes: Buffer, wasText: boolean): HttpBody {
  return wasText ? { encoding: 'utf8', data: bytes.toString('utf8') } : { encoding: 'base64', data: bytes.toString('base64') };
}

/**
 * Checks and converts a call into what goes on the wire; the same checks on both versions (a
 * refused header, a body over the limit, anything protocol v2 would not carry) fail the call here.
 */
function prepare(input: string | URL, init: HttpInit, limits: HttpLimits): Prepared {
  const raw = input instanceof URL ? input.href : String(input);
  if (!raw.startsWith('/') && !/^https?:\/\//i.test(raw)) {
    throw new TypeError(`http.fetch: the URL must be a path from "/" (below the stack URL) or an absolute http(s) URL; got ${JSON.stringify(raw.slice(0, 100))}`);
  }
  const unsafe = unsafeUrl(raw);
  if (unsafe) throw new HttpRequestError('refused', unsafe.code, unsafe.message);
  const url = wireUrl(raw);
  const method = init.method ?? 'GET';
  const headers = new Headers(init.headers);
  const bytes = bodyOf(init.body, headers);
  if (bytes && (method === 'GET' || method === 'HEAD')) throw new TypeError(`http.fetch: a ${method} request cannot have a body`);
  const pairs: HttpHeaders = [];
  for (const [name, value] of headers) {
    const refused = refusedHeader(name);
    if (refused) throw new HttpRequestError('refused', refused.code, `the header ${name} is refused: ${refused.why}`);
    pairs.push([name, value]);
  }
  if (init.timeoutMs !== undefined && (!Number.isSafeInteger(init.timeoutMs) || init.timeoutMs < 1)) {
    throw new TypeError(`http.fetch: timeoutMs must be a whole number of milliseconds, at least 1; got ${init.timeoutMs}`);
  }
  if (bytes && bytes.length > limits.maxRequestBodyBytes) {
    throw new HttpRequestError('limit', 'request_body_too_large', `the request body is ${bytes.length} bytes, over the limit of ${limits.maxRequestBodyBytes}`);
  }
  const wasText = typeof init.body === 'string' || init.body instanceof URLSearchParams;
  const prepared: Prepared = { method, url, headers: pairs, signal: init.signal, timeoutMs: init.timeoutMs };
  if (bytes) {
    prepared.body = wireBody(bytes, wasText);
    prepared.bodyBytes = bytes;
  }
  // What a v2 core would refuse as a protocol violation (header sizes and count, method, URL
  // length...) is refused for the call, on both versions.
  try {
    checkHttpRequestV2(toMessage(prepared, 'check', 'check'));
  } catch (error) {
    if (error instanceof ProtocolViolation) throw new HttpRequestError('refused', 'invalid_request', `the request cannot be sent: ${error.message.replace(/^the plugin's "http.request" /, '')}`);
    throw error;
  }
  return prepared;
}

function toMessage(prepared: Prepared, id: string, execute: string): HttpRequest {
  return {
    type: 'http.request',
    id,
    execute,
    method: prepared.method,
    url: prepared.url,
    headers: prepared.headers,
    ...(prepared.body ? { body: prepared.body } : {}),
    ...(prepared.timeoutMs !== undefined ? { timeoutMs: prepared.timeoutMs } : {}),
  };
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** A standard Response from a status, header pairs and body bytes. */
export function buildResponse(status: number, headerPairs: ReadonlyArray<readonly [string, string]>, body: Buffer | undefined, url: string): Response {
  const headers = new Headers();
  for (const [name, value] of headerPairs) {
    // Headers holds byte strings: a character over U+00FF travels as its UTF-8 bytes, as fetch shows them.
    headers.append(name, /[^\u0000-\u00ff]/.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value);
  }
  const response = new Response(NULL_BODY_STATUSES.has(status) || !body ? null : body, { status, headers });
  Object.defineProperty(response, 'url', { value: url, enumerable: true });
  return response;
}

function appendPath(serviceUrl: string, path: string): string {
  return `${serviceUrl.replace(/\/+$/, '')}${path}`;
}

/** The absolute URL a request names (a path is appended to serviceUrl, as the core does). */
export function resolveTarget(serviceUrl: string, url: string): string {
  return url.startsWith('/') ? appendPath(serviceUrl, url) : url;
}

const signalError = (signal: AbortSignal) => signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
const cancelledError = () => new HttpRequestError('cancelled', 'cancelled', 'the request was abandoned: the command was cancelled');
const finishedError = () => new HttpRequestError('cancelled', 'execute_finished', 'the request was abandoned: the command had already answered');

// ---------------------------------------------------------------------------------------------
// Protocol v2: the broker in fctl.

interface Call {
  id: string;
  execute: string;
  prepared: Prepared;
  target: string;
  resolve(response: Response): void;
  reject(error: unknown): void;
  /** Settled for the caller (answered, aborted or cancelled); an in-flight call keeps its slot until fctl answers. */
  settled: boolean;
  detach(): void;
}

/**
 * Brokered HTTP for one plugin process: sends `http.request`, matches `http.response` and
 * `http.error` by id, keeps at most `maxInFlight` requests in flight (all executes together) and
 * queues the rest.
 */
export class HttpBroker {
  private readonly inFlight = new Map<string, Call>();
  private readonly queue: Call[] = [];
  private readonly finished = new Set<string>();
  private nextId = 0;

  constructor(
    private readonly write: (message: HttpRequest) => void,
    readonly limits: HttpLimits,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** How many requests fctl has not answered yet (abandoned ones included). */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  client(execute: string, serviceUrl: string, executeSignal: AbortSignal): HttpClient {
    return {
      fetch: async (input, init = {}) => {
        if (init.signal?.aborted) throw signalError(init.signal);
        if (this.finished.has(execute)) throw finishedError();
        if (executeSignal.aborted) throw cancelledError();
        const prepared = prepare(input, init, this.limits);
        return new Promise<Response>((resolve, reject) => {
          const call: Call = {
            id: `h${++this.nextId}`,
            execute,
            prepared,
            target: resolveTarget(serviceUrl, prepared.url),
            settled: false,
            resolve: (response) => {
              if (call.settled) return;
              call.settled = true;
              call.detach();
              resolve(response);
            },
            reject: (error) => {
              if (call.settled) return;
              call.settled = true;
              call.detach();
              reject(error);
            },
            detach: () => {},
          };
          const onUserAbort = () => this.abandon(call, signalError(init.signal!));
          const onCancel = () => this.abandon(call, cancelledError());
          init.signal?.addEventListener('abort', onUserAbort, { once: true });
          executeSignal.addEventListener('abort', onCancel, { once: true });
          call.detach = () => {
            init.signal?.removeEventListener('abort', onUserAbort);
            executeSignal.removeEventListener('abort', onCancel);
          };
          this.queue.push(call);
          this.pump();
        });
      },
    };
  }

  /** The execute answered: its queued requests are dropped, later calls fail at once. */
  executeFinished(execute: string): void {
    this.finished.add(execute);
    for (const call of [...this.queue]) if (call.execute === execute) this.abandon(call, finishedError());
    for (const call of this.inFlight.values()) if (call.execute === execute) call.reject(finishedError());
  }

  /** An `http.response` or `http.error` from fctl. An id with no request waiting is ignored (said on stderr). */
  deliver(message: HttpResponse | HttpError): void {
    const call = this.inFlight.get(message.id);
    if (!call) {
      this.log(`fctl answered HTTP request ${JSON.stringify(message.id)}, which is not in flight; ignored`);
      return;
    }
    this.inFlight.delete(message.id);
    if (message.type === 'http.error') {
      call.reject(new HttpRequestError(message.error.kind, message.error.code, message.error.message));
    } else {
      const body = message.body ? Buffer.from(message.body.data, message.body.encoding) : undefined;
      if (body && body.length > this.limits.maxResponseBodyBytes) {
        call.reject(new HttpRequestError('limit', 'response_body_too_large', `the response body is ${body.length} bytes, over the session's limit of ${this.limits.maxResponseBodyBytes}`));
      } else {
        try {
          call.resolve(buildResponse(message.status, message.headers, body, call.target));
        } catch (error) {
          call.reject(error);
        }
      }
    }
    this.pump();
  }

  /** Stops waiting for `call`: a queued call is never sent; an in-flight one keeps its slot until fctl answers. */
  private abandon(call: Call, error: unknown): void {
    const queued = this.queue.indexOf(call);
    if (queued !== -1) this.queue.splice(queued, 1);
    call.reject(error);
  }

  private pump(): void {
    while (this.inFlight.size < this.limits.maxInFlight && this.queue.length) {
      const call = this.queue.shift()!;
      if (call.settled) continue;
      this.inFlight.set(call.id, call);
      this.write(toMessage(call.prepared, call.id, call.execute));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Protocol v1: the SDK makes the request, with the token, to the stack only.

/** As fctl's broker (docs/protocol.md, section 3.10). */
const MAX_REDIRECTS = 5;

/** Why `target` is outside the stack of `serviceUrl`, or undefined (the broker's scope rule). */
function outOfScope(serviceUrl: string, target: URL): { code: string; message: string } | undefined {
  const base = new URL(serviceUrl);
  if (target.origin !== base.origin) return { code: 'other_origin', message: `${target.origin} is not the stack of this profile` };
  if (target.username || target.password) return { code: 'userinfo', message: 'a URL with credentials in it is refused' };
  const prefix = base.pathname.replace(/\/+$/, '');
  if (prefix && target.pathname !== prefix && !target.pathname.startsWith(`${prefix}/`)) {
    return { code: 'outside_prefix', message: `${target.pathname} is outside the stack's path ${prefix}` };
  }
  return undefined;
}

function networkCode(error: NodeJS.ErrnoException): string {
  const code = error.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'connect';
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/.test(code)) return 'tls';
  return 'network';
}

async function decode(encoding: string | undefined, body: Buffer): Promise<Buffer | undefined> {
  const coding = (encoding ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return body;
  const zlib = await import('node:zlib');
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(body);
    case 'deflate':
      return zlib.inflateSync(body);
    case 'br':
      return zlib.brotliDecompressSync(body);
    default:
      return undefined;
  }
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);

interface RawResponse {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
}

// Proxies, as the host's HTTP layer (packages/http/src/dispatchers.ts, undici's EnvHttpProxyAgent)
// reads them: http_proxy / HTTP_PROXY for http targets, https_proxy / HTTPS_PROXY (else the HTTP one)
// for https targets, lowercase first, empty meaning unset; NO_PROXY as undici matches it (`*`, host
// or domain suffix, optional :port; loopback is not implied). The choice of proxy is written here
// because proxy-from-env, the usual library, reads other rules (no suffix match without a leading
// dot, ALL_PROXY, an empty lowercase variable falling through to the uppercase one) and the SDK must
// route as fctl does; undici itself would add its weight to every plugin binary. The tunnel is
// https-proxy-agent's, loaded only when a proxy is set. Like undici's default (proxyTunnel), every
// proxied request goes through a CONNECT tunnel, http stacks included: the proxy sees only
// `CONNECT host:port`, never the request nor its Authorization. Proxy-Authorization comes only from
// the proxy URL's userinfo.

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** The proxy for `target` from `env`, or undefined for a direct connection. */
export function proxyFor(target: URL, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  const pick = (name: string) => env[name.toLowerCase()] ?? env[name] ?? '';
  const httpProxy = pick('HTTP_PROXY');
  const proxy = target.protocol === 'https:' ? pick('HTTPS_PROXY') || httpProxy : httpProxy;
  if (!proxy) return undefined;
  const noProxy = env.no_proxy ?? env.NO_PROXY ?? '';
  if (noProxy === '*') return undefined;
  const hostname = target.host.replace(/:\d*$/, '').toLowerCase();
  const port = Number.parseInt(target.port, 10) || DEFAULT_PORTS[target.protocol] || 0;
  for (const entry of noProxy.split(/[,\s]/)) {
    if (!entry) continue;
    const parsed = /^(.+):(\d+)$/.exec(entry);
    const host = (parsed ? parsed[1]! : entry).replace(/^\*?\./, '').toLowerCase();
    if (parsed && Number.parseInt(parsed[2]!, 10) !== port) continue;
    if (hostname === host || hostname.endsWith(`.${host}`)) return undefined;
  }
  try {
    return new URL(proxy);
  } catch {
    // Never the variable's value in the message: it may hold the proxy's password.
    throw new HttpRequestError('refused', 'invalid_proxy', `the ${target.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY'} variable is not a URL`);
  }
}

/** An agent that tunnels to the target through `proxy` (CONNECT), TLS on top for an https target. */
async function tunnelAgent(proxy: URL): Promise<http.Agent> {
  const { HttpsProxyAgent } = await import('https-proxy-agent');
  return new HttpsProxyAgent(proxy, { keepAlive: false });
}

async function send(target: URL, method: string, headers: HttpHeaders, body: Buffer | undefined, insecure: boolean, signal: AbortSignal, maxBody: number): Promise<RawResponse> {
  const proxy = proxyFor(target);
  const transport: typeof http | typeof https = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const agent = proxy ? await tunnelAgent(proxy) : undefined;
  return new Promise((resolve, reject) => {
    const outgoing: http.OutgoingHttpHeaders = {};
    for (const [name, value] of headers) {
      const key = name.toLowerCase();
      const before = outgoing[key];
      outgoing[key] = before === undefined ? value : [...(Array.isArray(before) ? before : [String(before)]), value];
    }
    const options: https.RequestOptions = { method, headers: outgoing, signal };
    if (target.protocol === 'https:') options.rejectUnauthorized = !insecure;
    // Through a proxy: the request goes over the tunnel (one connection per request).
    if (agent) options.agent = agent;
    const request = transport.request(target, options, (response) => {
      const chunks: Buffer[] = [];
      let length = 0;
      response.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (length > maxBody) {
          response.destroy();
          reject(new HttpRequestError('limit', 'response_body_too_large', `the response body is over the limit of ${maxBody} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', reject);
      response.on('end', () => {
        const pairs: Array<[string, string]> = [];
        for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) pairs.push([response.rawHeaders[i]!, response.rawHeaders[i + 1]!]);
        resolve({ status: response.statusCode ?? 0, headers: pairs, body: Buffer.concat(chunks, length) });
      });
    });
    let tunnelled = false;
    // Before the tunnel stands, a failure is the proxy's, and says so.
    request.on('error', (error: NodeJS.ErrnoException) =>
      reject(proxy && !tunnelled && !(error instanceof HttpRequestError) ? Object.assign(new Error(`the proxy ${proxy.origin}: ${error.message}`), { code: error.code }) : error),
    );
    // A refused tunnel is an error, as undici makes it: not the proxy's answer passed off as the stack's.
    request.on('proxyConnect', (connect: { statusCode: number }) => {
      if (connect.statusCode === 200) tunnelled = true;
      else request.destroy(new HttpRequestError('unavailable', 'connect', `the proxy ${proxy!.origin} refused the tunnel to ${target.origin}: ${connect.statusCode}`));
    });
    request.end(body);
  });
}

/**
 * The v1 client: requests `auth.serviceUrl` + path itself with `Authorization: Bearer <token>`,
 * never to another origin or outside the stack's path (redirects included, each hop re-checked),
 * and skips TLS verification only when the profile says `insecureSkipTlsVerify`.
 */
export function directHttpClient(auth: AuthContext, executeSignal: AbortSignal, limits: HttpLimits = PROTOCOL_HTTP_LIMITS): HttpClient {
  return {
    fetch: async (input, init = {}) => {
      if (init.signal?.aborted) throw signalError(init.signal);
      if (executeSignal.aborted) throw cancelledError();
      const prepared = prepare(input, init, limits);
      const signals = [executeSignal, ...(init.signal ? [init.signal] : []), ...(init.timeoutMs ? [AbortSignal.timeout(init.timeoutMs)] : [])];
      const signal = AbortSignal.any(signals);
      let target: URL;
      try {
        target = new URL(resolveTarget(auth.serviceUrl, prepared.url));
      } catch {
        throw new HttpRequestError('refused', 'invalid_url', `${prepared.url} is not a URL below the stack ${auth.serviceUrl}`);
      }
      let method = prepared.method;
      let headers = prepared.headers;
      let body = prepared.bodyBytes;
      for (let hop = 0; ; hop++) {
        const scope = outOfScope(auth.serviceUrl, target);
        if (scope) throw new HttpRequestError('refused', hop === 0 ? scope.code : `redirect_${scope.code}`, scope.message);
        if (target.hash) throw new HttpRequestError('refused', 'fragment', 'a URL with a fragment is refused');
        // The coding is the client's choice, as fctl's broker makes it: the plugin's accept-encoding is dropped.
        const sent: HttpHeaders = headers.filter(([name]) => name.toLowerCase() !== 'accept-encoding');
        sent.push(['accept-encoding', 'gzip, deflate, br']);
        if (auth.accessToken) sent.push(['authorization', `Bearer ${auth.accessToken}`]);
        let raw: RawResponse;
        try {
          raw = await send(target, method, sent, body, auth.insecureSkipTlsVerify, signal, limits.maxResponseBodyBytes);
        } catch (error) {
          if (HttpRequestError.is(error)) throw error;
          if (init.signal?.aborted) throw signalError(init.signal);
          if (executeSignal.aborted) throw cancelledError();
          if (signal.aborted) throw new HttpRequestError('timeout', 'timeout', `no answer from ${target.origin} within ${init.timeoutMs} ms`);
          throw new HttpRequestError('unavailable', networkCode(error as NodeJS.ErrnoException), `cannot reach ${target.origin}: ${(error as Error).message}`);
        }
        const location = raw.headers.find(([name]) => name.toLowerCase() === 'location')?.[1];
        if ([301, 302, 303, 307, 308].includes(raw.status) && location !== undefined) {
          if (hop + 1 > MAX_REDIRECTS) throw new HttpRequestError('refused', 'too_many_redirects', `more than ${MAX_REDIRECTS} redirects`);
          // The Location as the server wrote it, checked before the URL parser resolves any dot away.
          const problem = location.includes('\\') ? { code: 'backslash', message: 'the stack redirected to a URL with a backslash' } : pathProblem(location.split(/[?#]/, 1)[0]!.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, ''), location);
          if (problem) throw new HttpRequestError('refused', `redirect_${problem.code}`, 'the stack redirected to a path fctl would refuse');
          try {
            target = new URL(location, target);
          } catch {
            throw new HttpRequestError('refused', 'redirect_invalid_url', 'the stack redirected to something that is not a URL');
          }
          if (raw.status === 303 || ((raw.status === 301 || raw.status === 302) && method === 'POST')) {
            method = method === 'HEAD' ? 'HEAD' : 'GET';
            body = undefined;
            headers = headers.filter(([name]) => !/^content-/i.test(name));
          }
          continue;
        }
        const encoding = raw.headers.find(([name]) => name.toLowerCase() === 'content-encoding')?.[1];
        let decoded: Buffer | undefined;
        try {
          decoded = await decode(encoding, raw.body);
        } catch {
          throw new HttpRequestError('unavailable', 'network', `the response of ${target.origin} is not valid ${encoding}`);
        }
        // Decoded as fctl's broker does: the plugin never decompresses (an unknown coding is passed on as it came).
        const changed = decoded !== undefined && decoded !== raw.body;
        const pairs = raw.headers.filter(([name]) => {
          const lower = name.toLowerCase();
          if (HOP_BY_HOP.has(lower)) return false;
          return !changed || (lower !== 'content-encoding' && lower !== 'content-length');
        });
        if (decoded && decoded.length > limits.maxResponseBodyBytes) {
          throw new HttpRequestError('limit', 'response_body_too_large', `the response body is over the limit of ${limits.maxResponseBodyBytes} bytes`);
        }
        return buildResponse(raw.status, pairs, decoded ?? raw.body, target.href);
      }
    },
  };
}
