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
