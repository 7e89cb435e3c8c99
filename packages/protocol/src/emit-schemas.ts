// Writes schema/*.schema.json from the TypeBox definitions (run: npm run schemas -w packages/protocol).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderPublishedSchemas } from './published.js';

const schemaDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema');
mkdirSync(schemaDir, { recursive: true });
for (const [file, text] of Object.entries(renderPublishedSchemas())) {
  writeFileSync(join(schemaDir, file), text);
  console.log(`wrote schema/${file}`);
}
