// Writes schema/*.schema.json and src/generated/*.ts from the TypeBox definitions
// (run: npm run schemas -w packages/protocol).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderPublishedSchemas, renderValidators } from './published.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const outputs: Array<[string, Record<string, string>]> = [
  ['schema', renderPublishedSchemas()],
  [join('src', 'generated'), renderValidators()],
];
for (const [directory, files] of outputs) {
  mkdirSync(join(packageDir, directory), { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    writeFileSync(join(packageDir, directory, file), text);
    console.log(`wrote ${join(directory, file)}`);
  }
}
