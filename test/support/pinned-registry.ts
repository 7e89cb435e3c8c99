// A registry file whose ledger 3.2.0 is pinned (checksumsSha256), keyed (publicKey) and lists its
// sources in order: what end-to-end tests of installing from a backend write.
import { writeFileSync } from 'node:fs';

export function writePinnedRegistry(path: string, release: { publicKey: string; pin: string; sources: Array<Record<string, string>> }): string {
  const flow = (source: Record<string, string>) => `{ ${Object.entries(source).map(([key, value]) => `${key}: "${value}"`).join(', ')} }`;
  writeFileSync(
    path,
    [
      'plugins:',
      '  ledger:',
      '    publicKey: |',
      ...release.publicKey.trim().split('\n').map((line) => `      ${line}`),
      '    versions:',
      '      3.2.0:',
      '        compatibleWith: ">=3.0.0 <4.0.0"',
      `        checksumsSha256: ${release.pin}`,
      '        sources:',
      ...release.sources.map((source) => `          - ${flow(source)}`),
      '',
    ].join('\n'),
  );
  return path;
}
