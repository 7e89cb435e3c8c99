// A release whose checksums.txt nothing authenticates is refused unless the user says
// --insecure-skip-signature: a consistently forged directory (binary and checksums.txt changed,
// the publisher's checksums.txt.sig left as it was) no longer installs silently, and `fctl-kit
// verify` no longer exits 0 on it. What was and was not verified is said on the "Verifying
// checksum" line.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatChecksums, generateSigningKey, sha256File } from '@fctl-kit/artifacts';
import { fctlKit } from '../support/exec.js';
import { newFctl, type Fctl } from '../support/fctl.js';
import { makeRelease, platformBinary, type MadeRelease } from '../support/releases.js';

const keys = generateSigningKey();
let work: string;
let publicKey: string;
let genuine: MadeRelease;
let forged: string;
let unsigned: MadeRelease;

const installed = async (fctl: Fctl) => JSON.parse((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout) as Array<{ version: string }>;

async function expectNothingInstalled(fctl: Fctl): Promise<void> {
  expect(await installed(fctl)).toEqual([]);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'unsigned-release-'));
  publicKey = join(work, 'publisher.pub');
  writeFileSync(publicKey, keys.publicKey);
  genuine = await makeRelease(join(work, 'releases', 'genuine'), '3.2.0', { signingKey: keys.privateKey });
  unsigned = await makeRelease(join(work, 'releases', 'unsigned'), '3.2.0');
  // The forgery: another binary (it still starts as the ledger plugin 3.2.0, so only the checks
  // stand between it and the user), a checksums.txt that matches it, the genuine signature kept.
  forged = join(work, 'releases', 'forged');
  cpSync(genuine.dir, forged, { recursive: true });
  writeFileSync(join(forged, platformBinary()), `${readFileSync(join(forged, platformBinary()), 'utf8')}# forged\n`);
  writeFileSync(join(forged, 'checksums.txt'), formatChecksums([{ name: platformBinary(), sha256: await sha256File(join(forged, platformBinary())) }]));
}, 120_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('fctl plugin install --from a directory', () => {
  it('refuses a forged signed directory without --public-key, naming the flags', async () => {
    const fctl = newFctl();
    const result = await fctl.run(['plugin', 'install', 'ledger', '--from', forged]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "Error: refusing to install ledger 3.2.0: the release is signed (checksums.txt.sig), but no public key was given to check the signature: pass the publisher's key with --public-key <file>, or pass --insecure-skip-signature to install it without checking the signature. Nothing was installed.\n",
    );
    expect(result.stderr).not.toContain('Verifying checksum... ok');
    await expectNothingInstalled(fctl);
  });

  it('with --public-key refuses the forgery and installs the genuine release, saying the signature was checked', async () => {
    const fctl = newFctl();
    const refused = await fctl.run(['plugin', 'install', 'ledger', '--from', forged, '--public-key', publicKey]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe("Error: refusing to install ledger 3.2.0: the signature of checksums.txt does not verify with the publisher's public key. Nothing was installed.\n");
    await expectNothingInstalled(fctl);
    const ok = await fctl.run(['plugin', 'install', 'ledger', '--from', genuine.dir, '--public-key', publicKey]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain("Verifying checksum... ok (checksums.txt signed by the publisher's key)\n");
    expect(ok.stderr).not.toContain('Warning');
  });

  it('with --insecure-skip-signature installs the forgery, with a warning and a plain statement of what was not verified', async () => {
    const fctl = newFctl();
    const result = await fctl.run(['plugin', 'install', 'ledger', '--from', forged, '--insecure-skip-signature']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'Warning: --insecure-skip-signature: the checksums.txt of ledger 3.2.0 is not authenticated; the binary is checked only against the checksums.txt beside it\n',
    );
    expect(result.stderr).toContain('Verifying checksum... ok (checksums.txt NOT authenticated: --insecure-skip-signature)\n');
    expect((await installed(fctl)).map((p) => p.version)).toEqual(['3.2.0']);
  });

  it('with both a key and --insecure-skip-signature, the key is checked', async () => {
    const result = await newFctl().run(['plugin', 'install', 'ledger', '--from', forged, '--public-key', publicKey, '--insecure-skip-signature']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the signature of checksums.txt does not verify');
  });

  it('refuses a directory with no signature at all unless --insecure-skip-signature', async () => {
    const fctl = newFctl();
    const refused = await fctl.run(['plugin', 'install', 'ledger', '--from', unsigned.dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "Error: refusing to install ledger 3.2.0: nothing authenticates its checksums.txt (no signature checked, no registry pin), so a forged release would pass the checksum check: pass the publisher's key with --public-key <file>, or pass --insecure-skip-signature to install it checked only against its own checksums.txt. Nothing was installed.\n",
    );
    await expectNothingInstalled(fctl);
    const allowed = await fctl.run(['plugin', 'install', 'ledger', '--from', unsigned.dir, '--insecure-skip-signature']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toContain('Warning: --insecure-skip-signature');
    expect(allowed.stderr).toContain('Verifying checksum... ok (checksums.txt NOT authenticated: --insecure-skip-signature)\n');
  });
});

describe("the directory's manifest.json is untrusted too", () => {
  for (const [field, value, message] of [
    ['version', '../../x', 'names version "../../x", which is not a released version like 3.2.0: pass --version'],
    ['version', 'dev', 'names version "dev", which is not a released version like 3.2.0: pass --version'],
    ['compatibleWith', 'not a range \u001b[2J', 'has compatibleWith "not a range \\u001b[2J", which is not a semver range'],
  ] as const) {
    it(`refuses ${field} ${JSON.stringify(value)}`, async () => {
      const dir = join(work, 'releases', `manifest-${field}-${value.length}`);
      cpSync(genuine.dir, dir, { recursive: true });
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, [field]: value }));
      const fctl = newFctl();
      const result = await fctl.run(['plugin', 'install', 'ledger', '--from', dir, '--public-key', publicKey]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`Error: ${join(dir, 'manifest.json')} ${message}\n`);
      await expectNothingInstalled(fctl);
    });
  }
});

describe('fctl plugin install from a registry', () => {
  const registryFile = (name: string, dir: string, lines: string[]) => {
    const path = join(work, name);
    writeFileSync(path, ['plugins:', '  ledger:', '    distribution: url', `    url: ${dir}/{file}`, ...lines, ''].join('\n'));
    return path;
  };

  it('refuses a release the registry neither pins nor gives a key for', async () => {
    const registry = registryFile('forged.yaml', forged, ['    versions:', '      3.2.0:', '        compatibleWith: "*"']);
    const fctl = newFctl({ FCTL_REGISTRY: registry });
    const result = await fctl.run(['plugin', 'install', 'ledger', '--version', '3.2.0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'Error: refusing to install ledger 3.2.0: the release is signed (checksums.txt.sig), but no public key was given to check the signature: the registry gives neither a publisher key nor a checksums pin for ledger 3.2.0, or pass --insecure-skip-signature',
    );
    await expectNothingInstalled(fctl);
    const allowed = await fctl.run(['plugin', 'install', 'ledger', '--version', '3.2.0', '--insecure-skip-signature']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toContain('Verifying checksum... ok (checksums.txt NOT authenticated: --insecure-skip-signature)\n');
  });

  it('accepts a release the registry pins, saying that the signature was not checked', async () => {
    const registry = registryFile('unsigned.yaml', unsigned.dir, ['    versions:', '      3.2.0:', '        compatibleWith: "*"', `        checksumsSha256: ${unsigned.checksumsSha256}`]);
    const result = await newFctl({ FCTL_REGISTRY: registry }).run(['plugin', 'install', 'ledger', '--version', '3.2.0']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Verifying checksum... ok (checksums.txt pinned by the registry; no publisher key, so its signature was not checked)\n');
  });
});

describe('fctl-kit verify', () => {
  it('exits non-zero on a signed directory without a key, naming the flags', async () => {
    const result = await fctlKit(['verify', forged]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `Error: ${join(forged, 'checksums.txt.sig')} is there, but no --public-key was given to check it: pass the publisher's key with --public-key <file>, or --insecure-skip-signature to check the files against checksums.txt only\n`,
    );
  });

  it('with the key: the forgery fails, the genuine release passes and says what was verified', async () => {
    const refused = await fctlKit(['verify', forged, '--public-key', publicKey]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the signature of checksums.txt does not verify');
    const ok = await fctlKit(['verify', genuine.dir, '--public-key', publicKey]);
    expect(ok.code, ok.stderr).toBe(0);
    // A release lists its artifacts.json in checksums.txt (the signature covers it), so it is verified too.
    expect(JSON.parse(ok.stdout)).toEqual({ verified: [platformBinary(), 'artifacts.json'], signature: true });
    expect(ok.stderr).toBe("Verified: checksums.txt is signed by the publisher's key, and the 2 files it lists match it.\n");
  });

  it('with --insecure-skip-signature checks consistency only, and says so', async () => {
    const result = await fctlKit(['verify', forged, '--insecure-skip-signature']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ verified: [platformBinary()], signature: false });
    expect(result.stderr).toContain('checksums.txt itself was NOT signature-checked (--insecure-skip-signature)');
  });

  it('exits non-zero on a directory with no signature and no key, unless --insecure-skip-signature', async () => {
    const refused = await fctlKit(['verify', unsigned.dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('has no checksums.txt.sig and no --public-key was given: nothing authenticates its checksums.txt, so an installer refuses it. Pass --insecure-skip-signature');
    const allowed = await fctlKit(['verify', unsigned.dir, '--insecure-skip-signature']);
    expect(allowed.code, allowed.stderr).toBe(0);
    const damaged = join(work, 'damaged');
    cpSync(unsigned.dir, damaged, { recursive: true });
    writeFileSync(join(damaged, platformBinary()), 'changed');
    const inconsistent = await fctlKit(['verify', damaged, '--insecure-skip-signature']);
    expect(inconsistent.code).toBe(1);
    expect(inconsistent.stderr).toContain(`${platformBinary()} has sha256`);
  });
});
