#!/usr/bin/env node
// Debian packages the tests need: qemu-user for linux-arm64 binaries and Wine for windows-amd64,
// openssl, independent readers of what the build writes (wrestool for PE resources, readelf for
// ELF notes), a real OCI registry and clients to cross-check it (docker-registry, skopeo,
// htpasswd; oras below), shellcheck (actionlint checks workflow scripts with it), tinyproxy (a real
// proxy for the HTTP layer's tests).
// Installed when missing (CI runs as root); otherwise says what to install.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const needs = [
  { check: '/usr/bin/qemu-aarch64-static', packages: ['qemu-user-static'] },
  { check: '/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1', packages: ['libc6-arm64-cross', 'libstdc++6-arm64-cross'] },
  { check: '/usr/bin/wine', packages: ['wine', 'wine64'] },
  { check: '/usr/bin/openssl', packages: ['openssl'] },
  { check: '/usr/bin/wrestool', packages: ['icoutils'] },
  { check: '/usr/bin/readelf', packages: ['binutils'] },
  { check: '/usr/bin/docker-registry', packages: ['docker-registry'] },
  { check: '/usr/bin/skopeo', packages: ['skopeo'] },
  { check: '/usr/bin/htpasswd', packages: ['apache2-utils'] },
  { check: '/usr/bin/shellcheck', packages: ['shellcheck'] },
  { check: '/usr/bin/tinyproxy', packages: ['tinyproxy'] },
  // The compatibility matrix's HTML report is checked in a real browser (test/e2e/matrix-report).
  { check: '/usr/bin/chromium', packages: ['chromium'] },
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

// Go programs not packaged by Debian, built once into .tools/bin from the Go module proxy at the
// versions the tests were written against: oras cross-checks OCI artifacts, actionlint checks the
// GitHub Actions workflows the plugin generator writes, cosign 2 and 3 verify the release signature
// in both its forms (each in .tools/cosign/<version>/, both binaries being named cosign).
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const goTools = [
  { name: 'oras', module: 'oras.land/oras/cmd/oras', version: 'v1.3.6' },
  { name: 'actionlint', module: 'github.com/rhysd/actionlint/cmd/actionlint', version: 'v1.7.12' },
  { name: 'cosign', module: 'github.com/sigstore/cosign/v2/cmd/cosign', version: 'v2.6.5', dir: join('cosign', 'v2.6.5') },
  { name: 'cosign', module: 'github.com/sigstore/cosign/v3/cmd/cosign', version: 'v3.1.3', dir: join('cosign', 'v3.1.3') },
];
for (const tool of goTools) {
  const bin = join(repoRoot, '.tools', tool.dir ?? 'bin');
  if (existsSync(join(bin, tool.name))) continue;
  console.error(`test setup: installing ${tool.name} ${tool.version} into ${bin} (go install)`);
  try {
    execFileSync('go', ['install', `${tool.module}@${tool.version}`], { stdio: 'inherit', env: { ...process.env, GOBIN: bin } });
  } catch (error) {
    console.error(`test setup: cannot install ${tool.name} (${error.message}); it needs Go 1.23 or later on PATH`);
    process.exit(1);
  }
}
