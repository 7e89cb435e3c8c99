// Protocol v2's brokered HTTP on the host's side (docs/protocol.md, sections 2.2 and 3.8 to 3.12):
// which execute each `http.request` belongs to, the in-flight bound of the session (all executes
// together), cancel and the end of an execute, and the size of every line written back. Sending the
// request itself (scope, credentials, redirects, TLS, proxies) is the broker's.
import {
  bodyByteLength,
  checkCoreMessageFor,
  DEFAULT_HTTP_MAX_IN_FLIGHT,
  encodeMessage,
  MAX_CORE_LINE_BYTES,
  MAX_HTTP_REQUEST_BODY_BYTES,
  MAX_HTTP_RESPONSE_BODY_BYTES,
  ProtocolViolation,
  type AuthContext,
  type HttpError,
  type HttpErrorBody,
  type HttpRequest,
  type HttpResponse,
  type Session,
} from '@fctl-kit/protocol';
import type { BrokerFactory, BrokerLimits, HttpBroker } from './broker-seam.js';

export interface BrokeredHttpOptions {
  /** The plugin's name as fctl knows it (the command the user typed): requests are scoped to /api/<name>. */
  pluginName: string;
  broker: BrokerFactory;
  limits?: Partial<BrokerLimits>;
  /** Writes one line to the plugin (already encoded, newline included). */
  write(line: string): void;
  debug?: (line: string) => void;
}

interface ExecuteState {
  auth: AuthContext;
  deadline: number;
  state: 'running' | 'cancelled' | 'finished';
  controller: AbortController;
  broker?: HttpBroker;
  pending: Set<string>;
  /** Requests whose timeout is the execute's deadline (no shorter timeoutMs of their own). */
  deadlineBound: Set<string>;
}

/** The most in-flight requests a session may allow (the broker's own ceiling). */
const MAX_IN_FLIGHT = 1024;

/** The session's limits: the caller's, within the protocol's. */
export function sessionLimits(limits: Partial<BrokerLimits> = {}): BrokerLimits {
  const within = (value: number | undefined, fallback: number, min: number, max: number) =>
    value === undefined || !Number.isSafeInteger(value) ? fallback : Math.min(max, Math.max(min, value));
  return {
    maxInFlight: within(limits.maxInFlight, DEFAULT_HTTP_MAX_IN_FLIGHT, 1, MAX_IN_FLIGHT),
    maxRequestBodyBytes: within(limits.maxRequestBodyBytes, MAX_HTTP_REQUEST_BODY_BYTES, 0, MAX_HTTP_REQUEST_BODY_BYTES),
    maxResponseBodyBytes: within(limits.maxResponseBodyBytes, MAX_HTTP_RESPONSE_BODY_BYTES, 0, MAX_HTTP_RESPONSE_BODY_BYTES),
  };
}

export class BrokeredHttp {
  readonly limits: BrokerLimits;
  private readonly executes = new Map<string, ExecuteState>();
  /** Requests the plugin sent and fctl has not answered yet, by request id, with their execute's id. */
  private readonly inFlight = new Map<string, string>();

  constructor(private readonly options: BrokeredHttpOptions) {
    this.limits = sessionLimits(options.limits);
  }

  /** The `session` message announcing these limits. */
  session(): Session {
    return { type: 'session', capabilities: { http: { ...this.limits } } };
  }

  /** An execute was sent; its requests may come. `timeoutMs` is its deadline. */
  startExecute(id: string, auth: AuthContext, timeoutMs: number): void {
    this.executes.set(id, { auth, deadline: Date.now() + timeoutMs, state: 'running', controller: new AbortController(), pending: new Set(), deadlineBound: new Set() });
  }

  /** The execute was cancelled: each of its requests in flight is aborted and answered `cancelled`. */
  cancelExecute(id: string): void {
    const execute = this.executes.get(id);
    if (!execute || execute.state !== 'running') return;
    execute.state = 'cancelled';
    this.settle(execute, { kind: 'cancelled', code: 'cancelled', message: 'the command was cancelled' });
  }

  /** The plugin answered the execute (or it ended otherwise): its requests in flight are aborted and answered `execute_finished`. */
  finishExecute(id: string, answer = true): void {
    const execute = this.executes.get(id);
    if (!execute || execute.state === 'finished') return;
    execute.state = 'finished';
    if (answer) this.settle(execute, { kind: 'cancelled', code: 'execute_finished', message: 'the command this request belongs to has already finished' });
    else this.abandon(execute);
  }

  /** The plugin is gone or failed: every request is aborted, nothing more is written. */
  abortAll(): void {
    for (const execute of this.executes.values()) {
      execute.state = 'finished';
      this.abandon(execute);
    }
  }

  /**
   * One `http.request` of the plugin (already checked against protocol v2). Throws
   * ProtocolViolation for a request whose id is already in flight; anything else is answered.
   */
  request(request: HttpRequest): void {
    if (this.inFlight.has(request.id)) {
      throw new ProtocolViolation(`it sent http.request ${JSON.stringify(request.id)} while a request with that id was still in flight`);
    }
    const execute = this.executes.get(request.execute);
    if (!execute) return this.answerNow(request.id, { kind: 'refused', code: 'unknown_execute', message: `there is no command ${JSON.stringify(request.execute)} for this request to belong to` });
    if (execute.state === 'cancelled') return this.answerNow(request.id, { kind: 'cancelled', code: 'cancelled', message: 'the command was cancelled' });
    if (execute.state === 'finished') {
      return this.answerNow(request.id, { kind: 'cancelled', code: 'execute_finished', message: 'the command this request belongs to has already finished' });
    }
    if (this.inFlight.size >= this.limits.maxInFlight) {
      return this.answerNow(request.id, { kind: 'limit', code: 'too_many_in_flight', message: `at most ${this.limits.maxInFlight} requests may be in flight at once` });
    }
    const size = request.body ? bodyByteLength(request.body) : 0;
    if (typeof size === 'number' && size > this.limits.maxRequestBodyBytes) {
      return this.answerNow(request.id, {
        kind: 'limit',
        code: 'request_body_too_large',
        message: `the request body is ${size} bytes, over fctl's limit of ${this.limits.maxRequestBodyBytes}`,
      });
    }
    let broker: HttpBroker;
    try {
      broker = execute.broker ??= this.options.broker({
        serviceUrl: execute.auth.serviceUrl,
        servicePrefix: `/api/${this.options.pluginName}`,
        ...(execute.auth.accessToken !== undefined ? { token: execute.auth.accessToken } : {}),
        insecureTls: execute.auth.insecureSkipTlsVerify,
        ...(this.options.debug ? { debug: this.options.debug } : {}),
        ...this.limits,
      });
    } catch (error) {
      const detail = this.scrub(execute, error instanceof Error ? error.message : String(error));
      this.options.debug?.(`HTTP broker could not be set up: ${detail}`);
      return this.answerNow(request.id, { kind: 'unavailable', code: 'network', message: `fctl could not set up HTTP for this stack: ${detail}` });
    }
    this.inFlight.set(request.id, request.execute);
    execute.pending.add(request.id);
    // A request never outlives its execute's deadline, whatever its own timeoutMs.
    const remaining = Math.max(1, execute.deadline - Date.now());
    if (request.timeoutMs === undefined || request.timeoutMs >= remaining) execute.deadlineBound.add(request.id);
    const bounded: HttpRequest = { ...request, timeoutMs: Math.min(request.timeoutMs ?? remaining, remaining) };
    let answer: Promise<HttpResponse | HttpError>;
    try {
      answer = broker.handle(bounded, execute.controller.signal);
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer.then(
      (message) => this.deliver(execute, request.id, message),
      (error: unknown) => {
        const detail = this.scrub(execute, error instanceof Error ? error.message : String(error));
        this.options.debug?.(`HTTP broker failed on request ${JSON.stringify(request.id)}: ${detail}`);
        this.deliver(execute, request.id, { type: 'http.error', id: request.id, error: { kind: 'unavailable', code: 'network', message: 'fctl could not make the request' } });
      },
    );
  }

  /** The broker's answer, written unless the request was answered already (cancel, end of its execute). */
  private deliver(execute: ExecuteState, id: string, message: HttpResponse | HttpError): void {
    if (!execute.pending.has(id)) return;
    execute.pending.delete(id);
    this.inFlight.delete(id);
    // Timed out at its execute's deadline: the deadline cancels the execute, and its requests are
    // answered as a cancel answers them, whichever of the two timers the event loop ran first.
    if (message.type === 'http.error' && message.error.kind === 'timeout' && execute.deadlineBound.has(id) && Date.now() >= execute.deadline) {
      message = { type: 'http.error', id, error: { kind: 'cancelled', code: 'cancelled', message: 'the command was cancelled' } };
    }
    this.options.write(this.encodeAnswer(execute, id, message));
  }

  /** The answer as a line within protocol v2 and MAX_CORE_LINE_BYTES; an answer that is not becomes an http.error. */
  private encodeAnswer(execute: ExecuteState, id: string, message: HttpResponse | HttpError): string {
    const answer = { ...message, id } as HttpResponse | HttpError;
    try {
      checkCoreMessageFor(2, answer);
    } catch (error) {
      const detail = error instanceof ProtocolViolation ? error.message : String(error);
      this.options.debug?.(`the broker's answer to request ${JSON.stringify(id)} is not valid protocol v2: ${this.scrub(execute, detail)}`);
      return encodeMessage({ type: 'http.error', id, error: { kind: 'unavailable', code: 'invalid_response', message: 'the response could not be passed on to the plugin within protocol v2' } });
    }
    const line = encodeMessage(answer);
    // Counted without the newline, as every line limit is.
    if (Buffer.byteLength(line, 'utf8') - 1 > MAX_CORE_LINE_BYTES) {
      return encodeMessage({ type: 'http.error', id, error: { kind: 'limit', code: 'response_body_too_large', message: `the response is over the ${MAX_CORE_LINE_BYTES} bytes a protocol line may hold` } });
    }
    return line;
  }

  private answerNow(id: string, error: HttpErrorBody): void {
    this.options.debug?.(`http.request ${JSON.stringify(id)} not sent: ${error.kind} (${error.code})`);
    this.options.write(encodeMessage({ type: 'http.error', id, error }));
  }

  private settle(execute: ExecuteState, error: HttpErrorBody): void {
    for (const id of [...execute.pending]) {
      execute.pending.delete(id);
      this.inFlight.delete(id);
      this.options.write(encodeMessage({ type: 'http.error', id, error }));
    }
    execute.controller.abort();
  }

  private abandon(execute: ExecuteState): void {
    for (const id of execute.pending) this.inFlight.delete(id);
    execute.pending.clear();
    execute.controller.abort();
  }

  /** Text from an error that may have seen the token: the token never leaves fctl. */
  private scrub(execute: ExecuteState, text: string): string {
    const token = execute.auth.accessToken;
    return token ? text.split(token).join('***') : text;
  }
}
