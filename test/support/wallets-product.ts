// The Go example product (examples/wallets) as the repository it stands for: its files in a fresh
// git repository, the SDK `replace` pointed at this repository's sdk/go (an absolute path), the
// version from the `vX.Y.Z` tag on HEAD instead of the VERSION file, and an fctl-plugin.json
// "release" section naming the backends and the registry file. One commit, tagged. And the
// service itself, started from its build.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './paths.js';

export interface WalletsProduct {
  /** The release tag of the one commit, e.g. v1.0.0. */
  tag: string;
  /** The release section's backends, e.g. { backend: 'oci', to: '127.0.0.1:PORT/plugins/wallets' }. */
  backends: Array<Record<string, string>>;
  registryFile: string;
}

/** Writes the repository into `dir`; returns its plugin directory. */
export function prepareWalletsProduct(dir: string, product: WalletsProduct): string {
  cpSync(join(repoRoot, 'examples', 'wallets'), dir, { recursive: true, filter: (path) => basename(path) !== 'dist' });
  execFileSync('go', ['mod', 'edit', `-replace=github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go=${join(repoRoot, 'sdk', 'go')}`], { cwd: dir, env: { ...process.env, GOTOOLCHAIN: 'local' } });
  rmSync(join(dir, 'VERSION'));
  const plugin = join(dir, 'cmd', 'fctl-plugin');
  const config = JSON.parse(readFileSync(join(plugin, 'fctl-plugin.json'), 'utf8')) as Record<string, unknown>;
  const release = { backends: product.backends, registry: { file: product.registryFile } };
  writeFileSync(join(plugin, 'fctl-plugin.json'), `${JSON.stringify({ ...config, version: { source: 'git-tag' }, release }, null, 2)}\n`);
  writeFileSync(join(dir, '.gitignore'), 'dist\n*.key\n');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, stdio: 'pipe' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', `wallets ${product.tag}`);
  git('tag', product.tag);
  return plugin;
}

export interface WalletsService {
  child: ChildProcess;
  url: string;
  /** What it printed first: "wallets service vX.Y.Z listening on http://...". */
  line: string;
}

/** Starts the built service (cmd/server) and waits for its "listening on" line. */
export function startWalletsService(binary: string, version: string, token: string): Promise<WalletsService> {
  const child = spawn(binary, ['--version', version, '--port', '0', '--token', token], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`the wallets service exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      const match = /listening on (http:\/\/\S+)$/.exec(line);
      if (match) resolve({ child, url: match[1]!, line });
      else reject(new Error(`the wallets service printed ${JSON.stringify(line)}`));
    });
  });
}

/** Stops the service and waits for it to exit. */
export async function stopWalletsService(service: WalletsService | undefined): Promise<void> {
  if (!service || service.child.exitCode !== null) return;
  const exited = new Promise((resolve) => service.child.once('exit', resolve));
  service.child.kill('SIGTERM');
  await exited;
}
