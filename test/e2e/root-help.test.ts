// `fctl --help` lists the user-facing commands first (the built-ins, then the services), and
// `completion` (shell set-up) after them, before commander's own `help`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { newFctl } from '../support/fctl.js';
import { fixturePlugin } from '../support/paths.js';

const work = mkdtempSync(join(tmpdir(), 'root-help-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const commandNames = (text: string) =>
  text
    .slice(text.indexOf('Commands:\n') + 'Commands:\n'.length)
    .split('\n')
    .filter((row) => /^ {2}\S/.test(row))
    .map((row) => row.trim().split(/\s+/)[0]);

describe('fctl --help', () => {
  it('lists completion after the user-facing commands', async () => {
    const result = await newFctl().run(['--help']);
    expect(result.code, result.stderr).toBe(0);
    // ledger: fctl's built-in commands for Ledger 2.x, a service with no plugin installed.
    expect(commandNames(result.stdout)).toEqual(['profile', 'plugin', 'version', 'ledger', 'completion', 'help']);
  });

  it('lists completion after the services too', async () => {
    const plugin = join(work, 'fctl-plugin-payments.mjs');
    writeFileSync(plugin, `import { servePlugin, baseManifest } from ${JSON.stringify(pathToFileURL(fixturePlugin('raw-plugin')).href)};\nservePlugin({ manifest: baseManifest });\n`);
    const result = await newFctl().run(['--plugin-binary', `payments=${plugin}`, '--help']);
    expect(result.code, result.stderr).toBe(0);
    expect(commandNames(result.stdout)).toEqual(['profile', 'plugin', 'version', 'ledger', 'payments', 'completion', 'help']);
  });
});
