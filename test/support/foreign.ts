// Running plugin binaries built for other platforms: linux-arm64 under qemu-user, windows under
// Wine. Each gets a small launcher script that fctl starts as if it were the plugin itself.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

function launcher(name: string, script: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'launcher-')), name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

export function qemuArm64Launcher(binary: string): string {
  return launcher('fctl-plugin-ledger', `exec qemu-aarch64-static -L /usr/aarch64-linux-gnu ${JSON.stringify(binary)} "$@"`);
}

/** A Wine prefix set to Windows 10 (Node refuses older Windows versions). */
export function createWinePrefix(): string {
  const prefix = mkdtempSync(join(tmpdir(), 'wine-'));
  const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all' };
  execFileSync('wineboot', ['--init'], { env, stdio: 'ignore', timeout: 120_000 });
  execFileSync('wine', ['reg', 'add', 'HKEY_CURRENT_USER\\Software\\Wine', '/v', 'Version', '/d', 'win10', '/f'], { env, stdio: 'ignore', timeout: 60_000 });
  execFileSync('wineserver', ['-w'], { env, stdio: 'ignore', timeout: 60_000 });
  return prefix;
}

/** Wine sees the Linux file system as drive Z:. */
const windowsPath = (path: string) => `Z:${path.replaceAll('/', '\\')}`;

export function wineLauncher(binary: string, prefix: string): string {
  // Works around a Wine 8 defect that breaks fetch (see wine-keepalive.cjs); nothing else is changed.
  const preload = windowsPath(fileURLToPath(new URL('./wine-keepalive.cjs', import.meta.url)));
  const env = `WINEPREFIX=${JSON.stringify(prefix)} WINEDEBUG=-all NODE_OPTIONS=${JSON.stringify(`--require ${preload}`)}`;
  return launcher('fctl-plugin-ledger', `${env} exec wine ${JSON.stringify(binary)} "$@"`);
}

/** A PE32+ DLL whose only export forwards `name` to `target` ("dll.Function"): headers and one .edata section. */
function forwarderDll(dllName: string, name: string, target: string): Buffer {
  const file = Buffer.alloc(0x400);
  const [sectionRva, sectionOffset] = [0x1000, 0x200];
  // The export directory (40 bytes), its three one-entry tables, then the strings.
  const strings = [dllName, name, target].map((text) => Buffer.from(`${text}\0`, 'latin1'));
  const at = { functions: 40, names: 44, ordinals: 48, dllName: 50 };
  const nameAt = at.dllName + strings[0]!.length;
  const targetAt = nameAt + strings[1]!.length;
  const size = targetAt + strings[2]!.length;
  const data = file.subarray(sectionOffset);
  data.writeUInt32LE(sectionRva + at.dllName, 12);
  data.writeUInt32LE(1, 16); // ordinal base
  data.writeUInt32LE(1, 20); // functions
  data.writeUInt32LE(1, 24); // names
  data.writeUInt32LE(sectionRva + at.functions, 28);
  data.writeUInt32LE(sectionRva + at.names, 32);
  data.writeUInt32LE(sectionRva + at.ordinals, 36);
  data.writeUInt32LE(sectionRva + targetAt, at.functions); // inside the export directory: a forwarder
  data.writeUInt32LE(sectionRva + nameAt, at.names);
  data.writeUInt16LE(0, at.ordinals);
  Buffer.concat(strings).copy(data, at.dllName);

  file.write('MZ', 0, 'latin1');
  file.writeUInt32LE(0x40, 0x3c);
  file.write('PE\0\0', 0x40, 'latin1');
  const coff = 0x44;
  file.writeUInt16LE(0x8664, coff); // x86-64
  file.writeUInt16LE(1, coff + 2); // one section
  file.writeUInt16LE(240, coff + 16); // PE32+ optional header size
  file.writeUInt16LE(0x2022, coff + 18); // executable image, large address aware, DLL
  const opt = coff + 20;
  file.writeUInt16LE(0x20b, opt);
  file.writeUInt32LE(0x200, opt + 8); // initialized data
  file.writeBigUInt64LE(0x180000000n, opt + 24); // image base
  file.writeUInt32LE(0x1000, opt + 32); // section alignment
  file.writeUInt32LE(0x200, opt + 36); // file alignment
  file.writeUInt16LE(6, opt + 40); // OS version 6.0
  file.writeUInt16LE(6, opt + 48); // subsystem version 6.0
  file.writeUInt32LE(0x2000, opt + 56); // image size
  file.writeUInt32LE(0x200, opt + 60); // headers size
  file.writeUInt16LE(3, opt + 68); // console subsystem
  file.writeBigUInt64LE(0x100000n, opt + 72);
  file.writeBigUInt64LE(0x1000n, opt + 80);
  file.writeBigUInt64LE(0x100000n, opt + 88);
  file.writeBigUInt64LE(0x1000n, opt + 96);
  file.writeUInt32LE(16, opt + 108); // data directories
  file.writeUInt32LE(sectionRva, opt + 112); // the export directory
  file.writeUInt32LE(size, opt + 116);
  const section = opt + 240;
  file.write('.edata', section, 'latin1');
  file.writeUInt32LE(size, section + 8);
  file.writeUInt32LE(sectionRva, section + 12);
  file.writeUInt32LE(0x200, section + 16);
  file.writeUInt32LE(sectionOffset, section + 20);
  file.writeUInt32LE(0x40000040, section + 36); // initialized data, readable
  return file;
}

/**
 * A Wine prefix in which Go's Windows runtime starts. Wine 8 has no bcryptprimitives.dll, which Go's
 * Windows runtime loads at start for ProcessPrng (Windows 10 has it); the prefix gets a DLL made here
 * with no code: one export, ProcessPrng, forwarded to advapi32's SystemFunction036 (RtlGenRandom,
 * the same call shape).
 */
export function goWinePrefix(): string {
  const prefix = createWinePrefix();
  writeFileSync(join(prefix, 'drive_c', 'windows', 'system32', 'bcryptprimitives.dll'), forwarderDll('bcryptprimitives.dll', 'ProcessPrng', 'advapi32.SystemFunction036'));
  return prefix;
}
