// `fctl <service> --help` and shell completion come from the manifest cache: no plugin process is
// started for them. The fixture plugin appends a line to a file each time it starts, so every
// assertion counts real spawns of the real fctl build.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newFctl, type Fctl } from '../support/fctl.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { fixturePlugin } from '../support/paths.js';

let ledger: RunningLedger;
let work: string;
beforeAll(async () => {
  ledger = await startLedger('3.2.0');
  work = mkdtempSync(join(tmpdir(), 'help-completion-'));
});
afterAll(async () => {
  await ledger?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** A hand-written plugin that records each start in `<dir>/spawns`; `extra` adds a top-level command. */
function writeFixture(dir: string, extra?: string, version = '3.2.0'): string {
  const script = join(dir, 'fctl-plugin-ledger.mjs');
  const commands = [
    { use: 'transactions', short: 'Transactions', commands: [{ use: 'list', short: 'List transactions', flags: [{ name: 'ledger', type: 'string', description: 'Ledger name', enum: ['main', 'archive'] }], display: { columns: [{ header: 'ID', jsonPath: '$.id' }] } }] },
    ...(extra ? [{ use: extra, short: `The ${extra} command` }] : []),
  ];
  writeFileSync(
    script,
    [
      "import { appendFileSync } from 'node:fs';",
      `appendFileSync(${JSON.stringify(join(dir, 'spawns'))}, 'started\\n');`,
      `const { servePlugin, baseManifest } = await import(${JSON.stringify(fixturePlugin('raw-plugin'))});`,
      `servePlugin({ manifest: { ...baseManifest, version: ${JSON.stringify(version)}, commands: ${JSON.stringify(commands)} }, onExecute: (m) => ({ type: 'result', id: m.id, data: [{ id: 7 }] }) });`,
      '',
    ].join('\n'),
  );
  return script;
}

const spawns = (dir: string) => (existsSync(join(dir, 'spawns')) ? readFileSync(join(dir, 'spawns'), 'utf8').split('\n').filter(Boolean).length : 0);

async function installed(options: { link?: boolean; profile?: boolean } = {}): Promise<{ fctl: Fctl; dir: string; script: string }> {
  const dir = mkdtempSync(join(work, 'fixture-'));
  const script = writeFixture(dir, undefined, options.link ? 'dev' : '3.2.0');
  const fctl = newFctl();
  if (options.profile !== false) expect((await fctl.run(['profile', 'add', 'prod', '--stack-url', ledger.url, '--use'])).code).toBe(0);
  const install = await fctl.run(['plugin', 'install', 'ledger', options.link ? '--link' : '--path', script, ...(options.link ? ['--compatible-with', '>=3.0.0'] : [])]);
  expect(install.code, install.stderr).toBe(0);
  return { fctl, dir, script };
}

describe('help without a plugin process', () => {
  it('fctl ledger --help, a group and a command help start no plugin once it is installed', async () => {
    const { fctl, dir } = await installed();
    expect(spawns(dir)).toBe(1); // the install read the manifest, and cached it
    const help = await fctl.run(['ledger', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Ledger fixture plugin');
    expect(help.stdout).toContain('transactions');
    const group = await fctl.run(['ledger', 'transactions', '--help']);
    expect(group.stdout).toContain('List transactions');
    const command = await fctl.run(['ledger', 'transactions', 'list', '-h']);
    expect(command.stdout).toContain('--ledger <value>');
    const usage = await fctl.run(['ledger', 'transactions', 'list', '--ledger', 'nope']);
    expect(usage.code).toBe(2); // a usage error, from the cached manifest
    expect(usage.stderr).toContain("Allowed choices are main, archive");
    expect(spawns(dir)).toBe(1);
    // Execution starts it, as before.
    const run = await fctl.run(['ledger', 'transactions', 'list']);
    expect(run.stdout).toBe('ID\n7\n');
    expect(spawns(dir)).toBe(2);
    // The second help remembers the stack's answer: no GET /versions either.
    const debug = await fctl.run(['--debug', 'ledger', '--help']);
    expect(debug.stderr).toContain('as the stack last reported it (no GET /versions)');
    expect(debug.stderr).not.toContain('spawning');
    expect(spawns(dir)).toBe(2);
  });

  it('help works with the stack unreachable or no profile, from the installed plugin, still without a process', async () => {
    const { fctl, dir } = await installed({ profile: false });
    const noProfile = await fctl.run(['ledger', '--help']);
    expect(noProfile.code, noProfile.stderr).toBe(0);
    expect(noProfile.stdout).toContain('transactions');
    await fctl.run(['profile', 'add', 'down', '--stack-url', 'http://127.0.0.1:9', '--use']);
    const down = await fctl.run(['ledger', 'transactions', '--help']);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('List transactions');
    expect(down.stderr).toContain('Showing the help of fctl-plugin-ledger v3.2.0');
    expect(spawns(dir)).toBe(1);
    // A command still needs the stack.
    expect((await fctl.run(['ledger', 'transactions', 'list'])).code).not.toBe(0);
  });

  it('a damaged cache entry costs one plugin start, which rewrites it; a cache that cannot be written costs a start each time', async () => {
    const { fctl, dir } = await installed();
    const cacheDir = join(fctl.configDir, 'cache', 'manifests');
    const entry = readdirSync(cacheDir).find((name) => /^[0-9a-f]{64}\.p[\d-]+\.json$/.test(name))!;
    writeFileSync(join(cacheDir, entry), '{"format":1,"manifest":');
    const repaired = await fctl.run(['ledger', '--help']);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain('transactions');
    expect(spawns(dir)).toBe(2);
    await fctl.run(['ledger', '--help']);
    expect(spawns(dir)).toBe(2);

    rmSync(join(fctl.configDir, 'cache'), { recursive: true, force: true });
    writeFileSync(join(fctl.configDir, 'cache'), 'a file where the cache directory would be'); // tests run as root: chmod would not stop a write
    const unwritable = await fctl.run(['ledger', '--help']);
    expect(unwritable.code, unwritable.stderr).toBe(0);
    expect(unwritable.stdout).toContain('transactions');
    expect(unwritable.stderr).toBe('');
    expect(spawns(dir)).toBe(3);
  });

  it('a run whose plugin reports another manifest than the cached one refreshes the cache', async () => {
    const { fctl, dir } = await installed();
    const cacheDir = join(fctl.configDir, 'cache', 'manifests');
    const name = readdirSync(cacheDir).find((file) => /^[0-9a-f]{64}\.p[\d-]+\.json$/.test(file))!;
    const entry = JSON.parse(readFileSync(join(cacheDir, name), 'utf8'));
    entry.manifest.description = 'an edited description';
    entry.digest = createHash('sha256').update(JSON.stringify(entry.manifest)).digest('hex');
    writeFileSync(join(cacheDir, name), JSON.stringify(entry));
    expect((await fctl.run(['ledger', '--help'])).stdout).toContain('an edited description');
    expect((await fctl.run(['ledger', 'transactions', 'list'])).stdout).toBe('ID\n7\n');
    const help = await fctl.run(['ledger', '--help']);
    expect(help.stdout).toContain('Ledger fixture plugin');
    expect(spawns(dir)).toBe(2);
  });

  it('a v1-pinned fctl (FCTL_PROTOCOL_VERSIONS=1) keeps its own entry: its offer negotiates another hello', async () => {
    const { fctl, dir } = await installed();
    const pinned = { FCTL_PROTOCOL_VERSIONS: '1' };
    expect((await fctl.run(['ledger', '--help'], { env: pinned })).stdout).toContain('transactions');
    expect(spawns(dir)).toBe(2);
    await fctl.run(['ledger', '--help'], { env: pinned });
    await fctl.run(['ledger', '--help']);
    expect(spawns(dir)).toBe(2);
    expect(readdirSync(join(fctl.configDir, 'cache', 'manifests')).filter((name) => !name.startsWith('file-')).map((name) => name.replace(/^[0-9a-f]{64}/, '')).sort()).toEqual(['.p1-2.json', '.p1.json']);
  });

  it('a linked dev build is read again after it changes, and only then', async () => {
    const { fctl, dir } = await installed({ link: true });
    expect(spawns(dir)).toBe(1);
    expect((await fctl.run(['ledger', '--help'])).stdout).not.toContain('accounts');
    expect(spawns(dir)).toBe(1);
    writeFixture(dir, 'accounts', 'dev'); // a rebuild
    const rebuilt = await fctl.run(['ledger', '--help']);
    expect(rebuilt.stdout).toContain('The accounts command');
    expect(spawns(dir)).toBe(2);
    expect((await fctl.run(['ledger', '--help'])).stdout).toContain('The accounts command');
    expect(spawns(dir)).toBe(2);
  });
});

/** A stack that only counts the connections it receives: completion must make none. */
async function countingStack(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => connections, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const candidates = (stdout: string) => stdout.trimEnd().split('\n').slice(0, -1).map((entry) => entry.split('\t')[0]);
const directive = (stdout: string) => stdout.trimEnd().split('\n').at(-1);

describe('completion without a plugin process or a request', () => {
  it('__complete answers commands, subcommands from the cached manifest, flags and their values', async () => {
    const { fctl, dir } = await installed();
    const stack = await countingStack();
    try {
      await fctl.run(['profile', 'add', 'counted', '--stack-url', stack.url, '--use']);
      const complete = async (...words: string[]) => {
        const result = await fctl.run(['__complete', 'zsh', '--', ...words]);
        expect(result.code, result.stderr).toBe(0);
        return result.stdout;
      };
      expect(candidates(await complete(''))).toEqual(expect.arrayContaining(['profile', 'plugin', 'version', 'completion', 'ledger']));
      expect(candidates(await complete('le'))).toEqual(['ledger']);
      const group = await complete('ledger', '');
      expect(group).toContain('transactions\tTransactions');
      expect(candidates(await complete('ledger', 'transactions', ''))).toEqual(['list']);
      expect(candidates(await complete('ledger', 'transactions', 'list', '--le'))).toEqual(['--ledger']);
      expect(candidates(await complete('ledger', 'transactions', 'list', '--ledger', ''))).toEqual(['main', 'archive']);
      expect(candidates(await complete('ledger', 'transactions', 'list', '--ledger=a'))).toEqual(['--ledger=archive']);
      expect(candidates(await complete('--output', ''))).toEqual(['plain', 'json', 'yaml']);
      expect(candidates(await complete('--profile', 'c'))).toEqual(['counted']);
      expect(candidates(await complete('profile', 'use', ''))).toEqual(['prod', 'counted']);
      expect(candidates(await complete('plugin', 'remove', ''))).toEqual(['ledger']);
      expect(candidates(await complete('completion', ''))).toEqual(['bash', 'zsh', 'fish']);
      expect(directive(await complete('plugin', 'install', 'ledger', '--path', ''))).toBe(':files');
      expect(directive(await complete('ledger', '--', ''))).toBe(':files');
      // bash splits "--ledger=a" at "=": it is answered with the value alone.
      expect(candidates((await fctl.run(['__complete', 'bash', '--', 'ledger', 'transactions', 'list', '--ledger=a'])).stdout)).toEqual(['archive']);
      expect(spawns(dir)).toBe(1);
      expect(stack.connections()).toBe(0);
    } finally {
      await stack.close();
    }
  });

  it('a malformed request, hostile words or damaged state answer nothing useful, never an error', async () => {
    const { fctl } = await installed();
    expect((await fctl.run(['__complete'])).code).toBe(2);
    expect((await fctl.run(['__complete', 'tcsh', '--', ''])).code).toBe(2);
    const odd = await fctl.run(['__complete', 'fish', '--', '--output', 'bogus', '--timeout', 'x', 'ledger', '\u001b[31m', '']);
    expect(odd.code).toBe(0);
    writeFileSync(join(fctl.configDir, 'plugins.json'), '{not json');
    writeFileSync(join(fctl.configDir, 'config.json'), '[]');
    const damaged = await fctl.run(['__complete', 'bash', '--', 'p']);
    expect(damaged.code).toBe(0);
    expect(candidates(damaged.stdout)).toEqual(['profile', 'plugin']);
    expect(damaged.stderr).toBe('');
  });

  it('the bash script completes through real bash, starting no plugin', async () => {
    const { fctl, dir } = await installed();
    const script = await fctl.run(['completion', 'bash']);
    expect(script.code).toBe(0);
    const bin = mkdtempSync(join(work, 'bin-'));
    writeFileSync(join(bin, 'fctl'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(fctl.bin)} "$@"\n`, { mode: 0o755 });
    writeFileSync(join(bin, 'fctl.bash'), script.stdout);
    // What readline does at Tab: COMP_LINE/COMP_POINT/COMP_WORDS set, the function called, COMPREPLY read.
    const driver = [
      `source ${JSON.stringify(join(bin, 'fctl.bash'))}`,
      'complete -p fctl',
      't() { COMP_LINE="$1"; COMP_POINT=${#1}; read -ra COMP_WORDS <<< "$1"; [[ "$1" =~ \\ $ ]] && COMP_WORDS+=(""); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); COMPREPLY=(); _fctl_complete; echo "${COMPREPLY[*]}"; }',
      't "fctl "',
      't "fctl led"',
      't "fctl ledger transactions "',
      't "fctl ledger transactions list --ledger=ar"',
      't "fctl --output j"',
    ].join('\n');
    const bash = execFileSync('bash', ['-c', driver], { env: { ...fctl.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' });
    expect(bash.split('\n')).toEqual([
      'complete -F _fctl_complete fctl',
      'profile plugin version ledger completion',
      'ledger',
      'list',
      'archive',
      'json',
      '',
    ]);
    expect(spawns(dir)).toBe(1);
  });

  it('prints zsh and fish scripts that call back __complete (those shells are not installed on this machine: checked by their text)', async () => {
    const fctl = newFctl();
    const zsh = (await fctl.run(['completion', 'zsh'])).stdout;
    expect(zsh.startsWith('#compdef fctl\n')).toBe(true);
    expect(zsh).toContain('fctl __complete zsh -- "${(@)words[2,CURRENT]}"');
    expect(zsh).toContain('compdef _fctl fctl');
    expect(zsh).toContain('_files');
    const fish = (await fctl.run(['completion', 'fish'])).stdout;
    expect(fish).toContain('fctl __complete fish -- $words');
    expect(fish).toContain("complete -c fctl -f -a '(__fctl_complete)'");
    expect(fish).toContain('__fish_complete_path');
    const unknown = await fctl.run(['completion', 'tcsh']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Allowed choices are bash, zsh, fish');
  });
});
