// A build directory and its typed file list for the s3 tests, as readBuildRelease gives it (checksums and signature last).
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReleaseArtifacts } from '../../src/index.js';

export const BINARY = 'fctl-plugin-ledger-linux-amd64';
export const FILES = [BINARY, 'manifest.json', 'checksums.txt', 'checksums.txt.sig'];
export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export function makeRelease(dir: string, version = '3.2.0'): ReleaseArtifacts {
  mkdirSync(dir, { recursive: true });
  const binary = randomBytes(200 * 1024);
  const manifest = Buffer.from(JSON.stringify({ name: 'ledger', version }));
  const contents: Record<string, Buffer> = { [BINARY]: binary, 'manifest.json': manifest };
  contents['checksums.txt'] = Buffer.from(`${sha256(binary)}  ${BINARY}\n${sha256(manifest)}  manifest.json\n`);
  contents['checksums.txt.sig'] = Buffer.from('c2lnbmF0dXJl\n');
  for (const [name, bytes] of Object.entries(contents)) writeFileSync(join(dir, name), bytes);
  const kinds = { [BINARY]: 'binary', 'manifest.json': 'manifest', 'checksums.txt': 'checksums', 'checksums.txt.sig': 'signature' } as const;
  return {
    dir,
    name: 'ledger',
    version,
    files: FILES.map((name) => ({
      name,
      kind: kinds[name as keyof typeof kinds],
      size: contents[name]!.length,
      sha256: sha256(contents[name]!),
      ...(name === BINARY ? { os: 'linux' as const, arch: 'amd64' as const } : {}),
    })),
  };
}

export const fileOf = (release: ReleaseArtifacts, name: string) => readFileSync(join(release.dir, name));

/** Reads a download to its end. */
export async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
