// The registry loader over a file, for the attack tests' child process (test/support/loader-child.mts
// calls it with a path): the bytes as fctl reads them, the path as the document's name.
import { readFileSync } from 'node:fs';
import { parseRegistry } from '../../src/index.js';

export const readRegistryFile = (path: string) => parseRegistry(readFileSync(path), path);
