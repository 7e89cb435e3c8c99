// The run path without the CLI: a fake reporter stands for the user. A plugin the stack needs and
// nobody installed is discovered in a file registry, the install is asked through the reporter's
// confirm, the download is reported through its progress handle, and the command runs.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaryFileName, currentPlatform, formatChecksums } from '@fctl-kit/artifacts';
import { findCommand } from '@fctl-kit/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { EXIT } from '../src/host/failure.js';
import { runService, type ParseCommandLine, type RenderData, type RunSession } from '../src/run/index.js';
import type { Reporter } from '../src/session/reporter.js';
import { PluginStore } from '../src/store/plugin-store.js';

// A protocol v1 plugin in one file, as a release ships it (the store copies it, so it imports nothing of its own).
const PLUGIN = `#!/usr/bin/env node
const { createInterface } = require('node:readline');
const manifest = { name: 'ledger', service: 'ledger', version: '3.2.0', protocolVersion: 1, description: 'Ledger', compatibleWith: '>=3.0.0 <4.0.0',
  commands: [{ use: 'transactions', short: 'Transactions', commands: [{ use: 'list', short: 'List transactions' }] }] };
const send = (message) => process.stdout.write(JSON.stringify(message) + '\\n');
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const message = JSON.parse(line);
  if (message.type === 'hello') send({ type: 'hello', protocolVersion: 1, manifest });
  else if (message.type === 'execute') send({ type: 'result', id: message.id, data: [{ id: 7, stack: message.auth.serviceUrl }] });
});
lines.on('close', () => process.exit(0));
`;

let work: string;
let registryPath: string;
let stack: Server;
let stackUrl: string;
const dirs: string[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'run-path-'));
  const release = join(work, 'release');
  const binary = binaryFileName('ledger', currentPlatform());
  mkdirSync(release);
  writeFileSync(join(release, binary), PLUGIN, { mode: 0o755 });
  const checksums = formatChecksums([{ name: binary, sha256: createHash('sha256').update(PLUGIN).digest('hex') }]);
  writeFileSync(join(release, 'checksums.txt'), checksums);
  registryPath = join(work, 'registry.yaml');
  writeFileSync(
    registryPath,
    [
      'plugins:',
      '  ledger:',
      '    repo: formancehq/ledger',
      '    distribution: url',
      `    url: ${release}/{file}`,
      '    versions:',
      '      3.2.0:',
      '        compatibleWith: ">=3.0.0 <4.0.0"',
      `        checksumsSha256: ${createHash('sha256').update(checksums).digest('hex')}`,
      '',
    ].join('\n'),
  );
  stack = createServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(request.url === '/versions' ? { versions: [{ name: 'ledger', version: 'v3.2.0' }] } : {}));
  });
  await new Promise<void>((resolve) => stack.listen(0, '127.0.0.1', resolve));
  stackUrl = `http://127.0.0.1:${(stack.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => stack.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A reporter that records what the user would see and answers confirm with `answer`. */
function fakeReporter(answer: boolean, interactive = true) {
  const events: string[] = [];
  const reporter: Reporter = {
    interactive,
    debug: () => {},
    pluginStderr: () => {},
    warn: (message) => events.push(`warn: ${message}`),
    status: (text) => events.push(`status: ${text}`),
    progress(label) {
      events.push(`progress: ${label}`);
      return {
        update: (received, total) => events.push(`update: ${received} of ${total ?? '?'}`),
        stop: (ok) => events.push(`stop: ${ok ? 'ok' : 'failed'}`),
      };
    },
    confirm: async (question, defaultYes) => {
      events.push(`confirm: ${question} (default ${defaultYes ? 'yes' : 'no'})`);
      return answer;
    },
  };
  return { reporter, events };
}

function sessionWith(reporter: Reporter): RunSession {
  const configDir = mkdtempSync(join(tmpdir(), 'run-path-config-'));
  dirs.push(configDir);
  return {
    plugins: new PluginStore(configDir),
    configDir,
    env: { PATH: process.env.PATH, HOME: configDir, FCTL_REGISTRY: registryPath, FCTL_REGISTRY_REFRESH: 'never' },
    interrupted: new AbortController().signal,
    report: reporter,
    version: 'test',
    handshakeTimeoutMs: undefined,
    globals: { output: 'json', debug: false, yes: false, timeoutMs: 10_000, pluginBinaries: new Map() },
  };
}

/** Stands for commander (the command line is `ledger transactions list`) and for the renderer. */
function frontEnd() {
  const parsed: string[] = [];
  const rendered: unknown[] = [];
  const parse: ParseCommandLine = async (manifest) => {
    parsed.push(`${manifest.name} ${manifest.version}`);
    return { path: ['transactions', 'list'], spec: findCommand(manifest, ['transactions', 'list'])!.command, args: [], given: {}, deprecatedFlags: [] };
  };
  const render: RenderData = async (data) => {
    rendered.push(data);
  };
  return { parsed, rendered, parse, render };
}

describe('the run path, driven through a fake reporter', () => {
  it('discovers the plugin the stack needs, asks before installing, reports the download, runs the command', async () => {
    const { reporter, events } = fakeReporter(true);
    const session = sessionWith(reporter);
    const front = frontEnd();
    const code = await runService(session, { service: 'ledger', profile: { stackUrl }, forHelp: false, ...front });

    expect(code).toBe(EXIT.ok);
    expect(front.parsed).toEqual(['ledger 3.2.0']);
    expect(front.rendered).toEqual([[{ id: 7, stack: stackUrl }]]);
    const size = Buffer.byteLength(PLUGIN);
    const { os, arch } = currentPlatform();
    expect(events).toEqual([
      `status: \n  The "ledger" command requires a plugin that is not installed.\n\n  The stack at ${stackUrl} runs Ledger v3.2.0.\n  Compatible plugin: fctl-plugin-ledger v3.2.0\n\n`,
      'confirm:   Install it now? (default yes)',
      `progress: Downloading fctl-plugin-ledger v3.2.0 (${os}/${arch})`,
      ...events.filter((event) => event.startsWith('update: ')),
      'stop: ok',
      'status: Verifying checksum...',
      'status:  ok (checksums.txt pinned by the registry; no publisher key, so its signature was not checked)\n',
      'status: Plugin installed.\n\n',
    ]);
    expect(events.filter((event) => event.startsWith('update: ')).at(-1)).toMatch(new RegExp(`^update: ${size} of `));
    expect(Object.keys((await session.plugins.get('ledger'))?.versions ?? {})).toEqual(['3.2.0']);
  });

  it('installs nothing and says how to install later when the user refuses through confirm', async () => {
    const { reporter, events } = fakeReporter(false);
    const session = sessionWith(reporter);
    const error = await runService(session, { service: 'ledger', profile: { stackUrl }, forHelp: false, ...frontEnd() }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe('the "ledger" plugin was not installed.\n\n  Install it later: fctl plugin install ledger');
    expect((error as UserError).exitCode).toBe(EXIT.failed);
    expect(events.some((event) => event.startsWith('confirm: '))).toBe(true);
    expect(events.some((event) => event.startsWith('progress: '))).toBe(false);
    expect(await session.plugins.get('ledger')).toBeUndefined();
  });

  it('does not ask a user who cannot answer: it names the command to run instead', async () => {
    const { reporter, events } = fakeReporter(true, false);
    const session = sessionWith(reporter);
    const error = await runService(session, { service: 'ledger', profile: { stackUrl }, forHelp: false, ...frontEnd() }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain('No compatible version is installed.\n\n  Run: fctl plugin install ledger');
    expect(events).toEqual([]);
    expect(await session.plugins.get('ledger')).toBeUndefined();
  });
});
