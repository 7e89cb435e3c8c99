// `npm run demo` (after its setup step): the example product releases its plugin into a local url
// directory and registry file, and fctl installs the version the stack needs and runs a command.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { exec } from '../support/exec.js';
import { repoRoot } from '../support/paths.js';

it('releases the example plugin, then fctl installs it from the registry and renders a command', async () => {
  const demo = await exec(process.execPath, [join(repoRoot, 'tools', 'demo.mjs')], { cwd: repoRoot });
  const output = demo.stdout + demo.stderr;
  expect(demo.code, output).toBe(0);
  expect(output).toContain(`registered ledger 3.2.0 in ${join(repoRoot, 'examples', 'ledger', 'dist', 'registry.yaml')}`);
  expect(demo.stdout).toContain('3 scenarios, 0 failed');
  expect(output).toContain("Verifying checksum... ok (checksums.txt signed by the publisher's key)\nPlugin \"ledger\" installed (version: 3.2.0, compatible with >=3.0.0 <4.0.0).");
  expect(demo.stdout).toMatch(/ID\s+TIMESTAMP\s+REFERENCE\s+POSTINGS\n\s*4\s+2026-05-14T10:00:00Z\s+ref-002\s+1\n/);
}, 180_000);
