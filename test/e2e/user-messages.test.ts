// What users read when things are not simple, through the real fctl: a stack whose service version
// no registry version serves (retired, not released yet, between lines), a command fctl cannot place
// without a registry, group help, and one error style.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newFctl, type Fctl } from '../support/fctl.js';

let work: string;
const stacks: Server[] = [];

/** A stack that answers GET /versions with these service versions (nothing else is asked before an install). */
async function startStack(services: Record<string, string>): Promise<string> {
  const server = createServer((request, response) => {
    if (request.url !== '/versions') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ versions: Object.entries(services).map(([name, version]) => ({ name, version: `v${version}` })) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stacks.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function paymentsRegistry(file: string, versions: Record<string, string>): string {
  const path = join(work, file);
  const lines = ['plugins:', '  payments:', '    distribution: url', '    url: https://downloads.example.com/{name}/{version}/{file}', '    versions:'];
  for (const [version, range] of Object.entries(versions)) lines.push(`      ${version}:`, `        compatibleWith: "${range}"`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function fctlOnPayments(version: string, registry: string): Promise<Fctl> {
  const fctl = newFctl({ FCTL_REGISTRY: registry });
  const added = await fctl.run(['profile', 'add', 'main', '--stack-url', await startStack({ payments: version }), '--use']);
  expect(added.code, added.stderr).toBe(0);
  return fctl;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'user-messages-'));
});
afterAll(async () => {
  await Promise.all(stacks.map((server) => new Promise((resolve) => server.close(resolve))));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('no registry version serves the stack', () => {
  it('names the versions still served and what to do, when older versions of a served line were retired', async () => {
    const fctl = await fctlOnPayments('1.4.0', paymentsRegistry('served-line.yaml', { '1.5.0': '>=1.5.0 <2.0.0', '2.0.0': '>=2.0.0 <3.0.0', '2.1.0-rc.1': '>=2.1.0-rc.1 <3.0.0' }));
    const expected =
      'Error: no version of the "payments" plugin serves Payments v1.4.0.\n' +
      '       Payments versions below 1.5.0 are no longer served.\n' +
      '       The registry serves:\n' +
      '         Payments >=1.5.0 <2.0.0: fctl-plugin-payments 1.5.0\n' +
      '         Payments >=2.0.0 <3.0.0: fctl-plugin-payments 2.0.0\n' +
      '\n' +
      '  Options:\n' +
      '    - Upgrade your stack to a Payments version served above, then: fctl plugin install payments\n' +
      '    - Install a plugin build you have for Payments v1.4.0:\n' +
      '      fctl plugin install payments --path <binary | source directory> --compatible-with 1.4.0\n';
    const install = await fctl.run(['plugin', 'install', 'payments']);
    expect(install.code).toBe(1);
    expect(install.stderr).toBe(expected);
    const command = await fctl.run(['payments', 'transfers', 'list']);
    expect(command.code).toBe(1);
    expect(command.stderr).toBe(expected);
  });

  it('says that the major line reached end-of-life only when no served version is of that line', async () => {
    const fctl = await fctlOnPayments('1.4.0', paymentsRegistry('retired-line.yaml', { '2.0.0': '>=2.0.0 <3.0.0', '3.0.0': '>=3.0.0' }));
    const install = await fctl.run(['plugin', 'install', 'payments']);
    expect(install.code).toBe(1);
    expect(install.stderr).toBe(
      'Error: no version of the "payments" plugin serves Payments v1.4.0.\n' +
        '       Payments v1.x has reached end-of-life.\n' +
        '       The registry serves:\n' +
        '         Payments >=2.0.0 <3.0.0: fctl-plugin-payments 2.0.0\n' +
        '         Payments >=3.0.0: fctl-plugin-payments 3.0.0\n' +
        '\n' +
        '  Options:\n' +
        '    - Upgrade your stack to a Payments version served above, then: fctl plugin install payments\n' +
        '    - Install a plugin build you have for Payments v1.4.0:\n' +
        '      fctl plugin install payments --path <binary | source directory> --compatible-with 1.4.0\n',
    );
  });

  it('says that a newer stack may not have its plugin released yet', async () => {
    const fctl = await fctlOnPayments('4.1.0', paymentsRegistry('not-yet.yaml', { '2.0.0': '>=2.0.0 <3.0.0', '3.0.0': '>=3.0.0 <4.0.0' }));
    const install = await fctl.run(['plugin', 'install', 'payments']);
    expect(install.code).toBe(1);
    expect(install.stderr).toBe(
      'Error: no version of the "payments" plugin serves Payments v4.1.0.\n' +
        '       Payments v4.1.0 is newer than every version served: its plugin may not be released yet.\n' +
        '       The registry serves:\n' +
        '         Payments >=2.0.0 <3.0.0: fctl-plugin-payments 2.0.0\n' +
        '         Payments >=3.0.0 <4.0.0: fctl-plugin-payments 3.0.0\n' +
        '\n' +
        '  Options:\n' +
        '    - Check again once the publisher has released a plugin for Payments v4.1.0: fctl plugin install payments\n' +
        '    - Install a plugin build you have for Payments v4.1.0:\n' +
        '      fctl plugin install payments --path <binary | source directory> --compatible-with 4.1.0\n',
    );
  });

  it('for a stack between served lines, says to move the stack to a served version', async () => {
    const fctl = await fctlOnPayments('2.5.0', paymentsRegistry('gap.yaml', { '2.0.0': '>=2.0.0 <2.5.0', '3.0.0': '>=3.0.0' }));
    const install = await fctl.run(['plugin', 'install', 'payments']);
    expect(install.code).toBe(1);
    expect(install.stderr).toContain('Error: no version of the "payments" plugin serves Payments v2.5.0.\n       The registry serves:\n');
    expect(install.stderr).toContain('    - Move your stack to a Payments version served above, then: fctl plugin install payments\n');
  });
});
