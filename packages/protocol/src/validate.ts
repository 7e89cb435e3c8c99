// Schema validation of everything that crosses the wire, with messages a person can act on.
import validateCoreMessage from './generated/core-message.js';
import validateManifest from './generated/manifest.js';
import validatePluginMessage from './generated/plugin-message.js';
import { MAX_JSON_DEPTH } from './constants.js';
import type { SchemaError } from './schema-errors.js';
import { exceedsJsonDepth } from './json-depth.js';
import type { CoreMessage, Manifest, PluginMessage } from './schema.js';
import { terminalText } from './terminal-text.js';

/** A precompiled validator (src/generated, made by `npm run schemas`). */
interface Validator {
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

function check<T>(validate: Validator, value: unknown, what: string): T {
  if (!validate(value)) {
    throw new ProtocolViolation(`${what} does not match protocol v1: ${describeSchemaErrors(validate.errors)}`);
  }
  return value as T;
}

/** Schema check only; see checkManifest for the rules a schema cannot express. */
export function validateManifestSchema(value: unknown): Manifest {
  return check<Manifest>(validateManifest as Validator, value, 'manifest');
}

function parseLine(line: string, from: string): unknown {
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

/** Parses one stdout line of a plugin. */
export function decodePluginMessage(line: string): PluginMessage {
  const value = parseLine(line, 'the plugin');
  const type = (value as { type?: unknown } | null)?.type;
  if (type !== 'hello' && type !== 'result' && type !== 'error') {
    throw new ProtocolViolation(`the plugin sent a line that is not a protocol message: ${preview(line)}`);
  }
  return check<PluginMessage>(validatePluginMessage as Validator, value, `the plugin's "${type}" message`);
}

/** Parses one stdin line received by a plugin. */
export function decodeCoreMessage(line: string): CoreMessage {
  const value = parseLine(line, 'fctl');
  return check<CoreMessage>(validateCoreMessage as Validator, value, 'the message from fctl');
}

export function encodeMessage(message: CoreMessage | PluginMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/** A short, printable excerpt of untrusted text for error messages. */
export function preview(text: string, max = 120): string {
  const printable = terminalText(text.length > max ? text.slice(0, max) : text);
  return JSON.stringify(text.length > max ? `${printable}…` : printable);
}
