// The four timeouts of every request. Each has a built-in default, a caller may choose its own for
// one request, and the user's environment overrides both (durations with a unit: 30s, 2m, 500ms).
import ms from 'ms';

export interface Timeouts {
  /** Establishing the connection (TCP, and TLS for https), to the proxy when there is one. */
  connectMs: number;
  /** From the request sent to the response headers (a server that accepts and never answers). */
  responseMs: number;
  /** Between two chunks of the response body (a server that stops mid-body). */
  stallMs: number;
  /** The whole call: every attempt, redirect and retry delay, and reading the body. */
  deadlineMs: number;
}

export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = { connectMs: 10_000, responseMs: 30_000, stallMs: 30_000, deadlineMs: 30 * 60_000 };

export const TIMEOUT_VARIABLES: Readonly<Record<keyof Timeouts, string>> = {
  connectMs: 'FCTL_HTTP_CONNECT_TIMEOUT',
  responseMs: 'FCTL_HTTP_RESPONSE_TIMEOUT',
  stallMs: 'FCTL_HTTP_STALL_TIMEOUT',
  deadlineMs: 'FCTL_HTTP_TIMEOUT',
};

export function parseDuration(value: string, what: string): number {
  const text = value.trim();
  const parsed = /^\d+(\.\d+)?(ms|s|m|h)$/.test(text) ? ms(text as ms.StringValue) : undefined;
  if (parsed === undefined || !(parsed > 0)) throw new Error(`${what} takes a duration with a unit, like 30s, 2m or 500ms; got "${value}"`);
  return parsed;
}

/** The timeouts of one request: the environment, else the caller's, else the defaults. */
export function resolveTimeouts(own: Partial<Timeouts> = {}, env: NodeJS.ProcessEnv = process.env): Timeouts {
  const resolved = { ...DEFAULT_TIMEOUTS };
  for (const key of Object.keys(TIMEOUT_VARIABLES) as Array<keyof Timeouts>) {
    const variable = TIMEOUT_VARIABLES[key];
    const fromEnv = env[variable];
    if (fromEnv) resolved[key] = parseDuration(fromEnv, variable);
    else if (own[key] !== undefined) resolved[key] = own[key]!;
  }
  return resolved;
}

/** "30 s", "500 ms" */
export const seconds = (milliseconds: number) => (milliseconds < 1000 ? `${milliseconds} ms` : `${Math.round(milliseconds / 100) / 10} s`);
