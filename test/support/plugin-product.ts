// A plugin released the way its authors release it: a product repository (an example's
// cmd/fctl-plugin copied into a fresh git repository whose package.json carries the version, the
// plugin's too), an fctl-plugin.json "release" section naming the backends and a registry file,
// then `fctl-kit build --targets host` (a real self-contained build, checksums.txt listing
// scenarios.yaml, signed) and `fctl-kit release --build-dir` (verified, published, the version
// registered with its protocolVersions). Builds of several products may run at once; releases that
// register in one registry file run one after the other. `edit` changes the plugin's sources
// before anything is committed (a broken release).
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fctlKit, type ExecResult } from './exec.js';
import { repoRoot } from './paths.js';

export interface PluginProduct {
  /** examples/<example>, whose cmd/fctl-plugin is released. */
  example: 'ledger' | 'payments';
  version: string;
  /** The release section's backends, e.g. { backend: 'url', to: 'http://127.0.0.1:PORT' }. */
  backends: Array<Record<string, string>>;
  /** The registry file every release registers in. */
  registryFile: string;
  signingKey: string;
  /** Edits the copied plugin directory before anything is committed or built. */
  edit?: (pluginDir: string) => void;
}

/** Where buildPlugin writes and releasePlugin releases from. */
export const productBuildDir = (dir: string) => join(dir, 'cmd', 'fctl-plugin', 'dist', 'release');

/** The product repository in `dir`, committed. */
export function preparePluginProduct(dir: string, product: PluginProduct): void {
  const plugin = join(dir, 'cmd', 'fctl-plugin');
  cpSync(join(repoRoot, 'examples', product.example, 'cmd', 'fctl-plugin'), plugin, { recursive: true, filter: (path) => !/[\\/](dist|node_modules)$/.test(path) });
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: product.example, version: product.version, private: true }));
  const pluginPackage = JSON.parse(readFileSync(join(plugin, 'package.json'), 'utf8')) as { version: string };
  writeFileSync(join(plugin, 'package.json'), JSON.stringify({ ...pluginPackage, version: product.version }, null, 2));
  const config = JSON.parse(readFileSync(join(plugin, 'fctl-plugin.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(plugin, 'fctl-plugin.json'), JSON.stringify({ ...config, release: { backends: product.backends, registry: { file: relative(plugin, product.registryFile) } } }, null, 2));
  writeFileSync(join(dir, 'release.key'), product.signingKey);
  writeFileSync(join(dir, '.gitignore'), 'node_modules\ndist\nrelease.key\n');
  product.edit?.(plugin);
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, stdio: 'pipe' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', `${product.example} ${product.version}`);
}

export const buildPlugin = (dir: string, env: NodeJS.ProcessEnv = {}): Promise<ExecResult> =>
  fctlKit(['build', 'cmd/fctl-plugin', '--targets', 'host', '--signing-key', 'release.key', '--out', productBuildDir(dir)], { cwd: dir, env });

/** `env`: e.g. DOCKER_CONFIG pointing nowhere, so the OCI backend pushes anonymously whatever the machine has. */
export const releasePlugin = (dir: string, env: NodeJS.ProcessEnv = {}): Promise<ExecResult> =>
  fctlKit(['release', 'cmd/fctl-plugin', '--build-dir', productBuildDir(dir), '--signing-key', 'release.key'], { cwd: dir, env });
