// The line `--debug` shows for each brokered request: method, path (no query: it may carry secret
// values), outcome, duration. Never the token.
export interface DebugEntry {
  method: string;
  url: URL;
  /** An HTTP status, or an error code. */
  outcome: number | string;
  durationMs: number;
}

export function debugLine(entry: DebugEntry): string {
  const query = entry.url.search ? '?…' : '';
  return `[fctl] → ${entry.method} ${entry.url.pathname}${query}  ${entry.outcome} ${Math.round(entry.durationMs)} ms`;
}
