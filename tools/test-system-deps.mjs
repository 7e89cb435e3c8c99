#!/usr/bin/env node
// Debian packages the tests need: qemu-user for linux-arm64 binaries and Wine for windows-amd64,
// openssl, and independent readers of what the build writes (wrestool for PE resources, readelf
// for ELF notes). Installed when missing (CI runs as root); otherwise says what to install.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needs = [
  { check: '/usr/bin/qemu-aarch64-static', packages: ['qemu-user-static'] },
  { check: '/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1', packages: ['libc6-arm64-cross', 'libstdc++6-arm64-cross'] },
  { check: '/usr/bin/wine', packages: ['wine', 'wine64'] },
  { check: '/usr/bin/openssl', packages: ['openssl'] },
  { check: '/usr/bin/wrestool', packages: ['icoutils'] },
  { check: '/usr/bin/readelf', packages: ['binutils'] },
];
const missing = needs.filter((need) => !existsSync(need.check)).flatMap((need) => need.packages);
if (missing.length) {
  if (process.getuid?.() !== 0) {
    console.error(`test setup: missing Debian packages ${missing.join(' ')}; install them with: sudo apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
  console.error(`test setup: installing ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
}
