// Plugin releases for the compatibility matrix, as `fctl-kit build` writes them once releases carry
// their scenarios: the binary (a launcher of the example plugin, see releases.ts), scenarios.yaml,
// artifacts.json, checksums.txt listing all of them, and its signature. `scenarios: null` makes a
// release without scenarios.yaml (what releases made before looked like).
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatChecksums, loadPrivateKey, sha256File, signBlob } from '@fctl-kit/artifacts';
import { writeArtifactList } from './artifact-list.js';
import { examplePluginDir } from './paths.js';
import { makeRelease, platformBinary, type MadeRelease } from './releases.js';

export const exampleScenarios = () => readFileSync(join(examplePluginDir, 'compat', 'scenarios.yaml'), 'utf8');

export async function makeMatrixRelease(dir: string, version: string, options: { signingKey: string; scenarios: string | null }): Promise<MadeRelease> {
  const release = await makeRelease(dir, version);
  const files = [{ name: platformBinary(), sha256: await sha256File(release.binaryPath) }];
  rmSync(join(dir, 'scenarios.yaml'), { force: true });
  if (options.scenarios !== null) {
    writeFileSync(join(dir, 'scenarios.yaml'), options.scenarios);
    files.push({ name: 'scenarios.yaml', sha256: await sha256File(join(dir, 'scenarios.yaml')) });
  }
  writeFileSync(join(dir, 'checksums.txt'), formatChecksums(files));
  const checksums = writeArtifactList(dir, { identity: { name: 'ledger', version } });
  writeFileSync(join(dir, 'checksums.txt.sig'), `${signBlob(Buffer.from(checksums), loadPrivateKey(options.signingKey, 'test key'))}\n`);
  return { ...release, checksumsSha256: await sha256File(join(dir, 'checksums.txt')) };
}

/** A ledger 3.3.0 whose published scenarios no longer match what the plugin prints (a row's reference). */
export const brokenScenarios = () =>
  exampleScenarios().replace('         1   2026-05-14T09:00:00Z   init               1\n', '         1   2026-05-14T09:00:00Z   genesis            1\n');

/**
 * The matrix's usual three ledger releases, served by `server` at /ledger/<version>/<file>: 3.1.0
 * without scenarios (a release from before they were published), 3.2.0 with the example's, 3.3.0
 * with broken ones; and the registry document listing them, pinned and signed by `publicKey`.
 */
export async function ledgerMatrixReleases(
  work: string,
  server: { url: string; files: Map<string, Buffer> },
  keys: { privateKey: string; publicKey: string },
): Promise<{ versions: string[]; registry: string }> {
  const scenarios: Record<string, string | null> = { '3.1.0': null, '3.2.0': exampleScenarios(), '3.3.0': brokenScenarios() };
  const pins: Record<string, string> = {};
  for (const [version, text] of Object.entries(scenarios)) {
    const release = await makeMatrixRelease(join(work, 'releases', version), version, { signingKey: keys.privateKey, scenarios: text });
    pins[version] = release.checksumsSha256;
    for (const name of readdirSync(release.dir)) server.files.set(`/ledger/${version}/${name}`, readFileSync(join(release.dir, name)));
  }
  const registry = ledgerRegistryYaml({ repo: 'formancehq/ledger', url: server.url, publicKey: keys.publicKey, versions: Object.fromEntries(Object.entries(pins).map(([version, pin]) => [version, { checksumsSha256: pin }])) });
  return { versions: Object.keys(pins), registry };
}

/**
 * A registry document with the ledger plugin served by the url backend at `<url>/{name}/{version}/{file}`,
 * signed by `publicKey`, each version serving Ledger 3.x, pinned, and with its protocols when given.
 */
export function ledgerRegistryYaml(options: { url: string; publicKey: string; repo?: string; versions: Record<string, { checksumsSha256: string; protocolVersions?: number[] }> }): string {
  return [
    'plugins:',
    '  ledger:',
    ...(options.repo ? [`    repo: ${options.repo}`] : []),
    '    distribution: url',
    `    url: ${options.url}/{name}/{version}/{file}`,
    '    publicKey: |',
    ...options.publicKey.trim().split('\n').map((line) => `      ${line}`),
    '    versions:',
    ...Object.entries(options.versions).flatMap(([version, entry]) => [
      `      ${version}:`,
      '        compatibleWith: ">=3.0.0 <4.0.0"',
      `        checksumsSha256: ${entry.checksumsSha256}`,
      ...(entry.protocolVersions ? [`        protocolVersions: [${entry.protocolVersions.join(', ')}]`] : []),
    ]),
    '',
  ].join('\n');
}
