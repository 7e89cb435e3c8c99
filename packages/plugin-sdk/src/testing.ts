// Test helpers: run a command in-process, as fctl would, and get its data back; with `broker`, as
// under protocol v2, each request of context.http answered by a function standing for fctl.
import {
  checkCoreMessageFor,
  type AuthContext,
  type FlagValue,
  type HttpErrorBody,
  type HttpRequest,
  type HttpResponse,
  type OutputFormat,
} from '@fctl-kit/protocol';
import { CommandError } from './errors.js';
import { runExecute } from './execute.js';
import { HttpBroker, HttpRequestError, PROTOCOL_HTTP_LIMITS, resolveTarget, type HttpLimits } from './http.js';
import type { Plugin } from './plugin.js';

/** A request of the handler as fctl's broker receives it (protocol v2's `http.request`). */
export interface BrokeredRequest {
  method: string;
  /** As the plugin sent it: a path from "/" or an absolute URL. */
  url: string;
  /** `url` resolved against `auth.serviceUrl`, as fctl resolves it. */
  target: string;
  headers: Array<[string, string]>;
  /** The body's bytes (decoded from utf8 or base64), or undefined. */
  body: Uint8Array | undefined;
  /** The body as text ('' without one). */
  text(): string;
  /** The wire message itself. */
  message: HttpRequest;
}

/**
 * What a fake broker answers: a `Response`, a plain `{ status, headers, body }` (a non-string,
 * non-bytes body is sent as JSON), or `{ error: { kind, code, message } }` for an `http.error`.
 */
export type BrokerAnswer =
  | Response
  | { status?: number; headers?: Array<[string, string]> | Record<string, string>; body?: unknown }
  | { error: HttpErrorBody };

export type FakeBroker = (request: BrokeredRequest) => BrokerAnswer | Promise<BrokerAnswer>;

export interface InvokeOptions {
  args?: string[];
  flags?: Record<string, FlagValue>;
  auth?: Partial<AuthContext>;
  output?: OutputFormat;
  signal?: AbortSignal;
  /** Receives what the handler logs (debug included). */
  log?: (line: string) => void;
  /**
   * 1 (the default without `broker`): context.http requests `auth.serviceUrl` itself with
   * `auth.accessToken`, as under a v1 fctl. 2 (the default with `broker`): every request goes to
   * `broker`, and the handler's auth holds no token, as under a v2 fctl.
   */
  protocolVersion?: 1 | 2;
  /** Stands for fctl's HTTP broker (protocol v2): answers each request of context.http. */
  broker?: FakeBroker;
  /** The session's HTTP limits under protocol v2 (defaults: the protocol's, maxInFlight 8). */
  session?: Partial<HttpLimits>;
}

const bytesOf = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength);

/** An answer encoded as the core would send it: utf8 when the bytes are UTF-8, else base64. */
async function toMessage(id: string, answer: BrokerAnswer): Promise<HttpResponse | { type: 'http.error'; id: string; error: HttpErrorBody }> {
  if ('error' in answer && answer.error) return { type: 'http.error', id, error: answer.error };
  let status: number;
  let headers: Array<[string, string]>;
  let body: Buffer | undefined;
  if (answer instanceof Response) {
    status = answer.status;
    headers = [...answer.headers];
    const bytes = Buffer.from(await answer.arrayBuffer());
    body = bytes.length ? bytes : undefined;
  } else {
    const plain = answer as { status?: number; headers?: Array<[string, string]> | Record<string, string>; body?: unknown };
    status = plain.status ?? 200;
    headers = Array.isArray(plain.headers) ? plain.headers : Object.entries(plain.headers ?? {});
    if (typeof plain.body === 'string') body = Buffer.from(plain.body, 'utf8');
    else if (plain.body instanceof Uint8Array) body = bytesOf(plain.body);
    else if (plain.body !== undefined) {
      body = Buffer.from(JSON.stringify(plain.body), 'utf8');
      if (!headers.some(([name]) => name.toLowerCase() === 'content-type')) headers = [...headers, ['content-type', 'application/json']];
    }
  }
  let encoded: HttpResponse['body'];
  if (body) {
    let text: string | undefined;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      text = undefined;
    }
    encoded = text === undefined ? { encoding: 'base64', data: body.toString('base64') } : { encoding: 'utf8', data: text };
  }
  return { type: 'http.response', id, status, headers, ...(encoded ? { body: encoded } : {}) };
}

function toRequest(message: HttpRequest, serviceUrl: string): BrokeredRequest {
  const body = message.body ? Buffer.from(message.body.data, message.body.encoding) : undefined;
  return {
    method: message.method,
    url: message.url,
    target: resolveTarget(serviceUrl, message.url),
    headers: message.headers.map(([name, value]) => [name, value]),
    body: body ? new Uint8Array(body) : undefined,
    text: () => (body ? body.toString('utf8') : ''),
    message,
  };
}

/**
 * Runs `path` (canonical names or aliases) with flag checking and defaults exactly as under fctl.
 * Resolves to the handler's data; rejects with a CommandError carrying the protocol error.
 */
export async function invokeCommand(plugin: Plugin<unknown>, path: string | string[], options: InvokeOptions = {}): Promise<unknown> {
  const log = options.log ?? (() => {});
  const signal = options.signal ?? new AbortController().signal;
  // A plugin kept off v1 (createPlugin protocolVersions) is invoked as v2 would run it; asking for a
  // version it does not speak is the test's mistake, said at once.
  const version = options.protocolVersion ?? (options.broker || !plugin.protocolVersions.includes(1) ? 2 : 1);
  if (!plugin.protocolVersions.includes(version)) {
    throw new TypeError(`invokeCommand: fctl-plugin-${plugin.name} speaks protocol ${plugin.protocolVersions.join(', ')}, not ${version}`);
  }
  const v1Auth: AuthContext = { serviceUrl: 'http://127.0.0.1:1', insecureSkipTlsVerify: false, ...options.auth };
  const base = {
    command: typeof path === 'string' ? path.split(' ').filter(Boolean) : path,
    args: options.args ?? [],
    flags: options.flags ?? {},
    output: options.output ?? ('json' as const),
    debug: true,
  };
  let outcome;
  if (version === 1) {
    outcome = await runExecute(plugin, { ...base, auth: v1Auth }, signal, { debug: log, info: log });
  } else {
    // Protocol v2: the token and the TLS choice stay with "fctl" (this function); the handler gets neither.
    const auth = {
      serviceUrl: v1Auth.serviceUrl,
      ...(v1Auth.organizationId !== undefined ? { organizationId: v1Auth.organizationId } : {}),
      ...(v1Auth.stackId !== undefined ? { stackId: v1Auth.stackId } : {}),
    };
    const fake: FakeBroker = options.broker ?? (() => ({ error: { kind: 'refused', code: 'no_fake_broker', message: 'invokeCommand was given no broker to answer HTTP requests' } }));
    const broker: HttpBroker = new HttpBroker(
      (message) => {
        void (async () => {
          let answer: BrokerAnswer;
          try {
            answer = await fake(toRequest(message, auth.serviceUrl));
          } catch (error) {
            answer = { error: { kind: 'unavailable', code: 'network', message: `the fake broker threw: ${error instanceof Error ? error.message : String(error)}` } };
          }
          // What a real core could not send is refused here too, so the test learns of it.
          broker.deliver(checkCoreMessageFor(2, await toMessage(message.id, answer)) as HttpResponse);
        })().catch((error: unknown) => {
          broker.deliver({ type: 'http.error', id: message.id, error: { kind: 'refused', code: 'invalid_fake_answer', message: `the fake broker's answer breaks protocol v2: ${(error as Error).message}` } });
        });
      },
      { ...PROTOCOL_HTTP_LIMITS, ...options.session },
      log,
    );
    const executeId = 'test';
    outcome = await runExecute(plugin, { ...base, auth }, signal, { debug: log, info: log }, broker.client(executeId, auth.serviceUrl, signal));
    broker.executeFinished(executeId);
  }
  if (outcome.ok) return outcome.data;
  throw new CommandError(outcome.error.kind, outcome.error.message, outcome.error.code);
}

export { CommandError, HttpRequestError };
