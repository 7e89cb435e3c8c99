// The plugin's gate in the library: the "supported" core selection (the latest stable patch of each
// minor among the cores the registry does not mark deprecated), a local plugin build planned as the
// one marked version (its column says "(this build)", and the mark survives matrix.json), and its
// cells installing the build's file with `--path` rather than the release from the registry.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  localCores,
  localPluginMatrix,
  makeResults,
  matrixHtml,
  matrixJson,
  matrixMarkdown,
  parseCoreSelection,
  parseResults,
  planMatrix,
  releasedCores,
  runMatrix,
  selectCores,
  sha256Hex,
  type CoreInput,
} from '../src/index.js';
import { parseRegistry } from '@fctl-kit/registry';

const work = mkdtempSync(join(tmpdir(), 'matrix-plugin-gate-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const versions = (cores: CoreInput[]) => cores.map((core) => core.version);
const core = (version: string, deprecated?: string): CoreInput => ({ version, protocolVersions: [1, 2], ...(deprecated ? { deprecated } : {}) });

describe('the "supported" core selection', () => {
  it('parses from its name', () => {
    expect(parseCoreSelection('supported')).toEqual({ kind: 'supported' });
    expect(parseCoreSelection(' supported ')).toEqual({ kind: 'supported' });
    expect(() => parseCoreSelection('supported:2')).toThrow('is not a list of core versions, a semver range, or last-minors:N or supported');
  });

  it('takes the latest stable patch of each minor, leaving out deprecated cores and prereleases', () => {
    const released = [core('0.1.0', 'fctl 0.1 is unsupported'), core('0.1.1', 'fctl 0.1 is unsupported'), core('0.2.0'), core('0.2.1'), core('0.2.2', 'broken: use 0.2.1'), core('0.3.0-beta.1'), core('1.0.0'), core('1.0.3')];
    // 0.1 is out (every patch deprecated); 0.2's latest patch is deprecated, so 0.2.1 stands for it.
    expect(versions(selectCores(released, { kind: 'supported' }))).toEqual(['0.2.1', '1.0.3']);
    // The other selections ignore the marks: "supported" is the registry's policy, --cores overrides it.
    expect(versions(selectCores(released, { kind: 'last-minors', count: 3 }))).toEqual(['0.1.1', '0.2.2', '1.0.3']);
    expect(versions(selectCores(released, { kind: 'list', versions: ['0.1.0'] }))).toEqual(['0.1.0']);
  });

  it('refuses when every core is deprecated, naming the released versions', () => {
    expect(() => selectCores([core('0.1.0', 'old')], { kind: 'supported' })).toThrow('no released core matches supported (the latest stable patch of each minor not marked deprecated) (released: 0.1.0)');
  });

  it("reads the marks from the registry's cores section", () => {
    const document = parseRegistry(
      [
        'plugins: {}',
        'cores:',
        '  sources: [{ backend: url, url: "https://dl.example.com/fctl/{version}/{file}" }]',
        '  versions:',
        `    0.1.0: { checksumsSha256: ${'a'.repeat(64)}, protocolVersions: [1], deprecated: fctl 0.1 is unsupported }`,
        `    0.2.0: { checksumsSha256: ${'b'.repeat(64)}, protocolVersions: [1, 2] }`,
        '',
      ].join('\n'),
      'registry.yaml',
    );
    const cores = releasedCores(document, { cacheDir: join(work, 'cache-marks') });
    expect(cores.cores).toEqual([{ version: '0.1.0', protocolVersions: [1], deprecated: 'fctl 0.1 is unsupported' }, { version: '0.2.0', protocolVersions: [1, 2] }]);
    expect(versions(selectCores(cores.cores, { kind: 'supported' }))).toEqual(['0.2.0']);
    // The plan does not carry the mark: a deprecated core named with --cores is planned as any other.
    expect(planMatrix({ cores: cores.cores, plugins: [] }).cores).toEqual([{ version: '0.1.0', protocolVersions: [1] }, { version: '0.2.0', protocolVersions: [1, 2] }]);
  });
});

const scenario = { name: 'shows the build', services: {}, routes: {}, command: ['show', 'it'], expect: { exitCode: 0, output: 'demo show it\n' } };
const build = (file: string) => ({
  name: 'demo',
  version: '1.3.0',
  compatibleWith: '>=3.0.0',
  protocolVersions: [2],
  file,
  checksumsSha256: sha256Hex('checksums.txt of the build'),
  scenarios: [scenario],
  scenariosSha256: sha256Hex(JSON.stringify(scenario)),
});

describe('a local plugin build as the matrix’s plugin version', () => {
  it('is planned with its protocols and marked; reports label it "(this build)"; matrix.json keeps the mark', () => {
    const local = localPluginMatrix(build('/builds/fctl-plugin-demo-linux-amd64'));
    const plan = planMatrix({ cores: [{ version: '0.1.0', protocolVersions: [1] }, { version: '0.2.0', protocolVersions: [1, 2] }], plugins: local.plugins });
    expect(plan.plugins).toEqual([{ name: 'demo', versions: [{ version: '1.3.0', compatibleWith: '>=3.0.0', protocolVersions: [2], localBuild: true }] }]);
    expect(plan.cells.map((cell) => [cell.id, cell.status])).toEqual([
      ['fctl@0.1.0 demo@1.3.0', 'unreachable'],
      ['fctl@0.2.0 demo@1.3.0', 'reachable'],
    ]);
    const results = makeResults(plan, [{ cell: 'fctl@0.2.0 demo@1.3.0', status: 'pass', key: sha256Hex('key'), scenarios: [{ name: 'shows the build', ok: true, problems: [], requests: [] }] }]);
    const markdown = matrixMarkdown(results);
    expect(markdown).toContain('| fctl | `demo@1.3.0 (this build)` |');
    expect(markdown).toContain('| `0.1.0` | — |');
    expect(markdown).toContain('| `0.2.0` | ✓ |');
    expect(matrixHtml(results)).toContain('>demo@1.3.0 (this build)</th>');
    expect(parseResults(matrixJson(results), 'matrix.json').plan.plugins[0]!.versions[0]!.localBuild).toBe(true);
  });

  it('answers for its own version only, and refuses a build without scenarios', async () => {
    const local = localPluginMatrix(build('/builds/fctl-plugin-demo-linux-amd64'));
    const signal = new AbortController().signal;
    expect((await local.scenarios('demo', '1.3.0', signal)).pluginFile).toBe('/builds/fctl-plugin-demo-linux-amd64');
    await expect(local.scenarios('demo', '1.2.0', signal)).rejects.toThrow('the matrix of the local build demo@1.3.0 has no demo@1.2.0');
    expect(() => localPluginMatrix({ ...build('/x'), scenarios: [] })).toThrow('the build of demo 1.3.0 has no scenarios');
  });

  it('installs the build from its file in each cell, never from the registry; a second run is cached', async () => {
    const log = join(work, 'core.log');
    const path = join(work, 'core.mjs');
    writeFileSync(
      path,
      [
        "import { appendFileSync } from 'node:fs';",
        'const args = process.argv.slice(2);',
        "if (args[0] === 'version') { console.log('fctl 9.9.9 (plugin protocol v1, v2)'); process.exit(0); }",
        `appendFileSync(${JSON.stringify(log)}, args.join(' ') + ' registry=' + (process.env.FCTL_REGISTRY ?? 'none') + '\\n');`,
        "if (args[0] === 'plugin' || args[0] === 'profile') process.exit(0);",
        "console.log(args.join(' '));",
        '',
      ].join('\n'),
    );
    const cores = await localCores([{ version: '0.1.0', path }, { version: '0.2.0', path }]);
    const local = localPluginMatrix({ ...build(join(work, 'fctl-plugin-demo-linux-amd64')), protocolVersions: [1, 2] });
    const plan = planMatrix({ cores: cores.cores, plugins: local.plugins });
    const options = { plan, cores, scenarios: local.scenarios, cacheDir: join(work, 'cache-run'), registry: join(work, 'registry.yaml'), jobs: 1 };
    const first = await runMatrix(options);
    expect(first.results.results.map((result) => [result.cell, result.status])).toEqual([
      ['fctl@0.1.0 demo@1.3.0', 'pass'],
      ['fctl@0.2.0 demo@1.3.0', 'pass'],
    ]);
    const installs = readFileSync(log, 'utf8').split('\n').filter((line) => line.startsWith('plugin install'));
    // One core binary under two labels: one key, one run.
    expect(installs).toEqual([`plugin install demo --path ${join(work, 'fctl-plugin-demo-linux-amd64')} registry=none`]);
    const second = await runMatrix(options);
    expect(second.cells.map((cell) => cell.how)).toEqual(['cached', 'cached']);
    expect(second.results).toEqual(first.results);
  });
});
