// Plugin releases for the compatibility matrix, as `fctl-kit build` writes them once releases carry
// their scenarios: the binary (a launcher of the example plugin, see releases.ts), scenarios.yaml,
// artifacts.json, checksums.txt listing all of them, and its signature. `scenarios: null` makes a
// release without scenarios.yaml (what releases made before looked like).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
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
