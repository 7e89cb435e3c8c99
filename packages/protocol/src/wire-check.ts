// What every decoder of a line shares, whatever the protocol version: parsing with the depth limit,
// schema checking against a precompiled validator, and error messages a person can act on.
import { MAX_JSON_DEPTH } from './constants.js';
import { exceedsJsonDepth } from './json-depth.js';
import type { SchemaError } from './schema-errors.js';
import { terminalText } from './terminal-text.js';

/** A precompiled validator (src/generated, made by `npm run schemas`). */
export interface Validator {
  (value: unknown): boolean;
  errors?: SchemaError[] | null;
}

/** Thrown when bytes or values break the protocol; `message` says what and where. */
export class ProtocolViolation extends Error {
  override name = 'ProtocolViolation';
}

export function describeSchemaErrors(errors: readonly SchemaError[] | null | undefined): string {
  if (!errors?.length) return 'invalid';
  return errors
    .slice(0, 5)
    .map((error) => {
      const where = error.instancePath || '(root)';
      const extra =
        error.keyword === 'additionalProperties'
          ? ` (${String((error.params as { additionalProperty: string }).additionalProperty)})`
          : error.keyword === 'enum' || error.keyword === 'const'
            ? ` (${JSON.stringify(error.params)})`
            : '';
      return `${where} ${error.message ?? 'is invalid'}${extra}`;
    })
    .join('; ');
}

export function checkSchema<T>(validate: Validator, value: unknown, what: string, version = 1): T {
  if (!validate(value)) {
    throw new ProtocolViolation(`${what} does not match protocol v${version}: ${describeSchemaErrors(validate.errors)}`);
  }
  return value as T;
}

export function parseLine(line: string, from: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ProtocolViolation(`${from} sent a line that is not JSON: ${preview(line)}`);
  }
  if (exceedsJsonDepth(value, MAX_JSON_DEPTH)) {
    throw new ProtocolViolation(`${from} sent a message nested more than ${MAX_JSON_DEPTH} levels deep (objects and arrays), over the protocol limit`);
  }
  return value;
}

/** The `type` of a parsed message, when it is a string. */
export function messageType(value: unknown): string | undefined {
  const type = (value as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : undefined;
}

/** A short, printable excerpt of untrusted text for error messages. */
export function preview(text: string, max = 120): string {
  const printable = terminalText(text.length > max ? text.slice(0, max) : text);
  return JSON.stringify(text.length > max ? `${printable}…` : printable);
}
