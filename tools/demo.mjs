#!/usr/bin/env node
// `npm run demo`: the main job on an embedded default, with no external service. The example
// product (examples/ledger) releases its plugin - version = the service's 3.2.0, built for this
// machine, signed, published to a local url directory, registered in a registry file; its
// compatibility scenarios pass (fctl runs the built binary against a stub stack) - and fctl,
// with a fresh configuration pointed at that registry and a profile for the example ledger service
// on 127.0.0.1, installs the version that stack needs (verified) and runs
// `fctl ledger transactions list`, rendering the plugin's data as a table.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'fctl-demo-'));
const env = { ...process.env, FCTL_CONFIG_DIR: join(work, 'config') };
const releases = join(root, 'examples/ledger/dist/plugin-releases');
const registry = join(root, 'examples/ledger/dist/registry.yaml');

function run(name, bin, args, extraEnv = {}) {
  console.log(`\n$ ${name} ${args.join(' ')}`);
  // fctl-kit's JSON summaries are for machines: the demo shows its progress lines (stderr).
  const stdio = name === 'fctl' || args[0] === 'compat' ? 'inherit' : ['ignore', 'ignore', 'inherit'];
  const result = spawnSync(process.execPath, [join(root, bin), ...args], { stdio, env: { ...env, ...extraEnv }, cwd: root });
  if (result.status !== 0) throw new Error(`${name} ${args.join(' ')} exited with ${result.status}`);
}
const fctl = (...args) => run('fctl', 'packages/core/bin/fctl.js', args);
const fctlKit = (args, extraEnv) => run('fctl-kit', 'packages/cli/bin/fctl-kit.js', args, extraEnv);

const service = spawn(process.execPath, [join(root, 'examples/ledger/dist/server.js'), '--version', '3.2.0', '--port', '0', '--data', join(work, 'ledger.json')], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
try {
  // A fresh registry and release directory each run (the release itself would skip what exists).
  rmSync(releases, { recursive: true, force: true });
  mkdirSync(dirname(registry), { recursive: true });
  writeFileSync(registry, '# The demo registry, written by npm run demo\nplugins: {}\n');
  fctlKit(['keygen', '--out', join(work, 'publisher')]);
  fctlKit(['release', 'examples/ledger/cmd/fctl-plugin', '--targets', 'host', '--out', join(work, 'build'), '--signing-key', join(work, 'publisher.key')]);
  fctlKit(['compat', 'examples/ledger/cmd/fctl-plugin', '--build-dir', join(work, 'build')]);

  const url = await new Promise((resolve, reject) => {
    service.on('exit', (code) => reject(new Error(`the example service exited with ${code}`)));
    createInterface({ input: service.stdout }).on('line', (line) => {
      console.log(line);
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) resolve(match[1]);
    });
  });
  fctl('plugin', 'registry', 'set', 'examples/ledger/dist/registry.yaml');
  fctl('profile', 'add', 'demo', '--stack-url', url, '--use');
  fctl('plugin', 'install', 'ledger');
  fctl('ledger', 'transactions', 'list');
} catch (error) {
  console.error(`demo failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  service.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
