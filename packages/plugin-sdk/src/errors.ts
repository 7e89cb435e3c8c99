import type { ErrorKind } from '@fctl-kit/protocol';

// A process can hold two copies of the SDK (a helper library bringing its own version, a plugin
// bundled twice): a CommandError made by one is still a CommandError to the other. The mark is a
// registered symbol (the same in every copy) and the fields it promises are kind, message and code.
const BRAND = Symbol.for('@fctl-kit/plugin-sdk/CommandError');

/** Throw from a handler to return a typed error to fctl instead of a result. */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for a CommandError made by any copy of the SDK, also where `instanceof` cannot tell. */
  static is(value: unknown): value is CommandError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  // `error instanceof CommandError` answers by the mark, so that it holds across copies of the
  // SDK; a subclass keeps the ordinary prototype check.
  static override [Symbol.hasInstance](value: unknown): boolean {
    return this === CommandError ? CommandError.is(value) : Function.prototype[Symbol.hasInstance].call(this, value);
  }
}
