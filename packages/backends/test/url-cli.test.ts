// `fctl-kit publish` (the built CLI) and the one list of backends: --dry-run prints the plan the
// real run executes (a directory and a loopback PUT server: fresh, partly published, fully
// published, other bytes refused by both), --help lists every backend of the list, and flags are
// checked against the chosen backend.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '@fctl-kit/artifacts';
import { BACKEND_KINDS, BACKENDS, type PublishAction } from '../src/index.js';
import { fctlKit as runFctlKit } from '../../../test/support/exec.js';
import { makeRelease, platformBinary } from '../../../test/support/releases.js';
import { startReleaseServer, type ReleaseServer } from '../../../test/support/release-server.js';

const keys = generateSigningKey();
let work: string;

const fctlKit = (args: string[], env: NodeJS.ProcessEnv = {}) => runFctlKit(args, { cwd: work, env });

/** What `fctl-kit publish` prints on stdout. */
type Report = { backend: string; location: string; source: { backend: string; url: string }; dryRun: boolean; actions: PublishAction[]; refusals: string[]; bytesUploaded: number };

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'url-cli-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});
describe('--dry-run prints the plan the real run executes', { timeout: 120_000 }, () => {
  let small: string;
  let put: ReleaseServer;
  beforeAll(async () => {
    small = (await makeRelease(join(work, 'small', '3.2.0'), '3.2.0', { signingKey: keys.privateKey })).dir;
    put = await startReleaseServer();
  }, 120_000);
  afterAll(() => put?.stop());

  /** A dry run, then the real run: the real run's actions are the dry run's, and the dry run printed each with its reason. */
  async function dryThenReal(to: string): Promise<Report> {
    const dry = await fctlKit(['publish', small, '--to', to, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout) as Report;
    for (const action of plan.actions) expect(dry.stderr).toContain(`  ${action.action.padEnd(7)} ${action.subject}`);
    expect(plan.actions.every((action) => action.reason)).toBe(true);
    const real = await fctlKit(['publish', small, '--to', to]);
    expect(real.code, real.stderr).toBe(0);
    const done = JSON.parse(real.stdout) as Report;
    expect(done.actions).toEqual(plan.actions);
    expect(done.source).toEqual(plan.source);
    return done;
  }

  /** A dry run and a real run that are both refused with the same error; the dry run printed the refusals. */
  async function refusedByBoth(to: string): Promise<string> {
    const dry = await fctlKit(['publish', small, '--to', to, '--dry-run']);
    expect(dry.code).toBe(1);
    const plan = JSON.parse(dry.stdout) as Report;
    expect(plan.refusals.length).toBeGreaterThan(0);
    for (const refusal of plan.refusals) expect(dry.stderr).toContain(`  refused ${refusal}\n`);
    const real = await fctlKit(['publish', small, '--to', to]);
    expect(real.code).toBe(1);
    expect(real.stdout).toBe('');
    const error = real.stderr;
    expect(dry.stderr.endsWith(error), `${dry.stderr} ends with ${error}`).toBe(true);
    return error;
  }

  for (const target of ['directory', 'HTTP PUT'] as const) {
    const to = (name: string) => (target === 'directory' ? join(work, `plan-${name}`) : `${put.url}/plan-${name}`);
    const release = (name: string) => (target === 'directory' ? join(work, `plan-${name}`, 'ledger', '3.2.0') : `/plan-${name}/ledger/3.2.0`);

    it(`${target}: fresh, then fully published (all skipped), then with other bytes (refused by both)`, async () => {
      const first = await dryThenReal(to('a'));
      expect(first.actions.filter((a) => a.action === 'upload').map((a) => a.subject)).toEqual(expect.arrayContaining([platformBinary(), 'checksums.txt', 'checksums.txt.sig']));
      const again = await dryThenReal(to('a'));
      expect(again.actions.every((a) => a.action === 'skip')).toBe(true);
      expect(again.bytesUploaded).toBe(0);
      if (target === 'directory') writeFileSync(join(release('a'), 'checksums.txt'), 'other');
      else put.files.set(`${release('a')}/checksums.txt`, Buffer.from('other'));
      const where = target === 'directory' ? join(release('a'), 'checksums.txt') : `${put.url}${release('a')}/checksums.txt`;
      expect(await refusedByBoth(to('a'))).toBe(`Error: ${where} already exists with other bytes: a published release is never overwritten (publish a new version)\n`);
    }, 120_000);

    it(`${target}: partly published`, async () => {
      await dryThenReal(to('b'));
      if (target === 'directory') {
        rmSync(join(release('b'), 'checksums.txt.sig'));
        expect(await refusedByBoth(to('b'))).toBe(`Error: ${release('b')} is published without checksums.txt.sig: a published release is never changed (publish a new version)\n`);
      } else {
        put.files.delete(`${release('b')}/${platformBinary()}`);
        const done = await dryThenReal(to('b'));
        expect(done.actions.filter((a) => a.action === 'upload').map((a) => a.subject)).toEqual([platformBinary()]);
        expect(put.files.get(`${release('b')}/${platformBinary()}`)?.equals(readFileSync(join(small, platformBinary())))).toBe(true);
      }
    }, 120_000);
  }
});

describe('the backends of fctl-kit publish come from the one list', { timeout: 60_000 }, () => {
  it('--help lists every backend of the list, with its summary and its flags', async () => {
    const help = await fctlKit(['publish', '--help']);
    expect(help.code).toBe(0);
    for (const backend of BACKENDS) {
      expect(help.stdout).toMatch(new RegExp(`^  ${backend.kind} +${backend.summary.slice(0, 30).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
      for (const flag of backend.flags) expect(help.stdout).toContain(`--${flag.field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} <`);
    }
  });

  it('an unknown --backend fails naming the backends there are, before reading the build', async () => {
    const result = await fctlKit(['publish', join(work, 'no-such-build'), '--backend', 'ftp', '--to', join(work, 'x')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`Error: unknown backend "ftp": the backends are ${BACKEND_KINDS.join(', ')}\n`);
  });

  it.each([
    [['--backend', 'url', '--to', 'site', '--repo', 'acme/ledger'], 'Error: --repo does not apply to --backend url (it takes --to, --public-base)\n'],
    [['--backend', 'url'], 'Error: --backend url needs --to <location>\n'],
    // Held to the schema a release section is held to: an empty --to would publish into the working directory.
    [['--backend', 'url', '--to', ''], 'Error: --to: must be a non-empty string; got ""\n'],
    [['--backend', 'url', '--to', 'site', '--public-base', ' '], 'Error: --public-base: must be a non-empty string; got " "\n'],
  ])('flags are checked against the chosen backend: %j', async (args, message) => {
    const result = await fctlKit(['publish', join(work, 'no-such-build'), ...args]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(message);
  });
});
