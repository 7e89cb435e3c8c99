// fctl's local state (config.json, plugins.json, the plugin store and its locks) under the faults a
// user's disk produces: a full file system, a read-only one, a lock left with an impossible mtime,
// and a plugins.json damaged or edited by hand. Real fctl processes, real (tmpfs) file systems.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountSmallFileSystem, type SmallFileSystem } from '../../packages/files/test/mounts.js';
import { collect, newFctl, type Fctl } from '../support/fctl.js';
import { makeRelease } from '../support/releases.js';

let work: string;
let registry: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'local-state-'));
  const lines = ['plugins:', '  ledger:', '    distribution: url', `    url: ${join(work, 'releases')}/{version}/{file}`, '    versions:'];
  for (const version of ['3.2.0', '3.3.0']) {
    const release = await makeRelease(join(work, 'releases', version), version);
    lines.push(`      ${version}:`, `        compatibleWith: ">=3.0.0 <4.0.0"`, `        checksumsSha256: ${release.checksumsSha256}`);
  }
  registry = join(work, 'registry.yaml');
  writeFileSync(registry, `${lines.join('\n')}\n`);
}, 120_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Every file under `dir` with its sha256, and every directory: what "nothing changed, nothing left behind" compares. */
function snapshot(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) {
        result[`${relative(dir, path)}/`] = 'dir';
        walk(path);
      } else result[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return result;
}

/** A configuration with a profile and ledger 3.2.0 installed, in `configDir`. */
async function configured(configDir: string): Promise<Fctl> {
  const fctl = { ...newFctl({ FCTL_CONFIG_DIR: configDir, FCTL_REGISTRY: registry }), configDir };
  const added = await fctl.run(['profile', 'add', 'main', '--stack-url', 'http://127.0.0.1:9', '--use']);
  expect(added.code, added.stderr).toBe(0);
  const installed = await fctl.run(['plugin', 'install', 'ledger', '--version', '3.2.0']);
  expect(installed.code, installed.stderr).toBe(0);
  return fctl;
}

describe('a full disk (a real 1 MiB tmpfs, filled)', () => {
  let fs: SmallFileSystem;
  let fctl: Fctl;
  let configDir: string;
  beforeAll(async () => {
    fs = mountSmallFileSystem(1024);
    configDir = join(fs.dir, 'config');
    fctl = await configured(configDir);
  }, 60_000);
  afterAll(() => fs?.unmount());

  const commands: Array<[string, string[], string]> = [
    ['profile add', ['profile', 'add', 'second', '--stack-url', 'http://127.0.0.1:10'], 'config.json'],
    ['plugin registry set', ['plugin', 'registry', 'set', '/somewhere/registry.yaml'], 'config.json'],
    ['plugin remove', ['plugin', 'remove', 'ledger'], 'plugins.json'],
    ['plugin install', ['plugin', 'install', 'ledger', '--version', '3.3.0'], ''],
  ];
  for (const [what, args, file] of commands) {
    it(`${what} fails with ENOSPC, leaves no temporary file and changes nothing`, async () => {
      const before = snapshot(configDir);
      fs.fill();
      try {
        const result = await fctl.run(args);
        expect(result.code, result.stderr).toBe(1);
        if (file) expect(result.stderr).toContain(`cannot write ${join(configDir, file)}: no space left on the device (ENOSPC)`);
        else expect(result.stderr).toContain('ENOSPC');
        expect(result.stderr).not.toMatch(/TypeError|\n\s+at /);
      } finally {
        fs.unfill();
      }
      expect(snapshot(configDir)).toEqual(before);
    });
  }

  it('works again once there is space', async () => {
    const result = await fctl.run(['plugin', 'install', 'ledger', '--version', '3.3.0']);
    expect(result.code, result.stderr).toBe(0);
    const list = JSON.parse((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout) as Array<{ version: string }>;
    expect(list.map((entry) => entry.version).sort()).toEqual(['3.2.0', '3.3.0']);
    expect(readdirSync(configDir).filter((name) => name.includes('.tmp'))).toEqual([]);
  });
});

describe('a read-only configuration directory (a tmpfs remounted read-only)', () => {
  let fs: SmallFileSystem;
  let fctl: Fctl;
  let configDir: string;
  beforeAll(async () => {
    fs = mountSmallFileSystem(1024);
    configDir = join(fs.dir, 'config');
    fctl = await configured(configDir);
    fs.readOnly();
  }, 60_000);
  afterAll(() => fs?.unmount());

  // A lock is waited for up to 120 s; these runs are given 30 s, so only failing at once passes.
  it('plugin install fails at once, naming the read-only directory', async () => {
    const result = await fctl.run(['plugin', 'install', 'ledger', '--version', '3.3.0'], { timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`the directory ${configDir}\\S* is on a read-only file system \\(EROFS\\)`));
  }, 40_000);

  it('plugin remove fails at once, naming the read-only directory', async () => {
    const result = await fctl.run(['plugin', 'remove', 'ledger'], { timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/is on a read-only file system \(EROFS\)/);
    expect(result.stderr).toContain(configDir);
  }, 40_000);

  it('profile add fails naming config.json and the directory', async () => {
    const result = await fctl.run(['profile', 'add', 'second', '--stack-url', 'http://127.0.0.1:10'], { timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(`cannot lock ${join(configDir, 'config.json')}: the directory ${configDir} is on a read-only file system (EROFS)`);
  }, 40_000);

  it('commands that only read keep working', async () => {
    const result = await fctl.run(['plugin', 'list', '-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as Array<{ version: string }>).map((entry) => entry.version)).toEqual(['3.2.0']);
  });
});

describe('a configuration directory this user may not write (EACCES: fctl run as user nobody)', () => {
  it('plugin install fails at once, naming the directory, instead of waiting as for another installer', async () => {
    const fctl = await configured(mkdtempSync(join(tmpdir(), 'not-writable-')));
    // Readable and searchable by everyone, writable by its owner (root) only.
    for (const path of [work, fctl.configDir, join(fctl.configDir, 'plugins'), join(fctl.configDir, 'plugins', '.locks')]) chmodSync(path, 0o755);
    chmodSync(join(fctl.configDir, 'plugins.json'), 0o644);
    // The checkout may sit in a directory only root can enter (a mktemp -d clone): nobody runs a
    // copy of the built fctl from a directory everyone can read.
    const readable = mkdtempSync(join(tmpdir(), 'fctl-for-nobody-'));
    const core = dirname(dirname(fctl.bin));
    for (const part of ['bin', 'dist', 'package.json']) cpSync(join(core, part), join(readable, part), { recursive: true });
    execFileSync('chmod', ['-R', 'a+rX', readable]);
    const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(readable, 'bin', basename(fctl.bin)), 'plugin', 'install', 'ledger', '--version', '3.3.0'], {
      env: { ...fctl.env, HOME: tmpdir() },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // A lock is waited for up to 120 s: only failing at once finishes within 30 s.
    const result = await collect(child, undefined, 30_000);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(`the directory ${join(fctl.configDir, 'plugins', '.locks')} is not writable by this user (EACCES)`);
    rmSync(fctl.configDir, { recursive: true, force: true });
    rmSync(readable, { recursive: true, force: true });
  }, 60_000);
});

describe('concurrent changes to config.json', () => {
  it('eight fctl processes adding a profile each: all eight are kept', async () => {
    const fctl = newFctl();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => fctl.run(['profile', 'add', `p${i}`, '--stack-url', `http://127.0.0.1:${1000 + i}`])));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(fctl.configDir, 'config.json'), 'utf8')) as { profiles: Record<string, unknown> };
    expect(Object.keys(config.profiles).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `p${i}`));
    expect(readdirSync(fctl.configDir)).toEqual(['config.json']);
    rmSync(fctl.configDir, { recursive: true, force: true });
  }, 60_000);
});

describe('concurrent registry and profile changes to config.json', () => {
  it('eight `plugin registry set` and eight `profile add` at once: every profile is kept and the registry is set', async () => {
    const fctl = newFctl();
    const registries = Array.from({ length: 8 }, (_, i) => join(work, `registry-${i}.yaml`));
    const results = await Promise.all([
      ...registries.map((path) => fctl.run(['plugin', 'registry', 'set', path], { timeoutMs: 60_000 })),
      ...Array.from({ length: 8 }, (_, i) => fctl.run(['profile', 'add', `p${i}`, '--stack-url', `http://127.0.0.1:${1000 + i}`], { timeoutMs: 60_000 })),
    ]);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(fctl.configDir, 'config.json'), 'utf8')) as { profiles: Record<string, unknown>; registry?: string };
    expect(Object.keys(config.profiles).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `p${i}`));
    expect(registries).toContain(config.registry);
    expect(readdirSync(fctl.configDir)).toEqual(['config.json']);
    rmSync(fctl.configDir, { recursive: true, force: true });
  }, 120_000);
});

describe('a lock left with an mtime in the future', () => {
  it('does not block installs: the impossible lock counts as stale', async () => {
    const fctl = await configured(mkdtempSync(join(tmpdir(), 'future-lock-')));
    const future = new Date(Date.now() + 7 * 24 * 3600_000);
    const locks = [join(fctl.configDir, 'plugins', '.locks', 'ledger.lock'), join(fctl.configDir, 'plugins.json.lock')];
    for (const lock of locks) {
      mkdirSync(lock, { recursive: true });
      utimesSync(lock, future, future);
    }
    // The wait for a live lock is 120 s: finishing within 30 s means the lock was taken over.
    const result = await fctl.run(['plugin', 'install', 'ledger', '--version', '3.3.0'], { timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(0);
    for (const lock of locks) expect(existsSync(lock), lock).toBe(false);
    const removed = await fctl.run(['plugin', 'remove', 'ledger', '--version', '3.2.0'], { timeoutMs: 30_000 });
    expect(removed.code, removed.stderr).toBe(0);
    rmSync(fctl.configDir, { recursive: true, force: true });
  }, 60_000);
});

describe('a damaged or hand-edited plugins.json', () => {
  let template: Fctl;
  let valid: { plugins: Array<{ name: string; versions: Record<string, Record<string, unknown>> }> };
  beforeAll(async () => {
    template = await configured(mkdtempSync(join(tmpdir(), 'damaged-')));
    valid = JSON.parse(readFileSync(join(template.configDir, 'plugins.json'), 'utf8'));
  }, 60_000);
  afterAll(() => {
    if (template) rmSync(template.configDir, { recursive: true, force: true });
  });

  const entry = () => structuredClone(valid.plugins[0]!.versions['3.2.0']!);
  const withEntry = (change: (e: Record<string, unknown>) => void) => {
    const e = entry();
    change(e);
    return { plugins: [{ name: 'ledger', versions: { '3.2.0': e } }] };
  };
  // name, content, the place the error must name, whether the valid 3.2.0 entry survives the repair
  const forms: Array<[string, () => unknown, string, boolean]> = [
    ['a null plugin', () => ({ plugins: [null] }), 'plugins[0] must be an object; got null', false],
    ['"versions": null', () => ({ plugins: [{ name: 'ledger', versions: null }] }), 'plugins[0].versions must be an object; got null', false],
    ['a version key "latest"', () => ({ plugins: [{ name: 'ledger', versions: { latest: entry(), '3.2.0': entry() } }] }), 'plugins[0].versions has a key "latest" that is not a version', true],
    ['a number where a path belongs', () => withEntry((e) => (e.path = 42)), 'plugins[0].versions["3.2.0"].path must be a string; got 42', false],
    ['a missing sha256', () => withEntry((e) => delete e.sha256), 'plugins[0].versions["3.2.0"].sha256 is missing', false],
    ['a path outside the store', () => withEntry((e) => (e.path = '/bin/sh')), 'plugins[0].versions["3.2.0"].path is "/bin/sh", outside the plugin store', false],
    ['a path escaping the store with ..', () => withEntry((e) => (e.path = join(template.configDir, 'plugins', 'ledger', '..', '..', 'x'))), 'outside the plugin store', false],
    ['a plugins object instead of a list', () => ({ plugins: { ledger: {} } }), 'plugins must be a list; got an object', false],
    ['a list at the top', () => [], 'must be an object with a "plugins" list', false],
    ['a bad plugin name', () => ({ plugins: [{ name: '../x', versions: {} }] }), 'plugins[0].name must be a plugin name', false],
    ['a name listed twice', () => ({ plugins: [valid.plugins[0], { name: 'ledger', versions: {} }] }), 'plugins[1].name repeats "ledger", listed earlier', true],
    ['text that is not JSON', () => '{"plugins": [', 'is not valid JSON', false],
    // Text, not values: no JSON.stringify could write these (that is the damage).
    ['a field beside "plugins" nested 100,000 deep', () => `{"plugins": ${JSON.stringify(valid.plugins)}, "junk": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`, '"junk" nests lists and objects more than 16 deep', true],
    [
      'a field of a version entry nested 100,000 deep',
      () => JSON.stringify(withEntry((e) => (e.junk = 'DEEP'))).replace('"DEEP"', `${'{"k":'.repeat(100_000)}1${'}'.repeat(100_000)}`),
      'plugins[0].versions["3.2.0"].junk',
      false,
    ],
  ];

  for (const [name, content, place, survives] of forms) {
    it(`${name}: every command names the file and the place (exit 1); plugin install repairs it and keeps a copy`, async () => {
      const fctl = newFctl({ FCTL_REGISTRY: registry });
      rmSync(fctl.configDir, { recursive: true, force: true });
      cpSync(template.configDir, fctl.configDir, { recursive: true });
      const value = content();
      const text = (typeof value === 'string' ? value : JSON.stringify(value, null, 2)).replaceAll(template.configDir, fctl.configDir);
      const path = join(fctl.configDir, 'plugins.json');
      writeFileSync(path, text);
      for (const args of [['version'], ['profile', 'list'], ['plugin', 'list'], ['ledger', 'transactions', 'list'], ['nosuchcommand']]) {
        const result = await fctl.run(args);
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(1);
        expect(result.stderr).toContain(`${path} is damaged:`);
        expect(result.stderr).toContain(place);
        expect(result.stderr).toContain('Repair it: fctl plugin install');
        expect(result.stderr).not.toMatch(/TypeError|Cannot read properties|\n\s+at /);
      }
      const repaired = await fctl.run(['plugin', 'install', 'ledger', '--version', '3.3.0']);
      expect(repaired.code, repaired.stderr).toBe(0);
      expect(repaired.stderr).toContain(`Warning: ${path}: dropped `);
      const backups = readdirSync(fctl.configDir).filter((file) => file.startsWith('plugins.json.damaged-'));
      expect(backups).toHaveLength(1);
      expect(readFileSync(join(fctl.configDir, backups[0]!), 'utf8')).toBe(text);
      expect(statSync(join(fctl.configDir, backups[0]!)).mode & 0o777).toBe(0o600);
      const list = await fctl.run(['plugin', 'list', '-o', 'json']);
      expect(list.code, list.stderr).toBe(0);
      expect((JSON.parse(list.stdout) as Array<{ version: string }>).map((e) => e.version).sort()).toEqual(survives ? ['3.2.0', '3.3.0'] : ['3.3.0']);
      rmSync(fctl.configDir, { recursive: true, force: true });
    }, 60_000);
  }

  it('plugin remove repairs it too', async () => {
    const fctl = newFctl({ FCTL_REGISTRY: registry });
    cpSync(template.configDir, fctl.configDir, { recursive: true });
    const path = join(fctl.configDir, 'plugins.json');
    const good = JSON.parse(readFileSync(path, 'utf8').replaceAll(template.configDir, fctl.configDir));
    writeFileSync(path, JSON.stringify({ plugins: [...good.plugins, null] }));
    const removed = await fctl.run(['plugin', 'remove', 'ledger']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stderr).toContain('dropped plugins[1]: plugins[1] must be an object; got null');
    expect(removed.stderr).toContain('Removed plugin "ledger" (3.2.0)');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ plugins: [] });
    rmSync(fctl.configDir, { recursive: true, force: true });
  }, 60_000);
});
