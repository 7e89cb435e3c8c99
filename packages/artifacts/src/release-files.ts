// The files of a plugin release and their names (RFC 0002): fctl-plugin-{name}-{os}-{arch}[.exe],
// checksums.txt, and its detached signature checksums.txt.sig. The one set of naming rules for
// the builder, the publishers and the installer.
export const CHECKSUMS_FILE = 'checksums.txt';
export const SIGNATURE_FILE = 'checksums.txt.sig';

export type Os = 'linux' | 'darwin' | 'windows';
export type Arch = 'amd64' | 'arm64';
export interface Platform {
  os: Os;
  arch: Arch;
}

/** Every platform a plugin is published for. */
export const PLATFORMS: readonly Platform[] = (['linux', 'darwin', 'windows'] as const).flatMap((os) => (['amd64', 'arm64'] as const).map((arch) => ({ os, arch })));

/** "linux-amd64": how a platform is named in target lists, runtime locks and file names. */
export const platformId = (platform: Platform): string => `${platform.os}-${platform.arch}`;

/** Node's names for this machine as a release platform; undefined where no plugin is published. */
export function platformOf(platform: NodeJS.Platform = process.platform, arch: string = process.arch): Platform | undefined {
  const os = platform === 'win32' ? 'windows' : platform === 'darwin' ? 'darwin' : platform === 'linux' ? 'linux' : undefined;
  const cpu = arch === 'x64' ? 'amd64' : arch === 'arm64' ? 'arm64' : undefined;
  return os && cpu ? { os, arch: cpu } : undefined;
}

export function currentPlatform(platform: NodeJS.Platform = process.platform, arch: string = process.arch): Platform {
  const found = platformOf(platform, arch);
  if (!found) throw new Error(`fctl plugins are published for linux, darwin and windows on amd64 and arm64, not for ${platform}-${arch}`);
  return found;
}

/** fctl-plugin-{name}-{os}-{arch}[.exe]; throws when `plugin` would not make a release file name. */
export function binaryFileName(plugin: string, platform: Platform): string {
  const name = `fctl-plugin-${plugin}-${platformId(platform)}${platform.os === 'windows' ? '.exe' : ''}`;
  if (!isReleaseFileName(name)) throw new Error(`${JSON.stringify(plugin)} is not a plugin name (a-z, 0-9 and "-")`);
  return name;
}

/**
 * A file name a release may hold (a checksums.txt entry, a published or downloaded file): one
 * portable path component of letters, digits, ".", "_", "+" and "-", starting with a letter or
 * digit and not ending with "." (Windows drops it), and not a Windows device name (CON, nul.txt,
 * COM1...). So it can never climb out of a directory, be hidden, read as an option, carry control
 * characters, or mean another file on another OS.
 */
const RELEASE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,254}$/;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/i;

export const isReleaseFileName = (name: string): boolean => RELEASE_FILE_NAME.test(name) && !name.endsWith('.') && !WINDOWS_DEVICE.test(name);
