import type { ErrorKind } from '@fctl-kit/protocol';

/** Throw from a handler to return a typed error to fctl instead of a result. */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}
