// `fctl-kit registry ...` for the repository that holds a registry: validation (with the artifacts
// of every release fetched from a real HTTP server and verified), and edits that keep comments.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentPlatform, generateSigningKey } from '@fctl-kit/artifacts';
import { fctlKit as runFctlKit } from '../support/exec.js';
import { repoRoot } from '../support/paths.js';
import { makeRelease, platformBinary, type MadeRelease } from '../support/releases.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';

const keys = generateSigningKey();
const platform = `${currentPlatform().os}-${currentPlatform().arch}`;
let work: string;
let server: ReleaseServer;
let release: MadeRelease;

const fctlKit = (...args: string[]) => runFctlKit(args, { cwd: work });

function registryFile(name: string, body: string): string {
  const path = join(work, name);
  writeFileSync(path, body);
  return path;
}

const header = () =>
  ['# Plugins fctl can discover.', 'plugins:', '  ledger:', '    distribution: url', `    url: ${server.url}/{name}/{version}/{file}`, '    publicKey: |', ...keys.publicKey.trim().split('\n').map((l) => `      ${l}`), '    versions:'].join('\n');

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'registry-tooling-'));
  server = await startReleaseServer();
  release = await makeRelease(join(work, 'releases', '3.2.0'), '3.2.0', { signingKey: keys.privateKey });
  for (const name of readdirSync(release.dir)) server.files.set(`/ledger/3.2.0/${name}`, readFileSync(join(release.dir, name)));
}, 60_000);
afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('fctl-kit registry validate', () => {
  it('accepts a valid registry and warns about overlapping ranges', async () => {
    const file = registryFile('ok.yaml', `${header()}\n      3.2.0:\n        compatibleWith: ">=3.0.0 <3.4.0"\n      3.3.0:\n        compatibleWith: ">=3.3.0 <4.0.0"\n`);
    const result = await fctlKit('registry', 'validate', file);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      `warning: plugins.ledger: the ranges of 3.2.0 (>=3.0.0 <3.4.0) and 3.3.0 (>=3.3.0 <4.0.0) overlap; 3.3.0 wins where both match\n${file}: 1 plugins, 2 versions; 0 errors, 1 warnings\n`,
    );
  });

  it('fails on what the loader refuses and on reserved names', async () => {
    const bad = await fctlKit('registry', 'validate', registryFile('bad.yaml', 'plugins:\n  ledger:\n    repo: o/r\n    versions:\n      3.2:\n        compatibleWith: "*"\n'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('plugins.ledger.versions: "3.2" is not a semver version like 3.2.0');
    const reserved = await fctlKit('registry', 'validate', registryFile('reserved.yaml', 'plugins:\n  profile:\n    repo: o/r\n    versions: {}\n'));
    expect(reserved.code).toBe(1);
    expect(reserved.stderr).toContain('error: plugins.profile: "profile" is a command of fctl itself and cannot be a plugin name');
  });

  it('--check-artifacts fetches every release and verifies pin, signature, checksums and manifest', async () => {
    const file = registryFile('pinned.yaml', `${header()}\n      3.2.0:\n        compatibleWith: ">=3.0.0 <4.0.0"\n        checksumsSha256: ${release.checksumsSha256}\n`);
    const ok = await fctlKit('registry', 'validate', file, '--check-artifacts', '--platforms', platform);
    expect(ok.stderr).toBe(`${file}: 1 plugins, 1 versions, 1 binaries verified; 0 errors, 0 warnings\n`);
    expect(ok.code).toBe(0);

    const missing = await fctlKit('registry', 'validate', file, '--check-artifacts');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error: plugins.ledger.versions.3.2.0: checksums.txt has no fctl-plugin-ledger-darwin-arm64');

    const binary = server.files.get(`/ledger/3.2.0/${platformBinary()}`)!;
    server.files.set(`/ledger/3.2.0/${platformBinary()}`, Buffer.concat([binary, Buffer.from('#')]));
    try {
      const tampered = await fctlKit('registry', 'validate', file, '--check-artifacts', '--platforms', platform);
      expect(tampered.code).toBe(1);
      expect(tampered.stderr).toMatch(new RegExp(`error: plugins\\.ledger\\.versions\\.3\\.2\\.0: ${platformBinary()} has sha256 [0-9a-f]{64}, but checksums\\.txt says [0-9a-f]{64}`));
    } finally {
      server.files.set(`/ledger/3.2.0/${platformBinary()}`, binary);
    }
    const wrongPin = registryFile('wrong-pin.yaml', readFileSync(file, 'utf8').replace(release.checksumsSha256, 'f'.repeat(64)));
    expect((await fctlKit('registry', 'validate', wrongPin, '--check-artifacts', '--platforms', platform)).stderr).toContain(`but the registry pins ${'f'.repeat(64)}`);
  });
});

describe('fctl-kit registry add | deprecate | retire', () => {
  it('edits the document keeping comments and order, and refuses what would make it invalid', async () => {
    const file = registryFile('edit.yaml', `${header()}\n      # first v3 release\n      3.2.0:\n        compatibleWith: ">=3.0.0 <3.3.0"\n`);
    const before = readFileSync(file, 'utf8');
    const added = await fctlKit('registry', 'add', file, 'ledger', '3.3.0', '--compatible-with', '>=3.3.0 <4.0.0', '--from', release.dir);
    expect(added.stderr).toBe(`Added ledger 3.3.0 (compatible with >=3.3.0 <4.0.0, checksums.txt pinned to ${release.checksumsSha256}).\n  stacks on 3.3.0 to 3.x would get 3.3.0 (no version serves them now)\n`);
    expect(readFileSync(file, 'utf8')).toBe(`${before}      3.3.0:\n        compatibleWith: ">=3.3.0 <4.0.0"\n        checksumsSha256: ${release.checksumsSha256}\n`);

    await fctlKit('registry', 'deprecate', file, 'ledger', '3.2.0', '--message', 'Ledger v3.2 reaches end-of-life on 2027-03-01');
    expect(readFileSync(file, 'utf8')).toContain('      # first v3 release\n      3.2.0:\n        compatibleWith: ">=3.0.0 <3.3.0"\n        deprecated: Ledger v3.2 reaches end-of-life on 2027-03-01\n');
    expect(readFileSync(file, 'utf8').startsWith('# Plugins fctl can discover.\n')).toBe(true);

    const copy = join(work, 'edit-copy.yaml');
    copyFileSync(file, copy);
    const invalid = await fctlKit('registry', 'add', file, 'ledger', '3.4.0', '--compatible-with', 'not a range');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('is not a semver range');
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(copy, 'utf8'));

    // The release's range guard: outside its own range, or past a higher version's range.
    const outside = await fctlKit('registry', 'add', file, 'ledger', '3.4.0', '--compatible-with', '>=3.3.0 <3.4.0');
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain('ledger 3.4.0 is outside its own compatibleWith ">=3.3.0 <3.4.0": stacks on 3.4.0 would get 3.3.0, and stacks on 3.3.x would get 3.4.0 instead of 3.3.0');
    const past = await fctlKit('registry', 'add', file, 'ledger', '3.2.5', '--compatible-with', '>=3.2.0');
    expect(past.code).toBe(1);
    expect(past.stderr).toContain('stacks on 4.0.0 and above would get 3.2.5 (no version serves them now), though 3.3.0, a higher version, stops below them');
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(copy, 'utf8'));

    const retired = await fctlKit('registry', 'retire', file, 'ledger', '--below', '3.3.0');
    expect(retired.stderr).toBe('Retired ledger 3.2.0.\n');
    expect(readFileSync(file, 'utf8')).not.toContain('3.2.0');
    expect(readFileSync(file, 'utf8')).not.toContain('first v3 release');
  });

  it('retire --version V (the documented form) retires V; the root --version still prints fctl-kit\'s version', async () => {
    const file = registryFile('retire-version.yaml', `${header()}\n      3.2.0:\n        compatibleWith: ">=3.0.0 <3.3.0"\n      3.3.0:\n        compatibleWith: ">=3.3.0 <4.0.0"\n`);
    const retired = await fctlKit('registry', 'retire', file, 'ledger', '--version', '3.2.0');
    expect(retired.stderr).toBe('Retired ledger 3.2.0.\n');
    expect(retired.stdout).toBe('');
    expect(retired.code).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toContain('3.2.0:');
    expect(readFileSync(file, 'utf8')).toContain('3.3.0:');

    const missing = await fctlKit('registry', 'retire', file, 'ledger', '--version', '9.9.9');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');

    const own = JSON.parse(readFileSync(join(repoRoot, 'packages', 'cli', 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const printed = await fctlKit(flag);
      expect(printed.stdout).toBe(`${own.version}\n`);
      expect(printed.code).toBe(0);
    }
  });

  it("commander's own errors come in the one error style", async () => {
    const missing = await fctlKit('registry', 'add', registryFile('style.yaml', 'plugins: {}\n'), 'ledger', '1.0.0');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("Error: required option '--compatible-with <range>' not specified\n");
    const unknown = await fctlKit('registry', 'validate', '--bogus');
    expect(unknown.stderr).toBe("Error: unknown option '--bogus'\n");
  });
});
