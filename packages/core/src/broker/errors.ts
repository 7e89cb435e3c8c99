// Every refusal or failure of a brokered request, as the protocol's http.error names it: a kind, a
// code the plugin can branch on (docs/protocol.md section 3.12) and one sentence for the user. The
// broker turns each into an HttpError message; nothing here ever carries the token.
import type { HttpErrorKind } from '@fctl-kit/protocol';

export class BrokerFailure extends Error {
  override name = 'BrokerFailure';

  constructor(
    readonly kind: HttpErrorKind,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const refused = (code: string, message: string) => new BrokerFailure('refused', code, message);
export const overLimit = (code: string, message: string) => new BrokerFailure('limit', code, message);
export const unavailable = (code: string, message: string) => new BrokerFailure('unavailable', code, message);

/** At most `max` characters of untrusted text, printable ASCII only, for a message or a debug line. */
export function quote(text: string, max = 80): string {
  const printable = text.replace(/[^\u0020-\u007e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0').slice(-2)}`);
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}
