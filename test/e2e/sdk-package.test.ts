// The SDK as a product team gets it: @fctl-kit/plugin-sdk and its @fctl-kit dependencies packed
// (npm pack) and installed from the tarballs in a fresh project, not read from this repository's
// sources. A plugin whose command throws a CommandError is run through the testing entry point
// (`@fctl-kit/plugin-sdk/testing`), which must report the error's kind and code, as fctl would show
// them; the same plugin and test type-check against the installed declarations.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exec } from '../support/exec.js';
import { repoRoot, requireBuilt } from '../support/paths.js';

const PACKAGES = ['protocol', 'plugin-sdk'];
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
let packs: string;
let project: string;

const PLUGIN = `import { CommandError, createPlugin, flag } from '@fctl-kit/plugin-sdk';

export const plugin = createPlugin({ name: 'ledger', description: 'Ledger service' });
plugin.command({
  use: 'pay',
  short: 'Pay an invoice',
  flags: { invoice: flag.string({ description: 'Invoice id', required: true }) },
  run: ({ flags }) => {
    throw new CommandError('not_found', \`invoice \${flags.invoice} does not exist\`, 'invoice_not_found');
  },
});
plugin.command({ use: 'crash', short: 'Fails without a CommandError', run: () => { throw new Error('boom'); } });
`;

// What a newcomer's first error-path test does, run with plain node (no test runner in between).
const CHECK = `import { CommandError as MainCommandError } from '@fctl-kit/plugin-sdk';
import { CommandError, invokeCommand } from '@fctl-kit/plugin-sdk/testing';
import { plugin } from './plugin.js';

const caught = async (path: string, flags: Record<string, string> = {}) => {
  try {
    return { resolved: await invokeCommand(plugin, path, { flags }) };
  } catch (error) {
    const { kind, code, message } = error as CommandError;
    return { kind, code, message, fromTesting: error instanceof CommandError, fromMain: error instanceof MainCommandError };
  }
};
console.log(JSON.stringify({
  pay: await caught('pay', { invoice: 'inv-7' }),
  crash: await caught('crash'),
  sameClass: CommandError === MainCommandError,
}));
`;

beforeAll(async () => {
  requireBuilt(...PACKAGES.map((name) => join(repoRoot, 'packages', name, 'dist', 'index.js')));
  packs = mkdtempSync(join(tmpdir(), 'sdk-packs-'));
  project = mkdtempSync(join(tmpdir(), 'sdk-product-'));
  const packed = await exec('npm', ['pack', ...PACKAGES.flatMap((name) => ['-w', `@fctl-kit/${name}`]), '--pack-destination', packs, '--json'], { cwd: repoRoot });
  expect(packed.code, packed.stderr).toBe(0);
  const tarballs = (JSON.parse(packed.stdout) as Array<{ filename: string }>).map((pack) => join(packs, pack.filename));
  expect(tarballs).toHaveLength(PACKAGES.length);

  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'ledger-plugin', version: '1.0.0', private: true, type: 'module' }, null, 2));
  const installed = await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--save-dev', '@types/node@20', ...tarballs], { cwd: project });
  expect(installed.code, installed.stderr).toBe(0);
  writeFileSync(join(project, 'plugin.ts'), PLUGIN);
  writeFileSync(join(project, 'check.ts'), CHECK);
  // The compiler options of the tsconfig.json that `nx g @fctl-kit/nx:plugin` writes.
  const compilerOptions = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, outDir: 'out' };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['plugin.ts', 'check.ts'] }, null, 2));
}, 300_000);
afterAll(() => {
  for (const dir of [project, packs]) if (dir) rmSync(dir, { recursive: true, force: true });
});

it('type-checks a plugin and its test against the installed declarations', async () => {
  const checked = await exec(process.execPath, [tsc, '-p', project, '--noEmit'], { cwd: project });
  expect(checked.code, checked.stdout + checked.stderr).toBe(0);
});

it("types the protocol's values: a wrong error kind or display kind does not type-check (with the generated skipLibCheck)", async () => {
  writeFileSync(join(project, 'wrong.ts'), `import { CommandError, createPlugin } from '@fctl-kit/plugin-sdk';
export const plugin = createPlugin({ name: 'ledger', description: 'Ledger service' });
plugin.command({ use: 'a', short: 'A', display: { kind: 'tabel' }, run: () => { throw new CommandError('notFound', 'no'); } });
`);
  writeFileSync(join(project, 'tsconfig.wrong.json'), JSON.stringify({ extends: './tsconfig.json', files: ['wrong.ts'] }));
  const checked = await exec(process.execPath, [tsc, '-p', join(project, 'tsconfig.wrong.json'), '--noEmit'], { cwd: project });
  expect(checked.code).not.toBe(0);
  expect(checked.stdout).toMatch(/wrong\.ts\(3,\d+\): error TS\d+: .*'kind' does not exist in type '\{ rowsPath/);
  expect(checked.stdout).toMatch(/wrong\.ts\(3,\d+\): error TS\d+: .*"notFound"/);
});

it('reports the kind and code of a CommandError thrown by a command, through the installed testing helper', async () => {
  const compiled = await exec(process.execPath, [tsc, '-p', project], { cwd: project });
  expect(compiled.code, compiled.stdout + compiled.stderr).toBe(0);
  const ran = await exec(process.execPath, [join(project, 'out', 'check.js')], { cwd: project });
  expect(ran.code, ran.stderr).toBe(0);
  expect(JSON.parse(ran.stdout)).toEqual({
    pay: { kind: 'not_found', code: 'invoice_not_found', message: 'invoice inv-7 does not exist', fromTesting: true, fromMain: true },
    crash: { kind: 'internal', message: 'boom', fromTesting: true, fromMain: true },
    sameClass: true,
  });
});
