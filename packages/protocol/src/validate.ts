// Schema validation of everything that crosses the wire, with messages a person can act on.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import {
  CoreMessageSchema,
  ManifestSchema,
  PluginMessageSchema,
  type CoreMessage,
  type Manifest,
  type PluginMessage,
} from './schema.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv, formats: string[]) => Ajv;

/** Thrown when bytes or values break the protocol; `message` says what and where. */
export class ProtocolViolation extends Error {
  override name = 'ProtocolViolation';
}

function compile<T>(schema: TSchema): () => ValidateFunction<T> {
  let validate: ValidateFunction<T> | undefined;
  return () => {
    if (!validate) {
      // One Ajv per schema: the schemas share $ids (Command, Manifest) that may be added only once.
      const ajv = new Ajv({ allErrors: false, strict: false });
      addFormats(ajv, ['uri']);
      validate = ajv.compile<T>(schema);
    }
    return validate;
  };
}

const manifestValidator = compile<Manifest>(ManifestSchema);
const pluginMessageValidator = compile<PluginMessage>(PluginMessageSchema);
const coreMessageValidator = compile<CoreMessage>(CoreMessageSchema);

export function describeSchemaErrors(errors: ErrorObject[] | null | undefined): string {
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

function check<T>(validator: () => ValidateFunction<T>, value: unknown, what: string): T {
  const validate = validator();
  if (!validate(value)) {
    throw new ProtocolViolation(`${what} does not match protocol v1: ${describeSchemaErrors(validate.errors)}`);
  }
  return value;
}

/** Schema check only; see checkManifest for the rules a schema cannot express. */
export function validateManifestSchema(value: unknown): Manifest {
  return check(manifestValidator, value, 'manifest');
}

function parseLine(line: string, from: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new ProtocolViolation(`${from} sent a line that is not JSON: ${preview(line)}`);
  }
}

/** Parses one stdout line of a plugin. */
export function decodePluginMessage(line: string): PluginMessage {
  const value = parseLine(line, 'the plugin');
  const type = (value as { type?: unknown } | null)?.type;
  if (type !== 'hello' && type !== 'result' && type !== 'error') {
    throw new ProtocolViolation(`the plugin sent a line that is not a protocol message: ${preview(line)}`);
  }
  return check(pluginMessageValidator, value, `the plugin's "${type}" message`);
}

/** Parses one stdin line received by a plugin. */
export function decodeCoreMessage(line: string): CoreMessage {
  const value = parseLine(line, 'fctl');
  return check(coreMessageValidator, value, 'the message from fctl');
}

export function encodeMessage(message: CoreMessage | PluginMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/** A short, printable excerpt of untrusted text for error messages. */
export function preview(text: string, max = 120): string {
  const printable = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?');
  return JSON.stringify(printable.length > max ? `${printable.slice(0, max)}…` : printable);
}
