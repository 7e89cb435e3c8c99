// What the plugin host needs of the HTTP broker (packages/core/src/broker): one factory and one
// method. The host gives each execute its own broker, made from that execute's auth context; the
// broker scopes, credentials and sends a request and answers it, and the host keeps the protocol's
// bookkeeping (which execute a request belongs to, the in-flight bound, cancel, line sizes).
import type { HttpError, HttpRequest, HttpResponse } from '@fctl-kit/protocol';

export interface BrokerOptions {
  /** The stack's URL from the profile (`auth.serviceUrl`). */
  serviceUrl: string;
  /** The path below serviceUrl the plugin may reach, `/api/<plugin name>`. */
  servicePrefix: string;
  /** The profile's access token; the broker adds it, the plugin never sees it. */
  token?: string;
  insecureTls?: boolean;
  env?: NodeJS.ProcessEnv;
  /** One line per brokered request (`→ GET /api/...  200 12 ms`), never with a credential. */
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
  readonly limits: BrokerLimits;
  /** Answers the request; never rejects. An aborted signal answers `http.error` kind `cancelled`. */
  handle(request: HttpRequest, signal: AbortSignal): Promise<HttpResponse | HttpError>;
}

export type BrokerFactory = (options: BrokerOptions) => HttpBroker;
