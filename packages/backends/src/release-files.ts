// The files of a plugin release and their names (RFC 0002): fctl-plugin-{name}-{os}-{arch}[.exe],
// checksums.txt, and its detached signature checksums.txt.sig.
export const CHECKSUMS_FILE = 'checksums.txt';
export const SIGNATURE_FILE = 'checksums.txt.sig';

export type PlatformOs = 'linux' | 'darwin' | 'windows';
export type PlatformArch = 'amd64' | 'arm64';
export interface Platform {
  os: PlatformOs;
  arch: PlatformArch;
}

export function currentPlatform(platform: NodeJS.Platform = process.platform, arch: string = process.arch): Platform {
  const os = platform === 'win32' ? 'windows' : platform === 'darwin' ? 'darwin' : platform === 'linux' ? 'linux' : undefined;
  const cpu = arch === 'x64' ? 'amd64' : arch === 'arm64' ? 'arm64' : undefined;
  if (!os || !cpu) throw new Error(`fctl plugins are published for linux, darwin and windows on amd64 and arm64, not for ${platform}-${arch}`);
  return { os, arch: cpu };
}

export function binaryFileName(plugin: string, platform: Platform): string {
  return `fctl-plugin-${plugin}-${platform.os}-${platform.arch}${platform.os === 'windows' ? '.exe' : ''}`;
}
