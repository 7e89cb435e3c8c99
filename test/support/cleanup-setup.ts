// The e2e project's setup file: after each test file (its own afterAll hooks run first), the fctl
// configuration directories it made are removed.
import { afterAll } from 'vitest';
import { removeConfigDirs } from './fctl.js';

afterAll(removeConfigDirs);
