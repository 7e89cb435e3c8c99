// What users read when things are not simple, through the real fctl: a stack whose service version
// no registry version serves (retired, not released yet, between lines), a command fctl cannot place
// without a registry, group help, and one error style.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newFctl, type Fctl } from '../support/fctl.js';
import { fixturePlugin } from '../support/paths.js';
import { generateSigningKey } from '@fctl-kit/artifacts';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { makeRelease, type MadeRelease } from '../support/releases.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';

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

describe('a command fctl does not know, without a registry', () => {
  it('says that no registry is configured and how to configure one', async () => {
    const result = await newFctl().run(['payments', 'transfers', 'list']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "Error: unknown command 'payments'\n" +
        '  No plugin registry is configured, so fctl cannot tell whether "payments" is a plugin.\n' +
        '  Configure one: fctl plugin registry set <https URL | file>   (or set FCTL_REGISTRY)\n' +
        '  Or install the plugin from a file: fctl plugin install payments --path <binary | source directory>\n' +
        '(add --help for usage)\n',
    );
  });

  it("keeps commander's suggestion for a typo of a built-in command", async () => {
    const result = await newFctl().run(['plugn', 'list']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("Error: unknown command 'plugn'\n(Did you mean plugin?)\n(add --help for usage)\n");
  });

  it('with a registry that does not list the name, says only that the command is unknown', async () => {
    const registry = join(work, 'empty.yaml');
    writeFileSync(registry, 'plugins: {}\n');
    const result = await newFctl({ FCTL_REGISTRY: registry }).run(['payments']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("Error: unknown command 'payments'\n(add --help for usage)\n");
  });
});

describe("a plugin's group help", () => {
  it("lists each command with its manifest's arguments", async () => {
    const plugin = join(work, 'groups.mjs');
    const manifest = {
      name: 'ledger', service: 'ledger', version: '3.2.0', protocolVersion: 1, description: 'Ledger fixture plugin', compatibleWith: '>=3.0.0 <4.0.0',
      commands: [
        {
          use: 'transactions',
          short: 'Transactions',
          commands: [
            { use: 'list', short: 'List transactions', flags: [{ name: 'page-size', type: 'int', description: 'Page size' }] },
            { use: 'show', aliases: ['get'], short: 'Show a transaction', args: { min: 1, max: 1, names: ['ID'] } },
            { use: 'revert', short: 'Revert transactions', args: { min: 1, names: ['ID'] } },
            { use: 'export', short: 'Export', args: { min: 0, max: 2, names: ['FROM', 'TO'] } },
          ],
        },
        { use: 'stats', short: 'Statistics', args: { min: 0, max: 0 } },
      ],
    };
    writeFileSync(plugin, `import { servePlugin } from ${JSON.stringify(pathToFileURL(fixturePlugin('raw-plugin')).href)};\nservePlugin({ manifest: ${JSON.stringify(manifest)} });\n`);
    const fctl = newFctl();
    const group = await fctl.run(['--plugin-binary', `ledger=${plugin}`, 'ledger', 'transactions', '--help']);
    expect(group.code, group.stderr).toBe(0);
    const commands = (text: string) => text.slice(text.indexOf('Commands:\n')).split('\n').map((row) => row.trimEnd().replace(/ {2,}/g, '  '));
    expect(commands(group.stdout)).toEqual([
      'Commands:',
      '  list [flags]  List transactions',
      '  show|get [flags] <ID>  Show a transaction',
      '  revert [flags] <ID> [ARGS...]  Revert transactions',
      '  export [flags] [FROM] [TO]  Export',
      '  help [command]  display help for command',
      '',
    ]);
    const top = await fctl.run(['--plugin-binary', `ledger=${plugin}`, 'ledger', '--help']);
    expect(top.code, top.stderr).toBe(0);
    expect(commands(top.stdout)).toEqual(['Commands:', '  transactions  Transactions', '  stats [flags]  Statistics', '  help [command]  display help for command', '']);
  });
});

describe('one error style', () => {
  it("writes commander's own errors as Error: <message>, like every other fctl error", async () => {
    const fctl = newFctl();
    const option = await fctl.run(['plugin', 'list', '--bogus']);
    expect(option.code).toBe(2);
    expect(option.stderr).toBe("Error: unknown option '--bogus'\n(add --help for usage)\n");
    const missing = await fctl.run(['plugin', 'install']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("Error: missing required argument 'name'\n(add --help for usage)\n");
    const plugin = await fctl.run(['--plugin-binary', `ledger=${fixturePlugin('protocol-v1-v2')}`, 'ledger', 'transactions', 'list', '--bogus']);
    expect(plugin.code).toBe(2);
    expect(plugin.stderr).toBe("Error: unknown option '--bogus'\n(add --help for usage)\n");
  });
});

describe('an installed plugin hears of a deprecation published after its install', () => {
  const keys = generateSigningKey();
  let server: ReleaseServer;
  let stack: RunningLedger;
  let release: MadeRelease;
  const warning = 'Warning: plugin "ledger" v3.2.0 is deprecated.\n         Ledger v3.2 reaches end-of-life on 2027-03-01.\n         Consider upgrading your stack.\n';

  const publish = (versions: Record<string, { compatibleWith: string; deprecated?: string }>) => {
    const lines = ['plugins:', '  ledger:', '    distribution: url', `    url: ${server.url}/{name}/{version}/{file}`, '    publicKey: |', ...keys.publicKey.trim().split('\n').map((l) => `      ${l}`), '    versions:'];
    for (const [version, v] of Object.entries(versions)) {
      lines.push(`      ${version}:`, `        compatibleWith: "${v.compatibleWith}"`);
      if (v.deprecated) lines.push(`        deprecated: "${v.deprecated}"`);
      if (version === '3.2.0') lines.push(`        checksumsSha256: ${release.checksumsSha256}`);
    }
    server.files.set('/registry.yaml', Buffer.from(`${lines.join('\n')}\n`));
  };
  const current = { '3.2.0': { compatibleWith: '>=3.0.0 <4.0.0' } };
  const deprecated = { '3.2.0': { compatibleWith: '>=3.0.0 <4.0.0', deprecated: 'Ledger v3.2 reaches end-of-life on 2027-03-01.' } };

  /** As if the last read of the registry were this long ago (the interval passing, without waiting). */
  const lastReadAgo = (fctl: Fctl, ms: number) => {
    const file = join(fctl.configDir, 'cache', 'registry-checked.json');
    const state = JSON.parse(readFileSync(file, 'utf8')) as { checkedAt: Record<string, string> };
    for (const key of Object.keys(state.checkedAt)) state.checkedAt[key] = new Date(Date.now() - ms).toISOString();
    writeFileSync(file, JSON.stringify(state));
  };

  async function installed(env: NodeJS.ProcessEnv, firstStderr = ''): Promise<Fctl> {
    publish(current);
    const fctl = newFctl({ FCTL_REGISTRY: `${server.url}/registry.yaml`, ...env });
    expect((await fctl.run(['profile', 'add', 'main', '--stack-url', stack.url, '--use'])).code).toBe(0);
    const install = await fctl.run(['plugin', 'install', 'ledger']);
    expect(install.code, install.stderr).toBe(0);
    // The install read the registry; the first run reads it again (no read recorded yet) and finds nothing new.
    const first = await fctl.run(['ledger', 'transactions', 'list', '-o', 'json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe(firstStderr);
    return fctl;
  }

  beforeAll(async () => {
    server = await startReleaseServer();
    release = await makeRelease(join(work, 'release-3.2.0'), '3.2.0', { signingKey: keys.privateKey });
    for (const name of readdirSync(release.dir)) server.files.set(`/ledger/3.2.0/${name}`, readFileSync(join(release.dir, name)));
    stack = await startLedger('3.2.0');
  }, 180_000);
  afterAll(async () => {
    await Promise.all([server?.stop(), stack?.stop()]);
  });

  it('at the first run after the refresh interval, on stderr once, -o json stdout intact', async () => {
    const fctl = await installed({ FCTL_REGISTRY_REFRESH: '1h' });
    publish(deprecated);
    const within = await fctl.run(['ledger', 'transactions', 'list', '-o', 'json']);
    expect(within.code, within.stderr).toBe(0);
    expect(within.stderr).toBe('');
    lastReadAgo(fctl, 2 * 60 * 60 * 1000);
    for (let run = 0; run < 2; run++) {
      const after = await fctl.run(['ledger', 'transactions', 'list', '-o', 'json']);
      expect(after.code, after.stderr).toBe(0);
      expect(after.stderr).toBe(warning);
      expect(JSON.parse(after.stdout)).toBeTypeOf('object');
    }
  }, 120_000);

  it('says when the registry no longer serves the stack, and the plugin keeps working', async () => {
    const fctl = await installed({ FCTL_REGISTRY_REFRESH: '1h' });
    publish({ '4.0.0': { compatibleWith: '>=4.0.0' } });
    lastReadAgo(fctl, 2 * 60 * 60 * 1000);
    const after = await fctl.run(['ledger', 'transactions', 'list', '-o', 'json']);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).toContain('Warning: the installed "ledger" plugin keeps working, but the registry no longer serves this stack:\n         no version of the "ledger" plugin serves Ledger v3.2.0.\n');
    expect(after.stderr.match(/Warning:/g)).toHaveLength(1);
    expect(JSON.parse(after.stdout)).toBeTypeOf('object');
  }, 120_000);

  it('a failed refresh (registry answering 503) runs the plugin anyway, tells only --debug, and keeps the cache', async () => {
    const fctl = await installed({ FCTL_REGISTRY_REFRESH: '1h' });
    publish(deprecated);
    lastReadAgo(fctl, 2 * 60 * 60 * 1000);
    const cached = readdirSync(join(fctl.configDir, 'cache')).filter((name) => /^registry-[0-9a-f]{16}\.json$/.test(name));
    expect(cached).toHaveLength(1);
    const before = readFileSync(join(fctl.configDir, 'cache', cached[0]!), 'utf8');
    server.faults.set('/registry.yaml', [{ kind: 'status', status: 503 }]);
    const quiet = await fctl.run(['ledger', 'transactions', 'list', '-o', 'json']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
    server.faults.set('/registry.yaml', [{ kind: 'status', status: 503 }]);
    const debug = await fctl.run(['--debug', 'ledger', 'transactions', 'list', '-o', 'json']);
    expect(debug.code, debug.stderr).toBe(0);
    expect(debug.stderr).toContain('[fctl]    registry: refresh: the registry');
    expect(debug.stderr).toContain('answered 503; using the copy fetched earlier');
    expect(readFileSync(join(fctl.configDir, 'cache', cached[0]!), 'utf8')).toBe(before);
    // Not recorded as read: the next run, with the registry back, refreshes.
    const back = await fctl.run(['ledger', 'transactions', 'list', '-o', 'json']);
    expect(back.stderr).toBe(warning);
  }, 120_000);

  it('fctl plugin registry refresh reads it now, whatever the interval', async () => {
    const fctl = await installed({ FCTL_REGISTRY_REFRESH: 'never' });
    publish(deprecated);
    expect((await fctl.run(['ledger', 'transactions', 'list'])).stderr).toBe('');
    const refresh = await fctl.run(['plugin', 'registry', 'refresh']);
    expect(refresh.code, refresh.stderr).toBe(0);
    expect(refresh.stderr).toBe(`${warning}Plugin registry ${server.url}/registry.yaml read.\n`);
    expect((await fctl.run(['ledger', 'transactions', 'list'])).stderr).toBe(warning);
    server.faults.set('/registry.yaml', [{ kind: 'status', status: 503 }]);
    const down = await fctl.run(['plugin', 'registry', 'refresh']);
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`Error: the registry ${server.url}/registry.yaml answered 503; using the copy fetched earlier: the registry was not refreshed\n`);
  }, 120_000);

  it('a hand-edited or corrupt refresh state (not JSON, wrong types, a future time, huge, a directory) neither breaks the run nor stops refreshes', async () => {
    const fctl = await installed({ FCTL_REGISTRY_REFRESH: '1h' });
    publish(deprecated);
    const file = join(fctl.configDir, 'cache', 'registry-checked.json');
    const key = `${server.url}/registry.yaml`;
    const states: Array<[string, () => void]> = [
      ['not JSON', () => writeFileSync(file, '{"checkedAt": {')],
      ['null', () => writeFileSync(file, 'null')],
      ['checkedAt a list', () => writeFileSync(file, '{"checkedAt": ["2026-01-01T00:00:00Z"]}')],
      ['a number for the time', () => writeFileSync(file, JSON.stringify({ checkedAt: { [key]: 4102444800000 } }))],
      ['a time in the future', () => writeFileSync(file, JSON.stringify({ checkedAt: { [key]: '2999-01-01T00:00:00.000Z' } }))],
      ['16 MiB', () => writeFileSync(file, `{"checkedAt": {"${key}": "${new Date().toISOString()}"}${' '.repeat(16 * 1024 * 1024)}}`)],
    ];
    // The registry flips between deprecating 3.2.0 and not before each corrupt state: the run's warning
    // shows whether it read the registry (the mark follows the registry only when refreshed).
    let marked = false;
    for (const [what, corrupt] of states) {
      publish(marked ? current : deprecated);
      corrupt();
      const run = await fctl.run(['ledger', 'transactions', 'list', '-o', 'json']);
      expect(run.code, `${what}: ${run.stderr}`).toBe(0);
      marked = !marked;
      expect(run.stderr, `${what}: refreshed, nothing else said`).toBe(marked ? warning : '');
      expect(JSON.parse(run.stdout), what).toBeTypeOf('object');
      const rewritten = JSON.parse(readFileSync(file, 'utf8')) as { checkedAt: Record<string, string> };
      expect(Date.parse(rewritten.checkedAt[key]!), what).toBeLessThanOrEqual(Date.now());
      expect(statSync(file).size, what).toBeLessThan(4096);
      // Within the interval again: not refreshed (the mark stays as it was).
      publish(marked ? current : deprecated);
      expect((await fctl.run(['ledger', 'transactions', 'list', '-o', 'json'])).stderr, `${what}: then quiet`).toBe(marked ? warning : '');
    }
    // A directory where the state goes: it cannot be recorded, so every run refreshes; each run still works.
    rmSync(file);
    mkdirSync(file);
    for (let run = 0; run < 2; run++) {
      publish(marked ? current : deprecated);
      const result = await fctl.run(['ledger', 'transactions', 'list', '-o', 'json']);
      expect(result.code, result.stderr).toBe(0);
      marked = !marked;
      expect(result.stderr).toBe(marked ? warning : '');
    }
  }, 240_000);

  it('warns about a refresh interval that is not a duration, and runs the plugin', async () => {
    const warning = 'Warning: FCTL_REGISTRY_REFRESH takes a duration like 24h, 30m or 7d, or 0 (every run) or never; got "soon"; the registry is not refreshed\n';
    const fctl = await installed({ FCTL_REGISTRY_REFRESH: 'soon' }, warning);
    const run = await fctl.run(['ledger', 'transactions', 'list', '-o', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe(warning);
  }, 120_000);
});
