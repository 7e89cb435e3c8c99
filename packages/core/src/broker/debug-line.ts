// The line --debug shows for each brokered request (the CLI prints it after "[fctl]"):
//   → GET /api/ledger/v2/default/transactions?cursor=…&pageSize=…  200 12 ms
//   → GET https://elsewhere.example/x  refused other_origin 0 ms
// The path as asked (the stack's origin left out), query names without their values (a value may
// be a secret), the final status or the error's kind and code, the redirects followed, the time.
// Never the token: the line is scrubbed of it whatever the server or the plugin put in the path.
import { quote } from './errors.js';

export interface DebugEntry {
  method: string;
  /** The URL the plugin sent (path or absolute); shown without the stack's origin. */
  url: string;
  origin: string;
  /** An HTTP status, or `kind code` of an http.error. */
  outcome: number | string;
  redirects: number;
  durationMs: number;
  token?: string;
}

/** `?a=…&b=…`: each parameter's name, never its value. */
function queryNames(query: string): string {
  if (!query) return '';
  const names = query.split('&').map((pair) => {
    const at = pair.indexOf('=');
    return at === -1 ? quote(pair, 40) : `${quote(pair.slice(0, at), 40)}=…`;
  });
  return `?${names.join('&')}`;
}

export function debugLine(entry: DebugEntry): string {
  let target = entry.url.split('#')[0]!;
  if (target.toLowerCase().startsWith(entry.origin.toLowerCase())) target = target.slice(entry.origin.length) || '/';
  const at = target.indexOf('?');
  const shown = at === -1 ? quote(target, 200) : `${quote(target.slice(0, at), 200)}${queryNames(target.slice(at + 1))}`;
  const redirects = entry.redirects ? ` after ${entry.redirects} redirect${entry.redirects === 1 ? '' : 's'}` : '';
  const line = `→ ${quote(entry.method, 32)} ${shown}  ${entry.outcome}${redirects} ${Math.round(entry.durationMs)} ms`;
  return entry.token ? line.split(entry.token).join('[redacted]') : line;
}
