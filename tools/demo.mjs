#!/usr/bin/env node
// `npm run demo`: the main job on an embedded default, with no external service. Starts the
// example ledger service (v3.2.0) on 127.0.0.1, gives fctl a fresh configuration with a profile
// for it, installs the example plugin from its source directory, and runs
// `fctl ledger transactions list`, which prints the table rendered from the plugin's data.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'fctl-demo-'));
const env = { ...process.env, FCTL_CONFIG_DIR: join(work, 'config') };

function fctl(...args) {
  console.log(`\n$ fctl ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [join(root, 'packages/core/bin/fctl.js'), ...args], { stdio: 'inherit', env, cwd: root });
  if (result.status !== 0) throw new Error(`fctl ${args.join(' ')} exited with ${result.status}`);
}

const service = spawn(process.execPath, [join(root, 'examples/ledger/dist/server.js'), '--version', '3.2.0', '--port', '0', '--data', join(work, 'ledger.json')], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
try {
  const url = await new Promise((resolve, reject) => {
    service.on('exit', (code) => reject(new Error(`the example service exited with ${code}`)));
    createInterface({ input: service.stdout }).on('line', (line) => {
      console.log(line);
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) resolve(match[1]);
    });
  });
  fctl('profile', 'add', 'demo', '--stack-url', url, '--use');
  fctl('plugin', 'install', 'ledger', '--path', 'examples/ledger/cmd/fctl-plugin');
  fctl('ledger', 'transactions', 'list');
} catch (error) {
  console.error(`demo failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  service.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
