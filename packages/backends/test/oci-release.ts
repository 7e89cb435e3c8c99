// A release built by hand for the oci tests: real files in a temporary directory, typed as the
// build's artifacts.json types them (ReleaseArtifacts), without running a build.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArtifactEntry, ArtifactKind } from '@fctl-kit/artifacts';
import type { ReleaseArtifacts } from '../src/distribution-backend.js';

export type FileSpec = Omit<ArtifactEntry, 'size' | 'sha256'> & { content: string | Buffer };

export function releaseIn(dir: string, name: string, version: string, specs: FileSpec[], extra: Partial<Pick<ReleaseArtifacts, 'service' | 'compatibleWith'>> = {}): ReleaseArtifacts {
  const files = specs.map(({ content, ...entry }) => {
    const bytes = Buffer.from(content);
    writeFileSync(join(dir, entry.name), bytes);
    return { ...entry, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
  return { dir, name, version, ...extra, files };
}

/** Every kind of file a release holds, in publication order. */
export function fullRelease(dir: string, version: string, binary = `binary ${version}`, bundle = 'the bundle'): ReleaseArtifacts {
  return releaseIn(
    dir,
    'ledger',
    version,
    [
      { name: 'fctl-plugin-ledger-linux-amd64', kind: 'binary', os: 'linux', arch: 'amd64', content: `#!/bin/sh\necho ${binary}\n` },
      { name: 'fctl-plugin-ledger-linux-amd64.xz', kind: 'compressed-binary', os: 'linux', arch: 'amd64', compression: 'xz', contains: 'fctl-plugin-ledger-linux-amd64', content: `xz of ${binary}` },
      { name: 'fctl-plugin-ledger-windows-arm64.exe', kind: 'binary', os: 'windows', arch: 'arm64', content: `MZ ${binary}` },
      { name: 'fctl-plugin-ledger.cjs', kind: 'bundle', content: bundle },
      { name: 'fctl-plugin-ledger.cjs.map', kind: 'source-map', content: '{"version":3}' },
      { name: 'manifest.json', kind: 'manifest', content: `{"name":"ledger","version":"${version}"}` },
      { name: 'scenarios.yaml', kind: 'scenarios', content: 'scenarios: []\n' },
      { name: 'artifacts.json', kind: 'artifact-list' as ArtifactKind, content: `{"format":"fctl-plugin-artifacts/v1","version":"${version}"}` },
      { name: 'checksums.txt', kind: 'checksums', content: `checksums of ${version}\n` },
      { name: 'checksums.txt.sig', kind: 'signature', content: `signature of ${version}` },
      { name: 'checksums.txt.sigstore.json', kind: 'sigstore-bundle', content: `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","v":"${version}"}` },
    ],
    { service: 'ledger', compatibleWith: '>=3.0.0 <4.0.0' },
  );
}
