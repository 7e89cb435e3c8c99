// Schema validation of everything that crosses the wire in protocol v1, with messages a person can
// act on. Version-aware decoding (v1 and v2) is in validate-for-version.ts.
import validateCoreMessage from './generated/core-message.js';
import validateManifest from './generated/manifest.js';
import validatePluginMessage from './generated/plugin-message.js';
import type { CoreMessage, Manifest, PluginMessage } from './schema.js';
import type { CoreMessageV2, PluginMessageV2 } from './schema-v2.js';
import { checkSchema, messageType, parseLine, preview, ProtocolViolation, type Validator } from './wire-check.js';

export { describeSchemaErrors, preview, ProtocolViolation } from './wire-check.js';

/** Schema check only; see checkManifest for the rules a schema cannot express. */
export function validateManifestSchema(value: unknown): Manifest {
  return checkSchema<Manifest>(validateManifest as Validator, value, 'manifest');
}

/** Parses one stdout line of a plugin. */
export function decodePluginMessage(line: string): PluginMessage {
  const value = parseLine(line, 'the plugin');
  const type = messageType(value);
  if (type !== 'hello' && type !== 'result' && type !== 'error') {
    throw new ProtocolViolation(`the plugin sent a line that is not a protocol message: ${preview(line)}`);
  }
  return checkSchema<PluginMessage>(validatePluginMessage as Validator, value, `the plugin's "${type}" message`);
}

/** Parses one stdin line received by a plugin. */
export function decodeCoreMessage(line: string): CoreMessage {
  const value = parseLine(line, 'fctl');
  return checkSchema<CoreMessage>(validateCoreMessage as Validator, value, 'the message from fctl');
}

export function encodeMessage(message: CoreMessage | PluginMessage | CoreMessageV2 | PluginMessageV2): string {
  return `${JSON.stringify(message)}\n`;
}
