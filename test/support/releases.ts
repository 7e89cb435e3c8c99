// Plugin releases for installation tests, laid out as `fctl-kit build` writes them: a binary for
// this machine named fctl-plugin-{name}-{os}-{arch}, checksums.txt and, with a key, its signature.
// The "binary" is a small launcher that runs the example plugin bundled at the given version with
// this Node, so that each release is a real plugin process yet cheap to make; one journey also
// installs a real self-contained binary.
import { chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binaryFileName, currentPlatform, formatChecksums, loadPrivateKey, sha256File, signBlob } from '@fctl-kit/artifacts';
import { bundlePlugin } from '@fctl-kit/bundler';
import { examplePluginDir } from './paths.js';
import { writeArtifactList } from './artifact-list.js';

export const platformBinary = (name = 'ledger') => binaryFileName(name, currentPlatform());

const bundles = new Map<string, string>();

/** The example plugin bundled with `version` injected (cached per version within `cacheDir`). */
export async function exampleBundle(cacheDir: string, version: string): Promise<string> {
  const cached = bundles.get(`${cacheDir}:${version}`);
  if (cached) return cached;
  const outFile = join(cacheDir, `bundle-${version}.cjs`);
  if (!existsSync(outFile)) await bundlePlugin({ sourceDir: examplePluginDir, outFile, version });
  bundles.set(`${cacheDir}:${version}`, outFile);
  return outFile;
}

export interface ReleaseOptions {
  /** The version the plugin reports (default: the release version). */
  reportsVersion?: string;
  signingKey?: string;
  /** Use this file as the binary instead of a launcher. */
  binary?: string;
  /** Pad the launcher to this many bytes (after its exec line, never read), to make downloads take time. */
  padTo?: number;
}

export interface MadeRelease {
  dir: string;
  checksumsSha256: string;
  binaryPath: string;
}

export async function makeRelease(dir: string, version: string, options: ReleaseOptions = {}): Promise<MadeRelease> {
  mkdirSync(dir, { recursive: true });
  const binaryPath = join(dir, platformBinary());
  if (options.binary) copyFileSync(options.binary, binaryPath);
  else {
    const bundle = await exampleBundle(join(dir, '..'), options.reportsVersion ?? version);
    const launcher = `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(bundle)} "$@"\n`;
    writeFileSync(binaryPath, options.padTo ? `${launcher}# ${'x'.repeat(Math.max(0, options.padTo - launcher.length - 3))}\n` : launcher);
  }
  chmodSync(binaryPath, 0o755);
  const checksums = formatChecksums([{ name: platformBinary(), sha256: await sha256File(binaryPath) }]);
  writeFileSync(join(dir, 'checksums.txt'), checksums);
  const listed = writeArtifactList(dir, { identity: { name: 'ledger', version } });
  if (options.signingKey) writeFileSync(join(dir, 'checksums.txt.sig'), `${signBlob(Buffer.from(listed), loadPrivateKey(options.signingKey, 'test key'))}\n`);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ name: 'ledger', version, compatibleWith: '>=3.0.0 <4.0.0' }));
  return { dir, checksumsSha256: await sha256File(join(dir, 'checksums.txt')), binaryPath };
}

