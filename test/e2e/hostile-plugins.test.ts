// A plugin is untrusted: what it writes must not drive the user's terminal, exhaust fctl's memory,
// outlive it, or crash it. Each attack runs a hostile fixture plugin (test/fixtures/plugins/hostile)
// through the real built fctl, and checks the raw bytes fctl wrote.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { newFctl, type Fctl } from '../support/fctl.js';
import { repoRoot } from '../support/paths.js';

const hostile = (name: string) => join(repoRoot, 'test', 'fixtures', 'plugins', 'hostile', `${name}.mjs`);

interface RawResult {
  code: number | null;
  stdout: Buffer;
  stderr: Buffer;
  /** fctl's peak resident memory in bytes (VmHWM, polled while it ran). */
  peakRss: number;
}

/** Runs fctl keeping stdout and stderr as bytes, and samples its peak memory while it runs. */
function runRaw(fctl: Fctl, args: string[], timeoutMs = 60_000): Promise<RawResult> {
  const child = spawn(process.execPath, [fctl.bin, ...args], { env: fctl.env, stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let peakRss = 0;
  const sample = () => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (match) peakRss = Math.max(peakRss, Number(match[1]) * 1024);
    } catch {
      // exited
    }
  };
  const sampler = setInterval(sample, 20);
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stdin.end();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fctl ${args.join(' ')} did not finish within ${timeoutMs} ms\nstderr: ${Buffer.concat(stderr).toString().slice(0, 2000)}`));
    }, timeoutMs);
    child.on('exit', sample);
    child.on('close', (code) => {
      clearTimeout(timer);
      clearInterval(sampler);
      resolve({ code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), peakRss });
    });
  });
}

async function fctlWithProfile(env: NodeJS.ProcessEnv = {}): Promise<Fctl> {
  const fctl = newFctl(env);
  // The fixtures never contact the stack: any URL will do.
  const added = await fctl.run(['profile', 'add', 'prod', '--stack-url', 'http://127.0.0.1:9', '--use']);
  expect(added.code).toBe(0);
  return fctl;
}

const withPlugin = (name: string, ...args: string[]) => ['--plugin-binary', `ledger=${hostile(name)}`, 'ledger', ...args];

// Anything a terminal acts on, but newline and tab: C0, DEL, C1, line separators, bidi controls.
const TERMINAL_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** The bytes are UTF-8 text without a character that drives a terminal, and each tag is visible (its sequences removed). */
function expectSafe(bytes: Buffer, ...tags: string[]): void {
  const text = bytes.toString('utf8');
  expect(Buffer.from(text, 'utf8').equals(bytes), 'valid UTF-8 (no raw 8-bit control bytes)').toBe(true);
  expect(bytes.includes(0x1b), `no ESC in ${JSON.stringify(text)}`).toBe(false);
  expect(text).not.toMatch(TERMINAL_UNSAFE);
  // attack(tag) neutralised reads `${tag}link`: the hyperlink's text survives, its sequences do not.
  for (const tag of tags) expect(text).toContain(`${tag}link`);
}

describe('terminal escape sequences and control characters from a plugin', () => {
  it('in an error answer: message and code', async () => {
    const fctl = await fctlWithProfile();
    const result = await runRaw(fctl, withPlugin('escapes', 'attack', 'error'));
    expect(result.code).toBe(1);
    expectSafe(result.stderr, 'ERRMSG', 'ERRCODE');
  });

  it('in the internal-error report, with the plugin issues URL', async () => {
    const fctl = await fctlWithProfile();
    const result = await runRaw(fctl, withPlugin('escapes', 'attack', 'internal'));
    expect(result.code).toBe(3);
    expect(result.stderr.toString()).toContain('This is a bug in the ledger plugin');
    expectSafe(result.stderr, 'INTERNAL', 'ISSUES');
  });

  it('in the stderr tail of a crash report', async () => {
    const fctl = await fctlWithProfile();
    const result = await runRaw(fctl, withPlugin('escapes', 'attack', 'crash'));
    expect(result.code).toBe(3);
    expect(result.stderr.toString()).toContain('Stderr (last 2 lines):');
    expectSafe(result.stderr, 'STDERR1', 'STDERR2');
  });

  it('in --debug [plugin] stderr lines and [fctl] diagnostics', async () => {
    const fctl = await fctlWithProfile();
    const result = await runRaw(fctl, withPlugin('escapes', 'attack', 'stderr', '--debug', '-o', 'json'));
    expect(result.code).toBe(0);
    expect(result.stderr.toString()).toContain('[plugin]  ');
    expectSafe(result.stderr, 'DEBUGLINE');
    const errorDebug = await runRaw(fctl, withPlugin('escapes', 'attack', 'error', '--debug'));
    expect(errorDebug.stderr.toString()).toContain('[fctl]    ← error not_found: ');
    expectSafe(errorDebug.stderr, 'ERRMSG');
  });

  it('in text written to stdout by mistake, quoted in the protocol violation', async () => {
    const fctl = await fctlWithProfile();
    const result = await runRaw(fctl, withPlugin('escapes', 'attack', 'garbage'));
    expect(result.code).toBe(3);
    expect(result.stderr.toString()).toContain('it wrote text that is not a protocol message to stdout');
    expectSafe(result.stderr, 'GARBAGE');
  });

  it('in --help: plugin description, group and command help, long text, examples, argument names, flag help, choices and defaults', async () => {
    const fctl = await fctlWithProfile();
    const root = await runRaw(fctl, withPlugin('escapes', '--help'));
    expect(root.code).toBe(0);
    expectSafe(root.stdout, 'PLUGINDESC', 'GROUPSHORT');
    const group = await runRaw(fctl, withPlugin('escapes', 'attack', '--help'));
    expectSafe(group.stdout, 'SHORT');
    const leaf = await runRaw(fctl, withPlugin('escapes', 'attack', 'help', '--help'));
    expect(leaf.code).toBe(0);
    expectSafe(leaf.stdout, 'LONG1', 'LONG2', 'EXAMPLE', 'ARGNAME', 'FLAGHELP', 'CHOICE', 'DEFAULT', 'FLAGDEPRECATED');
    expect(leaf.stderr.length).toBe(0);
  });

  it("in fctl's own --help, which lists an installed plugin with its description", async () => {
    // Installed as users install a plugin file: one self-contained file (bundled here).
    const { build } = await import('esbuild');
    const bundle = join(mkdtempSync(join(tmpdir(), 'hostile-bundle-')), 'fctl-plugin-ledger.mjs');
    await build({ entryPoints: [hostile('escapes')], outfile: bundle, bundle: true, platform: 'node', format: 'esm', logLevel: 'silent' });
    const fctl = await fctlWithProfile();
    const installed = await runRaw(fctl, ['plugin', 'install', 'ledger', '--path', bundle]);
    expect(installed.code, installed.stderr.toString()).toBe(0);
    const help = await runRaw(fctl, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.toString()).toMatch(/^\s+ledger\s+PLUGINDESClink/m);
    expectSafe(help.stdout, 'PLUGINDESC');
  });

  it('in a usage error that lists the choices of a flag', async () => {
    const fctl = await fctlWithProfile();
    const result = await runRaw(fctl, withPlugin('escapes', 'attack', 'help', '--mode', 'other'));
    expect(result.code).toBe(2);
    expectSafe(result.stderr, 'CHOICE');
  });

  it('in display-schema headers and cells of a table', async () => {
    const fctl = await fctlWithProfile();
    const result = await runRaw(fctl, withPlugin('escapes', 'attack', 'table'));
    expect(result.code).toBe(0);
    expectSafe(result.stdout, 'HEADER', 'CELL');
  });

  it('in section titles, field labels and values', async () => {
    const fctl = await fctlWithProfile();
    const result = await runRaw(fctl, withPlugin('escapes', 'attack', 'sections'));
    expect(result.code).toBe(0);
    expectSafe(result.stdout, 'TITLE', 'LABEL', 'FIELD');
  });

  it.each([
    ['the YAML fallback of plain output', []],
    ['-o yaml', ['-o', 'yaml']],
    ['-o json', ['-o', 'json']],
  ])('in keys and values of %s, which stay exact data', async (_name, output) => {
    const fctl = await fctlWithProfile();
    const result = await runRaw(fctl, withPlugin('escapes', 'attack', 'fallback', ...output));
    expect(result.code).toBe(0);
    const text = result.stdout.toString();
    expect(Buffer.from(text).equals(result.stdout)).toBe(true);
    expect(result.stdout.includes(0x1b)).toBe(false);
    expect(text).not.toMatch(TERMINAL_UNSAFE);
    // Escaped, not removed: parsed back, the data is what the plugin sent.
    const { parse } = await import('yaml');
    const data = parse(text) as Record<string, unknown>;
    const { attack } = (await import(join(repoRoot, 'test', 'fixtures', 'plugins', 'hostile', 'attack.mjs'))) as { attack: (tag: string) => string };
    expect(data).toEqual({ [attack('KEY')]: attack('VALUE'), list: [attack('ITEM')] });
  });

  it('in deprecation messages of a command and of a flag', async () => {
    const fctl = await fctlWithProfile();
    const command = await runRaw(fctl, withPlugin('escapes', 'attack', 'old', '-o', 'json'));
    expect(command.code).toBe(0);
    expect(command.stderr.toString()).toContain('Warning: command "ledger attack old" is deprecated: ');
    expectSafe(command.stderr, 'DEPRECATED');
    const flag = await runRaw(fctl, withPlugin('escapes', 'attack', 'help', '--legacy', '-o', 'json'));
    expect(flag.code).toBe(0);
    expectSafe(flag.stderr, 'FLAGDEPRECATED');
  });

  it('in a confirmation question', async () => {
    const fctl = await fctlWithProfile();
    const result = await runRaw(fctl, withPlugin('escapes', 'attack', 'ask'));
    expect(result.code).toBe(1);
    expect(result.stderr.toString()).toContain('and fctl is not interactive');
    expectSafe(result.stderr, 'QUESTION');
  });
});

describe('a plugin flooding its output', () => {
  const MB = 1024 * 1024;

  it('200 MB of stderr without a newline: fctl answers with the result, its memory stays far below the flood', async () => {
    const fctl = await fctlWithProfile();
    const result = await runRaw(fctl, withPlugin('flood', 'flood', 'stderr'), 240_000);
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toBe('- id: after the flood\n');
    expect(result.peakRss).toBeGreaterThan(0);
    expect(result.peakRss).toBeLessThan(150 * MB);
  }, 300_000);

  it('200 MB of stderr then a crash: the report keeps a cut line, not the flood', async () => {
    const fctl = await fctlWithProfile();
    const result = await runRaw(fctl, withPlugin('flood', 'flood', 'stderr-crash'), 240_000);
    expect(result.code).toBe(3);
    const report = result.stderr.toString();
    expect(report).toContain('crashed during execution');
    expect(report).toContain(`… (${200 * MB - 4096} more bytes)`);
    expect(result.stderr.length).toBeLessThan(16 * 1024);
    expect(result.peakRss).toBeLessThan(150 * MB);
  }, 300_000);

  it('a 200 MB line on stdout: a protocol violation at 32 MiB, without reading it all', async () => {
    const fctl = await fctlWithProfile();
    const result = await runRaw(fctl, withPlugin('flood', 'flood', 'stdout'), 240_000);
    expect(result.code).toBe(3);
    expect(result.stderr.toString()).toContain('a result message exceeded the 32 MiB limit');
    expect(result.peakRss).toBeGreaterThan(0);
    expect(result.peakRss).toBeLessThan(150 * MB);
  }, 300_000);
});

/** Alive, and not a zombie waiting to be reaped (which no longer runs). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('processes a plugin starts', () => {
  async function spawning(command: string, ...rest: string[]) {
    const markerDir = mkdtempSync(join(tmpdir(), 'grandchildren-'));
    const fctl = await fctlWithProfile({ TMPDIR: markerDir });
    const result = await runRaw(fctl, withPlugin('grandchildren', 'spawn', command, ...rest));
    const pids = JSON.parse(readFileSync(join(markerDir, 'children.json'), 'utf8')) as number[];
    return { result, pids };
  }

  it('a grandchild holding stdout does not keep fctl waiting, and is gone after fctl exits', async () => {
    // The grandchild sleeps 300 s; runRaw gives fctl 60 s.
    const { result, pids } = await spawning('holds-stdout', '-o', 'json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.toString())).toEqual([{ id: pids[0] }]);
    expect(alive(pids[0]!)).toBe(false);
  });

  it('a grandchild that left the process group (setsid) and holds stdout does not keep fctl waiting either', async () => {
    const { result, pids } = await spawning('escapes-group', '-o', 'json');
    try {
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout.toString())).toEqual([{ id: pids[0] }]);
    } finally {
      if (alive(pids[0]!)) process.kill(pids[0]!, 'SIGKILL');
    }
  });

  it('the 100 children of a plugin that crashes are gone after fctl exits', async () => {
    const { result, pids } = await spawning('then-crash');
    expect(result.code).toBe(3);
    expect(result.stderr.toString()).toContain('Exit code: 70');
    expect(pids).toHaveLength(100);
    expect(pids.filter(alive)).toEqual([]);
  });

  for (const ending of [
    { name: 'SIGTERM sent to fctl', signals: ['SIGTERM'] as const, code: 143 },
    { name: 'SIGHUP sent to fctl (the terminal closed)', signals: ['SIGHUP'] as const, code: 129 },
    { name: 'a second Ctrl-C (fctl exits at once)', signals: ['SIGINT', 'SIGINT'] as const, code: 130 },
  ]) {
    it(`the children of a running plugin are gone after ${ending.name}`, async () => {
      const markerDir = mkdtempSync(join(tmpdir(), 'grandchildren-'));
      const fctl = await fctlWithProfile({ TMPDIR: markerDir });
      const child = spawn(process.execPath, [fctl.bin, ...withPlugin('grandchildren', 'spawn', 'then-hang')], { env: fctl.env, stdio: ['pipe', 'ignore', 'ignore'] });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const marker = join(markerDir, 'children.json');
      await vi.waitFor(() => expect(JSON.parse(readFileSync(marker, 'utf8'))).toHaveLength(100), { timeout: 30_000, interval: 50 });
      const pids = JSON.parse(readFileSync(marker, 'utf8')) as number[];
      try {
        for (const signal of ending.signals) child.kill(signal);
        expect(await exited).toBe(ending.code);
        // SIGKILL was sent to the group as fctl exited; give the kernel a moment to reap.
        await vi.waitFor(() => expect(pids.filter(alive)).toEqual([]), { timeout: 10_000, interval: 50 });
      } finally {
        for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
      }
    });
  }

  it('the 100 children of a plugin that times out are gone after fctl exits', async () => {
    const { result, pids } = await spawning('then-hang', '--timeout', '1s');
    expect(result.code).toBe(4);
    expect(pids).toHaveLength(100);
    expect(pids.filter(alive)).toEqual([]);
  });
});

describe('deeply nested results', () => {
  it.each([
    ['100,000 arrays', 'arrays', []],
    ['100,000 arrays, -o json', 'arrays', ['-o', 'json']],
    ['100,000 arrays, -o yaml', 'arrays', ['-o', 'yaml']],
    ['10,000 objects', 'objects', []],
    ['10,000 objects, -o json', 'objects', ['-o', 'json']],
    ['10,000 objects, -o yaml', 'objects', ['-o', 'yaml']],
  ])('%s: a plugin bug (exit 3) naming the plugin, not a stack overflow', async (_name, command, output) => {
    const fctl = await fctlWithProfile();
    const result = await runRaw(fctl, withPlugin('deep', 'deep', command, ...output));
    const report = result.stderr.toString();
    expect(result.code).toBe(3);
    expect(report).toContain('Error: plugin "ledger" broke the plugin protocol during execution.');
    expect(report).toContain('nested more than 64 levels deep');
    expect(report).toContain('This is a bug in the ledger plugin (v3.2.0), not in fctl.');
    expect(report).not.toContain('Maximum call stack');
    expect(result.stdout.length).toBe(0);
  });

  it('a flat list of 200,000 rows renders as a table', async () => {
    const fctl = await fctlWithProfile();
    const result = await runRaw(fctl, withPlugin('deep', 'deep', 'wide'));
    expect(result.stderr.toString()).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.toString().split('\n');
    expect(lines).toHaveLength(200_002);
    expect(lines.slice(0, 3)).toEqual(['ID', '0', '1']);
  });
});
