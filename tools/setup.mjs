#!/usr/bin/env node
// Makes a checkout ready: installs npm dependencies when the lock file changed since the last
// install (npm ci), then builds every package (Nx caches unchanged ones).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (command, args) => execFileSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } });

const lockHash = createHash('sha256').update(readFileSync(join(root, 'package-lock.json'))).digest('hex');
const marker = join(root, 'node_modules', '.fctl-kit-installed');
if (!existsSync(marker) || readFileSync(marker, 'utf8') !== lockHash) {
  console.error('setup: installing npm dependencies (npm ci)');
  run(npm, ['ci', '--no-audit', '--no-fund']);
  writeFileSync(marker, lockHash);
}
console.error('setup: building packages');
run(process.execPath, [join(root, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), 'run-many', '-t', 'build', '--output-style=static']);
