// The checked-in JSON Schema files, rendered from the TypeBox definitions.
import { publishedSchemas } from './schema.js';

const DRAFT = 'http://json-schema.org/draft-07/schema#';

/** File name -> file text, exactly as checked in under schema/. */
export function renderPublishedSchemas(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [stem, schema] of Object.entries(publishedSchemas)) {
    const { $id: _ignored, ...rest } = schema as Record<string, unknown>;
    files[`${stem}.schema.json`] = `${JSON.stringify({ $schema: DRAFT, $id: `https://fctl-plugin-kit.dev/protocol/v1/${stem}.schema.json`, ...rest }, null, 2)}\n`;
  }
  return files;
}
