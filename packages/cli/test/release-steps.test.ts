// The release step runner (order, dry run = plans only, every error named by its step, durations),
// the release's list of steps, and the registry check before anything is built.
import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '@fctl-kit/artifacts';
import { runSteps, StepError, type Step } from '../src/release/steps.js';
import { checkRegistryAccepts, describeSource, registeredSources } from '../src/release/registry-check.js';
import { RELEASE_STEPS } from '../src/release.js';
import { parseRegistry } from '@fctl-kit/registry';

type Trace = string[];

function step(name: string, behaviour: { plan?: () => unknown; run?: () => unknown } = {}): Step<Trace> {
  return {
    name,
    async plan(trace) {
      trace.push(`plan ${name}`);
      return (behaviour.plan?.() as never) ?? { action: 'run', summary: `would ${name}` };
    },
    async run(trace) {
      trace.push(`run ${name}`);
      return (behaviour.run?.() as never) ?? { status: 'done', summary: `did ${name}` };
    },
  };
}

/** A clock that advances 250 ms per reading: durations are known exactly. */
function clock() {
  let t = 0;
  return () => (t += 250);
}

describe('runSteps', () => {
  it('runs every step in order, reports each with its outcome and duration, and logs one line per step', async () => {
    const trace: Trace = [];
    const log: string[] = [];
    const reports = await runSteps([step('a'), step('b', { run: () => ({ status: 'skipped', reason: 'nothing to do' }) }), step('c')], trace, { dryRun: false, log: (l) => log.push(l), now: clock() });
    expect(trace).toEqual(['run a', 'run b', 'run c']);
    expect(reports).toEqual([
      { name: 'a', status: 'done', summary: 'did a', durationMs: 250 },
      { name: 'b', status: 'skipped', summary: 'nothing to do', durationMs: 250 },
      { name: 'c', status: 'done', summary: 'did c', durationMs: 250 },
    ]);
    expect(log).toEqual(['release step a: done (0.3 s): did a', 'release step b: skipped (0.3 s): nothing to do', 'release step c: done (0.3 s): did c']);
  });

  it('a dry run calls only plan, never run, and prints each plan with its details', async () => {
    const trace: Trace = [];
    const log: string[] = [];
    const reports = await runSteps(
      [step('a', { plan: () => ({ action: 'run', summary: 'upload 2 files', details: ['x', 'y'] }) }), step('b', { plan: () => ({ action: 'skip', reason: 'no registry' }) })],
      trace,
      { dryRun: true, log: (l) => log.push(l), now: clock() },
    );
    expect(trace).toEqual(['plan a', 'plan b']);
    expect(reports.map((r) => [r.name, r.status, r.summary, r.details])).toEqual([
      ['a', 'planned', 'upload 2 files', ['x', 'y']],
      ['b', 'skipped', 'no registry', undefined],
    ]);
    expect(log).toEqual(['release step a: would run (0.3 s): upload 2 files', '  x', '  y', 'release step b: skipped (0.3 s): no registry']);
  });

  it('stops at the first failing step and names it in the error; later steps never start', async () => {
    for (const dryRun of [false, true]) {
      const trace: Trace = [];
      const fail = () => {
        throw new Error('the registry answered 500');
      };
      const failing = runSteps([step('a'), step('b', { plan: fail, run: fail }), step('c')], trace, { dryRun, log: () => {} });
      await expect(failing).rejects.toThrow(new StepError('b', new Error('the registry answered 500')));
      await expect(failing).rejects.toThrow(/^release step b: the registry answered 500$/);
      expect(trace).toEqual(dryRun ? ['plan a', 'plan b'] : ['run a', 'run b']);
    }
  });

  it('names the step for anything thrown, not only Errors, and keeps the cause', async () => {
    const error = await runSteps([step('publish', { run: () => Promise.reject('a string') })], [], { dryRun: false, log: () => {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).message).toBe('release step publish: a string');
    expect((error as StepError).step).toBe('publish');
    expect((error as StepError).reason).toBe('a string');
  });
});

describe('the release steps', () => {
  it('are the six, in the order that keeps the version rule and registers last', () => {
    expect(RELEASE_STEPS.map((s) => s.name)).toEqual(['verify-version', 'check-registry', 'build', 'verify-build', 'publish', 'register']);
  });
});

describe('checkRegistryAccepts', () => {
  const key = generateSigningKey();
  const url = { backend: 'url', to: '/srv/site' };
  const siteTemplate = 'file:///srv/site/{name}/{version}/{file}';
  const github = { backend: 'github-releases', repo: 'acme/ledger' };
  const doc = (plugin: string) => `plugins:\n  ledger:\n${plugin}`;
  const versionWith = (sources: string) => `    versions:\n      3.1.0:\n        compatibleWith: ">=3.0.0 <4.0.0"\n        sources:\n${sources}`;

  it('a registry that does not list the plugin accepts it', () => {
    expect(checkRegistryAccepts('plugins: {}\n', 'r.yaml', 'ledger', [url], undefined)).toEqual({ listed: false, sources: [] });
  });

  it('per-version sources: accepted when one of them is published to (a mirror may be added or dropped)', () => {
    const text = doc(versionWith(`          - { backend: url, url: "${siteTemplate}" }\n          - { backend: oci, repository: registry.example.com/fctl/ledger }\n`));
    expect(checkRegistryAccepts(text, 'r.yaml', 'ledger', [url], undefined).listed).toBe(true);
    expect(checkRegistryAccepts(text, 'r.yaml', 'ledger', [github, { backend: 'oci', to: 'registry.example.com/fctl/ledger' }], undefined).listed).toBe(true);
  });

  it('refused when no source is published to: same kind at another place, another repository, an unknown kind', () => {
    const elsewhere = doc(versionWith(`          - { backend: url, url: "file:///srv/other/{name}/{version}/{file}" }\n          - { backend: github-releases, repo: evil/ledger }\n          - { backend: ipfs, cid: bafy }\n`));
    expect(() => checkRegistryAccepts(elsewhere, 'r.yaml', 'ledger', [url, github], undefined)).toThrow(
      'r.yaml fetches ledger from url (file:///srv/other/{name}/{version}/{file}), github-releases (evil/ledger), ipfs (bafy), but release.backends does not publish there',
    );
  });

  it('legacy plugin-level fields still count, for versions without sources and for a plugin with no version', () => {
    const legacy = doc(`    distribution: oci\n    oci: registry.example.com/fctl/ledger\n    versions: {}\n`);
    expect(() => checkRegistryAccepts(legacy, 'r.yaml', 'ledger', [url], undefined)).toThrow('r.yaml fetches ledger from oci (registry.example.com/fctl/ledger), but release.backends does not publish there');
    expect(checkRegistryAccepts(legacy, 'r.yaml', 'ledger', [{ backend: 'oci', to: 'registry.example.com/fctl/ledger' }], undefined).listed).toBe(true);
    // GitHub repositories compare case-insensitively, as GitHub does.
    const github31 = doc(`    repo: Acme/Ledger\n    versions:\n      3.1.0:\n        compatibleWith: ">=3.0.0 <4.0.0"\n`);
    expect(checkRegistryAccepts(github31, 'r.yaml', 'ledger', [github], undefined).listed).toBe(true);
  });

  it('a version with its own sources overrides the legacy fields for that version only', () => {
    const mixed = `plugins:\n  ledger:\n    distribution: oci\n    oci: registry.example.com/fctl/ledger\n    versions:\n      3.0.0:\n        compatibleWith: ">=3.0.0 <4.0.0"\n      3.1.0:\n        compatibleWith: ">=3.0.0 <4.0.0"\n        sources:\n          - { backend: url, url: "${siteTemplate}" }\n`;
    expect(registeredSources(parseRegistry(mixed, 'r.yaml').plugins.ledger!)).toEqual([
      { backend: 'oci', repository: 'registry.example.com/fctl/ledger' },
      { backend: 'url', url: siteTemplate },
    ]);
    expect(checkRegistryAccepts(mixed, 'r.yaml', 'ledger', [url], undefined).listed).toBe(true);
  });

  it('a publicKey means the release must be signed by that key', () => {
    const keyed = doc(`    publicKey: |\n${key.publicKey.trim().split('\n').map((l) => `      ${l}`).join('\n')}\n${versionWith(`          - { backend: url, url: "${siteTemplate}" }\n`)}`);
    expect(() => checkRegistryAccepts(keyed, 'r.yaml', 'ledger', [url], undefined)).toThrow('r.yaml has a publicKey for ledger: its releases must be signed');
    expect(() => checkRegistryAccepts(keyed, 'r.yaml', 'ledger', [url], generateSigningKey().publicKey)).toThrow('the signing key is not the one r.yaml expects for ledger');
    expect(checkRegistryAccepts(keyed, 'r.yaml', 'ledger', [url], key.publicKey).listed).toBe(true);
  });

  it('describes a source by its kind and its own fields', () => {
    expect(describeSource({ backend: 'github-releases', repo: 'acme/ledger', githubUrl: 'https://ghe.example.com' })).toBe('github-releases (acme/ledger, https://ghe.example.com)');
    expect(describeSource({ backend: 'x' })).toBe('x');
  });
});
